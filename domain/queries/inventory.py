"""SQL for stock documents and the stock views: locations and products locked for a document, stock levels with
low-stock and days-of-cover figures, and the ledger with its running balance.

Quantities and money are stored as integers (thousandths, cents) behind `FixedPoint`; the arithmetic below works on
those integers (`raw`) so that SQLite and PostgreSQL give the same exact answers, and labels the result with the
column type again so the page sees Decimals.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Select, String, bindparam, case, cast, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import MoveKind, Party, PartyKind, Product, StockBalance, StockBatch, StockMove, User
from domain.queries.arithmetic import at_cost, quotient, raw
from domain.queries.scope import within
from domain.queries.stock import ITEM_COLUMNS, Item
from domain.types import Money, Quantity

# What leaves a location for good (a transfer out leaves this location, even though the company keeps it).
OUTFLOW = (MoveKind.CONSUMPTION, MoveKind.DISPATCH, MoveKind.SALE, MoveKind.TRANSFER_OUT, MoveKind.WASTE)

Location = aliased(Party, name="location")


@dataclass(frozen=True)
class Place:
    """A location as a stock document needs it."""

    id: int
    kind: PartyKind
    code: str
    name: str
    territory_path: str
    is_active: bool


_PARTY = Party.__table__  # type: ignore[attr-defined]
_LOCATIONS = (
    select(_PARTY.c.id, _PARTY.c.kind, _PARTY.c.code, _PARTY.c.name, _PARTY.c.territory_path, _PARTY.c.is_active)
    .where(_PARTY.c.id.in_(bindparam("ids", expanding=True))).order_by(_PARTY.c.id).with_for_update(read=True)
)


def locations(session: Session, ids: Iterable[int]) -> dict[int, Place]:
    """Locations by id, locked against change until the transaction ends (in id order)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {row[0]: Place(*row) for row in session.connection().execute(_LOCATIONS, {"ids": wanted})}


_PRODUCT = Product.__table__  # type: ignore[attr-defined]
_GOODS = (
    select(*(_PRODUCT.c[k] for k in ITEM_COLUMNS))
    .where(_PRODUCT.c.id.in_(bindparam("ids", expanding=True))
           | func.upper(_PRODUCT.c.sku).in_(bindparam("skus", expanding=True)))
    .order_by(_PRODUCT.c.id).with_for_update(read=True)
)


def goods(session: Session, *, ids: Iterable[int], skus: Iterable[str]) -> list[Item]:
    """Products by id or (case-insensitive) SKU, locked against change until the transaction ends (in id order)."""
    wanted_ids, wanted_skus = sorted(set(ids)), sorted({s.strip().upper() for s in skus})
    if not wanted_ids and not wanted_skus:
        return []
    rows = session.connection().execute(_GOODS, {"ids": wanted_ids, "skus": wanted_skus})
    return [Item(*row) for row in rows]


def location(session: Session, location_id: int) -> Party | None:
    return session.get(Party, location_id)


def product(session: Session, product_id: int) -> Product | None:
    return session.get(Product, product_id)


def on_hand(session: Session, location_id: int, product_id: int) -> Decimal:
    found = session.exec(select(StockBalance.qty).where(
        StockBalance.location_id == location_id, StockBalance.product_id == product_id)).first()
    return found if found is not None else Decimal("0")


def batches(session: Session, location_id: int, product_id: int) -> list[StockBatch]:
    """Batches with stock, first to expire first."""
    return list(session.exec(
        select(StockBatch)
        .where(StockBatch.location_id == location_id, StockBatch.product_id == product_id, StockBatch.qty > 0)
        .order_by(col(StockBatch.expires_on).is_(None), col(StockBatch.expires_on), col(StockBatch.produced_on))))


def levels_select(actor: Actor, *, since: date, until: date) -> Select[Any]:
    """Every balance inside the actor's area with its product, whether it is below the reorder level, how many days
    the stock lasts at the average daily outflow of `since`..`until` (blank without outflow; tenths of a day,
    rounded down) and its value at standard cost (rounded to the cent)."""
    days = (until - since).days + 1
    outflow = (
        select(col(StockMove.location_id).label("location_id"), col(StockMove.product_id).label("product_id"),
               cast(func.sum(-raw(StockMove.qty)), BigInteger).label("qty_out"))
        .where(col(StockMove.kind).in_(OUTFLOW), col(StockMove.qty) < 0,
               col(StockMove.business_date) >= since, col(StockMove.business_date) <= until)
        .group_by(col(StockMove.location_id), col(StockMove.product_id))
        .subquery("outflow")
    )
    qty = raw(StockBalance.qty)
    cover = case((outflow.c.qty_out > 0, quotient(qty * (days * 10), outflow.c.qty_out) * 100), else_=None)
    value = at_cost(StockBalance.qty)
    key = (func.lower(Product.name) + "#" + cast(StockBalance.location_id, String) + ":"
           + cast(StockBalance.product_id, String))
    return (
        select(
            key.label("key"),
            col(Location.name).label("location"),
            col(Location.kind).label("location_kind"),
            col(Product.name).label("product"),
            col(Product.category).label("category"),
            col(StockBalance.qty).label("qty"),
            col(Product.unit).label("unit"),
            col(Product.reorder_level).label("reorder_level"),
            type_coerce(col(StockBalance.qty) < col(Product.reorder_level), Boolean).label("low"),
            type_coerce(cover, Quantity()).label("days_cover"),
            type_coerce(value, Money()).label("stock_value"),
        )
        .select_from(StockBalance)
        .join(Location, col(Location.id) == col(StockBalance.location_id))
        .join(Product, col(Product.id) == col(StockBalance.product_id))
        .outerjoin(outflow, (outflow.c.location_id == col(StockBalance.location_id))
                   & (outflow.c.product_id == col(StockBalance.product_id)))
        .where(within(col(Location.territory_path), actor))
    )


def ledger_select(actor: Actor, *, location_id: int | None, product_id: int | None) -> Select[Any]:
    """The moves inside the actor's area (optionally of one location and/or product): in and out as positive
    figures, the balance after each move, the batch and who moved it."""
    qty = col(StockMove.qty)
    query = (
        select(
            col(StockMove.id).label("id"),
            col(StockMove.at).label("at"),
            col(StockMove.business_date).label("business_date"),
            col(Location.name).label("location"),
            col(Product.name).label("product"),
            col(StockMove.kind).label("kind"),
            col(StockMove.document).label("document"),
            col(StockBatch.batch_no).label("batch"),
            case((qty > 0, qty), else_=None).label("qty_in"),
            case((qty < 0, -qty), else_=None).label("qty_out"),
            col(StockMove.balance_after).label("balance"),
            col(StockMove.unit_cost).label("unit_cost"),
            func.coalesce(User.full_name, "System").label("who"),
            col(StockMove.note).label("note"),
        )
        .select_from(StockMove)
        .join(Location, col(Location.id) == col(StockMove.location_id))
        .join(Product, col(Product.id) == col(StockMove.product_id))
        .outerjoin(StockBatch, col(StockBatch.id) == col(StockMove.batch_id))
        .outerjoin(User, col(User.id) == col(StockMove.actor_id))
        .where(within(col(Location.territory_path), actor))
    )
    if location_id is not None:
        query = query.where(col(StockMove.location_id) == location_id)
    if product_id is not None:
        query = query.where(col(StockMove.product_id) == product_id)
    return query
