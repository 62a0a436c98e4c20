"""SQL for the ledger's integrity check: negative balances and batches that do not add up to their balance.

(Balances that differ from the sum of their moves: `domain.queries.stock.mismatched_balances`.)
"""

from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from domain.models import Party, Product, StockBalance, StockBatch


def negative_balances(session: Session) -> list[tuple[int, int, Decimal]]:
    """(location, product, balance) wherever a balance is below zero (the CHECK constraint should make it none)."""
    rows = session.exec(
        select(StockBalance.location_id, StockBalance.product_id, StockBalance.qty)
        .where(StockBalance.qty < 0)
        .order_by(col(StockBalance.location_id), col(StockBalance.product_id))
    ).all()
    return [(loc, prod, qty) for loc, prod, qty in rows]


def batch_mismatches(session: Session) -> list[tuple[int, int, Decimal, Decimal]]:
    """(location, product, balance, sum of batches) for batch-tracked stock — a product with a shelf life, or any
    pair that has batches — wherever the batches do not add up to the balance."""
    sums = (
        select(StockBatch.location_id, StockBatch.product_id, func.sum(StockBatch.qty).label("in_batches"))
        .group_by(col(StockBatch.location_id), col(StockBatch.product_id))
        .subquery("batches")
    )
    in_batches = sa.type_coerce(func.coalesce(sums.c.in_batches, 0), StockBalance.__table__.c.qty.type)
    rows = session.exec(
        select(StockBalance.location_id, StockBalance.product_id, StockBalance.qty, in_batches)
        .join(Product, col(Product.id) == col(StockBalance.product_id))
        .outerjoin(sums, (sums.c.location_id == col(StockBalance.location_id))
                   & (sums.c.product_id == col(StockBalance.product_id)))
        .where(col(Product.shelf_life_days).is_not(None) | sums.c.in_batches.is_not(None))
        .where(col(StockBalance.qty) != in_batches)
        .order_by(col(StockBalance.location_id), col(StockBalance.product_id))
    ).all()
    return [(loc, prod, qty, Decimal(total)) for loc, prod, qty, total in rows]


def names(session: Session, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, str]]:
    """(location name, product name) for each (location id, product id)."""
    pairs = list(pairs)
    places = {p for p, _ in pairs}
    products = {p for _, p in pairs}
    place_names = dict(session.exec(select(Party.id, Party.name).where(col(Party.id).in_(places))).all()) \
        if places else {}
    product_names = dict(session.exec(select(Product.id, Product.name).where(col(Product.id).in_(products))).all()) \
        if products else {}
    return {(loc, prod): (place_names.get(loc, f"location {loc}"), product_names.get(prod, f"product {prod}"))
            for loc, prod in pairs}
