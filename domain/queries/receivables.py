"""SQL for receivables: what each customer owes, aged into buckets by due date (one GROUP BY over open invoices),
rolled up per region, and the entries of a customer statement.

Ageing compares due dates with dates computed once from `as_of`, so the database needs no date arithmetic and
the open-invoice scan stays on the status index. Money is summed as integer cents and read back exactly.
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import Invoice, InvoiceStatus, Order, OrderStatus, Party, PartyKind, Payment
from domain.queries.payments import Region, Territory, in_region, invoice_is_open
from domain.queries.scope import within
from domain.types import Money

# (column key, fewest days overdue, most days overdue), both inclusive; None is open-ended.
Bucket = tuple[str, int | None, int | None]
CUSTOMER_KINDS = (PartyKind.DISTRIBUTOR, PartyKind.RETAILER)
OPEN_ORDER = (OrderStatus.CONFIRMED, OrderStatus.DISPATCHED)
MONEY_KEYS = ("credit_limit", "outstanding", "overdue", "open_orders", "credit", "headroom")


def _money(expr: Any) -> Any:
    return sa.type_coerce(expr, Money())


def _day(value: date) -> Any:
    return sa.literal(value, sa.Date)


def _aged(as_of: date, low: int | None, high: int | None) -> sa.ColumnElement[bool]:
    """Days overdue (as_of − due date) between low and high, as a range on the due date."""
    due = col(Invoice.due_date)
    bounds = []
    if low is not None:
        bounds.append(due <= _day(as_of - timedelta(days=low)))
    if high is not None:
        bounds.append(due >= _day(as_of - timedelta(days=high)))
    return sa.and_(*bounds) if bounds else sa.true()


def _customers_in(actor: Actor) -> Any:
    return select(Party.id).where(within(col(Party.territory_path), actor))


def customer_select(actor: Actor, *, as_of: date, buckets: Sequence[Bucket]) -> sa.Select[Any]:
    """One row per customer (distributor or retailer) inside the actor's area — active ones, and inactive ones that
    still owe or hold credit: credit limit, outstanding, overdue, each ageing bucket, open orders, unallocated
    payments (credit), headroom (limit − outstanding − open orders + credit, what confirming an order checks) and
    the last payment date."""
    owed = col(Invoice.amount) - col(Invoice.paid)
    invoices = (
        select(col(Invoice.customer_id).label("customer_id"), func.sum(owed).label("outstanding"),
               func.sum(sa.case((col(Invoice.due_date) < _day(as_of), owed), else_=0)).label("overdue"),
               *(func.sum(sa.case((_aged(as_of, low, high), owed), else_=0)).label(key) for key, low, high in buckets))
        .where(invoice_is_open())
        .group_by(col(Invoice.customer_id)))
    credits = (
        select(col(Payment.customer_id).label("customer_id"),
               func.sum(col(Payment.amount) - col(Payment.allocated)).label("credit"))
        .where(col(Payment.allocated) < col(Payment.amount)).group_by(col(Payment.customer_id)))
    orders = (
        select(col(Order.buyer_id).label("customer_id"), func.sum(col(Order.total)).label("open_orders"))
        .where(col(Order.status).in_([sa.literal_column(f"'{status.value}'") for status in OPEN_ORDER]))  # literals, as
        # the partial index ix_sales_order_open says them; tertiary sales, without a buyer, are never open
        .group_by(col(Order.buyer_id)))
    if not actor.company_wide:
        invoices = invoices.where(col(Invoice.customer_id).in_(_customers_in(actor)))
        credits = credits.where(col(Payment.customer_id).in_(_customers_in(actor)))
        orders = orders.where(col(Order.buyer_id).in_(_customers_in(actor)))
    inv, cred, held = invoices.subquery("inv"), credits.subquery("cred"), orders.subquery("held")

    def zero(column: Any) -> Any:
        return func.coalesce(column, 0)

    last_payment = (select(func.max(col(Payment.received_on))).where(col(Payment.customer_id) == col(Party.id))
                    .scalar_subquery())
    return (
        select(
            col(Party.id).label("id"),
            col(Party.code).label("code"),
            col(Party.name).label("customer"),
            col(Party.kind).label("kind"),
            col(Region.id).label("region_id"),
            col(Region.name).label("region"),
            col(Territory.name).label("territory"),
            col(Party.credit_limit).label("credit_limit"),
            _money(zero(inv.c.outstanding)).label("outstanding"),
            _money(zero(inv.c.overdue)).label("overdue"),
            *(_money(zero(inv.c[key])).label(key) for key, _, _ in buckets),
            _money(zero(held.c.open_orders)).label("open_orders"),
            _money(zero(cred.c.credit)).label("credit"),
            _money(col(Party.credit_limit) - zero(inv.c.outstanding) - zero(held.c.open_orders) + zero(cred.c.credit))
            .label("headroom"),
            sa.type_coerce(last_payment, sa.Date).label("last_payment"),
        )
        .select_from(Party)
        .join(Territory, col(Territory.id) == col(Party.territory_id))
        .outerjoin(Region, in_region())
        .outerjoin(inv, inv.c.customer_id == col(Party.id))
        .outerjoin(cred, cred.c.customer_id == col(Party.id))
        .outerjoin(held, held.c.customer_id == col(Party.id))
        .where(col(Party.kind).in_(CUSTOMER_KINDS), within(col(Party.territory_path), actor),
               sa.or_(col(Party.is_active).is_(True), inv.c.customer_id.is_not(None), cred.c.customer_id.is_not(None)))
    )


def by_region(session: Session, actor: Actor, *, as_of: date, buckets: Sequence[Bucket]) -> list[dict[str, Any]]:
    """The customer rows summed per region (customers above region level together, region None), by region name."""
    per = customer_select(actor, as_of=as_of, buckets=buckets).subquery("per_customer")
    keys = (*MONEY_KEYS, *(key for key, _, _ in buckets))
    query = (
        select(per.c.region_id, per.c.region, func.count().label("customers"),
               func.count(sa.case((per.c.outstanding > 0, 1))).label("owing"),
               *(_money(func.sum(per.c[key])).label(key) for key in keys),
               sa.type_coerce(func.max(per.c.last_payment), sa.Date).label("last_payment"))
        .group_by(per.c.region_id, per.c.region)
        .order_by(per.c.region.is_(None), per.c.region))
    return [dict(row) for row in session.execute(query).mappings()]


# ---- the customer statement --------------------------------------------------------------------------------------


def _total(session: Session, query: Any) -> Decimal:
    return session.execute(query).scalar_one()


def opening_balance(session: Session, customer_id: int, *, before: date, voided_before: datetime) -> Decimal:
    """Invoiced before `before` − voided before `voided_before` − paid before `before`."""
    invoiced = _total(session, select(_money(func.coalesce(func.sum(col(Invoice.amount)), 0)))
                      .where(Invoice.customer_id == customer_id, col(Invoice.issue_date) < _day(before)))
    voided = _total(session, select(_money(func.coalesce(func.sum(col(Invoice.amount)), 0)))
                    .where(Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.VOID,
                           col(Invoice.voided_at) < voided_before))
    paid = _total(session, select(_money(func.coalesce(func.sum(col(Payment.amount)), 0)))
                  .where(Payment.customer_id == customer_id, col(Payment.received_on) < _day(before)))
    return invoiced - voided - paid


def invoices_issued(session: Session, customer_id: int, date_from: date, date_to: date) -> list[tuple[Invoice, str]]:
    """Invoices issued in the period with their order numbers, in issue order."""
    return [(i, number) for i, number in session.exec(
        select(Invoice, Order.number).join(Order, col(Order.id) == col(Invoice.order_id))
        .where(Invoice.customer_id == customer_id, col(Invoice.issue_date) >= _day(date_from),
               col(Invoice.issue_date) <= _day(date_to))
        .order_by(col(Invoice.issue_date), col(Invoice.id)))]


def invoices_voided(session: Session, customer_id: int, start: datetime, end: datetime) -> list[Invoice]:
    """Invoices voided from `start` (inclusive) to `end` (exclusive), in void order."""
    return list(session.exec(
        select(Invoice).where(Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.VOID,
                              col(Invoice.voided_at) >= start, col(Invoice.voided_at) < end)
        .order_by(col(Invoice.voided_at), col(Invoice.id))))


def payments_received(session: Session, customer_id: int, date_from: date, date_to: date) -> list[Payment]:
    return list(session.exec(
        select(Payment).where(Payment.customer_id == customer_id, col(Payment.received_on) >= _day(date_from),
                              col(Payment.received_on) <= _day(date_to))
        .order_by(col(Payment.received_on), col(Payment.id))))
