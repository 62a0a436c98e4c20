"""SQL for reading orders: the scoped list for the shared data table, and one order with its names, lines and history.

An order is inside an actor's area when its territory (the buyer's place; the retailer's for tertiary sales) or its
seller's place is — the same rule the lifecycle in domain.services.orders applies before any change.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import GeoLevel, GeoNode, Order, OrderLine, OrderStatusChange, Party, Product, User
from domain.queries.scope import within

CONSUMERS = "Consumers"  # the buyer of a tertiary sale: no party

Seller = aliased(Party, name="seller")
Buyer = aliased(Party, name="buyer")
Territory = aliased(GeoNode, name="territory")
Region = aliased(GeoNode, name="region")
Creator = aliased(User, name="creator")
Overrider = aliased(User, name="overrider")


def visible(actor: Actor) -> sa.ColumnElement[bool]:
    """The order's territory or its seller's place is inside the actor's area (needs `Seller` joined)."""
    return sa.or_(within(col(Order.territory_path), actor), within(col(Seller.territory_path), actor))


def _in_region() -> sa.ColumnElement[bool]:
    # Paths hold only digits and '/': no escaping needed for the prefix match.
    return sa.and_(Region.level == GeoLevel.REGION, col(Order.territory_path).startswith(col(Region.path)))


def table_select(actor: Actor) -> sa.Select[Any]:
    """Every order inside the actor's area for the shared list: seller, customer, territory and region by name."""
    lines = (select(func.count()).select_from(OrderLine).where(col(OrderLine.order_id) == col(Order.id))
             .correlate(Order).scalar_subquery())
    return (
        select(
            col(Order.id).label("id"),
            col(Order.number).label("number"),
            col(Order.tier).label("tier"),
            col(Order.status).label("status"),
            col(Order.order_date).label("order_date"),
            col(Seller.name).label("seller"),
            func.coalesce(col(Buyer.name), sa.literal(CONSUMERS)).label("customer"),
            col(Territory.name).label("territory"),
            col(Region.name).label("region"),
            lines.label("lines"),
            col(Order.total).label("total"),
        )
        .select_from(Order)
        .join(Seller, col(Seller.id) == col(Order.seller_id))
        .outerjoin(Buyer, col(Buyer.id) == col(Order.buyer_id))
        .outerjoin(Territory, col(Territory.path) == col(Order.territory_path))
        .outerjoin(Region, _in_region())
        .where(visible(actor))
    )


def order_with_names(session: Session, number: str) -> tuple[Any, ...] | None:
    """(order, seller, buyer or None, territory name, region name, creator's name, credit overrider's name)."""
    row = session.execute(
        select(Order, Seller, Buyer, col(Territory.name), col(Region.name), col(Creator.full_name),
               col(Overrider.full_name))
        .join(Seller, col(Seller.id) == col(Order.seller_id))
        .outerjoin(Buyer, col(Buyer.id) == col(Order.buyer_id))
        .outerjoin(Territory, col(Territory.path) == col(Order.territory_path))
        .outerjoin(Region, _in_region())
        .outerjoin(Creator, col(Creator.id) == col(Order.created_by))
        .outerjoin(Overrider, col(Overrider.id) == col(Order.credit_override_by))
        .where(Order.number == number)
    ).first()
    return tuple(row) if row is not None else None


def lines_with_products(session: Session, order_id: int) -> list[tuple[OrderLine, Product]]:
    rows = session.execute(
        select(OrderLine, Product).join(Product, col(Product.id) == col(OrderLine.product_id))
        .where(OrderLine.order_id == order_id).order_by(col(OrderLine.line_no)))
    return [(line, product) for line, product in rows]


def history_with_names(session: Session, order_id: int) -> list[tuple[OrderStatusChange, str | None]]:
    """The order's status changes in the order they happened, with who made each (None: a system job)."""
    rows = session.execute(
        select(OrderStatusChange, col(User.full_name))
        .outerjoin(User, col(User.id) == col(OrderStatusChange.actor_id))
        .where(OrderStatusChange.order_id == order_id).order_by(col(OrderStatusChange.id)))
    return [(change, name) for change, name in rows]
