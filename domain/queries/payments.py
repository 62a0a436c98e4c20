"""SQL for payments and their allocations: locks for allocating (always in id order), the M-Pesa code lookup,
allocation rows, and the payments list."""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import (
    GeoLevel,
    GeoNode,
    Invoice,
    InvoiceStatus,
    Party,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    User,
)
from domain.queries.scope import within
from domain.types import Money

OPEN_INVOICE = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


def invoice_is_open() -> sa.ColumnElement[bool]:
    """`status IN ('open', 'partially_paid')` written with literals, as the partial index `ix_invoice_open` says it
    (a bound parameter would keep the planner from using that index)."""
    return col(Invoice.status).in_([sa.literal_column(f"'{status.value}'") for status in OPEN_INVOICE])
Region = aliased(GeoNode, name="region")
Territory = aliased(GeoNode, name="territory")
Recorder = aliased(User, name="recorder")


def payment_by_id(session: Session, payment_id: int, *, for_update: bool = False) -> Payment | None:
    query = select(Payment).where(Payment.id == payment_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def mpesa_payment(session: Session, reference: str) -> Payment | None:
    """The payment already recorded under this M-Pesa transaction code, if any."""
    return session.exec(select(Payment).where(Payment.method == PaymentMethod.MPESA,
                                              Payment.reference == reference)).first()


def lock_invoices(session: Session, invoice_ids: Iterable[int]) -> dict[int, Invoice]:
    """Lock these invoices in id order (so two allocations never deadlock) and read their current state."""
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    query = (select(Invoice).where(col(Invoice.id).in_(ids)).order_by(col(Invoice.id))
             .with_for_update().execution_options(populate_existing=True))
    return {invoice.id or 0: invoice for invoice in session.exec(query)}


def lock_open_invoices(session: Session, customer_id: int) -> list[Invoice]:
    """Lock the customer's open and partially paid invoices in id order; returned oldest due first."""
    query = (select(Invoice).where(Invoice.customer_id == customer_id, col(Invoice.status).in_(OPEN_INVOICE))
             .order_by(col(Invoice.id)).with_for_update().execution_options(populate_existing=True))
    return sorted(session.exec(query), key=lambda i: (i.due_date, i.issue_date, i.id or 0))


def add_allocation(session: Session, allocation: PaymentAllocation) -> PaymentAllocation:
    session.add(allocation)
    session.flush()
    return allocation


def allocations_of(session: Session, payment_id: int, invoice_id: int | None = None) -> list[PaymentAllocation]:
    query = select(PaymentAllocation).where(PaymentAllocation.payment_id == payment_id)
    if invoice_id is not None:
        query = query.where(PaymentAllocation.invoice_id == invoice_id)
    return list(session.exec(query.order_by(col(PaymentAllocation.id))))


def delete_allocations(session: Session, allocations: Iterable[PaymentAllocation]) -> None:
    for allocation in allocations:
        session.delete(allocation)
    session.flush()


def allocation_lines(session: Session, payment_id: int) -> list[tuple[PaymentAllocation, Invoice]]:
    """A payment's allocations with their invoices, in the order they were made."""
    return [(a, i) for a, i in session.exec(
        select(PaymentAllocation, Invoice).join(Invoice, col(Invoice.id) == col(PaymentAllocation.invoice_id))
        .where(PaymentAllocation.payment_id == payment_id).order_by(col(PaymentAllocation.id)))]


def numbers_of(session: Session, payment_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(payment_ids))
    if not ids:
        return {}
    return {pid: number for pid, number in session.exec(
        select(Payment.id, Payment.number).where(col(Payment.id).in_(ids)))}


def in_region() -> sa.ColumnElement[bool]:
    """The customer's region (paths hold only digits and '/': no escaping needed)."""
    return sa.and_(Region.level == GeoLevel.REGION, col(Party.territory_path).startswith(col(Region.path)))


def customer_places() -> sa.Subquery:
    """One row per party: its name, territory and region by name (region None above region level). Lists outer-join
    it on the customer id; being unique per party, PostgreSQL leaves the join out of counts and totals."""
    return (
        select(col(Party.id).label("party_id"), func.max(col(Party.name)).label("customer"),
               func.max(col(Territory.name)).label("territory"), func.max(col(Region.name)).label("region"))
        .select_from(Party)
        .join(Territory, col(Territory.id) == col(Party.territory_id))
        .outerjoin(Region, in_region())
        .group_by(col(Party.id))
        .subquery("customer_place"))


def table_select(actor: Actor) -> sa.Select[Any]:
    """Payments inside the actor's area with the customer, region and territory by name, and what each still holds
    as credit."""
    place = customer_places()
    return (
        select(
            col(Payment.id).label("id"),
            col(Payment.number).label("number"),
            col(Payment.received_on).label("received_on"),
            place.c.customer,
            place.c.region,
            place.c.territory,
            col(Payment.method).label("method"),
            col(Payment.reference).label("reference"),
            col(Payment.amount).label("amount"),
            col(Payment.allocated).label("allocated"),
            sa.type_coerce(col(Payment.amount) - col(Payment.allocated), Money()).label("unallocated"),
            col(Recorder.full_name).label("recorded_by"),
        )
        .select_from(Payment)
        .outerjoin(place, place.c.party_id == col(Payment.customer_id))
        .outerjoin(Recorder, col(Recorder.id) == col(Payment.recorded_by))
        .where(within(col(Payment.territory_path), actor))
    )
