"""SQL for the daily rollups: signed upserts (`INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, the same on
SQLite and PostgreSQL), and the same figures aggregated from the documents, to check or rebuild them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel, col, func, select

from domain.models import Order, OrderLine, OrderStatus, ProductionLog, ProductionStatus
from domain.models.finance import Invoice, InvoiceStatus, Payment
from domain.models.rollups import (
    PaymentsDaily,
    ProductionDaily,
    ReceivablesDue,
    SalesDaily,
    SalesPlaceDaily,
    SalesProductDaily,
)
from domain.types import Money


@dataclass(frozen=True)
class Rollup:
    table: type[SQLModel]
    keys: tuple[str, ...]
    sums: tuple[str, ...]

    @property
    def name(self) -> str:
        return str(self.table.__tablename__)


SALES = Rollup(SalesDaily, ("day", "territory_path", "product_id", "tier"),
               ("orders", "ordered_qty", "ordered_amount", "delivered_qty", "delivered_amount"))
PRODUCTION = Rollup(ProductionDaily, ("day", "factory_id", "product_id"),
                    ("logs", "planned_qty", "good_qty", "rejected_qty", "waste_cost"))
PAYMENTS = Rollup(PaymentsDaily, ("day", "territory_path", "method"), ("payments", "amount"))
SALES_PLACE = Rollup(SalesPlaceDaily, ("day", "territory_path", "tier"),
                     ("orders", "ordered_amount", "delivered_amount"))
SALES_PRODUCT = Rollup(SalesProductDaily, ("day", "product_id", "tier"), ("delivered_qty", "delivered_amount"))
RECEIVABLES = Rollup(ReceivablesDue, ("due_date", "territory_path"), ("balance",))
ALL = (SALES, SALES_PLACE, SALES_PRODUCT, PRODUCTION, PAYMENTS, RECEIVABLES)

Key = tuple[Any, ...]
Figures = dict[Key, dict[str, Any]]


def add(session: Session, rollup: Rollup, rows: Sequence[dict[str, Any]], *, extra: Iterable[str] = ()) -> None:
    """Add each row's sums to the rollup row with its keys (created from the row if missing). `extra` columns
    (not keys, not sums — e.g. a factory's territory path) are written on creation only."""
    if not rows:
        return
    insert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(rollup.table)
    target = rollup.table.__table__  # type: ignore[attr-defined]
    statement = insert.on_conflict_do_update(
        index_elements=list(rollup.keys),
        set_={name: target.c[name] + getattr(insert.excluded, name) for name in rollup.sums})
    wanted = (*rollup.keys, *rollup.sums, *extra)
    for row in rows:  # one statement per row: a multi-row upsert may not touch the same key twice
        session.execute(statement.values({name: row[name] for name in wanted}))


def stored(session: Session, rollup: Rollup) -> Figures:
    """The rollup's rows as {keys: sums}, zero rows left out (a cancelled day nets to zero)."""
    columns = [rollup.table.__table__.c[name] for name in (*rollup.keys, *rollup.sums)]  # type: ignore[attr-defined]
    figures: Figures = {}
    for row in session.execute(select(*columns)):
        values = row._mapping
        sums = {name: values[name] for name in rollup.sums}
        if any(sums.values()):
            figures[tuple(values[k] for k in rollup.keys)] = sums
    return figures


def _merge(rollup: Rollup, *parts: Iterable[Any]) -> Figures:
    figures: Figures = {}
    for part in parts:
        for row in part:
            values = row._mapping
            key = tuple(values[k] for k in rollup.keys)
            sums = figures.setdefault(key, dict.fromkeys(rollup.sums, 0))
            for name in rollup.sums:
                if name in values and values[name] is not None:
                    sums[name] = sums[name] + values[name]
    return {key: sums for key, sums in figures.items() if any(sums.values())}


def sales_from_orders(session: Session) -> Figures:
    """What `rollup_sales_daily` should hold: ordered on the order date (cancelled orders excluded), delivered on the
    delivery date."""
    keys = (col(OrderLine.product_id).label("product_id"), col(Order.tier).label("tier"),
            col(Order.territory_path).label("territory_path"))
    ordered = session.execute(
        select(col(Order.order_date).label("day"), *keys, func.count().label("orders"),
               func.sum(col(OrderLine.qty)).label("ordered_qty"),
               func.sum(col(OrderLine.amount)).label("ordered_amount"))
        .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .where(Order.status != OrderStatus.CANCELLED)
        .group_by(col(Order.order_date), *keys))
    delivered = session.execute(
        select(col(Order.delivered_on).label("day"), *keys, func.sum(col(OrderLine.qty)).label("delivered_qty"),
               func.sum(col(OrderLine.amount)).label("delivered_amount"))
        .join(OrderLine, col(OrderLine.order_id) == col(Order.id))
        .where(Order.status == OrderStatus.DELIVERED)
        .group_by(col(Order.delivered_on), *keys))
    return _merge(SALES, ordered, delivered)


def coarser(figures: Figures, rollup: Rollup, source: Rollup = SALES) -> Figures:
    """`source` figures summed up to a rollup keyed by fewer of its dimensions (the sales rollups without place or
    without product)."""
    positions = [source.keys.index(key) for key in rollup.keys]
    summed: Figures = {}
    for key, sums in figures.items():
        target = summed.setdefault(tuple(key[i] for i in positions), dict.fromkeys(rollup.sums, 0))
        for name in rollup.sums:
            target[name] += sums[name]
    return {key: sums for key, sums in summed.items() if any(sums.values())}


def orders_placed(session: Session) -> dict[Key, int]:
    """Orders (headers) per order date, place and tier, cancelled ones left out."""
    return {(day, path, tier): count for day, path, tier, count in session.execute(
        select(col(Order.order_date), col(Order.territory_path), col(Order.tier), func.count())
        .where(Order.status != OrderStatus.CANCELLED)
        .group_by(col(Order.order_date), col(Order.territory_path), col(Order.tier)))}


def with_order_counts(figures: Figures, counts: dict[Key, int]) -> Figures:
    """The place rollup's figures with `orders` counting orders instead of lines."""
    for key, sums in figures.items():
        sums["orders"] = counts.get(key, 0)
    for key, count in counts.items():
        figures.setdefault(key, {"orders": count, "ordered_amount": 0, "delivered_amount": 0})
    return {key: sums for key, sums in figures.items() if any(sums.values())}


def receivables_from_invoices(session: Session) -> Figures:
    """What customers owe per due date and place: unvoided invoices' amount − paid."""
    return _merge(RECEIVABLES, session.execute(
        select(col(Invoice.due_date).label("due_date"), col(Invoice.territory_path).label("territory_path"),
               sa.type_coerce(func.sum(col(Invoice.amount) - col(Invoice.paid)), Money()).label("balance"))
        .where(col(Invoice.status) != InvoiceStatus.VOID)
        .group_by(col(Invoice.due_date), col(Invoice.territory_path))))


def production_from_logs(session: Session) -> Figures:
    return _merge(PRODUCTION, session.execute(
        select(col(ProductionLog.business_date).label("day"), col(ProductionLog.factory_id).label("factory_id"),
               col(ProductionLog.product_id).label("product_id"), func.count().label("logs"),
               func.sum(col(ProductionLog.planned_qty)).label("planned_qty"),
               func.sum(col(ProductionLog.good_qty)).label("good_qty"),
               func.sum(col(ProductionLog.rejected_qty)).label("rejected_qty"),
               func.sum(col(ProductionLog.waste_cost)).label("waste_cost"))
        .where(ProductionLog.status == ProductionStatus.POSTED)
        .group_by(col(ProductionLog.business_date), col(ProductionLog.factory_id), col(ProductionLog.product_id))))


def payments_from_documents(session: Session) -> Figures:
    return _merge(PAYMENTS, session.execute(
        select(col(Payment.received_on).label("day"), col(Payment.territory_path).label("territory_path"),
               col(Payment.method).label("method"), func.count().label("payments"),
               func.sum(col(Payment.amount)).label("amount"))
        .group_by(col(Payment.received_on), col(Payment.territory_path), col(Payment.method))))


def factory_paths(session: Session) -> dict[int, str]:
    from domain.models import Party, PartyKind

    return {p.id: p.territory_path for p in session.exec(select(Party).where(Party.kind == PartyKind.FACTORY))
            if p.id is not None}


def replace(session: Session, rollup: Rollup, figures: Figures, *, extra: dict[Key, dict[str, Any]] | None = None
            ) -> int:
    """Empty the rollup and write `figures` (a rebuild)."""
    session.execute(sa.delete(rollup.table))
    rows = [{**dict(zip(rollup.keys, key, strict=True)), **sums, **((extra or {}).get(key, {}))}
            for key, sums in figures.items()]
    for start in range(0, len(rows), 1000):
        session.execute(sa.insert(rollup.table), rows[start:start + 1000])
    return len(rows)
