"""The production views: a day's logs per factory with totals, plan attainment and waste rate; pickers for the
production form; what a factory holds of a product; the history as a list for the shared data table. Scoped by
the factory's territory. Re-exported by domain.services.production, which is where callers find them."""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.access import Actor
from domain.db import reading
from domain.errors import NotFound
from domain.models.production import ProductionStatus, RejectReason, Shift
from domain.queries import parties as parties_q
from domain.queries import production as production_q
from domain.tables import Column, TableSource

ZERO, TENTH = Decimal("0.000"), Decimal("0.1")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole as a percentage to one decimal (half-up); None when the whole is zero."""
    return None if whole == 0 else (part * 100 / whole).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LogRow:
    id: int
    number: str
    shift: Shift
    product_id: int
    product: str
    unit: str
    batch_no: str
    planned_qty: Decimal
    good_qty: Decimal
    rejected_qty: Decimal
    reject_reason: RejectReason | None
    waste_cost: Decimal
    status: ProductionStatus
    recorded_by: str | None
    note: str | None
    reversal_reason: str | None


@dataclass
class FactoryDay:
    """One factory's day: its logs (reversed ones too) and totals over the posted ones."""

    factory_id: int
    code: str
    name: str
    logs: list[LogRow] = field(default_factory=list)
    planned: Decimal = ZERO
    good: Decimal = ZERO
    rejected: Decimal = ZERO
    waste_cost: Decimal = Decimal("0.00")

    def add(self, row: LogRow) -> None:
        self.logs.append(row)
        if row.status is ProductionStatus.POSTED:
            self.planned += row.planned_qty
            self.good += row.good_qty
            self.rejected += row.rejected_qty
            self.waste_cost += row.waste_cost

    @property
    def attainment(self) -> Decimal | None:
        """Plan attainment %: good ÷ planned (None when nothing was planned)."""
        return percent(self.good, self.planned)

    @property
    def waste_rate(self) -> Decimal | None:
        """Waste rate %: rejected ÷ (good + rejected) (None when nothing was made)."""
        return percent(self.rejected, self.good + self.rejected)


def production_day(actor: Actor, *, business_date: date, factory_id: int | None = None) -> list[FactoryDay]:
    """The day's logs per factory inside the actor's area, by factory name; every active factory is listed."""
    actor.require("production.view")
    with reading() as session:
        days = {f.id or 0: FactoryDay(f.id or 0, f.code, f.name)
                for f in production_q.factories(session, actor, factory_id=factory_id, limit=1000)}
        for log, factory, product, recorder in production_q.day_logs(session, actor, business_date,
                                                                     factory_id=factory_id):
            day = days.setdefault(factory.id or 0, FactoryDay(factory.id or 0, factory.code, factory.name))
            day.add(LogRow(
                id=log.id or 0, number=log.number, shift=log.shift, product_id=log.product_id, product=product.name,
                unit=product.unit, batch_no=log.batch_no, planned_qty=log.planned_qty, good_qty=log.good_qty,
                rejected_qty=log.rejected_qty, reject_reason=log.reject_reason, waste_cost=log.waste_cost,
                status=log.status, recorded_by=recorder, note=log.note, reversal_reason=log.reversal_reason))
    return sorted(days.values(), key=lambda d: (d.name.lower(), d.code))


@dataclass(frozen=True)
class Choice:
    id: int
    code: str  # a factory's code, a product's SKU
    name: str
    unit: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def factory_choices(actor: Actor, *, search: str | None = None) -> list[Choice]:
    """Active factories inside the actor's area (at most 200), for the production form's picker."""
    actor.require("production.view")
    with reading() as session:
        return [Choice(f.id or 0, f.code, f.name) for f in production_q.factories(session, actor, search=search)]


def product_choices(actor: Actor) -> list[Choice]:
    """Active finished goods with a recipe: what can be produced."""
    actor.require("production.view")
    with reading() as session:
        return [Choice(p.id or 0, p.sku, p.name, p.unit) for p in production_q.finished_goods_with_recipe(session)]


def suggest_batch_no(factory_code: str, business_date: date, shift: Shift | str) -> str:
    """The usual batch number: factory code, date and shift initial, e.g. NKR-F1-20261121-M."""
    return f"{factory_code}-{business_date:%Y%m%d}-{Shift(shift).value[0]}".upper()


def next_batch_no(actor: Actor, *, factory_id: int, business_date: date, shift: Shift | str,
                  product_id: int | None = None) -> str:
    """The usual batch number for this factory, day and shift — with -2, -3 … when a posted log of the product
    already holds it."""
    actor.require("production.view")
    with reading() as session:
        factory = parties_q.party_by_id(session, factory_id)
        if factory is None:
            raise NotFound(f"No factory with id {factory_id}.")
        actor.ensure_sees(factory.territory_path, factory.name)
        base = suggest_batch_no(factory.code, business_date, shift)
        taken = production_q.batch_numbers(session, factory_id, product_id, base) if product_id else set()
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def stock_on_hand(actor: Actor, *, location_id: int, product_id: int) -> Decimal:
    """What a place inside the actor's area (a factory, usually) holds of a product now."""
    actor.require("production.view")
    with reading() as session:
        place = parties_q.party_by_id(session, location_id)
        if place is None:
            raise NotFound(f"No place with id {location_id}.")
        actor.ensure_sees(place.territory_path, place.name)
        return production_q.balances(session, location_id, [product_id])[product_id]


PRODUCTION_COLUMNS = [
    Column("number", "Number", "text", filter="text"),
    Column("business_date", "Date", "date", filter="date_range"),
    Column("factory", "Factory", "text", filter="text"),
    Column("shift", "Shift", "choice", filter="choice", choices=[s.value for s in Shift]),
    Column("product", "Product", "text", filter="text"),
    Column("batch_no", "Batch", "text", filter="text"),
    Column("planned_qty", "Planned", "quantity", summable=True),
    Column("good_qty", "Good", "quantity", summable=True),
    Column("rejected_qty", "Rejected", "quantity", summable=True),
    Column("reject_reason", "Reason", "choice", filter="choice", choices=[r.value for r in RejectReason]),
    Column("waste_cost", "Waste cost", "money", summable=True),
    Column("status", "Status", "choice", filter="choice", choices=[s.value for s in ProductionStatus]),
    Column("recorded_by", "Recorded by", "text"),
]


def production_table(actor: Actor) -> TableSource:
    """Every production log inside the actor's area as a filterable, exportable list, newest first. Totals include
    reversed logs: filter Status = posted for what was really made."""
    actor.require("production.view")
    return TableSource(
        name="production-logs", title="Production logs", columns=PRODUCTION_COLUMNS,
        build=production_q.table_select, permission="production.view", row_key="id",
        default_sort="business_date", default_descending=True)
