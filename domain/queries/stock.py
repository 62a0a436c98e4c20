"""SQL for the stock ledger. The guarded UPDATE (`… WHERE qty >= :n RETURNING qty`) is what makes overselling
impossible on both databases; the CHECK (qty >= 0) constraints are the backstop.

The posting statements are Core statements built once per dialect (`statements`) and executed on the session's
connection with parameter dicts, so SQLAlchemy compiles each of them once per process instead of once per call and
the ORM's unit of work stays out of the way: balances, batches and moves are written by these statements only.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, Update, and_, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from domain.models import Party, Product, ProductKind
from domain.models.inventory import StockBalance, StockBatch, StockMove
from domain.types import Quantity, UTCDateTime

BALANCE = StockBalance.__table__  # type: ignore[attr-defined]
BATCH = StockBatch.__table__  # type: ignore[attr-defined]
MOVE = StockMove.__table__  # type: ignore[attr-defined]
_ZERO = Decimal("0")
ITEM_COLUMNS = ("id", "sku", "name", "unit", "kind", "is_active", "shelf_life_days", "standard_cost")


@dataclass(frozen=True)
class Item:
    """A product as a stock document needs it (columns `ITEM_COLUMNS`, read without the ORM)."""

    id: int
    sku: str
    name: str
    unit: str
    kind: ProductKind
    is_active: bool
    shelf_life_days: int | None
    standard_cost: Decimal


@dataclass(frozen=True)
class Statements:
    """The posting statements of one dialect, built once."""

    lock: Insert  # create missing balance rows, lock all of them (in the order given) and return their qty
    ensure: Insert  # create one balance row if missing
    add: Update  # balance += n, returning the new qty
    take: Update  # balance -= n only if qty >= n, returning the new qty (no row: not enough)
    batch_put: Insert  # batch += n, created if new; no row back when the held batch has other dates
    batch_dates: Select[Any]
    batch_take: Update  # batch -= n only if qty >= n
    fefo: Select[Any]  # the first-expiring batches that cover :need, in FEFO order
    fefo_one: Select[Any]  # the one batch :batch_no, if it holds stock
    moves: Insert  # append moves, returning their ids in the order given
    append: Insert  # append moves


@cache
def _statements(dialect: str) -> Statements:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    n, now = bindparam("n", type_=Quantity()), bindparam("now", type_=UTCDateTime())
    at_pair = and_(BALANCE.c.location_id == bindparam("loc"), BALANCE.c.product_id == bindparam("prod"))
    balance_in = insert(BALANCE)
    batch_in = insert(BATCH)
    fefo_order = (BATCH.c.expires_on.is_(None), BATCH.c.expires_on, BATCH.c.produced_on, BATCH.c.id)
    open_batches = and_(BATCH.c.location_id == bindparam("loc"), BATCH.c.product_id == bindparam("prod"),
                        BATCH.c.qty > 0)
    running = (select(BATCH.c.id, BATCH.c.batch_no, BATCH.c.produced_on, BATCH.c.expires_on, BATCH.c.qty,
                      func.sum(BATCH.c.qty).over(order_by=fefo_order, rows=(None, 0)).label("through"))
               .where(open_batches).subquery("running"))
    batch_cols = (BATCH.c.id, BATCH.c.batch_no, BATCH.c.produced_on, BATCH.c.expires_on, BATCH.c.qty)
    return Statements(
        lock=balance_in.on_conflict_do_update(index_elements=["location_id", "product_id"],
                                              set_={"qty": BALANCE.c.qty})
        .returning(BALANCE.c.location_id, BALANCE.c.product_id, BALANCE.c.qty),
        ensure=balance_in.on_conflict_do_nothing(index_elements=["location_id", "product_id"]),
        add=BALANCE.update().where(at_pair).values(qty=BALANCE.c.qty + n, updated_at=now)
        .returning(BALANCE.c.qty),
        take=BALANCE.update().where(at_pair, BALANCE.c.qty >= n).values(qty=BALANCE.c.qty - n, updated_at=now)
        .returning(BALANCE.c.qty),
        batch_put=batch_in.on_conflict_do_update(
            index_elements=["location_id", "product_id", "batch_no"],
            set_={"qty": BATCH.c.qty + batch_in.excluded.qty},
            where=and_(BATCH.c.produced_on == batch_in.excluded.produced_on,
                       BATCH.c.expires_on.is_not_distinct_from(batch_in.excluded.expires_on)),
        ).returning(BATCH.c.id),
        batch_dates=select(BATCH.c.produced_on).where(
            BATCH.c.location_id == bindparam("loc"), BATCH.c.product_id == bindparam("prod"),
            BATCH.c.batch_no == bindparam("batch_no")),
        batch_take=BATCH.update().where(BATCH.c.id == bindparam("batch_id"), BATCH.c.qty >= n)
        .values(qty=BATCH.c.qty - n).returning(BATCH.c.id),
        fefo=select(running.c.id, running.c.batch_no, running.c.produced_on, running.c.expires_on, running.c.qty)
        .where(running.c.through - running.c.qty < bindparam("need", type_=Quantity()))
        .order_by(running.c.expires_on.is_(None), running.c.expires_on, running.c.produced_on, running.c.id),
        fefo_one=select(*batch_cols).where(open_batches, BATCH.c.batch_no == bindparam("batch_no")),
        moves=MOVE.insert().returning(MOVE.c.id, sort_by_parameter_order=True),
        append=MOVE.insert(),
    )


def statements(conn: Connection) -> Statements:
    return _statements(conn.dialect.name)


# ---- balances -------------------------------------------------------------------------------------------------------


def lock_and_read(conn: Connection, pairs: Iterable[tuple[int, int]], now: datetime) -> dict[tuple[int, int], Decimal]:
    """Create the missing (location, product) balance rows at zero, lock every one of them for this transaction in
    sorted order (an upsert that rewrites qty with itself takes the row lock, as SELECT … FOR UPDATE would), and
    return what each holds — one statement on both databases."""
    keys = sorted(set(pairs))
    if not keys:
        return {}
    rows = [{"location_id": loc, "product_id": prod, "qty": _ZERO, "updated_at": now} for loc, prod in keys]
    found = conn.execute(statements(conn).lock, rows)
    return {(loc, prod): qty for loc, prod, qty in found}


def add_to_balance(conn: Connection, location_id: int, product_id: int, qty: Decimal, now: datetime) -> Decimal:
    """Add to a balance (created if missing) and return the new quantity."""
    sql = statements(conn)
    params = {"loc": location_id, "prod": product_id, "n": qty, "now": now}
    after = conn.execute(sql.add, params).scalar_one_or_none()
    if after is None:  # no row yet: the caller did not lock this pair first
        conn.execute(sql.ensure, {"location_id": location_id, "product_id": product_id, "qty": _ZERO,
                                  "updated_at": now})
        after = conn.execute(sql.add, params).scalar_one()
    return after


def take_from_balance(conn: Connection, location_id: int, product_id: int, qty: Decimal,
                      now: datetime) -> Decimal | None:
    """Subtract only if enough is there; None when it is not (nothing changed; a missing row holds nothing)."""
    return conn.execute(statements(conn).take, {"loc": location_id, "prod": product_id, "n": qty, "now": now}
                        ).scalar_one_or_none()


def balance(session: Session, location_id: int, product_id: int) -> Decimal:
    found = session.execute(
        select(StockBalance.qty).where(StockBalance.location_id == location_id,
                                       StockBalance.product_id == product_id)
    ).scalar_one_or_none()
    return found if found is not None else Decimal("0")


# ---- batches --------------------------------------------------------------------------------------------------------


def put_into_batch(conn: Connection, location_id: int, product_id: int, batch_no: str, *, produced_on: date,
                   expires_on: date | None, qty: Decimal) -> int | None:
    """Add to this batch at this location (created if new) and return its id; None, with nothing changed, when the
    location holds a batch of that number with other dates."""
    return conn.execute(statements(conn).batch_put, {
        "location_id": location_id, "product_id": product_id, "batch_no": batch_no, "produced_on": produced_on,
        "expires_on": expires_on, "qty": qty}).scalar_one_or_none()


def batch_produced_on(conn: Connection, location_id: int, product_id: int, batch_no: str) -> date | None:
    return conn.execute(statements(conn).batch_dates,
                        {"loc": location_id, "prod": product_id, "batch_no": batch_no}).scalar_one_or_none()


def batches_to_take(conn: Connection, location_id: int, product_id: int, need: Decimal,
                    batch_no: str | None = None) -> Sequence[Any]:
    """(id, batch_no, produced_on, expires_on, qty) of the batches holding stock, first to expire first, as many as
    cover `need` (or the one batch `batch_no`). Not locked here: every batch change happens under the lock of its
    balance row, which the caller holds (`take_from_balance` first), and each take is guarded again."""
    sql = statements(conn)
    params = {"loc": location_id, "prod": product_id}
    if batch_no is not None:
        return conn.execute(sql.fefo_one, {**params, "batch_no": batch_no}).all()
    return conn.execute(sql.fefo, {**params, "need": need}).all()


def take_from_batch(conn: Connection, batch_id: int, qty: Decimal) -> bool:
    return conn.execute(statements(conn).batch_take, {"batch_id": batch_id, "n": qty}).first() is not None


def batches_first_expiring(session: Session, location_id: int, product_id: int) -> list[StockBatch]:
    """Batches with stock, first to expire first (FEFO), locked for this transaction on PostgreSQL."""
    query = (
        select(StockBatch)
        .where(StockBatch.location_id == location_id, StockBatch.product_id == product_id, StockBatch.qty > 0)
        .order_by(col(StockBatch.expires_on).is_(None), col(StockBatch.expires_on), col(StockBatch.produced_on),
                  col(StockBatch.id))
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.execute(query).scalars())


# ---- moves and names ---------------------------------------------------------------------------------------------


def append_moves(conn: Connection, rows: list[dict[str, Any]], *, returning: bool = True) -> list[int]:
    """INSERT the moves and return their ids in the order given (one statement on PostgreSQL; on SQLite, whose
    RETURNING order is not defined, SQLAlchemy inserts row by row) — or, not `returning`, one executemany."""
    if not rows:
        return []
    if not returning:
        conn.execute(statements(conn).append, rows)
        return []
    return list(conn.execute(statements(conn).moves, rows).scalars())


def names(session: Session, location_id: int, product_id: int) -> tuple[str, str, str]:
    """(location name, product name, product unit), for messages."""
    location = session.get(Party, location_id)
    product = session.get(Product, product_id)
    return (location.name if location else f"location {location_id}",
            product.name if product else f"product {product_id}", product.unit if product else "")


def mismatched_balances(session: Session) -> list[tuple[int, int, Decimal, Decimal]]:
    """(location, product, balance, sum of moves) wherever the two differ, including moves without a balance."""
    sums = (
        select(StockMove.location_id, StockMove.product_id, func.sum(StockMove.qty).label("moved"))
        .group_by(StockMove.location_id, StockMove.product_id)
        .subquery()
    )
    rows = session.execute(
        select(sums.c.location_id, sums.c.product_id, func.coalesce(StockBalance.qty, 0), sums.c.moved)
        .outerjoin(StockBalance, (StockBalance.location_id == sums.c.location_id)
                   & (StockBalance.product_id == sums.c.product_id))
        .where(func.coalesce(StockBalance.qty, 0) != sums.c.moved)
    ).all()
    orphans = session.execute(
        select(StockBalance.location_id, StockBalance.product_id, StockBalance.qty)
        .outerjoin(sums, (StockBalance.location_id == sums.c.location_id)
                   & (StockBalance.product_id == sums.c.product_id))
        .where(col(sums.c.moved).is_(None), StockBalance.qty != 0)
    ).all()
    return [(r[0], r[1], Decimal(r[2]), Decimal(r[3])) for r in rows] + [(r[0], r[1], r[2], Decimal(0))
                                                                          for r in orphans]
