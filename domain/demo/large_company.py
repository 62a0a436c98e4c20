"""The `large` history's cast, read from the database once: the finished goods each factory makes (with recipes and
prices in storage units), the factories, distributors and retailers (who supplies whom), and the demo logins that
act in the history. Also each customer's habits, drawn from the seed: how often a retailer orders, what it stocks,
how promptly it pays."""

from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from sqlmodel import col, select

from domain.db import reading
from domain.demo.history import FACTORY_RUNS
from domain.demo.sales_history import SUPPLY
from domain.models import Party, PartyKind, Product, ProductKind, RecipeLine
from domain.models.users import User

# A customer's habit of paying: (share of customers, days after the due date from, to, share of a payment made).
PAYERS: dict[str, tuple[float, int, int]] = {"prompt": (0.70, -3, 0), "late": (0.22, 3, 40), "chronic": (0.08, 30, 100)}
CYCLES = (2, 2, 2, 3)  # days between a retailer's orders


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per product
class Good:
    """A finished good, money in cents and the recipe in thousandths per unit."""

    id: int
    sku: str
    prices: tuple[int, int, int]  # factory -> distributor, distributor -> retailer, retail (cents)
    cost: int  # standard cost, cents
    shelf: int
    recipe: tuple[tuple[int, Decimal], ...]  # (material id, qty per unit)
    unit_cost: Decimal  # material cost of one unit, KES (waste cost)
    weight: int  # how much of a retailer's range it is (white bread sells most)


@dataclass(frozen=True)
class Material:
    id: int
    cost: int  # cents


@dataclass
class Customer:
    id: int
    code: str
    path: str
    terms: int
    payer: str
    factory: int = 0
    distributor: int = 0  # retailers: who supplies them
    parity: int = 0  # distributors: deliveries on days of this parity
    cycle: int = 2  # retailers: days between orders
    offset: int = 0
    range: tuple[Good, ...] = ()
    weights: tuple[int, ...] = ()
    retailers: list["Customer"] = field(default_factory=list)


@dataclass
class Company:
    goods: dict[int, Good]
    materials: dict[int, Material]
    factories: dict[int, tuple[str, str, tuple[Good, ...]]]  # id -> (code, path, what it makes)
    distributors: list[Customer]
    retailers: list[Customer]
    users: dict[str, int | None]  # demo username -> user id


def _cents(value: Decimal) -> int:
    return int(value * 100)


def _weight(sku: str) -> int:
    return 6 if sku == "BRD-WHITE-400" else 3 if sku.startswith("BRD-") else 1


def read_company(seed: int) -> Company:
    with reading() as session:
        products = list(session.exec(select(Product)))
        recipes: dict[int, list[tuple[int, Decimal]]] = {}
        for line in session.exec(select(RecipeLine).order_by(col(RecipeLine.id))):
            recipes.setdefault(line.product_id, []).append((line.material_id, line.qty_per_unit))
        parties = list(session.exec(select(Party).where(col(Party.is_active).is_(True)).order_by(col(Party.id))))
        users = {u.username: u.id for u in session.exec(select(User))}
    materials = {p.id: Material(p.id, _cents(p.standard_cost)) for p in products
                 if p.kind is not ProductKind.FINISHED and p.id is not None}
    by_sku: dict[str, Good] = {}
    for p in products:
        if p.kind is ProductKind.FINISHED and p.id is not None and p.id in recipes:
            recipe = tuple(recipes[p.id])
            unit_cost = sum((per * (materials[m].cost / Decimal(100)) for m, per in recipe), Decimal(0))
            by_sku[p.sku] = Good(p.id, p.sku, (_cents(p.price_distributor), _cents(p.price_retailer),
                                               _cents(p.price_retail)), _cents(p.standard_cost),
                                 p.shelf_life_days or 3, recipe, unit_cost, _weight(p.sku))
    rng = Random(f"chesanto-large/{seed}/customers")
    factories: dict[int, tuple[str, str, tuple[Good, ...]]] = {}
    region_factory: dict[str, int] = {}
    for p in parties:
        if p.kind is PartyKind.FACTORY and p.code in FACTORY_RUNS and p.id is not None:
            makes = tuple(by_sku[run.sku] for run in FACTORY_RUNS[p.code] if run.sku in by_sku)
            factories[p.id] = (p.code, p.territory_path, makes)
            region_factory.update(dict.fromkeys(SUPPLY.get(p.code, ()), p.id))

    def payer() -> str:
        draw, total = rng.random(), 0.0
        for kind, (share, _, _) in PAYERS.items():
            total += share
            if draw < total:
                return kind
        return "prompt"

    distributors: dict[int, Customer] = {}
    for p in parties:
        region = p.code.split("-")[1] if p.code.count("-") >= 2 else ""
        if p.kind is PartyKind.DISTRIBUTOR and region in region_factory and p.id is not None:
            distributors[p.id] = Customer(p.id, p.code, p.territory_path, p.payment_terms_days,
                                          "late" if rng.random() < 0.2 else "prompt",
                                          factory=region_factory[region], parity=len(distributors) % 2)
    retailers: list[Customer] = []
    for p in parties:
        supplier = distributors.get(p.parent_distributor_id or 0)
        if p.kind is PartyKind.RETAILER and supplier is not None and p.id is not None:
            makes = factories[supplier.factory][2]
            size = min(len(makes), rng.randint(6, 9))
            chosen = sorted(rng.sample(makes, size) if len(makes) > size else makes, key=lambda g: g.id)
            if makes[0] not in chosen:
                chosen[0] = makes[0]
            cycle = rng.choice(CYCLES)
            customer = Customer(p.id, p.code, p.territory_path, p.payment_terms_days, payer(),
                                factory=supplier.factory, distributor=supplier.id, cycle=cycle,
                                offset=rng.randrange(cycle), range=tuple(chosen),
                                weights=tuple(g.weight for g in chosen))
            supplier.retailers.append(customer)
            retailers.append(customer)
    return Company(by_sku and {g.id: g for g in by_sku.values()}, materials, factories,
                   [d for d in distributors.values() if d.retailers], retailers, users)
