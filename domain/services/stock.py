"""Every stock change goes through here, inside the caller's transaction: the guarded balance update, the
batch bookkeeping for perishables (first expiring, first out) and the appended ledger move.

Callers lock what they will touch first (`lock`), in one fixed order, so concurrent documents never deadlock.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.db import Tx
from domain.errors import Conflict, InsufficientStock, ValidationFailed
from domain.formatting import format_quantity
from domain.models.inventory import MoveKind, StockMove
from domain.queries import stock as stock_q


@dataclass(frozen=True)
class BatchInfo:
    batch_no: str
    produced_on: date
    expires_on: date | None


@dataclass(frozen=True)
class Taken:
    """What one take removed: the moves written, and per batch how much (so a transfer can carry batches)."""

    moves: list[StockMove]
    batches: list[tuple[BatchInfo | None, Decimal]]


def lock(tx: Tx, pairs: Iterable[tuple[int, int]]) -> None:
    """Create and lock the (location, product) balance rows a document will change, in sorted order."""
    pairs = list(pairs)
    stock_q.ensure_balances(tx.session, pairs)
    stock_q.lock_balances(tx.session, pairs)


def _positive(qty: Decimal) -> None:
    if qty <= 0:
        raise ValidationFailed.field("Quantity", "must be more than zero")


def put(
    tx: Tx, *, location_id: int, product_id: int, qty: Decimal, kind: MoveKind, document: str,
    business_date: date, unit_cost: Decimal | None = None, batch: BatchInfo | None = None, note: str | None = None,
) -> StockMove:
    """Add stock. Perishables (products with a shelf life) land in a batch: the given one, or one named after the
    document that expires after the product's shelf life."""
    _positive(qty)
    session = tx.session
    product = stock_q.product_for_stock(session, product_id)
    if product is None:
        raise ValidationFailed.field("Product", f"no product with id {product_id}")
    stock_q.ensure_balances(session, [(location_id, product_id)])
    after = stock_q.add_to_balance(session, location_id, product_id, qty)
    batch_id = None
    if product.shelf_life_days:
        batch = batch or BatchInfo(document, business_date, business_date + timedelta(days=product.shelf_life_days))
        held = stock_q.batch_for(session, location_id, product_id, batch.batch_no,
                                 produced_on=batch.produced_on, expires_on=batch.expires_on)
        if (held.produced_on, held.expires_on) != (batch.produced_on, batch.expires_on):
            place, name, _ = stock_q.names(session, location_id, product_id)
            raise Conflict(f"{place} already holds a batch {batch.batch_no} of {name} made on {held.produced_on}; "
                           f"stock made on {batch.produced_on} cannot join it (batch numbers must tell batches apart).")
        batch_id = held.id
        assert batch_id is not None
        stock_q.add_to_batch(session, batch_id, qty)
    return stock_q.append_move(session, StockMove(
        business_date=business_date, location_id=location_id, product_id=product_id, batch_id=batch_id, qty=qty,
        balance_after=after, kind=kind, document=document,
        unit_cost=product.standard_cost if unit_cost is None else unit_cost,
        actor_id=tx.actor.user_id, note=note))


def take(
    tx: Tx, *, location_id: int, product_id: int, qty: Decimal, kind: MoveKind, document: str,
    business_date: date, unit_cost: Decimal | None = None, batch_no: str | None = None, note: str | None = None,
) -> Taken:
    """Remove stock, refusing with InsufficientStock (naming product, place and figures) if there is not enough.

    Perishables come out of their batches first-expiring-first (or from `batch_no` only), one move per batch.
    """
    _positive(qty)
    session = tx.session
    product = stock_q.product_for_stock(session, product_id)
    if product is None:
        raise ValidationFailed.field("Product", f"no product with id {product_id}")
    stock_q.ensure_balances(session, [(location_id, product_id)])
    after = stock_q.take_from_balance(session, location_id, product_id, qty)
    if after is None:
        _refuse(tx, location_id, product_id, qty)
    assert after is not None
    cost = product.standard_cost if unit_cost is None else unit_cost
    if not product.shelf_life_days:
        move = stock_q.append_move(session, StockMove(
            business_date=business_date, location_id=location_id, product_id=product_id, qty=-qty,
            balance_after=after, kind=kind, document=document, unit_cost=cost, actor_id=tx.actor.user_id,
            note=note))
        return Taken(moves=[move], batches=[(None, qty)])

    moves: list[StockMove] = []
    portions: list[tuple[BatchInfo | None, Decimal]] = []
    remaining, running = qty, after + qty
    for batch in stock_q.batches_first_expiring(session, location_id, product_id):
        if batch_no is not None and batch.batch_no != batch_no:
            continue
        portion = min(batch.qty, remaining)
        assert batch.id is not None
        if portion <= 0 or not stock_q.take_from_batch(session, batch.id, portion):
            continue
        running -= portion
        moves.append(stock_q.append_move(session, StockMove(
            business_date=business_date, location_id=location_id, product_id=product_id, batch_id=batch.id,
            qty=-portion, balance_after=running, kind=kind, document=document, unit_cost=cost,
            actor_id=tx.actor.user_id, note=note)))
        portions.append((BatchInfo(batch.batch_no, batch.produced_on, batch.expires_on), portion))
        remaining -= portion
        if remaining == 0:
            break
    if remaining > 0:
        _refuse(tx, location_id, product_id, qty, batch_no=batch_no)
    return Taken(moves=moves, batches=portions)


def _refuse(tx: Tx, location_id: int, product_id: int, qty: Decimal, *, batch_no: str | None = None) -> None:
    place, name, unit = stock_q.names(tx.session, location_id, product_id)
    available = stock_q.balance(tx.session, location_id, product_id)
    where = f" in batch {batch_no}" if batch_no else ""
    raise InsufficientStock(
        f"Not enough {name} at {place}{where}: {format_quantity(qty)} {unit} needed, "
        f"{format_quantity(available)} {unit} available.".replace("  ", " "))
