"""Production logs: posting a shift's batch moves its stock, a reversal undoes it. The reads (the day per factory,
pickers, the history list) live in domain.services.production_views and are re-exported here.

Choices made here (see also domain/models/production.py):
- Consumption = (good + rejected) × quantity per unit for each recipe line, rounded UP to 0.001 (ROUND_CEILING):
  quantities are stored in thousandths and a factory never uses less than the recipe says, so the ledger never
  under-records use (0.005 kg of yeast per kg × 2.5 kg of dough = 0.0125 kg → 0.013 kg taken).
- Waste cost = rejected units × the recipe's material cost per unit (Σ qty per unit × material standard cost,
  unrounded), rounded half-up to the cent. Rejects never entered stock, so there is no waste move: the cost of the
  materials they used up is kept on the log (`waste_cost`), which is what the business lost.
- Every material is checked against the factory's locked balances before anything is written, so one refusal
  names every short material; the guarded take in domain.services.stock still backs that check up.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.access import Actor
from domain.config import get_settings
from domain.db import Tx, snapshot, transaction
from domain.errors import Conflict, InsufficientStock, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date, format_quantity
from domain.jsonsafe import json_safe
from domain.models import MoveKind, PartyKind, ProductKind
from domain.models.production import ProductionLog, ProductionStatus, RejectReason, Shift
from domain.queries import parties as parties_q
from domain.queries import production as production_q
from domain.queries import products as products_q
from domain.queries.sequences import next_number
from domain.services import rollups, stock
from domain.services.production_views import (
    Choice,
    FactoryDay,
    LogRow,
    factory_choices,
    next_batch_no,
    percent,
    product_choices,
    production_day,
    production_table,
    stock_on_hand,
    suggest_batch_no,
)
from domain.types import QUANTITY_PLACES, to_decimal, utcnow
from domain.validation import parse

LABELS = {
    "factory_id": "Factory", "business_date": "Date", "shift": "Shift", "product_id": "Product",
    "batch_no": "Batch", "planned_qty": "Planned", "good_qty": "Good", "rejected_qty": "Rejected",
    "reject_reason": "Reason", "note": "Note", "corrects_id": "Corrects",
}
THOUSANDTH, CENT, ZERO = Decimal("0.001"), Decimal("0.01"), Decimal("0.000")
_BATCH_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/._")


def today() -> date:
    """The business date now, in the company's timezone."""
    return datetime.now(get_settings().tz).date()


# ---- input: messages continue the field's label ("Rejected must not be negative") --------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _id(value: Any) -> int:
    if _blank(value):
        raise ValueError("is required")
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise ValueError("is not one of the choices")
    return int(str(value).strip())


def _day(value: Any) -> date:
    if _blank(value):
        raise ValueError("is required")
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("must be a date such as 2026-11-21") from None


def _choice(enum_cls: type[Shift] | type[RejectReason], required: bool) -> Any:
    def check(value: Any) -> Any:
        if _blank(value):
            if required:
                raise ValueError("is required")
            return None
        try:
            return enum_cls(str(getattr(value, "value", value)).strip().lower())
        except ValueError:
            raise ValueError(f"must be {', '.join(m.value for m in enum_cls)}") from None

    return check


def _qty(value: Any) -> Decimal:
    if _blank(value):
        return ZERO
    try:
        if isinstance(value, bool):
            raise ValueError("must be a number")
        number = to_decimal(value, places=QUANTITY_PLACES, field="value")
    except ValueError as exc:
        raise ValueError(str(exc).removeprefix("value ")) from None
    if number < 0:
        raise ValueError("must not be negative")
    if number >= 1_000_000_000:
        raise ValueError("is too large")
    return number + 0


def _text(limit: int) -> Any:
    def check(value: Any) -> str | None:
        text = "" if value is None else str(value).strip()
        if len(text) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return text or None

    return check


class ProductionIn(BaseModel):
    """A production log as typed. Field order matters: later checks read earlier values."""

    factory_id: Annotated[int, BeforeValidator(_id)]
    business_date: Annotated[date, BeforeValidator(_day)]
    shift: Annotated[Shift, BeforeValidator(_choice(Shift, True))]
    product_id: Annotated[int, BeforeValidator(_id)]
    batch_no: Annotated[str | None, BeforeValidator(_text(40))] = Field(default=None, validate_default=True)
    planned_qty: Annotated[Decimal, BeforeValidator(_qty)] = ZERO
    rejected_qty: Annotated[Decimal, BeforeValidator(_qty)] = ZERO
    good_qty: Annotated[Decimal, BeforeValidator(_qty)] = Field(default=ZERO, validate_default=True)
    reject_reason: Annotated[RejectReason | None, BeforeValidator(_choice(RejectReason, False))] = Field(
        default=None, validate_default=True)
    note: Annotated[str | None, BeforeValidator(_text(200))] = Field(default=None, validate_default=True)
    corrects_id: int | None = None

    @field_validator("business_date")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > (now := today()):
            raise ValueError(f"cannot be in the future (today is {format_date(now)})")
        return value

    @field_validator("batch_no")
    @classmethod
    def _batch(cls, value: str | None) -> str:
        if value is None:
            raise ValueError("is required")
        if not set(value.upper()) <= _BATCH_CHARACTERS:
            raise ValueError("may hold only letters, digits and - / . _")
        return value.upper()

    @field_validator("good_qty")
    @classmethod
    def _something_made(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        if value + info.data.get("rejected_qty", 1) == 0:
            raise ValueError("must be more than 0 when nothing was rejected")
        return value

    @field_validator("reject_reason")
    @classmethod
    def _reason_for_rejects(cls, value: RejectReason | None, info: ValidationInfo) -> RejectReason | None:
        if not info.data.get("rejected_qty"):  # nothing rejected (or a bad quantity): a reason means nothing
            return None
        if value is None:
            raise ValueError("is required when units were rejected")
        return value

    @field_validator("note")
    @classmethod
    def _note_for_other(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("reject_reason") is RejectReason.OTHER:
            raise ValueError("is required when the reason is Other: say what went wrong")
        return value


# ---- posting and reversing ---------------------------------------------------------------------------------------


def _factory_and_recipe(session: Session, actor: Actor, data: ProductionIn
                        ) -> tuple[production_q.Place, production_q.Item, list[tuple[production_q.Item, Decimal]]]:
    """The factory (in the actor's area, active), the finished good and its recipe as (material, quantity per
    unit), read together."""
    factory, product, recipe = production_q.factory_and_recipe(session, data.factory_id, data.product_id)
    if factory is None or factory.kind is not PartyKind.FACTORY:
        raise ValidationFailed.field("Factory", "is not a factory")
    actor.ensure_sees(factory.territory_path, factory.name)
    if not factory.is_active:
        raise ValidationFailed.field("Factory", f"{factory.name} is inactive")
    if product is None or product.kind is not ProductKind.FINISHED:
        raise ValidationFailed.field("Product", "is not a finished good")
    if not product.is_active:
        raise ValidationFailed.field("Product", f"{product.name} is inactive")
    if not recipe:
        raise ValidationFailed.field("Product", f"{product.name} has no recipe: add one before posting production")
    return factory, product, recipe


def _check_batch(session: Session, data: ProductionIn, factory_id: int, product_id: int) -> None:
    """A batch number is on one posted log per factory and product; a reused one (after a reversal) keeps its day."""
    batch_no = data.batch_no or ""
    used = production_q.posted_with_batch(session, factory_id, product_id, batch_no)
    if used is not None and used.posted_on is not None:
        raise ValidationFailed.field("Batch", f"{batch_no} is already on {used.posted_on}")
    if used is not None and used.produced_on is not None and used.produced_on != data.business_date:
        raise ValidationFailed.field(
            "Batch", f"{batch_no} was produced on {format_date(used.produced_on)}: use another number")
    if data.corrects_id is not None:
        old = production_q.log_by_id(session, data.corrects_id)
        if old is None or old.factory_id != factory_id or old.status is not ProductionStatus.REVERSED:
            raise ValidationFailed.field("Corrects", "must be a reversed log of the same factory")


def _flush_log(session: Session, batch_no: str) -> None:
    """Insert the log; a concurrent post of the same batch number (the partial unique index) is a field error."""
    try:
        session.flush()
    except IntegrityError as exc:
        if "batch" in str(exc.orig).lower():
            raise ValidationFailed.field("Batch", f"{batch_no} was just posted by someone else") from None
        raise


def _refuse_shortages(factory: production_q.Place, needed: dict[int, Decimal], materials: dict[int, production_q.Item],
                      on_hand: dict[int, Decimal]) -> None:
    short = [m for m in needed if needed[m] > on_hand.get(m, ZERO)]
    if short:
        detail = "; ".join(
            f"{materials[m].name}: {format_quantity(needed[m])} {materials[m].unit} needed, "
            f"{format_quantity(on_hand.get(m, ZERO))} {materials[m].unit} available" for m in short)
        names = " and ".join(materials[m].name for m in short)
        raise InsufficientStock(f"Not enough {names} at {factory.name} for this log — {detail}.")


def post_production_log(
    actor: Actor, *, factory_id: int | str, business_date: date | str, shift: Shift | str,
    product_id: int | str, batch_no: str, planned_qty: Decimal | int | str, good_qty: Decimal | int | str,
    rejected_qty: Decimal | int | str = 0, reject_reason: RejectReason | str | None = None,
    note: str | None = None, corrects_id: int | None = None,
) -> ProductionLog:
    """Post one batch: materials out per recipe for good + rejected units, good units into the factory in batch
    `batch_no`, the rejects' material cost kept as waste — one transaction, audited, `production.posted` after."""
    actor.require("production.post")
    data = parse(ProductionIn, {
        "factory_id": factory_id, "business_date": business_date, "shift": shift, "product_id": product_id,
        "batch_no": batch_no, "planned_qty": planned_qty, "good_qty": good_qty, "rejected_qty": rejected_qty,
        "reject_reason": reject_reason, "note": note, "corrects_id": corrects_id,
    }, LABELS)
    with transaction(actor) as tx:
        session = tx.session
        factory, product, recipe = _factory_and_recipe(session, actor, data)
        _check_batch(session, data, factory.id, product.id)
        made = data.good_qty + data.rejected_qty
        exact: dict[int, Decimal] = {}
        materials: dict[int, production_q.Item] = {}
        for material, per_unit in recipe:  # recipe order
            exact[material.id] = exact.get(material.id, ZERO) + per_unit * made
            materials[material.id] = material
        needed = {m: q.quantize(THOUSANDTH, rounding=ROUND_CEILING) for m, q in exact.items()}
        held = stock.locked_balances(tx, [(factory.id, m) for m in needed] + [(factory.id, product.id)])
        _refuse_shortages(factory, needed, materials, {m: held[(factory.id, m)] for m in needed})
        unit_cost = sum((per_unit * material.standard_cost for material, per_unit in recipe), Decimal(0))
        log = ProductionLog(
            number=next_number(session, "PL"), factory_id=factory.id, business_date=data.business_date,
            shift=data.shift, product_id=product.id, batch_no=data.batch_no or "", planned_qty=data.planned_qty,
            good_qty=data.good_qty, rejected_qty=data.rejected_qty, reject_reason=data.reject_reason,
            waste_cost=(data.rejected_qty * unit_cost).quantize(CENT, rounding=ROUND_HALF_UP),
            corrects_id=data.corrects_id, recorded_by=actor.user_id, territory_path=factory.territory_path,
            note=data.note)
        session.add(log)
        _flush_log(session, log.batch_no)
        with stock.posting(tx, document=log.number, business_date=log.business_date,
                           products=[product, *materials.values()], with_ids=False) as post:
            for material_id, qty in needed.items():
                post.take(location_id=factory.id, product_id=material_id, qty=qty, kind=MoveKind.CONSUMPTION,
                          note=f"batch {log.batch_no}")
            if log.good_qty > 0:
                shelf = product.shelf_life_days
                expires = log.business_date + timedelta(days=shelf) if shelf else None
                post.put(location_id=factory.id, product_id=product.id, qty=log.good_qty, kind=MoveKind.PRODUCTION,
                         batch=stock.BatchInfo(log.batch_no, log.business_date, expires))
        consumed = {materials[m].sku: str(q) for m, q in needed.items()}
        rollups.production_changed(tx, log, sign=1)
        tx.audit("production.post", log, after={**snapshot(log), "consumed": consumed},
                 scope_path=factory.territory_path)
        _emit(tx, "production.posted", log)
    return log


def _emit(tx: Tx, name: str, log: ProductionLog) -> None:
    tx.emit(DomainEvent(name, scope_path=log.territory_path, data=json_safe({
        "id": log.id, "number": log.number, "factory_id": log.factory_id, "product_id": log.product_id,
        "business_date": log.business_date, "shift": log.shift, "planned_qty": log.planned_qty,
        "good_qty": log.good_qty, "rejected_qty": log.rejected_qty, "waste_cost": log.waste_cost,
        "status": log.status})))


def _refuse_if_gone(session: Session, log: ProductionLog) -> None:
    """The log's good units must all still be in its batch at the factory (nothing dispatched or moved)."""
    batch = production_q.stock_batch(session, log.factory_id, log.product_id, log.batch_no)
    held = batch.qty if batch is not None else production_q.balances(session, log.factory_id, [log.product_id])[
        log.product_id]
    if held < log.good_qty:
        product = products_q.by_id(session, log.product_id)
        name, unit = (product.name, product.unit) if product else ("the product", "")
        factory = parties_q.party_by_id(session, log.factory_id)
        raise InsufficientStock(
            f"Cannot reverse {log.number}: only {format_quantity(held)} of the {format_quantity(log.good_qty)} "
            f"{unit} of {name} in batch {log.batch_no} are still at {factory.name if factory else 'the factory'}: "
            "the rest has left, so the log can no longer be reversed (adjust the stock instead).")


def reverse_production_log(actor: Actor, *, log_id: int, reason: str) -> ProductionLog:
    """Undo a posted log's stock: its finished goods leave their batch (refused if they are no longer all there),
    the materials it used go back to the batches they came from; the log is marked reversed. No new log is made:
    post the corrected one next (with `corrects_id`)."""
    actor.require("production.reverse")
    why = (reason or "").strip()
    if not why or len(why) > 200:
        raise ValidationFailed.field("Reason", "is required: say why the log is reversed" if not why
                                     else "must be at most 200 characters")
    with transaction(actor) as tx:
        session = tx.session
        log = production_q.log_by_id(session, log_id, for_update=True)
        if log is None:
            raise NotFound(f"No production log with id {log_id}.")
        actor.ensure_sees(log.territory_path, log.number)
        if log.status is not ProductionStatus.POSTED:
            raise Conflict(f"{log.number} is already reversed.")
        moves = production_q.consumption_moves(session, log)
        stock.lock(tx, [(log.factory_id, m.product_id) for m in moves] + [(log.factory_id, log.product_id)])
        _refuse_if_gone(session, log)
        day, note = today(), f"reversal of {log.number}"
        with stock.posting(tx, document=log.number, business_date=day, with_ids=False) as post:
            if log.good_qty > 0:
                post.take(location_id=log.factory_id, product_id=log.product_id, qty=log.good_qty,
                          kind=MoveKind.REVERSAL, batch_no=log.batch_no, note=note)
            for move in moves:
                batch = (stock.BatchInfo(move.batch_no, move.produced_on, move.expires_on)
                         if move.batch_no is not None and move.produced_on is not None else None)
                post.put(location_id=log.factory_id, product_id=move.product_id, qty=-move.qty,
                         kind=MoveKind.REVERSAL, unit_cost=move.unit_cost, batch=batch, note=note)
        before = snapshot(log)
        log.status, log.reversed_at, log.reversed_by, log.reversal_reason = (
            ProductionStatus.REVERSED, utcnow(), actor.user_id, why)
        session.add(log)
        rollups.production_changed(tx, log, sign=-1)
        tx.audit("production.reverse", log, before=before, scope_path=log.territory_path)
        _emit(tx, "production.reversed", log)
    return log


__all__ = [
    "LABELS", "Choice", "FactoryDay", "LogRow", "ProductionIn", "factory_choices", "next_batch_no", "percent",
    "post_production_log",
    "product_choices", "production_day", "production_table", "reverse_production_log", "stock_on_hand",
    "suggest_batch_no", "today",
]
