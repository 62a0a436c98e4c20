"""SQL for distributor stock: what each distributor inside an actor's area bought (sell-in), sold on to its
retailers (sell-through), what those retailers sold to consumers (sell-out) in a period, and what it holds now.

- sell-in: lines of primary orders bought by the distributor whose delivery (the DELIVERY moves of the order's
  number) falls in the period, at the order lines' amounts;
- sell-through: lines of secondary orders sold by the distributor whose dispatch (the DISPATCH moves) falls in the
  period, still dispatched or delivered, at the lines' amounts;
- sell-out: lines of tertiary orders recorded in the period by retailers the distributor supplies;
- on hand: the distributor's stock balances now, valued at standard cost (per product, to the cent).

Everything is summed in the database on the stored integers (thousandths, cents), grouped by distributor and
product, and labelled with the fixed-point types again so callers get exact Decimals.
"""

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import BigInteger, case, cast, literal, type_coerce, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import (
    GeoLevel,
    GeoNode,
    MoveKind,
    Order,
    OrderLine,
    OrderStatus,
    OrderTier,
    Party,
    PartyKind,
    Product,
    StockBalance,
    StockMove,
)
from domain.queries.arithmetic import at_cost, quotient, raw
from domain.queries.scope import within
from domain.types import Money, Quantity

Distributor = aliased(Party, name="distributor")
Retailer = aliased(Party, name="retailer")
Region = aliased(GeoNode, name="region")
Territory = aliased(GeoNode, name="territory")

# The figures, as (column, fixed-point type); each is a sum of stored integers.
FIGURES: list[tuple[str, Any]] = [
    ("sell_in_qty", Quantity), ("sell_in_value", Money),
    ("through_qty", Quantity), ("through_value", Money),
    ("sell_out_qty", Quantity), ("sell_out_value", Money),
    ("on_hand_qty", Quantity), ("on_hand_value", Money),
]
_KEYS = [name for name, _ in FIGURES]


def _total(expr: Any) -> Any:
    """SUM as a BIGINT on both databases (PostgreSQL's SUM(bigint) is NUMERIC), 0 when there is nothing."""
    return cast(func.coalesce(func.sum(expr), 0), BigInteger)


def _part(distributor: Any, product: Any, figures: dict[str, Any]) -> Any:
    """One branch of the union: the named figures, every other one zero."""
    zero = cast(literal(0), BigInteger)
    return select(distributor.label("distributor_id"), product.label("product_id"),
                  *[figures.get(key, zero).label(key) for key in _KEYS])


def _documents(kind: MoveKind, since: date, until: date) -> Any:
    """Numbers of the documents whose moves of `kind` fall on a business date in since..until."""
    return (select(col(StockMove.document).label("number"))
            .where(StockMove.kind == kind, col(StockMove.business_date) >= since,
                   col(StockMove.business_date) <= until)
            .group_by(col(StockMove.document)).subquery())


def figures_by_product(actor: Actor, *, since: date, until: date, distributor_id: int | None = None) -> Any:
    """A subquery: per distributor inside the actor's area and product, the eight figures as stored integers."""
    in_scope = select(Party.id).where(Party.kind == PartyKind.DISTRIBUTOR, within(col(Party.territory_path), actor))
    if distributor_id is not None:
        in_scope = in_scope.where(Party.id == distributor_id)
    qty, amount = _total(raw(OrderLine.qty)), _total(raw(OrderLine.amount))
    line = col(OrderLine.order_id) == col(Order.id)

    delivered = _documents(MoveKind.DELIVERY, since, until)
    sell_in = (_part(col(Order.buyer_id), col(OrderLine.product_id), {"sell_in_qty": qty, "sell_in_value": amount})
               .select_from(Order).join(OrderLine, line).join(delivered, delivered.c.number == col(Order.number))
               .where(Order.tier == OrderTier.PRIMARY, Order.status == OrderStatus.DELIVERED,
                      col(Order.buyer_id).in_(in_scope))
               .group_by(col(Order.buyer_id), col(OrderLine.product_id)))

    dispatched = _documents(MoveKind.DISPATCH, since, until)
    through = (_part(col(Order.seller_id), col(OrderLine.product_id), {"through_qty": qty, "through_value": amount})
               .select_from(Order).join(OrderLine, line).join(dispatched, dispatched.c.number == col(Order.number))
               .where(Order.tier == OrderTier.SECONDARY,
                      col(Order.status).in_((OrderStatus.DISPATCHED, OrderStatus.DELIVERED)),
                      col(Order.seller_id).in_(in_scope))
               .group_by(col(Order.seller_id), col(OrderLine.product_id)))

    supplier = col(Retailer.parent_distributor_id)
    sell_out = (_part(supplier, col(OrderLine.product_id), {"sell_out_qty": qty, "sell_out_value": amount})
                .select_from(Order).join(OrderLine, line).join(Retailer, col(Retailer.id) == col(Order.seller_id))
                .where(Order.tier == OrderTier.TERTIARY, Order.status == OrderStatus.DELIVERED,
                       col(Order.order_date) >= since, col(Order.order_date) <= until, supplier.in_(in_scope))
                .group_by(supplier, col(OrderLine.product_id)))

    held = raw(StockBalance.qty)
    on_hand = (_part(col(StockBalance.location_id), col(StockBalance.product_id), {
                   "on_hand_qty": _total(held),
                   "on_hand_value": _total(at_cost(StockBalance.qty))})  # cents, half-up
               .select_from(StockBalance).join(Product, col(Product.id) == col(StockBalance.product_id))
               .where(col(StockBalance.location_id).in_(in_scope))
               .group_by(col(StockBalance.location_id), col(StockBalance.product_id)))

    parts = union_all(sell_in, through, sell_out, on_hand).subquery("parts")
    return (select(parts.c.distributor_id, parts.c.product_id, *[_total(parts.c[key]).label(key) for key in _KEYS])
            .group_by(parts.c.distributor_id, parts.c.product_id).subquery("figures"))


def _shown(figures: Any, days: int) -> list[Any]:
    """The figures as exact Decimals, the sell-through rate (% of sell-in quantity, tenths, half-up) and days of
    cover (on hand ÷ the period's average daily sell-through, tenths, rounded down); blank when undefined."""
    sell_in, through, on_hand = (func.coalesce(figures.c[k], 0) for k in ("sell_in_qty", "through_qty", "on_hand_qty"))
    rate = case((sell_in > 0, quotient(quotient(through * 2000, sell_in) + 1, 2) * 100), else_=None)
    cover = case((through > 0, quotient(on_hand * (days * 10), through) * 100), else_=None)
    return [
        *[type_coerce(func.coalesce(figures.c[key], 0), kind()).label(key) for key, kind in FIGURES],
        type_coerce(rate, Quantity()).label("rate"),
        type_coerce(cover, Quantity()).label("days_cover"),
    ]


def _in_region() -> Any:
    return sa.and_(Region.level == GeoLevel.REGION,
                   col(Distributor.territory_path).startswith(col(Region.path)))  # paths: digits and '/' only


def region_names(session: Session, actor: Actor) -> list[str]:
    """Names of the regions that hold a distributor inside the actor's area, alphabetically."""
    query = (select(col(Region.name)).select_from(Distributor).join(Region, _in_region())
             .where(Distributor.kind == PartyKind.DISTRIBUTOR, within(col(Distributor.territory_path), actor))
             .distinct())
    return sorted(session.exec(query), key=str.lower)


def distributors_select(actor: Actor, *, since: date, until: date) -> sa.Select[Any]:
    """One row per distributor inside the actor's area — active ones, and inactive ones with figures — with its
    region (none above region level) and territory by name, and its figures for since..until."""
    per_product = figures_by_product(actor, since=since, until=until)
    figures = (select(per_product.c.distributor_id, *[_total(per_product.c[key]).label(key) for key in _KEYS])
               .group_by(per_product.c.distributor_id).subquery("per_distributor"))
    return (
        select(
            col(Distributor.id).label("id"),
            col(Distributor.name).label("distributor"),
            col(Distributor.code).label("code"),
            col(Region.id).label("region_id"),
            col(Region.name).label("region"),
            col(Territory.name).label("territory"),
            *_shown(figures, (until - since).days + 1),
        )
        .select_from(Distributor)
        .join(Territory, col(Territory.id) == col(Distributor.territory_id))
        .outerjoin(Region, _in_region())
        .outerjoin(figures, figures.c.distributor_id == col(Distributor.id))
        .where(Distributor.kind == PartyKind.DISTRIBUTOR, within(col(Distributor.territory_path), actor),
               sa.or_(col(Distributor.is_active).is_(True), figures.c.distributor_id.is_not(None)))
    )


def regions_select(actor: Actor, *, since: date, until: date) -> sa.Select[Any]:
    """The distributors' figures summed per region (region None: distributors above region level), by name."""
    rows = distributors_select(actor, since=since, until=until).subquery("distributors")
    return (select(rows.c.region_id, rows.c.region, func.count().label("distributors"),
                   *[type_coerce(func.sum(rows.c[key]), kind()).label(key) for key, kind in FIGURES])
            .group_by(rows.c.region_id, rows.c.region)
            .order_by(rows.c.region.is_(None), func.lower(rows.c.region)))


def products_select(actor: Actor, *, distributor_id: int, since: date, until: date) -> sa.Select[Any]:
    """One distributor's figures per product (products without any figure are left out)."""
    figures = figures_by_product(actor, since=since, until=until, distributor_id=distributor_id)
    return (
        select(
            col(Product.id).label("id"),
            col(Product.name).label("product"),
            col(Product.sku).label("sku"),
            col(Product.category).label("category"),
            col(Product.unit).label("unit"),
            *_shown(figures, (until - since).days + 1),
        )
        .select_from(figures)
        .join(Product, col(Product.id) == figures.c.product_id)
        .where(sa.or_(*[figures.c[key] != 0 for key in _KEYS]))
    )
