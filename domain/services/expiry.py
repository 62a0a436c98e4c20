"""Perishables: which batches are expired or about to expire, and writing off what has expired.

Only an expired batch is written off here (all that is left of it, as a WASTE move with its own WO- document);
damaged or otherwise unsellable stock goes through stock adjustments with a reason.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from domain.access import Actor
from domain.config import get_settings
from domain.db import reading, transaction
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date
from domain.models import MoveKind
from domain.queries import expiry as expiry_q
from domain.queries import parties as parties_q
from domain.queries import stock as stock_q
from domain.queries.sequences import next_number
from domain.services import stock
from domain.tables import Column, TableSource

MAX_WITHIN_DAYS = 60
EXPIRED_NOTE = "expired"


@dataclass(frozen=True)
class ExpiringBatch:
    """One batch of perishable stock at a location, for the write-off dialog."""

    batch_id: int
    location_id: int
    location_name: str
    product_id: int
    product_name: str
    unit: str
    batch_no: str
    produced_on: date
    expires_on: date | None
    qty: Decimal
    value: Decimal
    days_left: int | None

    @property
    def expired(self) -> bool:
        return self.days_left is not None and self.days_left < 0


@dataclass(frozen=True)
class WriteOff:
    document: str
    location_name: str
    product_name: str
    unit: str
    batch_no: str
    qty: Decimal
    value: Decimal


def _today() -> date:
    return datetime.now(get_settings().tz).date()


def _may_view(actor: Actor) -> None:
    actor.require("stock.view")


EXPIRY_COLUMNS = [  # what a phone shows first comes first: the product, where it is, how long it has left
    Column("product", "Product", "text", filter="text"),
    Column("location", "Location", "text", filter="text"),
    Column("days_left", "Days left", "int", filter="range"),
    Column("qty", "Quantity", "quantity"),
    Column("value", "Value", "money", summable=True),
    Column("status", "Status", "choice", filter="choice", choices=[expiry_q.EXPIRED, expiry_q.NEAR_EXPIRY]),
    Column("batch_no", "Batch", "text", filter="text"),
    Column("expires_on", "Expires", "date"),
    Column("produced_on", "Produced", "date"),
]


def expiry_table(actor: Actor, *, within_days: int = 2, today: date | None = None) -> TableSource:
    """Batches with stock at locations inside the actor's area that have expired or expire within `within_days`
    days: location, product, batch, produced, expires, days left (negative: expired), quantity, value at standard
    cost and status (expired / near expiry). Soonest first. Needs stock.view."""
    _may_view(actor)
    if isinstance(within_days, bool) or not isinstance(within_days, int) or not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise ValidationFailed.field("Within days", f"must be a whole number of days from 0 to {MAX_WITHIN_DAYS}")
    day = today or _today()
    return TableSource(
        name="expiry", title="Expired and near-expiry stock", columns=EXPIRY_COLUMNS,
        build=partial(expiry_q.expiry_select, today=day, within_days=within_days), permission="stock.view",
        row_key="id", default_sort="expires_on",
    )


def expiring_batch(actor: Actor, *, batch_id: int, today: date | None = None) -> ExpiringBatch:
    """One batch with its place, product, quantity, value and days left; for the write-off dialog."""
    _may_view(actor)
    with reading() as session:
        found = expiry_q.batch_with_place(session, batch_id)
        if found is None:
            raise NotFound(f"No batch with id {batch_id}.")
        batch, place, product = found
        actor.ensure_sees(place.territory_path, place.name)
        assert batch.id is not None and place.id is not None and product.id is not None
        day = today or _today()
        return ExpiringBatch(
            batch_id=batch.id, location_id=place.id, location_name=place.name, product_id=product.id,
            product_name=product.name, unit=product.unit, batch_no=batch.batch_no, produced_on=batch.produced_on,
            expires_on=batch.expires_on, qty=batch.qty,
            value=(batch.qty * product.standard_cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            days_left=None if batch.expires_on is None else (batch.expires_on - day).days)


def write_off_expired(actor: Actor, *, location_id: int, product_id: int, batch_no: str,
                      business_date: date | None = None) -> WriteOff:
    """Take what is left of an expired batch out of stock as WASTE (note "expired"), under a new WO- document.

    Refused (writing nothing) without stock.writeoff, outside the actor's area, for a business date in the
    future, and for a batch that is empty or has not expired by the business date."""
    actor.require("stock.writeoff")
    day = business_date or _today()
    if day > _today():
        raise ValidationFailed.field("Business date", "cannot be in the future")
    with transaction(actor) as tx:
        session = tx.session
        place = parties_q.party_by_id(session, location_id)
        if place is None:
            raise NotFound(f"No location with id {location_id}.")
        actor.ensure_sees(place.territory_path, place.name)
        stock.lock(tx, [(location_id, product_id)])  # nothing else moves this stock until we commit
        batch = expiry_q.batch_at(session, location_id, product_id, batch_no)
        if batch is None:
            raise NotFound(f"No batch {batch_no} of that product at {place.name}.")
        _, product_name, unit = stock_q.names(session, location_id, product_id)
        if batch.qty <= 0:
            raise Conflict(f"Batch {batch_no} of {product_name} at {place.name} is already empty.")
        if batch.expires_on is None or batch.expires_on >= day:
            until = f"until {format_date(batch.expires_on)}" if batch.expires_on else "(it has no expiry date)"
            raise Conflict(f"Batch {batch_no} of {product_name} at {place.name} has not expired {until}; "
                           f"damaged stock is written off through an adjustment.")
        document = next_number(session, "WO")
        qty = batch.qty
        taken = stock.take(tx, location_id=location_id, product_id=product_id, qty=qty, kind=MoveKind.WASTE,
                           document=document, business_date=day, batch_no=batch_no, note=EXPIRED_NOTE)
        value = sum(((-m.qty * m.unit_cost).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                     for m in taken.moves), Decimal(0))
        after = {"document": document, "qty": "0", "written_off": str(qty), "reason": EXPIRED_NOTE,
                 "value": str(value), "business_date": day.isoformat()}
        tx.audit("stock.writeoff", entity="stock_batch", entity_id=batch.id,
                 before={"batch_no": batch_no, "location": place.name, "product": product_name, "qty": str(qty),
                         "expires_on": batch.expires_on.isoformat()},
                 after=after, scope_path=place.territory_path)
        tx.emit(DomainEvent("stock.written_off", scope_path=place.territory_path,
                            data={"document": document, "location_id": location_id, "product_id": product_id,
                                  "batch_no": batch_no, "qty": str(qty), "value": str(value)}))
    return WriteOff(document=document, location_name=place.name, product_name=product_name, unit=unit,
                    batch_no=batch_no, qty=qty, value=value)
