"""What the demo history reads back between its service calls: who acts, what a place holds, which batches have
expired, how much credit a customer has left, which invoices are open and which payments still hold credit. Reads
only; every change goes through a service."""

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import col

from domain.access import SYSTEM, Actor
from domain.db import reading
from domain.models import Invoice, InvoiceStatus, Party, PartyKind, Payment
from domain.models.inventory import StockBalance, StockBatch
from domain.queries import orders as orders_q
from domain.queries import users as users_q
from domain.services.access import actor_from_user


def demo_actor(username: str) -> Actor:
    """A demo login to act as (the production manager posts, the storekeeper moves stock...); SYSTEM without it."""
    with reading() as session:
        user = users_q.user_by_username(session, username)
        found = actor_from_user(session, user.id) if user is not None and user.id is not None else None
    return found or SYSTEM


def balances(location_id: int) -> dict[int, Decimal]:
    """Product id -> what the location holds (rows at zero included)."""
    with reading() as session:
        rows = session.execute(select(StockBalance.product_id, StockBalance.qty)
                               .where(StockBalance.location_id == location_id)).all()
    return {product_id: qty for product_id, qty in rows}


def older_stock(location_id: int, before: date) -> dict[int, Decimal]:
    """Per product, what a location holds in batches made before `before`."""
    with reading() as session:
        rows = session.execute(
            select(StockBatch.product_id, func.sum(StockBatch.qty))
            .where(StockBatch.location_id == location_id, StockBatch.qty > 0, StockBatch.produced_on < before)
            .group_by(StockBatch.product_id)
        ).all()
    return {product_id: qty for product_id, qty in rows if qty}


def expired_batches(location_id: int, day: date) -> list[tuple[int, str]]:
    """(product id, batch no) of the batches at a location that expired before `day` and still hold stock."""
    with reading() as session:
        rows = session.execute(
            select(StockBatch.product_id, StockBatch.batch_no)
            .where(StockBatch.location_id == location_id, StockBatch.qty > 0, col(StockBatch.expires_on) < day)
            .order_by(StockBatch.expires_on, StockBatch.id)).all()
    return [(product_id, batch_no) for product_id, batch_no in rows]


def first_expiry(location_id: int) -> date | None:
    """When the first batch the location still holds expires (None: nothing perishable held)."""
    with reading() as session:
        return session.execute(
            select(func.min(StockBatch.expires_on))
            .where(StockBatch.location_id == location_id, StockBatch.qty > 0)).scalar_one_or_none()


def expired_in_trade(day: date) -> list[tuple[int, int, str]]:
    """(location id, product id, batch no) of expired batches still holding stock at distributors and retailers."""
    with reading() as session:
        rows = session.execute(
            select(StockBatch.location_id, StockBatch.product_id, StockBatch.batch_no)
            .join(Party, col(Party.id) == col(StockBatch.location_id))
            .where(col(Party.kind).in_([PartyKind.DISTRIBUTOR, PartyKind.RETAILER]), StockBatch.qty > 0,
                   col(StockBatch.expires_on) < day)
            .order_by(StockBatch.location_id, StockBatch.expires_on, StockBatch.id)).all()
    return [(location_id, product_id, batch_no) for location_id, product_id, batch_no in rows]


def open_invoices() -> list[tuple[int, int, date, Decimal]]:
    """(invoice id, customer id, due date, balance) of every open or partially paid invoice, by customer and then
    oldest due first (the order record_payment allocates in)."""
    with reading() as session:
        rows = session.execute(
            select(Invoice.id, Invoice.customer_id, Invoice.due_date, Invoice.amount, Invoice.paid)
            .where(col(Invoice.status).in_([InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID]))
            .order_by(Invoice.customer_id, Invoice.due_date, Invoice.issue_date, Invoice.id)).all()
    return [(invoice_id, customer_id, due, amount - paid) for invoice_id, customer_id, due, amount, paid in rows]


def held_credit() -> dict[int, list[tuple[int, Decimal]]]:
    """Customer id -> [(payment id, what it still holds)] of the payments not yet fully allocated, oldest first."""
    with reading() as session:
        rows = session.execute(
            select(Payment.id, Payment.customer_id, Payment.amount, Payment.allocated)
            .where(col(Payment.allocated) < col(Payment.amount))
            .order_by(Payment.customer_id, Payment.id)).all()
    held: dict[int, list[tuple[int, Decimal]]] = {}
    for payment_id, customer_id, amount, allocated in rows:
        held.setdefault(customer_id, []).append((payment_id, amount - allocated))
    return held


def credit_left(customer_id: int, limit: Decimal) -> Decimal:
    """The customer's credit limit less its exposure as confirm_order counts it (open invoices + open orders −
    unallocated payments)."""
    with reading() as session:
        outstanding, open_orders, credit = orders_q.credit_exposure(session, customer_id)
    return limit - (outstanding + open_orders - credit)
