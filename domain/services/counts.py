"""Stock counts: start a count sheet for a location, enter what was counted, review the variances, post them.

Posting compares each counted quantity with the ledger balance at that moment (not when the sheet was started or
filled in), and writes every difference as a COUNT move through `services.stock`: more found than the ledger
holds goes in (perishables: into a batch named after the count), less comes out first-expiring-first. Everything
needs stock.count and a location inside the actor's area; every refusal writes nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import Session

from domain.access import Actor
from domain.config import get_settings
from domain.db import reading, snapshot, transaction
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.jsonsafe import json_safe
from domain.models import CountStatus, MoveKind, Party, Product, StockCount, StockCountLine
from domain.queries import counts as counts_q
from domain.queries import parties as parties_q
from domain.queries import products as products_q
from domain.queries.sequences import next_number
from domain.services import stock
from domain.tables import Column, TableSource
from domain.types import QUANTITY_PLACES, to_decimal, utcnow

MAX_QTY = Decimal("1000000000")  # a billion units: far above any shelf, far below the column's limit
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CountLineView:
    """One product of a count. `system_qty` is the balance now for a draft, the balance at posting once posted."""

    product_id: int
    sku: str
    name: str
    unit: str
    counted_qty: Decimal | None
    system_qty: Decimal
    variance: Decimal | None  # None while not counted
    unit_cost: Decimal
    variance_value: Decimal | None


@dataclass(frozen=True)
class CountSheet:
    id: int
    number: str
    location_id: int
    location_name: str
    territory_path: str
    business_date: date
    status: CountStatus
    started_by: str
    posted_by: str | None
    posted_at: datetime | None
    note: str | None
    lines: list[CountLineView]

    @property
    def uncounted(self) -> list[str]:
        return [line.name for line in self.lines if line.counted_qty is None]

    @property
    def variance_value(self) -> Decimal:
        return sum((line.variance_value or Decimal(0) for line in self.lines), Decimal(0))

    @property
    def lines_with_variance(self) -> int:
        return sum(1 for line in self.lines if line.variance)


def _today() -> date:
    return datetime.now(get_settings().tz).date()


def _value(qty: Decimal, unit_cost: Decimal) -> Decimal:
    return (qty * unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)


def _event(name: str, count: StockCount, **extra: Any) -> DomainEvent:
    return DomainEvent(name, scope_path=count.territory_path,
                       data={"id": count.id, "number": count.number, "location_id": count.location_id, **extra})


def _business_date(value: date | str) -> date:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed.field("Business date", "must be a date such as 2026-11-21") from None
    if day > _today():
        raise ValidationFailed.field("Business date", "cannot be in the future")
    return day


def _location(session: Session, actor: Actor, location_id: int) -> Party:
    party = parties_q.party_by_id(session, location_id)
    if party is None:
        raise NotFound(f"No location with id {location_id}.")
    actor.ensure_sees(party.territory_path, party.name)
    return party


def _count_to_change(session: Session, actor: Actor, count_id: int) -> StockCount:
    count = counts_q.count_by_id(session, count_id, for_update=True)
    if count is None:
        raise NotFound(f"No stock count with id {count_id}.")
    actor.ensure_sees(count.territory_path, count.number)
    if count.status is not CountStatus.DRAFT:
        raise Conflict(f"{count.number} is {count.status.value}; only a draft count can change.")
    return count


def _products_to_count(session: Session, location: Party, product_ids: Iterable[int] | None) -> list[int]:
    assert location.id is not None
    if product_ids is None:
        ids = counts_q.products_in_stock(session, location.id)
        if not ids:
            raise ValidationFailed.field("Products", f"{location.name} holds no stock; choose the products to count")
        return ids
    ids = sorted(set(product_ids))
    if not ids:
        raise ValidationFailed.field("Products", "choose at least one product to count")
    found = products_q.by_ids(session, ids)
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationFailed.field("Products", f"no product with id {', '.join(missing)}")
    return ids


def start_count(actor: Actor, *, location_id: int, business_date: date | str,
                product_ids: Iterable[int] | None = None, note: str | None = None) -> StockCount:
    """A draft count of a location: a line for every product it holds (or for `product_ids`), counts blank.

    Refused while another draft count of the same location counts any of the same products."""
    actor.require("stock.count")
    day = _business_date(business_date)
    note = (note or "").strip()[:200] or None
    with transaction(actor) as tx:
        session = tx.session
        location = _location(session, actor, location_id)
        if not location.is_active:
            raise ValidationFailed.field("Location", f"{location.name} is inactive")
        ids = _products_to_count(session, location, product_ids)
        clashes = counts_q.open_counts_of(session, location_id, ids)
        if clashes:
            numbers = sorted({number for number, _ in clashes})
            names = ", ".join(sorted({name for _, name in clashes})[:5])
            raise Conflict(f"{' and '.join(numbers)} at {location.name} is still open for {names}; "
                           f"post or cancel it first.")
        count = StockCount(number=next_number(session, "SC"), location_id=location_id,
                           territory_path=location.territory_path, business_date=day, status=CountStatus.DRAFT,
                           created_by=actor.user_id, note=note)
        session.add(count)
        session.flush()
        assert count.id is not None
        session.add_all(StockCountLine(count_id=count.id, product_id=pid) for pid in ids)
        tx.audit("stock_count.start", count, after={**snapshot(count), "products": len(ids)},
                 scope_path=count.territory_path)
        tx.emit(_event("stock_count.started", count))
    return count


def _counted(value: Any) -> Decimal | None:
    """A counted quantity: blank clears it; otherwise a number ≥ 0 with at most 3 decimals (ValueError if not)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        qty = to_decimal(value, places=QUANTITY_PLACES, field="")
    except ValueError as exc:
        raise ValueError(str(exc).strip()) from None
    if qty < 0:
        raise ValueError("cannot be negative")
    if qty > MAX_QTY:
        raise ValueError("is too large")
    return qty


def enter_counts(actor: Actor, *, count_id: int, counted: Mapping[int, Decimal | str | int | None]) -> StockCount:
    """Record counted quantities {product id: qty} on a draft (blank clears one). Bad quantities are refused
    together, each named by its product; nothing is written then."""
    actor.require("stock.count")
    with transaction(actor) as tx:
        session = tx.session
        count = _count_to_change(session, actor, count_id)
        assert count.id is not None
        lines = {line.product_id: (line, product) for line, product in counts_q.lines_with_products(session, count.id)}
        errors: dict[str, str] = {}
        wanted: dict[int, Decimal | None] = {}
        for product_id, value in counted.items():
            if product_id not in lines:
                errors[f"Product {product_id}"] = f"is not on {count.number}"
                continue
            try:
                wanted[product_id] = _counted(value)
            except ValueError as exc:
                errors[lines[product_id][1].name] = str(exc)
        if errors:
            raise ValidationFailed(errors)
        before, after = {}, {}
        for product_id, qty in sorted(wanted.items()):
            line, product = lines[product_id]
            if line.counted_qty == qty:
                continue
            before[product.name], after[product.name] = json_safe(line.counted_qty), json_safe(qty)
            line.counted_qty = qty
            session.add(line)
        if after:
            tx.audit("stock_count.enter", entity="stock_count", entity_id=count.id, before={"counted": before},
                     after={"counted": after}, scope_path=count.territory_path)
            tx.emit(_event("stock_count.entered", count))
    return count


def _may_read(actor: Actor) -> None:
    if not (actor.can("stock.count") or actor.can("stock.view")):
        actor.require("stock.count")


def _line_view(line: StockCountLine, product: Product, system_now: Decimal, posted: bool) -> CountLineView:
    assert product.id is not None
    system = line.system_qty if posted and line.system_qty is not None else system_now
    cost = line.unit_cost if posted and line.unit_cost is not None else product.standard_cost
    variance = None if line.counted_qty is None else line.counted_qty - system
    return CountLineView(
        product_id=product.id, sku=product.sku, name=product.name, unit=product.unit, counted_qty=line.counted_qty,
        system_qty=system, variance=variance, unit_cost=cost,
        variance_value=None if variance is None else _value(variance, cost))


def _who(names: dict[int, str], user_id: int | None) -> str:
    return "System" if user_id is None else names.get(user_id, f"user {user_id}")


def count_variances(actor: Actor, *, count_id: int) -> CountSheet:
    """The count with, per product, the system quantity (now for a draft; at posting once posted), the counted
    quantity, the variance and its value at standard cost. Needs stock.count or stock.view."""
    _may_read(actor)
    with reading() as session:
        count = counts_q.count_by_id(session, count_id)
        if count is None:
            raise NotFound(f"No stock count with id {count_id}.")
        actor.ensure_sees(count.territory_path, count.number)
        assert count.id is not None
        location = parties_q.party_by_id(session, count.location_id)
        rows = counts_q.lines_with_products(session, count.id)
        posted = count.status is CountStatus.POSTED
        now = counts_q.balances(session, count.location_id, [line.product_id for line, _ in rows])
        names = counts_q.user_names(session, [count.created_by, count.posted_by])
        return CountSheet(
            id=count.id, number=count.number, location_id=count.location_id,
            location_name=location.name if location else f"location {count.location_id}",
            territory_path=count.territory_path, business_date=count.business_date, status=count.status,
            started_by=_who(names, count.created_by), posted_by=_who(names, count.posted_by) if posted else None,
            posted_at=count.posted_at, note=count.note,
            lines=[_line_view(line, product, now[line.product_id], posted) for line, product in rows])


def post_count(actor: Actor, *, count_id: int) -> StockCount:
    """Write the count's variances to the ledger as COUNT moves, against the balances at this moment, and mark
    it posted. Every product must be counted first."""
    actor.require("stock.count")
    with transaction(actor) as tx:
        session = tx.session
        count = _count_to_change(session, actor, count_id)
        assert count.id is not None
        rows = counts_q.lines_with_products(session, count.id)
        uncounted = {product.name: "not counted yet" for line, product in rows if line.counted_qty is None}
        if uncounted:
            raise ValidationFailed(uncounted)
        before = snapshot(count)
        pairs = [(count.location_id, line.product_id) for line, _ in rows]
        stock.lock(tx, pairs)  # the balances cannot move between reading and writing them
        system = counts_q.balances(session, count.location_id, [pid for _, pid in pairs])
        total, lines_after = Decimal(0), {}
        for line, product in sorted(rows, key=lambda row: row[0].product_id):
            assert line.counted_qty is not None
            line.system_qty = system[line.product_id]
            line.variance = line.counted_qty - line.system_qty
            line.unit_cost = product.standard_cost
            total += _value(line.variance, product.standard_cost)
            move = {"location_id": count.location_id, "product_id": line.product_id, "kind": MoveKind.COUNT,
                    "document": count.number, "business_date": count.business_date, "note": "stock count"}
            if line.variance > 0:
                stock.put(tx, qty=line.variance, **move)
            elif line.variance < 0:
                stock.take(tx, qty=-line.variance, **move)
            session.add(line)
            lines_after[product.name] = {"system": line.system_qty, "counted": line.counted_qty,
                                         "variance": line.variance}
        count.status, count.posted_by, count.posted_at = CountStatus.POSTED, actor.user_id, utcnow()
        count.variance_value = total
        session.add(count)
        tx.audit("stock_count.post", count, before=before, after={**snapshot(count), "lines": json_safe(lines_after)},
                 scope_path=count.territory_path)
        tx.emit(_event("stock_count.posted", count, product_ids=[pid for _, pid in pairs],
                       variance_value=str(total)))
    return count


def cancel_count(actor: Actor, *, count_id: int, reason: str | None = None) -> StockCount:
    """Abandon a draft count; nothing reaches the ledger."""
    actor.require("stock.count")
    with transaction(actor) as tx:
        count = _count_to_change(tx.session, actor, count_id)
        before = snapshot(count)
        count.status = CountStatus.CANCELLED
        if reason and reason.strip():
            count.note = reason.strip()[:200]
        tx.session.add(count)
        tx.audit("stock_count.cancel", count, before=before, scope_path=count.territory_path)
        tx.emit(_event("stock_count.cancelled", count))
    return count


def count_locations(actor: Actor, *, search: str | None = None, limit: int = 50) -> dict[int, str]:
    """Active locations inside the actor's area a count can be started at, {id: "Name (CODE)"}, by name."""
    actor.require("stock.count")
    with reading() as session:
        found = parties_q.choices(session, actor, kind=None, search=search, limit=min(limit, 50))
        return {p.id: f"{p.name} ({p.code})" for p in found if p.id is not None}


COUNT_COLUMNS = [
    Column("number", "Count", "text", filter="text"),
    Column("status", "Status", "choice", filter="choice", choices=[s.value for s in CountStatus]),
    Column("location", "Location", "text", filter="text"),
    Column("business_date", "Date", "date", filter="date_range"),
    Column("products", "Products", "int"),
    Column("counted", "Counted", "int"),
    Column("variance_value", "Variance value", "money", summable=True),
    Column("started_by", "Started by", "text"),
    Column("posted_at", "Posted", "datetime"),
]


def counts_table(actor: Actor) -> TableSource:
    """Stock counts at locations inside the actor's area, newest first. Needs stock.count or stock.view."""
    _may_read(actor)
    permission = "stock.count" if actor.can("stock.count") else "stock.view"
    return TableSource(
        name="stock-counts", title="Stock counts", columns=COUNT_COLUMNS, build=counts_q.table_select,
        permission=permission, row_key="id", default_sort="number", default_descending=True,
    )

