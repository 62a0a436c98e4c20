"""SQL for invoices: the lookup and lock for voiding, an invoice's allocations, a customer's open invoices, and the
invoices list."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from domain.access import Actor
from domain.models import Invoice, InvoiceStatus, Order, Payment, PaymentAllocation
from domain.queries.expiry import days_until
from domain.queries.payments import OPEN_INVOICE, customer_places
from domain.queries.scope import within
from domain.types import Money


def invoice_by_id(session: Session, invoice_id: int, *, for_update: bool = False) -> Invoice | None:
    query = select(Invoice).where(Invoice.id == invoice_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def order_number(session: Session, order_id: int) -> str | None:
    return session.exec(select(Order.number).where(Order.id == order_id)).first()


def payments_on(session: Session, invoice_id: int) -> list[tuple[PaymentAllocation, Payment]]:
    """The allocations to an invoice with their payments, in the order they were made."""
    return [(a, p) for a, p in session.exec(
        select(PaymentAllocation, Payment).join(Payment, col(Payment.id) == col(PaymentAllocation.payment_id))
        .where(PaymentAllocation.invoice_id == invoice_id).order_by(col(PaymentAllocation.id)))]


def open_of(session: Session, customer_id: int) -> list[Invoice]:
    """A customer's open and partially paid invoices, due first first (the order "oldest first" allocates in)."""
    return list(session.exec(
        select(Invoice).where(Invoice.customer_id == customer_id, col(Invoice.status).in_(OPEN_INVOICE))
        .order_by(col(Invoice.due_date), col(Invoice.issue_date), col(Invoice.id))))


def balance_expr() -> sa.ColumnElement[Any]:
    """What is still owed on an invoice: amount − paid, nothing on a void one."""
    owed = sa.case((col(Invoice.status) == InvoiceStatus.VOID, sa.literal(0)),
                   else_=col(Invoice.amount) - col(Invoice.paid))
    return sa.type_coerce(owed, Money())


def table_select(actor: Actor, *, today: date) -> sa.Select[Any]:
    """Invoices inside the actor's area with order, customer, region and territory by name, the balance, and the
    days an unpaid invoice is overdue on `today` (blank when it is not)."""
    late = sa.and_(col(Invoice.status).in_(OPEN_INVOICE), col(Invoice.due_date) < sa.literal(today, sa.Date))
    place = customer_places()
    return (
        select(
            col(Invoice.id).label("id"),
            col(Invoice.number).label("number"),
            col(Order.number).label("order"),
            place.c.customer,
            place.c.region,
            place.c.territory,
            col(Invoice.issue_date).label("issue_date"),
            col(Invoice.due_date).label("due_date"),
            col(Invoice.amount).label("amount"),
            col(Invoice.paid).label("paid"),
            balance_expr().label("balance"),
            col(Invoice.status).label("status"),
            sa.case((late, days_until(sa.literal(today, sa.Date), col(Invoice.due_date))), else_=sa.null())
            .label("days_overdue"),
        )
        .select_from(Invoice)
        .outerjoin(Order, col(Order.id) == col(Invoice.order_id))  # outer joins on unique keys: left out of counts
        .outerjoin(place, place.c.party_id == col(Invoice.customer_id))
        .where(within(col(Invoice.territory_path), actor))
    )
