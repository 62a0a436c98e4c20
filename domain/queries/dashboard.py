"""SQL for the executive dashboard: sums over the daily rollups (sales, production, payments) and over the small
tables (order headers of one day, open invoices, stock balances and batches, geography, factories, products).
Never a scan of order lines.

Every function takes `prefix`: the geography path the figures are limited to (the chosen node, or the viewer's
scope, "/" for the whole company — the service has checked it is inside the viewer's area).
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, func, select

from domain.models import (
    GeoNode,
    OrderTier,
    Party,
    PartyKind,
    Product,
    ProductKind,
    StockBalance,
    StockBatch,
)
from domain.models.rollups import (
    PaymentsDaily,
    ProductionDaily,
    ReceivablesDue,
    SalesDaily,
    SalesPlaceDaily,
    SalesProductDaily,
)
from domain.queries.arithmetic import at_cost, quotient, raw
from domain.types import Money

Bucket = tuple[str, int | None, int | None]
# A literal zero, not a bound parameter: the partial indexes (`WHERE qty > 0`, `WHERE balance <> 0`) are used only
# when the query's condition says the same.
ZERO = sa.literal_column("0")  # (key, fewest days overdue, most days overdue), inclusive


def _under(column: Any, prefix: str) -> sa.ColumnElement[bool]:
    return sa.true() if prefix == "/" else column.startswith(prefix, autoescape=True)


class _bytewise(FunctionElement[str]):
    """A path compared byte by byte and never through an index: `+path` on SQLite (whose default collation is
    bytewise; the unary plus only keeps the planner off the path index), `path COLLATE "C"` on PostgreSQL (a
    database created with a language collation, as hosted ones are, would otherwise order "/1/2/10/" after
    "/1/20")."""

    type = sa.String()
    inherit_cache = True
    name = "bytewise"


@compiles(_bytewise)
def _bytewise_collated(element: _bytewise, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


@compiles(_bytewise, "sqlite")
def _bytewise_sqlite(element: _bytewise, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class _bytewise_indexed(_bytewise):
    """`_bytewise`, but SQLite may use an index on the path (`path` as it is: its BINARY collation is bytewise)."""

    inherit_cache = True


@compiles(_bytewise_indexed, "sqlite")
def _bytewise_indexed_sqlite(element: _bytewise_indexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


def _in_area(column: Any, prefix: str, *, indexed: bool = False) -> sa.ColumnElement[bool]:
    """`_under` for the rollups: the paths under `prefix` as the byte range [prefix, prefix with its last character
    raised) — paths hold digits and "/" only. Several times cheaper than LIKE on SQLite. Rollups whose keys start
    with the day keep reading the days' range of their key; the receivables rollup, indexed by place first, reads
    the place's range of its index on SQLite (`indexed`)."""
    if prefix == "/":
        return sa.true()
    path = _bytewise_indexed(column) if indexed else _bytewise(column)
    return sa.and_(path >= prefix, path < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _sales_in_area(session: Session, table: Any, prefix: str) -> sa.ColumnElement[bool]:
    """`_in_area` for a sales rollup. The finest one (`rollup_sales_daily`, a place's every product and tier) is
    read through its (path, day) index, one seek per place of the area, named in the query — the places are the
    geography's nodes under `prefix`, whose paths the rollups copy (a move rewrites both): a region's month is then
    the region's rows, not the whole company's month filtered (SQLite 20 → 8 ms, PostgreSQL 20–36 → 11 ms for
    Nairobi at the large scale)."""
    if prefix == "/":
        return sa.true()
    if table is not SalesDaily:
        return _in_area(col(table.territory_path), prefix)
    paths = session.execute(select(col(GeoNode.path)).where(_under(col(GeoNode.path), prefix))).scalars().all()
    return col(SalesDaily.territory_path).in_(list(paths))


def _in_category(product_column: Any, category: str | None) -> sa.ColumnElement[bool]:
    if category is None:
        return sa.true()
    return product_column.in_(select(Product.id).where(Product.category == category))


# ---- sales (rollup_sales_daily) -----------------------------------------------------------------------------------


def _sales(category: str | None) -> Any:
    """The sales rollup to read: without the product (far fewer rows) unless a category is chosen."""
    return SalesDaily if category is not None else SalesPlaceDaily


def sales_by_day(session: Session, *, prefix: str, date_from: date, date_to: date, category: str | None
                 ) -> list[tuple[date, OrderTier, Decimal, Decimal]]:
    """(day, tier, ordered amount, delivered amount) per day and tier."""
    table = _sales(category)
    rows = session.execute(
        select(col(table.day), col(table.tier), func.sum(col(table.ordered_amount)),
               func.sum(col(table.delivered_amount)))
        .where(col(table.day) >= date_from, col(table.day) <= date_to, _sales_in_area(session, table, prefix),
               *([_in_category(col(SalesDaily.product_id), category)] if category else []))
        .group_by(col(table.day), col(table.tier)))
    return [(day, OrderTier(tier), ordered or Decimal(0), delivered or Decimal(0)) for day, tier, ordered, delivered
            in rows]


def sales_by_place(session: Session, *, prefix: str, date_from: date, date_to: date, category: str | None
                   ) -> list[tuple[str, OrderTier, Decimal]]:
    """(territory path, tier, delivered amount) per place and tier."""
    table = _sales(category)
    rows = session.execute(
        select(col(table.territory_path), col(table.tier), func.sum(col(table.delivered_amount)))
        .where(_sales_in_area(session, table, prefix), col(table.day) >= date_from, col(table.day) <= date_to,
               *([_in_category(col(SalesDaily.product_id), category)] if category else []))
        .group_by(col(table.territory_path), col(table.tier)))
    return [(path, OrderTier(tier), amount or Decimal(0)) for path, tier, amount in rows]


def top_products(session: Session, *, prefix: str, date_from: date, date_to: date, category: str | None,
                 tiers: Sequence[OrderTier], limit: int) -> list[tuple[str, Decimal, Decimal]]:
    """(product name, delivered quantity, delivered amount) of the best-selling products in `tiers`, largest first
    (the whole company reads the rollup without places)."""
    table: Any = SalesProductDaily if prefix == "/" else SalesDaily
    amount = func.sum(col(table.delivered_amount))
    rows = session.execute(
        select(col(Product.name), func.sum(col(table.delivered_qty)), amount)
        .join(Product, col(Product.id) == col(table.product_id))
        .where(col(table.day) >= date_from, col(table.day) <= date_to, col(table.tier).in_(list(tiers)),
               _sales_in_area(session, table, prefix),
               *([Product.category == category] if category else []))
        .group_by(col(Product.id), col(Product.name))
        .having(amount > 0)
        .order_by(amount.desc(), col(Product.name))
        .limit(limit))
    return [(name, qty or Decimal(0), total or Decimal(0)) for name, qty, total in rows]


def orders_on(session: Session, *, prefix: str, day: date) -> int:
    """Orders (all tiers) dated `day`, cancelled ones left out."""
    return int(session.execute(
        select(func.coalesce(func.sum(col(SalesPlaceDaily.orders)), 0))
        .where(col(SalesPlaceDaily.day) == day, _in_area(col(SalesPlaceDaily.territory_path), prefix))).scalar_one())


# ---- production (rollup_production_daily) -------------------------------------------------------------------------


def production_by_day(session: Session, *, prefix: str, date_from: date, date_to: date, factory_id: int | None,
                      category: str | None) -> list[tuple[date, int, Decimal, Decimal, Decimal, Decimal]]:
    """(day, factory id, planned, good, rejected, waste cost) per day and factory."""
    rows = session.execute(
        select(col(ProductionDaily.day), col(ProductionDaily.factory_id), func.sum(col(ProductionDaily.planned_qty)),
               func.sum(col(ProductionDaily.good_qty)), func.sum(col(ProductionDaily.rejected_qty)),
               func.sum(col(ProductionDaily.waste_cost)))
        .where(_in_area(col(ProductionDaily.territory_path), prefix), col(ProductionDaily.day) >= date_from,
               col(ProductionDaily.day) <= date_to, _in_category(col(ProductionDaily.product_id), category),
               *([ProductionDaily.factory_id == factory_id] if factory_id is not None else []))
        .group_by(col(ProductionDaily.day), col(ProductionDaily.factory_id)))
    zero = Decimal(0)
    return [(day, factory, planned or zero, good or zero, rejected or zero, waste or zero)
            for day, factory, planned, good, rejected, waste in rows]


# ---- money received and owed --------------------------------------------------------------------------------------


def payments_on(session: Session, *, prefix: str, days: Iterable[date]) -> dict[date, Decimal]:
    """Money received per day, for the given days."""
    rows = session.execute(
        select(col(PaymentsDaily.day), func.sum(col(PaymentsDaily.amount)))
        .where(_in_area(col(PaymentsDaily.territory_path), prefix), col(PaymentsDaily.day).in_(list(days)))
        .group_by(col(PaymentsDaily.day)))
    return {day: amount or Decimal(0) for day, amount in rows}


def _aged(as_of: date, low: int | None, high: int | None) -> sa.ColumnElement[bool]:
    """Days overdue (as_of − due date) between low and high, as a range on the due date."""
    due = col(ReceivablesDue.due_date)
    bounds = []
    if low is not None:
        bounds.append(due <= sa.literal(as_of - timedelta(days=low), sa.Date))
    if high is not None:
        bounds.append(due >= sa.literal(as_of - timedelta(days=high), sa.Date))
    return sa.and_(*bounds) if bounds else sa.true()


def receivables_owed(session: Session, *, prefix: str, as_of: date) -> tuple[Decimal, Decimal]:
    """(outstanding, overdue): what unvoided invoices inside `prefix` still owe, and the part of it past its due date
    — one pass over the receivables rollup."""
    owed = col(ReceivablesDue.balance)
    late = col(ReceivablesDue.due_date) < sa.literal(as_of, sa.Date)
    outstanding, overdue = session.execute(
        select(_money_sum(owed), _money_sum(owed, late))
        .where(owed != ZERO, _in_area(col(ReceivablesDue.territory_path), prefix, indexed=True))).one()
    return outstanding, overdue


def _money_sum(column: Any, only: sa.ColumnElement[bool] | None = None) -> Any:
    """sum(column) [FILTER (WHERE only)], 0 when nothing matches, read back as Money."""
    total = func.sum(column) if only is None else func.sum(column).filter(only)
    return sa.type_coerce(func.coalesce(total, 0), Money())


def receivables_by_place(session: Session, *, prefix: str, as_of: date, buckets: Sequence[Bucket]
                         ) -> list[dict[str, Any]]:
    """Per territory path: what is owed in each ageing bucket (a range of due dates each): one pass over the
    receivables rollup, a filtered sum per bucket (several times cheaper than naming each row's bucket with a CASE
    and grouping by it)."""
    owed = col(ReceivablesDue.balance)
    rows = session.execute(
        select(col(ReceivablesDue.territory_path), *(_money_sum(owed, _aged(as_of, low, high))
                                                     for _, low, high in buckets))
        .where(owed != ZERO, _in_area(col(ReceivablesDue.territory_path), prefix, indexed=True))
        .group_by(col(ReceivablesDue.territory_path)))
    return [{"path": path, **{key: amount for (key, _, _), amount in zip(buckets, sums, strict=True)}}
            for path, *sums in rows]


# ---- stock (stock_balance, stock_batch) ---------------------------------------------------------------------------


def _stock_where(prefix: str, factory_id: int | None, category: str | None, location: Any) -> list[Any]:
    return [_under(col(Party.territory_path), prefix), *([location == factory_id] if factory_id is not None else []),
            *([Product.category == category] if category else [])]


def _held_at(query: Any, location: Any, prefix: str) -> Any:
    """`query` joined to the stock's location when the area needs it (the whole company does not)."""
    return query if prefix == "/" else query.join(Party, col(Party.id) == location)


def stock_value(session: Session, *, prefix: str, factory_id: int | None, category: str | None
                ) -> tuple[Decimal, Decimal]:
    """(value of all stock, value of finished goods) at standard cost, at locations inside `prefix`."""
    value = at_cost(col(StockBalance.qty))
    finished = sa.case((Product.kind == ProductKind.FINISHED, value), else_=0)
    query = (select(sa.type_coerce(func.coalesce(func.sum(value), 0), Money()),
                    sa.type_coerce(func.coalesce(func.sum(finished), 0), Money()))
             .select_from(StockBalance)
             .join(Product, col(Product.id) == col(StockBalance.product_id))
             .where(col(StockBalance.qty) > ZERO,
                    *_stock_where(prefix, factory_id, category, col(StockBalance.location_id))))
    total, goods = session.execute(_held_at(query, col(StockBalance.location_id), prefix)).one()
    return total, goods


# Reorder levels are kept where stock is replenished in bulk: factories and distributors (not retailers' shelves).
REORDERED_AT = (PartyKind.FACTORY, PartyKind.DISTRIBUTOR)


def _low() -> list[Any]:
    return [col(Product.reorder_level) > 0, col(StockBalance.qty) < col(Product.reorder_level),
            col(Party.kind).in_(REORDERED_AT)]


def below_reorder_counts(session: Session, *, prefix: str, factory_id: int | None, category: str | None
                         ) -> tuple[int, int]:
    """(products, stock positions) below their reorder level at factories and distributors inside `prefix`."""
    products, positions = session.execute(
        select(func.count(sa.distinct(col(StockBalance.product_id))), func.count())
        .select_from(StockBalance)
        .join(Party, col(Party.id) == col(StockBalance.location_id))
        .join(Product, col(Product.id) == col(StockBalance.product_id))
        .where(*_low(), *_stock_where(prefix, factory_id, category, col(StockBalance.location_id)))).one()
    return int(products), int(positions)


def stock_against_reorder(session: Session, *, prefix: str, factory_id: int | None, category: str | None,
                          limit: int) -> list[tuple[str, str, Decimal, Decimal]]:
    """(product, location, on hand, reorder level) of the factory and distributor positions lowest against their
    reorder level."""
    ratio = quotient(raw(StockBalance.qty) * 1000, raw(Product.reorder_level))
    rows = session.execute(
        select(col(Product.name), col(Party.name), col(StockBalance.qty), col(Product.reorder_level))
        .select_from(StockBalance)
        .join(Party, col(Party.id) == col(StockBalance.location_id))
        .join(Product, col(Product.id) == col(StockBalance.product_id))
        .where(col(Product.reorder_level) > 0, col(Party.is_active).is_(True), col(Party.kind).in_(REORDERED_AT),
               *_stock_where(prefix, factory_id, category, col(StockBalance.location_id)))
        .order_by(ratio, col(Product.name), col(Party.name))
        .limit(limit))
    return [(product, place, qty, level) for product, place, qty, level in rows]


def expiring_value(session: Session, *, prefix: str, factory_id: int | None, category: str | None, today: date,
                   within_days: int) -> tuple[Decimal, Decimal]:
    """(value of batches expiring within `within_days` of `today` or already expired, value of the expired ones)."""
    value = at_cost(col(StockBatch.qty))
    expires = col(StockBatch.expires_on)
    expired = sa.case((expires < sa.literal(today, sa.Date), value), else_=0)
    query = (select(sa.type_coerce(func.coalesce(func.sum(value), 0), Money()),
                    sa.type_coerce(func.coalesce(func.sum(expired), 0), Money()))
             .select_from(StockBatch)
             .join(Product, col(Product.id) == col(StockBatch.product_id))
             .where(col(StockBatch.qty) > ZERO, expires.is_not(None),
                    expires <= sa.literal(today + timedelta(days=within_days), sa.Date),
                    *_stock_where(prefix, factory_id, category, col(StockBatch.location_id))))
    total, gone = session.execute(_held_at(query, col(StockBatch.location_id), prefix)).one()
    return total, gone


# ---- the small tables: places, factories, categories --------------------------------------------------------------


def node(session: Session, node_id: int) -> GeoNode | None:
    return session.get(GeoNode, node_id)


def nodes_by_id(session: Session, ids: Iterable[int]) -> dict[int, GeoNode]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {n.id or 0: n for n in session.exec(select(GeoNode).where(col(GeoNode.id).in_(wanted)))}


def children(session: Session, *, parent_id: int | None) -> list[GeoNode]:
    """The nodes directly under `parent_id` (the top level for None), by name."""
    parent = col(GeoNode.parent_id)
    return list(session.exec(select(GeoNode).where(parent.is_(None) if parent_id is None else parent == parent_id)
                             .order_by(func.lower(GeoNode.name))))


def factories(session: Session, *, prefix: str) -> list[Party]:
    return list(session.exec(
        select(Party).where(Party.kind == PartyKind.FACTORY, _under(col(Party.territory_path), prefix))
        .order_by(func.lower(Party.name))))


def factory_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {pid: name for pid, name in session.execute(select(Party.id, Party.name).where(col(Party.id).in_(wanted)))}


def categories(session: Session) -> list[str]:
    """Categories of finished goods (what the dashboard's figures are about), by name."""
    return list(session.exec(select(Product.category).where(Product.kind == ProductKind.FINISHED).distinct()
                             .order_by(Product.category)))
