"""What the order form offers, scoped and permission-checked, and the live figures it shows.

- Tiers: those the actor may enter (`orders.<tier>.create`).
- Customers: distributors for primary orders, retailers for secondary and tertiary ones; active and inside the
  actor's area. A secondary order's customer must have an active supplying distributor (the seller), so retailers
  without one are not offered. For a tertiary order the "customer" is the retailer whose sell-out is recorded.
- Factories (the seller of a primary order): every active factory, company-wide — the order counts where the
  distributor is, and any factory may supply it (domain.services.orders accepts any active factory).
- Products: active finished goods with a price above zero at the tier's price (`OrderTier.price_field`).
- `quote`: line amounts and the total exactly as domain.services.orders writes them (quantity × price, half-up to
  the cent), so the page never does money arithmetic itself. The order written is still priced by the service.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain import inputs
from domain.access import Actor
from domain.db import reading
from domain.errors import ValidationFailed
from domain.models import OrderTier, PartyKind
from domain.queries import order_entry as entry_q
from domain.types import QUANTITY_PLACES

CHOICES_LIMIT = 50  # the most any picker answers at once: typing narrows the search
CENT = Decimal("0.01")
_CUSTOMER = {  # what the customer is called on each tier, and what the form says about it
    OrderTier.PRIMARY: ("Distributor", "The distributor buying from the factory."),
    OrderTier.SECONDARY: ("Retailer", "The retailer buying; its supplying distributor sells."),
    OrderTier.TERTIARY: ("Retailer", "The retailer whose sales to consumers you are recording; the stock leaves "
                                     "its shelves."),
}


@dataclass(frozen=True)
class TierChoice:
    tier: OrderTier
    label: str  # "Secondary"
    description: str  # "Distributor to retailer"
    customer: str  # what the customer is called: "Distributor" / "Retailer"
    customer_hint: str


@dataclass(frozen=True)
class CustomerChoice:
    id: int
    code: str
    name: str
    territory: str
    supplier: str | None = None  # a retailer's supplying distributor

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code}) · {self.territory}"


@dataclass(frozen=True)
class ProductChoice:
    id: int
    sku: str
    name: str
    unit: str
    price: Decimal  # the tier's price

    @property
    def label(self) -> str:
        return f"{self.name} ({self.sku})"


@dataclass(frozen=True)
class QuoteLine:
    amount: Decimal | None  # None while the product or the quantity is missing or not a positive number
    problem: str | None = None  # what is wrong with the quantity, in the words of the service ("must be more than 0")


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    total: Decimal  # of the lines that have an amount

    @property
    def complete(self) -> bool:
        return bool(self.lines) and all(line.amount is not None for line in self.lines)


def parse_tier(value: OrderTier | str | None) -> OrderTier:
    try:
        return OrderTier(str(getattr(value, "value", value) or "").strip().lower())
    except ValueError:
        raise ValidationFailed.field("Tier", "must be primary, secondary or tertiary") from None


def order_tiers(actor: Actor) -> list[TierChoice]:
    """The tiers the actor may enter, in tier order (empty: the actor may not enter orders)."""
    return [TierChoice(tier, tier.label, tier.description, *_CUSTOMER[tier])
            for tier in OrderTier if actor.can(tier.permission)]


def _allowed(actor: Actor, tier: OrderTier | str) -> OrderTier:
    wanted = parse_tier(tier)
    actor.require(wanted.permission)
    return wanted


def customer_choices(actor: Actor, *, tier: OrderTier | str, search: str | None = None,
                     limit: int = CHOICES_LIMIT) -> list[CustomerChoice]:
    """Who the actor may enter a `tier` order for: name, code and territory, by name (at most 50)."""
    wanted = _allowed(actor, tier)
    kind = PartyKind.DISTRIBUTOR if wanted is OrderTier.PRIMARY else PartyKind.RETAILER
    with reading() as session:
        rows = entry_q.customers(session, actor, kind=kind, search=search, limit=max(1, min(limit, CHOICES_LIMIT)),
                                 supplied_only=wanted is OrderTier.SECONDARY)
        return [CustomerChoice(party.id or 0, party.code, party.name, node.name,
                               supplier.name if supplier is not None and kind is PartyKind.RETAILER else None)
                for party, node, supplier in rows]


def factory_choices(actor: Actor, *, search: str | None = None, limit: int = CHOICES_LIMIT) -> list[CustomerChoice]:
    """The factories a primary order may be sold from (every active one), by name."""
    actor.require(OrderTier.PRIMARY.permission)
    with reading() as session:
        rows = entry_q.factories(session, search=search, limit=max(1, min(limit, CHOICES_LIMIT)))
        return [CustomerChoice(party.id or 0, party.code, party.name, node.name) for party, node in rows]


def product_choices(actor: Actor, *, tier: OrderTier | str, search: str | None = None,
                    ids: Iterable[int] | None = None, limit: int = CHOICES_LIMIT) -> list[ProductChoice]:
    """Finished goods sold on `tier` with that tier's price and unit, by name (at most 50). `ids`: just those
    products (a restored draft's lines, or the lines after the tier changed) — a product no longer sold is missing."""
    wanted = _allowed(actor, tier)
    wanted_ids = None if ids is None else sorted({int(i) for i in ids})
    size = max(1, min(limit, CHOICES_LIMIT)) if wanted_ids is None else max(1, len(wanted_ids))
    with reading() as session:
        rows = entry_q.priced_goods(session, price_field=wanted.price_field, search=search, ids=wanted_ids,
                                    limit=size)
        return [ProductChoice(p.id or 0, p.sku, p.name, p.unit, getattr(p, wanted.price_field)) for p in rows]


def line_amount(qty: Decimal, price: Decimal) -> Decimal:
    """Quantity × price, half-up to the cent: how domain.services.orders prices a line."""
    return (qty * price).quantize(CENT, rounding=ROUND_HALF_UP)


def quote(lines: Sequence[tuple[Decimal | None, Any]]) -> Quote:
    """Each line's amount from (the tier's price of its product — None when no product is chosen —, the quantity as
    typed) and the total of the lines that have one. A quantity is read the way the service reads it."""
    quantity = inputs.number(QUANTITY_PLACES)
    quoted: list[QuoteLine] = []
    for price, typed in lines:
        if inputs.blank(typed):
            quoted.append(QuoteLine(None))
            continue
        try:
            qty = quantity(typed)
        except ValueError as exc:
            quoted.append(QuoteLine(None, str(exc)))
            continue
        quoted.append(QuoteLine(None if price is None else line_amount(qty, price)))
    total = sum((line.amount for line in quoted if line.amount is not None), Decimal("0.00"))
    return Quote(quoted, total)

