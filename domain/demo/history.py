"""The demo's recent past: production at the three factories and the trade that follows it, over the last `days` days
(90 for the demo), day by day up to yesterday, each through its service — so the ledger, the batches, the orders,
the invoices, the payments and the audit trail are real.

A factory's day, in order:
1. batches that have expired there are written off (write_off_expired);
2. suppliers deliver what runs low: each supplier's materials are topped up to a few weeks' use (bulk materials
   about ten days) when one falls below a few days' cover or below what the day needs (receive_goods);
3. each product due that day is made in one batch on the morning or night shift (post_production_log): the plan
   follows the week (bread is baked the evening before it sells, so the plan peaks on Thursday to Saturday for
   the Friday-to-Sunday trade), 93-99 % of it comes out good, the rest rejected;
4. now and then the store loses a little (adjust_stock: spillage, damaged in store...);
5. everything made before that day leaves on primary orders to the distributors the factory serves, and the
   distributors sell on to their retailers, who record their sell-out: domain.demo.sales_history; customers pay
   their invoices, each in its own way: domain.demo.collections.
A factory ends the span holding about one day's production.

About once a month per factory a product does not sell: distributors take only part of one batch, its production
pauses until the rest has expired, and step 1 writes that off.

Each factory runs at UTILISATION of its lines' capacity (FACTORY_RUNS): a quarter to a half, what its market takes
on credit as customers pay, within a seed of two to three minutes (sales_history explains).

Deterministic from the seed (each factory-day draws from its own generator, keyed by the date) and done once:
skipped whenever any production log exists (so a run stopped half-way is not resumed: start from a new database).
Never in production.

Cost: every log, line and document goes through its service (~5-10 ms of CPU a log or a payment on SQLite, ~5-15 ms
an order step), so 90 days are about 1,560 logs, 4,600 orders, 2,100 payments and 31,000 moves: hence one batch per
product and day, the smaller lines made on set weekdays, and the trade sampled (sales_history).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from random import Random
from typing import Any

from sqlalchemy import distinct, func, select

from domain.access import SYSTEM
from domain.db import reading
from domain.demo.parties import FACTORIES
from domain.demo.reads import balances, demo_actor, expired_batches
from domain.demo.sales_history import SalesHistory
from domain.demo.users import refuse_in_production
from domain.models import MoveKind, OrderLine, OrderTier, PartyKind, Product, ProductKind, StockMove
from domain.models.finance import Invoice, Payment
from domain.models.production import ProductionLog, RejectReason, Shift
from domain.models.sales import Order
from domain.services.expiry import write_off_expired
from domain.services.inventory import adjust_stock, receive_goods
from domain.services.parties import list_parties
from domain.services.production import post_production_log, today
from domain.services.products import get_recipe, list_products

HISTORY_DAYS = 90
WEEK = frozenset(range(7))
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# Planned output by weekday (Monday first). Bread is baked the evening before it sells: the plan peaks on Thursday
# to Saturday for the Friday-to-Sunday trade; the rest follows less so.
BREAD_WEEK = (0.92, 0.95, 1.00, 1.15, 1.22, 1.12, 0.95)
OTHER_WEEK = (0.95, 0.97, 1.00, 1.05, 1.10, 1.05, 0.97)


@dataclass(frozen=True)
class Run:
    """A product a factory makes: the planned units of one batch on an ordinary day, and the weekdays it is made."""

    sku: str
    qty: int
    weekdays: frozenset[int] = WEEK


def on(*weekdays: int) -> frozenset[int]:
    return frozenset(weekdays)


# What each factory makes. Bread and buns daily (or on set days for the smaller lines), cakes twice a week.
FACTORY_RUNS: dict[str, tuple[Run, ...]] = {
    "FAC-NRB": (
        Run("BRD-WHITE-400", 6000), Run("BRD-WHITE-800", 3000), Run("BRD-BROWN-400", 1500),
        Run("BRD-WHITE-600", 2400, on(MON, WED, FRI, SAT)), Run("BRD-TOAST-400", 1200, on(TUE, THU, SAT)),
        Run("BRD-SANDWICH-1000", 700, on(MON, THU, SAT)), Run("BRD-FAMILY-1500", 600, on(FRI, SAT, SUN)),
        Run("BUN-BURGER-4", 900, on(TUE, FRI, SUN)), Run("BUN-HOTDOG-6", 700, on(WED, SAT)),
        Run("CKE-VANILLA-500", 300, on(TUE, FRI)), Run("CKE-CHOCOLATE-500", 250, on(WED, SAT)),
    ),
    "FAC-ELD": (
        Run("BRD-WHITE-400", 3500), Run("BRD-BROWN-800", 1200), Run("BUN-PLAIN-6", 1000),
        Run("BRD-WHOLEMEAL-600", 900, on(MON, WED, FRI, SAT)), Run("BRD-FAMILY-1500", 500, on(TUE, FRI, SUN)),
        Run("BRD-MILK-400", 800, on(MON, THU, SAT)), Run("BUN-SWEET-6", 700, on(TUE, THU, SAT)),
        Run("SNK-SCONES-4", 500, on(MON, WED, FRI)), Run("CKE-MARBLE-400", 250, on(TUE, FRI)),
        Run("CKE-FRUIT-1000", 80, on(THU,)),
    ),
    "FAC-MSA": (
        Run("BRD-WHITE-400", 3000), Run("SNK-MANDAZI-10", 1200), Run("SNK-CHAPATI-5", 900),
        Run("BRD-WHITE-600", 1200, on(MON, WED, FRI, SAT)), Run("BRD-MILK-400", 700, on(TUE, FRI, SUN)),
        Run("BUN-SWEET-6", 800, on(MON, THU, SAT)), Run("BUN-DINNER-12", 400, on(WED, SAT)),
        Run("SNK-DOUGHNUTS-4", 600, on(TUE, FRI, SUN)), Run("SNK-RAISIN-SCONES-4", 400, on(MON, THU)),
        Run("CKE-QUEEN-6", 350, on(WED, SAT)),
    ),
}


# The share of its lines' capacity each factory runs at, in proportion to the credit of the retailers its distributors
# supply (sales_history.SUPPLY says which regions each serves), who pay as domain.demo.collections says. Higher would
# cost the seed time (orders are its main cost), and from ~0.4 at Nairobi its distributors throw bread away.
UTILISATION: dict[str, Decimal] = {"FAC-NRB": Decimal("0.28"), "FAC-ELD": Decimal("0.46"),
                                   "FAC-MSA": Decimal("0.26")}


@dataclass(frozen=True)
class Supplier:
    name: str
    note_prefix: str  # of its delivery notes
    cover_days: int  # deliver when a material falls below this many days of use
    stock_days: int  # and bring each of its materials up to this many days of use
    skus: tuple[str, ...]


SUPPLIERS: tuple[Supplier, ...] = (
    Supplier("Unga Ltd", "UNGA", 3, 10, ("RM-FLOUR", "RM-FLOUR-WM")),
    Supplier("Mumias Sugar", "MSC", 3, 12, ("RM-SUGAR",)),
    Supplier("Bidco", "BIDCO", 4, 14, ("RM-VEG-FAT", "RM-OIL")),
    Supplier("Kapa Oil Refineries", "KAPA", 4, 14, ("RM-MARGARINE",)),
    Supplier("Kenchic", "KCH", 3, 7, ("RM-EGGS",)),
    Supplier("Brookside Dairy", "BDL", 5, 21, ("RM-MILK-POWDER",)),
    Supplier("Kensalt", "KSL", 7, 30, ("RM-SALT",)),
    Supplier("Bakels East Africa", "BKL", 7, 30, ("RM-YEAST", "RM-IMPROVER", "RM-PRESERVATIVE", "RM-BAKING-POWDER")),
    Supplier("Kenafric Industries", "KFI", 7, 30, ("RM-COCOA", "RM-RAISINS", "RM-MIXED-FRUIT", "RM-VANILLA")),
    Supplier("Kenpoly Packaging", "KPL", 4, 14,
             ("PK-BAG-400", "PK-BAG-600", "PK-BAG-800", "PK-BAG-1500", "PK-BAG-BUN", "PK-POUCH", "PK-CLIP")),
    Supplier("Packaging Industries Ltd", "PIL", 7, 28, ("PK-CAKE-BOX", "PK-CAKE-TRAY", "PK-PAPER-CUP")),
)
OTHERS = Supplier("Twiga Foods", "TWG", 5, 14, ())  # whatever an edited recipe uses that no one above supplies

REJECTS: tuple[tuple[RejectReason, int], ...] = (
    (RejectReason.BURNT, 35), (RejectReason.MISSHAPEN, 30), (RejectReason.UNDERWEIGHT, 25), (RejectReason.OTHER, 10))
OTHER_NOTES = ("power cut during the bake", "oven door seal failed", "trays dropped at the cooling rack",
               "dough over-proofed", "slicer jammed", "wrong bags used")
LOSSES = {"kg": ("spillage", "damaged in store", "water damage"), "litre": ("spillage", "leaking container"),
          "RM-EGGS": ("broken in store",), "piece": ("damaged in store", "misprinted"),
          "finished": ("damaged in store", "crushed in loading")}
FOUND = "count correction: found in store"
ONE = Decimal(1)


@dataclass
class Plant:
    """One factory as the history runs it."""

    id: int
    code: str
    runs: list[tuple[Run, Product]]
    utilisation: Decimal
    recipes: dict[int, dict[int, Decimal]]  # product id -> {material id: qty per unit}
    use: dict[int, Decimal]  # material id -> average use a day
    suppliers: list[tuple[Supplier, list[Product]]]  # who delivers which of the materials used
    slow: list[tuple[int, date, int]] = field(default_factory=list)  # (product id, day it stopped selling, shelf)
    left: dict[int, Decimal] = field(default_factory=dict)  # product id -> units distributors left behind

    def paused(self, product_id: int, day: date) -> bool:
        """Is the product waiting for its unsold batch to expire (neither made nor shipped)?"""
        return any(p == product_id and start < day <= start + timedelta(days=shelf) for p, start, shelf in self.slow)


def counts() -> dict[str, int]:
    """What the history is made of, as it stands in the database."""
    def documents(kind: MoveKind) -> Any:
        return select(func.count(distinct(StockMove.document))).where(StockMove.kind == kind)

    def orders(tier: OrderTier) -> Any:
        return select(func.count()).select_from(Order).where(Order.tier == tier)

    def rows(table: Any) -> Any:
        return select(func.count()).select_from(table)

    with reading() as session:
        return {
            "production logs": session.execute(rows(ProductionLog)).scalar_one(),
            "goods receipts": session.execute(documents(MoveKind.RECEIPT)).scalar_one(),
            "primary orders": session.execute(orders(OrderTier.PRIMARY)).scalar_one(),
            "secondary orders": session.execute(orders(OrderTier.SECONDARY)).scalar_one(),
            "tertiary orders": session.execute(orders(OrderTier.TERTIARY)).scalar_one(),
            "order lines": session.execute(rows(OrderLine)).scalar_one(),
            "invoices": session.execute(rows(Invoice)).scalar_one(),
            "payments": session.execute(rows(Payment)).scalar_one(),
            "write-offs": session.execute(documents(MoveKind.WASTE)).scalar_one(),
            "adjustments": session.execute(documents(MoveKind.ADJUSTMENT)).scalar_one(),
            "stock moves": session.execute(rows(StockMove)).scalar_one(),
        }


def ensure_history(*, seed: int, days: int = HISTORY_DAYS) -> dict[str, tuple[int, int]]:
    """Make the last `days` days of production and trade of the demo company, unless any production log exists.
    Returns {what: (created, present before)}, as counts() names them. Refused in production."""
    refuse_in_production()
    before = counts()
    if days > 0 and before["production logs"] == 0:
        History(seed=seed, days=days).run()
    after = counts()
    return {what: (after[what] - before[what], before[what]) for what in after}


def _step(unit: str, sku: str, per_day: Decimal) -> Decimal:
    """What a delivery is rounded up to: sacks, trays, bundles of a thousand bags."""
    if unit == "piece":
        return Decimal(30) if sku == "RM-EGGS" else Decimal(1000)
    return Decimal(50 if per_day >= 50 else 5 if per_day >= 5 else 1)


def _up(qty: Decimal, step: Decimal) -> Decimal:
    return (qty / step).to_integral_value(rounding=ROUND_CEILING) * step


def _units(value: Decimal | int, share: Decimal) -> int:
    """Whole units of `value` × `share`, rounded half up."""
    return int((Decimal(value) * share).to_integral_value(rounding=ROUND_HALF_UP))


def _share(rng: Random, low: str, high: str) -> Decimal:
    """A random share between `low` and `high`, to three decimals (exact, reproducible from the seed)."""
    return Decimal(rng.randint(int(Decimal(low) * 1000), int(Decimal(high) * 1000))) / 1000


class History:
    """The factories (what they make, from which suppliers, to which distributors) and the days to go through."""

    def __init__(self, *, seed: int, days: int) -> None:
        self.seed = seed
        end = today()
        self.days = [end - timedelta(days=n) for n in range(days, 0, -1)]
        self.producer, self.storekeeper = demo_actor("production"), demo_actor("storekeeper")
        self.products = {p.sku: p for p in list_products(SYSTEM, include_inactive=True)}
        self.by_id = {p.id: p for p in self.products.values() if p.id is not None}
        factories = {p.code: p.id for p in list_parties(SYSTEM, kind=PartyKind.FACTORY, limit=5000)}
        self.plants: list[Plant] = []
        for spec in FACTORIES:
            if spec.code not in factories:
                continue
            runs = [(run, self.products[run.sku]) for run in FACTORY_RUNS[spec.code]
                    if run.sku in self.products and self.products[run.sku].is_active]
            recipes = {p.id: {item.material_id: item.qty_per_unit for item in get_recipe(SYSTEM, product_id=p.id)}
                       for _, p in runs if p.id is not None}
            runs = [(run, p) for run, p in runs if recipes.get(p.id)]
            utilisation = UTILISATION.get(spec.code, Decimal(1))
            use = self._use(runs, recipes, utilisation)
            plant = Plant(factories[spec.code], spec.code, runs, utilisation, recipes, use, self._suppliers(use))
            self._plan_slow_sellers(plant)
            self.plants.append(plant)
        self.sales = SalesHistory(seed=seed, days=self.days, factories={p.id: p.code for p in self.plants})

    @staticmethod
    def _use(runs: list[tuple[Run, Product]], recipes: dict[int, dict[int, Decimal]], utilisation: Decimal
             ) -> dict[int, Decimal]:
        use: dict[int, Decimal] = {}
        for run, product in runs:
            week = BREAD_WEEK if product.category == "Bread" else OTHER_WEEK
            units = Decimal(str(run.qty * sum(week[d] for d in run.weekdays) / 7)) * utilisation
            for material_id, per_unit in recipes[product.id or 0].items():
                use[material_id] = use.get(material_id, Decimal(0)) + units * per_unit
        return use

    def _suppliers(self, use: dict[int, Decimal]) -> list[tuple[Supplier, list[Product]]]:
        chosen = [(supplier, [self.products[sku] for sku in supplier.skus
                              if sku in self.products and self.products[sku].id in use]) for supplier in SUPPLIERS]
        covered = {p.id for _, materials in chosen for p in materials}
        chosen.append((OTHERS, [self.by_id[m] for m in sorted(use) if m not in covered]))
        return [(supplier, materials) for supplier, materials in chosen if materials]

    def _plan_slow_sellers(self, plant: Plant) -> None:
        """About one product a month that stops selling for a while: distributors leave part of a batch, which
        expires at the factory while the product's production pauses. Buns and snacks first, never the main loaf."""
        rng = Random(f"chesanto-history/{self.seed}/{plant.code}/slow")
        short = [(run, p) for run, p in plant.runs if 0 < p.shelf_life_days <= 4]
        candidates = short or [(run, p) for run, p in plant.runs[1:] if 0 < p.shelf_life_days <= 5]
        for n in range(max(1, len(self.days) // 30)):
            if not candidates:
                return
            run, product = candidates[n % len(candidates)]
            latest = len(self.days) - product.shelf_life_days - 2  # the write-off falls inside the span
            window = range(n * 30 + 1, min(latest, n * 30 + 21) + 1)
            days = [i for i in window if self.days[i].weekday() in run.weekdays]
            if days and product.id is not None:
                plant.slow.append((product.id, self.days[rng.choice(days)], product.shelf_life_days))

    def run(self) -> None:
        for index, day in enumerate(self.days):
            for plant in self.plants:
                self._day(plant, index, day)
            self.sales.trade(day)

    def _day(self, plant: Plant, index: int, day: date) -> None:
        rng = Random(f"chesanto-history/{self.seed}/{plant.code}/{day.isoformat()}")
        for product_id, batch_no in expired_batches(plant.id, day):
            write_off_expired(self.storekeeper, location_id=plant.id, product_id=product_id, batch_no=batch_no,
                              business_date=day)
        plans = list(self._plans(plant, rng, day))
        self._deliveries(plant, rng, day, plans)
        made: dict[int, Decimal] = {}
        for fields in plans:
            log = post_production_log(self.producer, factory_id=plant.id, business_date=day, **fields)
            made[log.product_id] = log.good_qty
            if (log.product_id, day) in {(p, start) for p, start, _ in plant.slow}:  # distributors take only part
                plant.left[log.product_id] = Decimal(_units(log.good_qty, _share(rng, "0.1", "0.25")))
        if rng.random() < 0.08:
            self._loss(plant, rng, day, made)
        self._ship(plant, index, day, made)

    def _plans(self, plant: Plant, rng: Random, day: date) -> Iterator[dict[str, Any]]:
        for number, (run, product) in enumerate(plant.runs):
            if day.weekday() not in run.weekdays or plant.paused(product.id or 0, day):
                continue
            week = BREAD_WEEK if product.category == "Bread" else OTHER_WEEK
            usual = float(run.qty * plant.utilisation)
            step = 50 if usual >= 1000 else 10
            planned = max(step, round(usual * week[day.weekday()] * rng.uniform(0.95, 1.05) / step) * step)
            good = min(planned - 1, _units(planned, _share(rng, "0.93", "0.99")))  # small batches lose one too
            rejected = 0 if rng.random() < 0.08 else max(1, _units(planned, _share(rng, "0.003", "0.02")))
            reason = rng.choices([r for r, _ in REJECTS], [w for _, w in REJECTS])[0] if rejected else None
            shift = Shift.MORNING if (day.toordinal() + number) % 2 == 0 else Shift.NIGHT
            yield {
                "product_id": product.id, "shift": shift, "planned_qty": planned, "good_qty": good,
                "rejected_qty": rejected, "reject_reason": reason,
                "note": rng.choice(OTHER_NOTES) if reason is RejectReason.OTHER else None,
                "batch_no": f"{plant.code}-{day:%Y%m%d}-{shift.value[0].upper()}-{product.sku}",
            }

    def _deliveries(self, plant: Plant, rng: Random, day: date, plans: list[dict[str, Any]]) -> None:
        """Each supplier delivers when one of its materials is below its cover or below what today's batches need,
        and then brings all of them up to its stock days."""
        need: dict[int, Decimal] = {}
        for fields in plans:
            units = Decimal(fields["good_qty"] + fields["rejected_qty"])
            for material_id, per_unit in plant.recipes[fields["product_id"]].items():
                need[material_id] = need.get(material_id, Decimal(0)) + units * per_unit + Decimal("0.001")
        on_hand = balances(plant.id)
        for supplier, materials in plant.suppliers:
            used = [(m, plant.use[m.id or 0]) for m in materials]
            if all(on_hand.get(m.id or 0, 0) >= max(per_day * supplier.cover_days, need.get(m.id or 0, 0))
                   for m, per_day in used):
                continue
            lines = []
            for material, per_day in used:
                held = on_hand.get(material.id or 0, Decimal(0))
                target = max(per_day * supplier.stock_days, need.get(material.id or 0, Decimal(0)) + per_day)
                if held < target:
                    qty = _up(target - held, _step(material.unit, material.sku, per_day))
                    price = (material.standard_cost * Decimal(str(rng.uniform(0.97, 1.04)))).quantize(Decimal("0.01"))
                    lines.append({"product": material.id, "qty": qty, "unit_cost": price})
            if lines:
                receive_goods(self.storekeeper, location_id=plant.id, supplier_name=supplier.name,
                              business_date=day, lines=lines,
                              reference=f"{supplier.note_prefix}-DN-{day:%y%m%d}-{rng.randrange(100, 1000)}")

    def _loss(self, plant: Plant, rng: Random, day: date, made: dict[int, Decimal]) -> None:
        """A little stock lost in the store (or, rarely, found at a count), corrected with a reason."""
        on_hand = balances(plant.id)
        if rng.random() < 0.15:
            material = self.by_id[rng.choice(sorted(plant.use))]
            step = ONE if material.unit == "piece" else Decimal("0.5")
            found = _up(plant.use[material.id or 0] * Decimal("0.05"), step)
            adjust_stock(self.storekeeper, location_id=plant.id, product_id=material.id or 0, qty_change=found,
                         reason=FOUND, business_date=day)
            return
        unsold = {p for p, _, _ in plant.slow}
        candidates = sorted(p for p, qty in on_hand.items() if p not in unsold and qty - made.get(p, 0) >= 50)
        if not candidates:
            return
        product = self.by_id[rng.choice(candidates)]
        finished = product.kind is ProductKind.FINISHED
        spare = on_hand[product.id or 0] - made.get(product.id or 0, Decimal(0))
        lost = spare * Decimal(str(rng.uniform(0.002, 0.01)))
        if finished or product.unit == "piece":
            lost = max(ONE, lost.to_integral_value(rounding=ROUND_HALF_UP))
        else:
            lost = max(Decimal("0.5"), lost.quantize(Decimal("0.1")))
        reason = rng.choice(LOSSES["finished" if finished else product.sku if product.sku in LOSSES else product.unit])
        adjust_stock(self.storekeeper, location_id=plant.id, product_id=product.id or 0, qty_change=-lost,
                     reason=reason, business_date=day)

    def _ship(self, plant: Plant, index: int, day: date, made: dict[int, Decimal]) -> None:
        """Everything made before today leaves on primary orders, except what nobody wanted."""
        on_hand = balances(plant.id)
        ship: dict[int, Decimal] = {}
        for _, product in plant.runs:
            pid = product.id or 0
            held = plant.left.get(pid, Decimal(0)) if plant.paused(pid, day) else Decimal(0)
            qty = on_hand.get(pid, Decimal(0)) - made.get(pid, Decimal(0)) - held
            if qty > 0:
                ship[pid] = qty
        self.sales.ship(plant.id, index, day, ship)
