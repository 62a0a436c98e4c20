"""SQL for the order form's pickers: customers (with their territory and supplying distributor), factories and the
finished goods that carry a price for a tier."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from domain.access import Actor
from domain.models import GeoNode, Party, PartyKind, Product, ProductKind
from domain.queries.scope import within

Supplier = aliased(Party, name="supplier")


def _contains(search: str | None, *columns: object) -> sa.ColumnElement[bool]:
    """Any of the columns contains the search text, ignoring case (no search: everything)."""
    if not search or not search.strip():
        return sa.true()
    term = search.strip().lower()
    return or_(*(func.lower(column).contains(term, autoescape=True) for column in columns))


def customers(
    session: Session, actor: Actor, *, kind: PartyKind, search: str | None, supplied_only: bool, limit: int,
) -> list[tuple[Party, GeoNode, Party | None]]:
    """Active parties of `kind` inside the actor's area with their territory and supplying distributor, by name.
    `supplied_only`: only retailers whose supplying distributor is active (who can sell to them)."""
    query = (
        select(Party, GeoNode, Supplier)
        .join(GeoNode, col(GeoNode.id) == col(Party.territory_id))
        .outerjoin(Supplier, col(Supplier.id) == col(Party.parent_distributor_id))
        .where(Party.kind == kind, col(Party.is_active).is_(True), within(col(Party.territory_path), actor),
               _contains(search, Party.name, Party.code))
    )
    if supplied_only:
        query = query.where(col(Supplier.is_active).is_(True))
    query = query.order_by(func.lower(Party.name), col(Party.code)).limit(limit)
    return [(party, node, supplier) for party, node, supplier in session.exec(query)]


def factories(session: Session, *, search: str | None, limit: int) -> list[tuple[Party, GeoNode]]:
    """Active factories with their territory, by name (company-wide: any factory may supply a distributor)."""
    query = (
        select(Party, GeoNode)
        .join(GeoNode, col(GeoNode.id) == col(Party.territory_id))
        .where(Party.kind == PartyKind.FACTORY, col(Party.is_active).is_(True),
               _contains(search, Party.name, Party.code))
        .order_by(func.lower(Party.name), col(Party.code)).limit(limit)
    )
    return [(party, node) for party, node in session.exec(query)]


def priced_goods(
    session: Session, *, price_field: str, search: str | None, ids: Iterable[int] | None, limit: int,
) -> list[Product]:
    """Active finished goods whose `price_field` is above zero, by name; `ids` narrows to those products."""
    price = getattr(Product, price_field)
    query = select(Product).where(
        Product.kind == ProductKind.FINISHED, col(Product.is_active).is_(True), price > 0,
        _contains(search, Product.name, Product.sku))
    if ids is not None:
        query = query.where(col(Product.id).in_(sorted(set(ids))))
    return list(session.exec(query.order_by(func.lower(Product.name), col(Product.sku)).limit(limit)))
