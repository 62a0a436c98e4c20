"""SQL for the stock ledger. The guarded UPDATE (`… WHERE qty >= :n RETURNING qty`) is what makes overselling
impossible on both databases; the CHECK (qty >= 0) constraints are the backstop."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from domain.models import Party, Product
from domain.models.inventory import StockBalance, StockBatch, StockMove
from domain.types import utcnow


def _insert(session: Session, table: type) -> object:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def ensure_balances(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Create missing (location, product) balance rows at zero; existing rows are left alone."""
    rows = [{"location_id": loc, "product_id": prod, "qty": Decimal("0"), "updated_at": utcnow()}
            for loc, prod in sorted(set(pairs))]
    if rows:
        statement = _insert(session, StockBalance).values(rows)  # type: ignore[attr-defined]
        session.execute(statement.on_conflict_do_nothing(index_elements=["location_id", "product_id"]))


def lock_balances(session: Session, pairs: Iterable[tuple[int, int]]) -> None:
    """Lock the balance rows a unit of work will change, in one fixed order, so two never deadlock."""
    keys = sorted(set(pairs))
    if keys and session.get_bind().dialect.name == "postgresql":
        session.execute(
            select(StockBalance.id)
            .where(tuple_(StockBalance.location_id, StockBalance.product_id).in_(keys))
            .order_by(StockBalance.location_id, StockBalance.product_id)
            .with_for_update()
        ).all()


def add_to_balance(session: Session, location_id: int, product_id: int, qty: Decimal) -> Decimal:
    result = session.execute(
        update(StockBalance)
        .where(StockBalance.location_id == location_id, StockBalance.product_id == product_id)
        .values(qty=StockBalance.qty + qty, updated_at=utcnow())
        .returning(StockBalance.qty)
    ).scalar_one()
    return result


def take_from_balance(session: Session, location_id: int, product_id: int, qty: Decimal) -> Decimal | None:
    """Subtract only if enough is there; None when it is not (nothing changed)."""
    return session.execute(
        update(StockBalance)
        .where(StockBalance.location_id == location_id, StockBalance.product_id == product_id,
               StockBalance.qty >= qty)
        .values(qty=StockBalance.qty - qty, updated_at=utcnow())
        .returning(StockBalance.qty)
    ).scalar_one_or_none()


def balance(session: Session, location_id: int, product_id: int) -> Decimal:
    found = session.execute(
        select(StockBalance.qty).where(StockBalance.location_id == location_id,
                                       StockBalance.product_id == product_id)
    ).scalar_one_or_none()
    return found if found is not None else Decimal("0")


def batch_for(session: Session, location_id: int, product_id: int, batch_no: str, *, produced_on: date,
              expires_on: date | None) -> StockBatch:
    """This batch at this location, created empty if new (an existing one keeps its own dates)."""
    statement = _insert(session, StockBatch).values(  # type: ignore[attr-defined]
        location_id=location_id, product_id=product_id, batch_no=batch_no, produced_on=produced_on,
        expires_on=expires_on, qty=Decimal("0"))
    session.execute(statement.on_conflict_do_nothing(index_elements=["location_id", "product_id", "batch_no"]))
    return session.execute(
        select(StockBatch).where(StockBatch.location_id == location_id, StockBatch.product_id == product_id,
                                 StockBatch.batch_no == batch_no)
    ).scalar_one()


def batches_first_expiring(session: Session, location_id: int, product_id: int) -> list[StockBatch]:
    """Batches with stock, first to expire first (FEFO), locked for this transaction on PostgreSQL."""
    query = (
        select(StockBatch)
        .where(StockBatch.location_id == location_id, StockBatch.product_id == product_id, StockBatch.qty > 0)
        .order_by(StockBatch.expires_on.is_(None), StockBatch.expires_on, StockBatch.produced_on, StockBatch.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.execute(query).scalars())


def add_to_batch(session: Session, batch_id: int, qty: Decimal) -> None:
    session.execute(update(StockBatch).where(StockBatch.id == batch_id).values(qty=StockBatch.qty + qty))


def take_from_batch(session: Session, batch_id: int, qty: Decimal) -> bool:
    taken = session.execute(
        update(StockBatch).where(StockBatch.id == batch_id, StockBatch.qty >= qty)
        .values(qty=StockBatch.qty - qty).returning(StockBatch.id)
    ).scalar_one_or_none()
    return taken is not None


def append_move(session: Session, move: StockMove) -> StockMove:
    session.add(move)
    session.flush()
    return move


def names(session: Session, location_id: int, product_id: int) -> tuple[str, str, str]:
    """(location name, product name, product unit), for messages."""
    location = session.get(Party, location_id)
    product = session.get(Product, product_id)
    return (location.name if location else f"location {location_id}",
            product.name if product else f"product {product_id}", product.unit if product else "")


def product_for_stock(session: Session, product_id: int) -> Product | None:
    return session.get(Product, product_id)


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
