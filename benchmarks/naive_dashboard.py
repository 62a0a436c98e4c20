"""The dashboard's figures computed the naive way, for comparison: the same service (`dashboard_data`) with the five
queries that read the daily rollups swapped for queries over the raw documents — order lines joined to their
orders, production logs, payments. Everything else (stock, receivables, geography) is the same code, so the two
results must be equal, and the benchmark checks that they are."""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.models import Order, OrderLine, OrderStatus, OrderTier, Payment, Product, ProductionLog, ProductionStatus
from domain.queries import dashboard as dashboard_q


def _under(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    return sa.true() if prefix == "/" else column.startswith(prefix, autoescape=True)


def _category(category: str | None) -> list[sa.ColumnElement[bool]]:
    return [] if category is None else [col(OrderLine.product_id).in_(
        select(Product.id).where(Product.category == category))]


def sales_by_day(session: Session, *, prefix: str, date_from: date, date_to: date, category: str | None
                 ) -> list[tuple[date, OrderTier, Decimal, Decimal]]:
    figures: dict[tuple[date, OrderTier], list[Decimal]] = {}
    lines = select(col(Order.tier), func.sum(col(OrderLine.amount))).join(
        OrderLine, col(OrderLine.order_id) == col(Order.id))
    ordered = session.execute(
        lines.add_columns(col(Order.order_date))
        .where(col(Order.status) != OrderStatus.CANCELLED, col(Order.order_date) >= date_from,
               col(Order.order_date) <= date_to, _under(col(Order.territory_path), prefix), *_category(category))
        .group_by(col(Order.order_date), col(Order.tier)))
    for tier, amount, day in ordered:
        figures.setdefault((day, OrderTier(tier)), [Decimal(0), Decimal(0)])[0] += amount or 0
    delivered = session.execute(
        lines.add_columns(col(Order.delivered_on))
        .where(col(Order.status) == OrderStatus.DELIVERED, col(Order.delivered_on) >= date_from,
               col(Order.delivered_on) <= date_to, _under(col(Order.territory_path), prefix), *_category(category))
        .group_by(col(Order.delivered_on), col(Order.tier)))
    for tier, amount, day in delivered:
        figures.setdefault((day, OrderTier(tier)), [Decimal(0), Decimal(0)])[1] += amount or 0
    return [(day, tier, o, d) for (day, tier), (o, d) in figures.items()]


def _delivered(prefix: str, date_from: date, date_to: date, category: str | None) -> list[sa.ColumnElement[bool]]:
    return [col(Order.status) == OrderStatus.DELIVERED, col(Order.delivered_on) >= date_from,
            col(Order.delivered_on) <= date_to, _under(col(Order.territory_path), prefix), *_category(category)]


def sales_by_place(session: Session, *, prefix: str, date_from: date, date_to: date, category: str | None
                   ) -> list[tuple[str, OrderTier, Decimal]]:
    rows = session.execute(
        select(col(Order.territory_path), col(Order.tier), func.sum(col(OrderLine.amount)))
        .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .where(*_delivered(prefix, date_from, date_to, category))
        .group_by(col(Order.territory_path), col(Order.tier)))
    return [(path, OrderTier(tier), amount or Decimal(0)) for path, tier, amount in rows]


def top_products(session: Session, *, prefix: str, date_from: date, date_to: date, category: str | None,
                 tiers: Sequence[OrderTier], limit: int) -> list[tuple[str, Decimal, Decimal]]:
    amount = func.sum(col(OrderLine.amount))
    rows = session.execute(
        select(col(Product.name), func.sum(col(OrderLine.qty)), amount)
        .select_from(Order).join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .join(Product, col(Product.id) == col(OrderLine.product_id))
        .where(*_delivered(prefix, date_from, date_to, category), col(Order.tier).in_(list(tiers)))
        .group_by(col(Product.id), col(Product.name)).having(amount > 0)
        .order_by(amount.desc(), col(Product.name)).limit(limit))
    return [(name, qty or Decimal(0), total or Decimal(0)) for name, qty, total in rows]


def production_by_day(session: Session, *, prefix: str, date_from: date, date_to: date, factory_id: int | None,
                      category: str | None) -> list[tuple[date, int, Decimal, Decimal, Decimal, Decimal]]:
    log = ProductionLog
    rows = session.execute(
        select(col(log.business_date), col(log.factory_id), func.sum(col(log.planned_qty)), func.sum(col(log.good_qty)),
               func.sum(col(log.rejected_qty)), func.sum(col(log.waste_cost)))
        .where(col(log.status) == ProductionStatus.POSTED, col(log.business_date) >= date_from,
               col(log.business_date) <= date_to, _under(col(log.territory_path), prefix),
               *([col(log.factory_id) == factory_id] if factory_id is not None else []),
               *([] if category is None else [col(log.product_id).in_(
                   select(Product.id).where(Product.category == category))]))
        .group_by(col(log.business_date), col(log.factory_id)))
    zero = Decimal(0)
    return [(day, factory, p or zero, g or zero, r or zero, w or zero) for day, factory, p, g, r, w in rows]


def payments_on(session: Session, *, prefix: str, days: Iterable[date]) -> dict[date, Decimal]:
    rows = session.execute(
        select(col(Payment.received_on), func.sum(col(Payment.amount)))
        .where(_under(col(Payment.territory_path), prefix), col(Payment.received_on).in_(list(days)))
        .group_by(col(Payment.received_on)))
    return {day: amount or Decimal(0) for day, amount in rows}


NAIVE = {"sales_by_day": sales_by_day, "sales_by_place": sales_by_place, "top_products": top_products,
         "production_by_day": production_by_day, "payments_on": payments_on}


@contextmanager
def naive_queries() -> Iterator[None]:
    """Inside the block, the dashboard reads the raw documents instead of the rollups."""
    saved = {name: getattr(dashboard_q, name) for name in NAIVE}
    for name, function in NAIVE.items():
        setattr(dashboard_q, name, function)
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(dashboard_q, name, function)
