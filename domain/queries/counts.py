"""SQL for stock counts: the count and its lines, what a location holds, open drafts and the scoped list."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import CountStatus, Party, Product, StockBalance, StockCount, StockCountLine, User
from domain.queries.scope import within


def count_by_id(session: Session, count_id: int, *, for_update: bool = False) -> StockCount | None:
    query = select(StockCount).where(StockCount.id == count_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def lines_with_products(session: Session, count_id: int) -> list[tuple[StockCountLine, Product]]:
    """The count's lines with their products, by product name."""
    rows = session.exec(
        select(StockCountLine, Product)
        .join(Product, col(Product.id) == col(StockCountLine.product_id))
        .where(StockCountLine.count_id == count_id)
        .order_by(func.lower(Product.name), col(Product.id))
    )
    return [(line, product) for line, product in rows]


def products_in_stock(session: Session, location_id: int) -> list[int]:
    """The products a location holds some of, by id."""
    return list(session.exec(
        select(StockBalance.product_id)
        .where(StockBalance.location_id == location_id, StockBalance.qty > 0)
        .order_by(col(StockBalance.product_id))
    ))


def balances(session: Session, location_id: int, product_ids: Iterable[int]) -> dict[int, Decimal]:
    """What the location holds of each product now (zero where it has no balance row)."""
    ids = sorted(set(product_ids))
    found = dict(session.exec(
        select(StockBalance.product_id, StockBalance.qty)
        .where(StockBalance.location_id == location_id, col(StockBalance.product_id).in_(ids))
    ).all()) if ids else {}
    return {pid: found.get(pid, Decimal("0")) for pid in ids}


def open_counts_of(session: Session, location_id: int, product_ids: Iterable[int]) -> list[tuple[str, str]]:
    """(count number, product name) for draft counts at the location that already count any of these products."""
    ids = sorted(set(product_ids))
    if not ids:
        return []
    rows = session.exec(
        select(StockCount.number, Product.name)
        .join(StockCountLine, col(StockCountLine.count_id) == col(StockCount.id))
        .join(Product, col(Product.id) == col(StockCountLine.product_id))
        .where(StockCount.location_id == location_id, StockCount.status == CountStatus.DRAFT,
               col(StockCountLine.product_id).in_(ids))
        .order_by(col(StockCount.number), func.lower(Product.name))
    )
    return [(number, name) for number, name in rows]


def user_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.full_name).where(col(User.id).in_(ids))).all())  # type: ignore[arg-type]


def table_select(actor: Actor) -> sa.Select[Any]:
    """Every count at a location inside the actor's area: its place, date, status, how many products it counts
    and how many are counted, who started it, when it was posted and the value of its variance."""
    tally = (
        select(
            col(StockCountLine.count_id).label("count_id"),
            func.count().label("products"),
            func.count(col(StockCountLine.counted_qty)).label("counted"),
        )
        .group_by(col(StockCountLine.count_id))
        .subquery("tally")
    )
    return (
        select(
            col(StockCount.id).label("id"),
            col(StockCount.number).label("number"),
            col(Party.name).label("location"),
            col(StockCount.business_date).label("business_date"),
            col(StockCount.status).label("status"),
            func.coalesce(tally.c.products, 0).label("products"),
            func.coalesce(tally.c.counted, 0).label("counted"),
            func.coalesce(col(User.full_name), "System").label("started_by"),
            col(StockCount.posted_at).label("posted_at"),
            col(StockCount.variance_value).label("variance_value"),
        )
        .select_from(StockCount)
        .join(Party, col(Party.id) == col(StockCount.location_id))
        .outerjoin(tally, tally.c.count_id == col(StockCount.id))
        .outerjoin(User, col(User.id) == col(StockCount.created_by))
        .where(within(col(StockCount.territory_path), actor))
    )
