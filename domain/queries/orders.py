"""SQL for orders: lookups and locks for the lifecycle, credit exposure, and what the dispatch of an order took."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import func, literal, select, type_coerce
from sqlmodel import Session, col

from domain.models import MoveKind, Order, OrderLine, OrderStatus, OrderStatusChange, StockBatch, StockMove
from domain.models.finance import Invoice, InvoiceStatus, Payment
from domain.types import Money

OPEN_ORDER = (OrderStatus.CONFIRMED, OrderStatus.DISPATCHED)  # committed to the customer, not yet invoiced
OPEN_INVOICE = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


def by_id(session: Session, order_id: int, *, for_update: bool = False) -> Order | None:
    query = select(Order).where(Order.id == order_id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query).scalars().first()


def by_number(session: Session, number: str) -> Order | None:
    return session.execute(select(Order).where(Order.number == number.strip().upper())).scalars().first()


def by_client_reference(session: Session, reference: str) -> Order | None:
    return session.execute(select(Order).where(Order.client_reference == reference)).scalars().first()


def lines_of(session: Session, order_id: int) -> list[OrderLine]:
    return list(session.execute(select(OrderLine).where(OrderLine.order_id == order_id)
                                .order_by(col(OrderLine.line_no))).scalars())


def history_of(session: Session, order_id: int) -> list[OrderStatusChange]:
    return list(session.execute(select(OrderStatusChange).where(OrderStatusChange.order_id == order_id)
                                .order_by(col(OrderStatusChange.id))).scalars())


def add_status(session: Session, order: Order, actor_id: int | None, note: str | None = None) -> None:
    assert order.id is not None
    session.add(OrderStatusChange(order_id=order.id, status=order.status, actor_id=actor_id, note=note))


def invoice_of(session: Session, order_id: int) -> Invoice | None:
    return session.execute(select(Invoice).where(Invoice.order_id == order_id)).scalars().first()


def credit_exposure(session: Session, customer_id: int, *, excluding_order_id: int | None = None
                    ) -> tuple[Decimal, Decimal, Decimal]:
    """(outstanding on open invoices, value of confirmed or dispatched orders not yet invoiced, unallocated
    payments held as the customer's credit)."""
    outstanding = session.execute(
        select(_sum(col(Invoice.amount) - col(Invoice.paid)))
        .where(Invoice.customer_id == customer_id, col(Invoice.status).in_(OPEN_INVOICE))).scalar_one()
    orders = select(_sum(col(Order.total))).where(
        Order.buyer_id == customer_id, col(Order.status).in_(OPEN_ORDER))
    if excluding_order_id is not None:
        orders = orders.where(Order.id != excluding_order_id)
    open_orders = session.execute(orders).scalar_one()
    credit = session.execute(
        select(_sum(col(Payment.amount) - col(Payment.allocated)))
        .where(Payment.customer_id == customer_id)).scalar_one()
    return outstanding, open_orders, credit


def _sum(expr: Any) -> Any:
    """SUM of a money expression, 0 when there are no rows, read back as Decimal."""
    return type_coerce(func.coalesce(func.sum(expr), literal(0)), Money())


class Portion(NamedTuple):
    """Part of what a dispatch took: one product from one batch (None: not batch-tracked), on its business date."""

    product_id: int
    qty: Decimal
    batch: StockBatch | None
    business_date: date


def dispatched_portions(session: Session, number: str) -> list[Portion]:
    """What the dispatch of order `number` took, in move order (positive quantities)."""
    rows = session.execute(
        select(StockMove, StockBatch).outerjoin(StockBatch, col(StockBatch.id) == col(StockMove.batch_id))
        .where(StockMove.document == number, StockMove.kind == MoveKind.DISPATCH)
        .order_by(col(StockMove.id))).all()
    return [Portion(move.product_id, -move.qty, batch, move.business_date) for move, batch in rows]


def references_taken(session: Session, references: Iterable[str]) -> set[str]:
    wanted = sorted(set(references))
    if not wanted:
        return set()
    return set(session.execute(select(Order.client_reference).where(col(Order.client_reference).in_(wanted))).scalars())


def orders_on(session: Session, day: date) -> int:
    return int(session.execute(select(func.count()).select_from(Order).where(Order.order_date == day)).scalar_one())
