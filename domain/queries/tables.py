"""SQL for every list: filter, sort, page, count and total a source's Select, and stream it for exports.

The source's Select becomes a subquery; filters, sorting and paging are applied around it, so the database does
the work and only one page (or one batch of an export) ever leaves it.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, String, Subquery, cast, func, literal, select, type_coerce
from sqlmodel import Session

from domain.access import Actor
from domain.config import get_settings
from domain.tables import Column, Filter, TableSource

EXPORT_BATCH = 1000


def _subquery(source: TableSource, actor: Actor) -> Subquery:
    return source.build(actor).subquery("src")


def _local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which `day` begins in the company's timezone."""
    return datetime.combine(day, time.min, tzinfo=get_settings().tz).astimezone(UTC)


def _condition(sub: Subquery, f: Filter) -> ColumnElement[bool]:
    column = sub.c[f.column.key]
    if f.text is not None:
        text = column if f.column.kind in ("text", "choice") else cast(column, String)
        return text.icontains(f.text, autoescape=True)
    if f.values:
        return column == f.values[0] if len(f.values) == 1 else column.in_(f.values)
    clauses = []
    if f.column.kind == "datetime":  # whole local days, as index-friendly UTC bounds
        if f.low is not None:
            clauses.append(column >= _local_midnight_utc(f.low))
        if f.high is not None:
            clauses.append(column < _local_midnight_utc(f.high + timedelta(days=1)))
    else:
        if f.low is not None:
            clauses.append(column >= f.low)
        if f.high is not None:
            clauses.append(column <= f.high)
    return clauses[0] if len(clauses) == 1 else clauses[0] & clauses[1]


def _filtered(sub: Subquery, filters: list[Filter]) -> Select[Any]:
    query = select(sub)
    for f in filters:
        query = query.where(_condition(sub, f))
    return query


def _ordered(query: Select[Any], sub: Subquery, source: TableSource, sort: str | None, descending: bool) -> Select[Any]:
    """Sort by a sortable column key only (anything else falls back to the source's default order), then by the
    row key in the same direction, so pages never overlap or skip rows. Blank values sort last."""
    column = source.column(sort) if sort else None
    if column is None or not column.sortable:
        sort, descending = source.default_sort, source.default_descending
    keys = [sort] if sort and sort != source.row_key else []
    keys.append(source.row_key)
    # Blanks last in both directions, the same on SQLite and PostgreSQL (their defaults differ). The row key and
    # NOT NULL dates and numbers (never from an outer join: those are names) get a plain ORDER BY, which lets
    # PostgreSQL walk an index backwards for newest-first lists.
    ordered = []
    for k in keys:
        term = sub.c[k].desc() if descending else sub.c[k].asc()
        spec = source.column(k)
        never_blank = k == source.row_key or (
            spec is not None and spec.kind not in ("text", "choice") and not getattr(sub.c[k], "nullable", True))
        ordered.append(term if never_blank else term.nulls_last())
    return query.order_by(*ordered)


def page_rows(
    session: Session, source: TableSource, actor: Actor, filters: list[Filter], *, sort: str | None,
    descending: bool, limit: int, offset: int,
) -> list[dict[str, Any]]:
    sub = _subquery(source, actor)
    query = _ordered(_filtered(sub, filters), sub, source, sort, descending).limit(limit).offset(offset)
    return [_row(source, mapping) for mapping in session.execute(query).mappings()]


def count_and_totals(
    session: Session, source: TableSource, actor: Actor, filters: list[Filter],
) -> tuple[int, dict[str, Decimal]]:
    """COUNT(*) and the SUM of every summable column over the filtered rows, in one pass."""
    sub = _filtered(_subquery(source, actor), filters).subquery("filtered")
    sums = [_sum(sub, c) for c in source.summable]
    row = session.execute(select(func.count().label("rows"), *sums).select_from(sub)).one()
    totals = {c.key: _as_decimal(row[i + 1], c) for i, c in enumerate(source.summable)}
    return int(row[0]), totals


def _sum(sub: Subquery, column: Column) -> ColumnElement[Any]:
    # The column keeps its type (FixedPoint for money and quantities), so the integer sum the database returns
    # is turned back into an exact Decimal by the same TypeDecorator, on SQLite and PostgreSQL alike.
    expr = sub.c[column.key]
    return type_coerce(func.coalesce(func.sum(expr), literal(0)), expr.type).label(f"sum_{column.key}")


def _as_decimal(value: Any, column: Column) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(int(value) if column.kind == "int" else str(value))


def stream_rows(
    session: Session, source: TableSource, actor: Actor, filters: list[Filter], *, sort: str | None,
    descending: bool, batch: int = EXPORT_BATCH,
) -> Iterator[dict[str, Any]]:
    """Every filtered row in the table's order, fetched `batch` at a time (a server-side cursor on PostgreSQL)."""
    sub = _subquery(source, actor)
    query = _ordered(_filtered(sub, filters), sub, source, sort, descending)
    result = session.execute(query.execution_options(yield_per=batch, stream_results=True))
    try:
        for mapping in result.mappings():
            yield _row(source, mapping)
    finally:
        result.close()


def _row(source: TableSource, mapping: Any) -> dict[str, Any]:
    row = {c.key: mapping[c.key] for c in source.columns}
    row[source.row_key] = mapping[source.row_key]
    return row
