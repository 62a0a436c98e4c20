"""Every stock change goes through here, inside the caller's transaction: the guarded balance update, the
batch bookkeeping for perishables (first expiring, first out) and the appended ledger move.

Callers lock what they will touch first (`lock`), in one fixed order, so concurrent documents never deadlock.

A document with several lines posts through one `posting(...)`: each line's balance (and batch) is still changed by
its own guarded statement at once — that is what makes overselling impossible — but the document's moves are
appended by one INSERT when the posting closes, and product facts are read once per document. `put` and `take` are
one-line postings.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm.instrumentation import manager_of_class

from domain.db import Tx
from domain.errors import Conflict, InsufficientStock, ValidationFailed
from domain.formatting import format_quantity
from domain.models import Product
from domain.models.inventory import MoveKind, StockMove
from domain.queries import stock as stock_q
from domain.types import utcnow


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


class StockFacts(Protocol):
    """What posting needs to know of a product (a `Product` will do)."""

    @property
    def id(self) -> int | None: ...

    @property
    def shelf_life_days(self) -> int | None: ...

    @property
    def standard_cost(self) -> Decimal: ...


def locked_balances(tx: Tx, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """Create and lock the (location, product) balance rows a document will change, in sorted order, and return what
    each holds now (nothing else can change them until the transaction ends)."""
    return stock_q.lock_and_read(tx.session.connection(), pairs, utcnow())


def lock(tx: Tx, pairs: Iterable[tuple[int, int]]) -> None:
    """Create and lock the (location, product) balance rows a document will change, in sorted order."""
    locked_balances(tx, pairs)


_MOVES = manager_of_class(StockMove)


def _move_object(row: dict[str, Any]) -> StockMove:
    """The StockMove that `row` will be once appended, built the way the ORM builds a row it loads (no `__init__`:
    that costs ~0.1 ms a move, more than its INSERT, and table models are not validated on construction anyway).
    Not added to the session: moves are only ever written by `append_moves`."""
    move: StockMove = _MOVES.new_instance()
    move.__dict__.update(row)
    move.__pydantic_fields_set__ = set(row)
    return move


def _positive(qty: Decimal) -> None:
    if qty <= 0:
        raise ValidationFailed.field("Quantity", "must be more than zero")


class Posting:
    """The stock lines of one document (one number, one business date), inside the caller's transaction.

    `put` and `take` change the balance (and batches) at once with their guarded statements and refuse at once;
    the moves they return are appended when the posting is written (`write`, or leaving `posting(...)`), which
    fills in their ids. Nothing is written if the block raises.
    """

    def __init__(self, tx: Tx, *, document: str, business_date: date, products: Iterable[StockFacts] = (),
                 with_ids: bool = True) -> None:
        self.tx, self.document, self.business_date, self.with_ids = tx, document, business_date, with_ids
        self._conn = tx.session.connection()
        self._now = utcnow()
        self._facts: dict[int, tuple[int | None, Decimal]] = {
            p.id: (p.shelf_life_days, p.standard_cost) for p in products if p.id is not None}
        self._rows: list[dict[str, Any]] = []
        self._moves: list[StockMove] = []

    def _product(self, product_id: int) -> tuple[int | None, Decimal]:
        facts = self._facts.get(product_id)
        if facts is None:
            product = self.tx.session.get(Product, product_id)
            if product is None:
                raise ValidationFailed.field("Product", f"no product with id {product_id}")
            facts = self._facts[product_id] = (product.shelf_life_days, product.standard_cost)
        return facts

    def _move(self, *, location_id: int, product_id: int, batch_id: int | None, qty: Decimal,
              balance_after: Decimal, kind: MoveKind, unit_cost: Decimal, note: str | None) -> StockMove:
        row = {"at": self._now, "business_date": self.business_date, "location_id": location_id,
               "product_id": product_id, "batch_id": batch_id, "qty": qty, "balance_after": balance_after,
               "kind": kind, "document": self.document, "unit_cost": unit_cost, "actor_id": self.tx.actor.user_id,
               "note": note}
        move = _move_object(row)
        self._rows.append(row)
        self._moves.append(move)
        return move

    def put(self, *, location_id: int, product_id: int, qty: Decimal, kind: MoveKind, unit_cost: Decimal | None = None,
            batch: BatchInfo | None = None, note: str | None = None) -> StockMove:
        """Add stock. Perishables (products with a shelf life) land in a batch: the given one, or one named after the
        document that expires after the product's shelf life."""
        _positive(qty)
        shelf_life, standard_cost = self._product(product_id)
        after = stock_q.add_to_balance(self._conn, location_id, product_id, qty, self._now)
        batch_id = None
        if shelf_life:
            day = self.business_date
            batch = batch or BatchInfo(self.document, day, day + timedelta(days=shelf_life))
            batch_id = stock_q.put_into_batch(self._conn, location_id, product_id, batch.batch_no,
                                              produced_on=batch.produced_on, expires_on=batch.expires_on, qty=qty)
            if batch_id is None:
                held = stock_q.batch_produced_on(self._conn, location_id, product_id, batch.batch_no)
                place, name, _ = stock_q.names(self.tx.session, location_id, product_id)
                raise Conflict(f"{place} already holds a batch {batch.batch_no} of {name} made on {held}; "
                               f"stock made on {batch.produced_on} cannot join it (batch numbers must tell batches "
                               "apart).")
        return self._move(location_id=location_id, product_id=product_id, batch_id=batch_id, qty=qty,
                          balance_after=after, kind=kind, note=note,
                          unit_cost=standard_cost if unit_cost is None else unit_cost)

    def take(self, *, location_id: int, product_id: int, qty: Decimal, kind: MoveKind,
             unit_cost: Decimal | None = None, batch_no: str | None = None, note: str | None = None) -> Taken:
        """Remove stock, refusing with InsufficientStock (naming product, place and figures) if there is not enough.

        Perishables come out of their batches first-expiring-first (or from `batch_no` only), one move per batch.
        """
        _positive(qty)
        shelf_life, standard_cost = self._product(product_id)
        after = stock_q.take_from_balance(self._conn, location_id, product_id, qty, self._now)
        if after is None:
            _refuse(self.tx, location_id, product_id, qty)
        assert after is not None
        cost = standard_cost if unit_cost is None else unit_cost
        common: dict[str, Any] = {"location_id": location_id, "product_id": product_id, "kind": kind,
                                  "unit_cost": cost, "note": note}
        if not shelf_life:
            return Taken(moves=[self._move(batch_id=None, qty=-qty, balance_after=after, **common)],
                         batches=[(None, qty)])
        moves: list[StockMove] = []
        portions: list[tuple[BatchInfo | None, Decimal]] = []
        remaining, running = qty, after + qty
        progressed = True
        while remaining > 0 and progressed:
            progressed = False  # read again only if a guarded batch take found less than was read
            for batch in stock_q.batches_to_take(self._conn, location_id, product_id, remaining, batch_no):
                portion = min(batch.qty, remaining)
                if portion <= 0 or not stock_q.take_from_batch(self._conn, batch.id, portion):
                    continue
                progressed = True
                running -= portion
                moves.append(self._move(batch_id=batch.id, qty=-portion, balance_after=running, **common))
                portions.append((BatchInfo(batch.batch_no, batch.produced_on, batch.expires_on), portion))
                remaining -= portion
                if remaining == 0:
                    break
        if remaining > 0:
            _refuse(self.tx, location_id, product_id, qty, batch_no=batch_no)
        return Taken(moves=moves, batches=portions)

    def write(self) -> list[StockMove]:
        """Append the moves posted so far (one INSERT) and give them their ids (unless `with_ids` is off: a caller
        that never reads the moves back spares RETURNING the ids, which costs more than the INSERT on SQLite)."""
        rows, moves = self._rows, self._moves
        self._rows, self._moves = [], []
        if not self.with_ids:
            stock_q.append_moves(self._conn, rows, returning=False)
            return moves
        for move, move_id in zip(moves, stock_q.append_moves(self._conn, rows), strict=True):
            move.id = move_id
        return moves


@contextmanager
def posting(tx: Tx, *, document: str, business_date: date, products: Iterable[StockFacts] = (),
            with_ids: bool = True) -> Iterator[Posting]:
    """A `Posting` whose moves are written when the block ends without an exception."""
    post = Posting(tx, document=document, business_date=business_date, products=products, with_ids=with_ids)
    yield post
    post.write()


def put(
    tx: Tx, *, location_id: int, product_id: int, qty: Decimal, kind: MoveKind, document: str,
    business_date: date, unit_cost: Decimal | None = None, batch: BatchInfo | None = None, note: str | None = None,
) -> StockMove:
    """Add stock. Perishables (products with a shelf life) land in a batch: the given one, or one named after the
    document that expires after the product's shelf life."""
    with posting(tx, document=document, business_date=business_date) as post:
        move = post.put(location_id=location_id, product_id=product_id, qty=qty, kind=kind, unit_cost=unit_cost,
                        batch=batch, note=note)
    return move


def take(
    tx: Tx, *, location_id: int, product_id: int, qty: Decimal, kind: MoveKind, document: str,
    business_date: date, unit_cost: Decimal | None = None, batch_no: str | None = None, note: str | None = None,
) -> Taken:
    """Remove stock, refusing with InsufficientStock (naming product, place and figures) if there is not enough.

    Perishables come out of their batches first-expiring-first (or from `batch_no` only), one move per batch.
    """
    with posting(tx, document=document, business_date=business_date) as post:
        taken = post.take(location_id=location_id, product_id=product_id, qty=qty, kind=kind, unit_cost=unit_cost,
                          batch_no=batch_no, note=note)
    return taken


def _refuse(tx: Tx, location_id: int, product_id: int, qty: Decimal, *, batch_no: str | None = None) -> None:
    place, name, unit = stock_q.names(tx.session, location_id, product_id)
    available = stock_q.balance(tx.session, location_id, product_id)
    where = f" in batch {batch_no}" if batch_no else ""
    raise InsufficientStock(
        f"Not enough {name} at {place}{where}: {format_quantity(qty)} {unit} needed, "
        f"{format_quantity(available)} {unit} available.".replace("  ", " "))
