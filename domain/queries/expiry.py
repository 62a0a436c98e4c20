"""SQL for perishable stock: batches that are expired or about to expire, and one batch by its number."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from domain.access import Actor
from domain.models import Party, Product, StockBatch
from domain.queries.arithmetic import at_cost
from domain.queries.scope import within
from domain.types import Money

EXPIRED = "expired"
NEAR_EXPIRY = "near_expiry"


class days_until(FunctionElement[int]):
    """Whole days from `start` (a date) to the date column `end`: negative once `end` has passed."""

    type = sa.Integer()
    inherit_cache = True


@compiles(days_until, "postgresql")
def _days_until_pg(element: days_until, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_until)
def _days_until_default(element: days_until, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = list(element.clauses)
    return f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) AS INTEGER)"


def _value_at_cost() -> sa.ColumnElement[Any]:
    """qty (thousandths) × standard cost (cents), rounded to cents, typed as Money so it reads back as Decimal."""
    return sa.type_coerce(at_cost(col(StockBatch.qty)), Money())


def expiry_select(actor: Actor, *, today: date, within_days: int) -> sa.Select[Any]:
    """Batches with stock at locations inside the actor's area that expire within `within_days` of `today`
    (or already have): place, product, batch, dates, days left, quantity, value at standard cost, status."""
    today_param = sa.literal(today, sa.Date)
    horizon = sa.literal(date.fromordinal(today.toordinal() + within_days), sa.Date)
    expires = col(StockBatch.expires_on)
    return (
        select(
            col(StockBatch.id).label("id"),
            col(Party.name).label("location"),
            col(Product.name).label("product"),
            col(StockBatch.batch_no).label("batch_no"),
            col(StockBatch.produced_on).label("produced_on"),
            expires.label("expires_on"),
            days_until(expires, today_param).label("days_left"),
            col(StockBatch.qty).label("qty"),
            _value_at_cost().label("value"),
            sa.case((expires < today_param, sa.literal(EXPIRED)), else_=sa.literal(NEAR_EXPIRY)).label("status"),
        )
        .select_from(StockBatch)
        .join(Party, col(Party.id) == col(StockBatch.location_id))
        .join(Product, col(Product.id) == col(StockBatch.product_id))
        .where(col(StockBatch.qty) > 0, expires.is_not(None), expires <= horizon,
               within(col(Party.territory_path), actor))
    )


def batch_at(session: Session, location_id: int, product_id: int, batch_no: str) -> StockBatch | None:
    return session.exec(
        select(StockBatch).where(StockBatch.location_id == location_id, StockBatch.product_id == product_id,
                                 StockBatch.batch_no == batch_no)
    ).first()


def batch_with_place(session: Session, batch_id: int) -> tuple[StockBatch, Party, Product] | None:
    row = session.exec(
        select(StockBatch, Party, Product)
        .join(Party, col(Party.id) == col(StockBatch.location_id))
        .join(Product, col(Product.id) == col(StockBatch.product_id))
        .where(StockBatch.id == batch_id)
    ).first()
    return (row[0], row[1], row[2]) if row else None
