"""SQL for production logs: lookups for posting and reversing, the day's logs per factory, the history list."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import (
    MoveKind,
    Party,
    PartyKind,
    Product,
    ProductionLog,
    ProductionStatus,
    ProductKind,
    RecipeLine,
    StockBalance,
    StockBatch,
    StockMove,
    User,
)
from domain.queries.scope import within
from domain.queries.stock import ITEM_COLUMNS, Item

Factory = aliased(Party, name="factory")
Recorder = aliased(User, name="recorder")


def log_by_id(session: Session, log_id: int, *, for_update: bool = False) -> ProductionLog | None:
    query = select(ProductionLog).where(ProductionLog.id == log_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


@dataclass(frozen=True)
class Place:
    """A party as posting production needs it."""

    id: int
    kind: PartyKind
    name: str
    territory_path: str
    is_active: bool


_F, _P = Party.__table__, Product.__table__  # type: ignore[attr-defined]
_M = _P.alias("material")
_R = RecipeLine.__table__  # type: ignore[attr-defined]
_PLACE = ("id", "kind", "name", "territory_path", "is_active")
_ITEM = ITEM_COLUMNS
_ONE = sa.select(sa.literal(1).label("one")).subquery("one")
_FACTORY_AND_RECIPE = (
    sa.select(*(_F.c[k] for k in _PLACE), *(_P.c[k] for k in _ITEM), _R.c.qty_per_unit, *(_M.c[k] for k in _ITEM))
    .select_from(_ONE.outerjoin(_F, _F.c.id == sa.bindparam("factory_id"))
                 .outerjoin(_P, _P.c.id == sa.bindparam("product_id"))
                 .outerjoin(_R, _R.c.product_id == _P.c.id).outerjoin(_M, _M.c.id == _R.c.material_id))
    .order_by(_R.c.id)
)
_LOG, _BATCH = ProductionLog.__table__, StockBatch.__table__  # type: ignore[attr-defined]
_BATCH_CLASH = sa.select(
    sa.select(_LOG.c.number).where(
        _LOG.c.factory_id == sa.bindparam("factory_id"), _LOG.c.product_id == sa.bindparam("product_id"),
        func.upper(_LOG.c.batch_no) == sa.bindparam("upper_batch_no"),
        _LOG.c.status == ProductionStatus.POSTED).limit(1).scalar_subquery(),
    sa.select(_BATCH.c.produced_on).where(
        _BATCH.c.location_id == sa.bindparam("factory_id"), _BATCH.c.product_id == sa.bindparam("product_id"),
        _BATCH.c.batch_no == sa.bindparam("batch_no")).scalar_subquery(),
)


def factory_and_recipe(session: Session, factory_id: int, product_id: int
                       ) -> tuple[Place | None, Item | None, list[tuple[Item, Decimal]]]:
    """The party `factory_id`, the product `product_id` and its recipe as (material, quantity per unit) in the
    order entered — whichever exist — in one query."""
    rows = session.connection().execute(_FACTORY_AND_RECIPE, {"factory_id": factory_id, "product_id": product_id}
                                        ).all()
    first, places, items = rows[0], len(_PLACE), len(_ITEM)
    factory = Place(*first[:places]) if first[0] is not None else None
    product = Item(*first[places:places + items]) if first[places] is not None else None
    qty_at = places + items
    return factory, product, [(Item(*row[qty_at + 1:]), row[qty_at]) for row in rows if row[qty_at] is not None]


@dataclass(frozen=True)
class BatchUse:
    posted_on: str | None  # the number of the posted log that holds the batch number
    produced_on: date | None  # the day the factory's stock batch of that number was made


def posted_with_batch(session: Session, factory_id: int, product_id: int, batch_no: str) -> BatchUse | None:
    """What already uses this batch number for this factory and product — the posted log holding it
    (case-insensitive) and the factory's stock batch of that number — in one query; None when nothing does."""
    number, produced_on = session.connection().execute(_BATCH_CLASH, {
        "factory_id": factory_id, "product_id": product_id, "upper_batch_no": batch_no.upper(),
        "batch_no": batch_no}).one()
    return None if number is None and produced_on is None else BatchUse(number, produced_on)


def batch_numbers(session: Session, factory_id: int, product_id: int, prefix: str) -> set[str]:
    """Batch numbers (upper-case) starting with `prefix` on posted logs of this factory and product."""
    return {b.upper() for b in session.exec(
        select(ProductionLog.batch_no).where(
            ProductionLog.factory_id == factory_id, ProductionLog.product_id == product_id,
            ProductionLog.status == ProductionStatus.POSTED,
            func.upper(ProductionLog.batch_no).startswith(prefix.upper(), autoescape=True)))}


def stock_batch(session: Session, location_id: int, product_id: int, batch_no: str) -> StockBatch | None:
    return session.exec(
        select(StockBatch).where(StockBatch.location_id == location_id, StockBatch.product_id == product_id,
                                 StockBatch.batch_no == batch_no)
    ).first()


def balances(session: Session, location_id: int, product_ids: Iterable[int]) -> dict[int, Decimal]:
    """What the location holds of each product now (missing rows read as zero)."""
    ids = sorted(set(product_ids))
    found = {pid: Decimal("0.000") for pid in ids}
    if ids:
        rows = session.exec(select(StockBalance.product_id, StockBalance.qty).where(
            StockBalance.location_id == location_id, col(StockBalance.product_id).in_(ids)))
        found.update({pid: qty for pid, qty in rows})
    return found


@dataclass(frozen=True)
class Consumed:
    """One consumption move of a log, with the batch it came from (perishable materials)."""

    product_id: int
    qty: Decimal  # negative, as moved
    unit_cost: Decimal
    batch_no: str | None
    produced_on: date | None
    expires_on: date | None


def consumption_moves(session: Session, log: ProductionLog) -> list[Consumed]:
    """The materials a log took out of its factory, one move per material (per batch for perishables)."""
    rows = session.exec(
        select(StockMove.product_id, StockMove.qty, StockMove.unit_cost, StockBatch.batch_no, StockBatch.produced_on,
               StockBatch.expires_on)
        .outerjoin(StockBatch, col(StockBatch.id) == col(StockMove.batch_id))
        .where(StockMove.document == log.number, StockMove.location_id == log.factory_id,
               StockMove.kind == MoveKind.CONSUMPTION).order_by(col(StockMove.id)))
    return [Consumed(*row) for row in rows]


def finished_goods_with_recipe(session: Session) -> list[Product]:
    """Active finished goods that have a recipe (only those can be produced), by name."""
    has_recipe = select(RecipeLine.id).where(RecipeLine.product_id == Product.id).exists()
    return list(session.exec(
        select(Product).where(Product.kind == ProductKind.FINISHED, col(Product.is_active).is_(True), has_recipe)
        .order_by(func.lower(Product.name), col(Product.sku))))


def factories(session: Session, actor: Actor, *, factory_id: int | None = None,
              search: str | None = None, limit: int = 200) -> list[Party]:
    """Active factories inside the actor's area by name (or just `factory_id`, if it is one of them)."""
    query = select(Party).where(Party.kind == PartyKind.FACTORY, col(Party.is_active).is_(True),
                                within(col(Party.territory_path), actor))
    if factory_id is not None:
        query = query.where(Party.id == factory_id)
    if search and search.strip():
        term = search.strip().lower()
        query = query.where(sa.or_(func.lower(Party.name).contains(term, autoescape=True),
                                   func.lower(Party.code).contains(term, autoescape=True)))
    return list(session.exec(query.order_by(func.lower(Party.name), col(Party.code)).limit(limit)))


def day_logs(session: Session, actor: Actor, business_date: date, *,
             factory_id: int | None = None) -> list[tuple[ProductionLog, Party, Product, str | None]]:
    """The day's logs inside the actor's area with their factory, product and who recorded them, in posting order."""
    query = (
        select(ProductionLog, Factory, Product, Recorder.full_name)
        .join(Factory, col(Factory.id) == col(ProductionLog.factory_id))
        .join(Product, col(Product.id) == col(ProductionLog.product_id))
        .outerjoin(Recorder, col(Recorder.id) == col(ProductionLog.recorded_by))
        .where(ProductionLog.business_date == business_date, within(col(ProductionLog.territory_path), actor))
        .order_by(col(ProductionLog.id))
    )
    if factory_id is not None:
        query = query.where(ProductionLog.factory_id == factory_id)
    return [(log, factory, product, name) for log, factory, product, name in session.exec(query)]


def table_select(actor: Actor) -> sa.Select[Any]:
    """Every production log inside the actor's area, for the shared list: factory, product and recorder by name."""
    return (
        select(
            col(ProductionLog.id).label("id"),
            col(ProductionLog.number).label("number"),
            col(ProductionLog.business_date).label("business_date"),
            col(Factory.name).label("factory"),
            col(ProductionLog.shift).label("shift"),
            col(Product.name).label("product"),
            col(ProductionLog.batch_no).label("batch_no"),
            col(ProductionLog.planned_qty).label("planned_qty"),
            col(ProductionLog.good_qty).label("good_qty"),
            col(ProductionLog.rejected_qty).label("rejected_qty"),
            col(ProductionLog.reject_reason).label("reject_reason"),
            col(ProductionLog.waste_cost).label("waste_cost"),
            col(ProductionLog.status).label("status"),
            col(Recorder.full_name).label("recorded_by"),
        )
        .select_from(ProductionLog)
        .join(Factory, col(Factory.id) == col(ProductionLog.factory_id))
        .join(Product, col(Product.id) == col(ProductionLog.product_id))
        .outerjoin(Recorder, col(Recorder.id) == col(ProductionLog.recorded_by))
        .where(within(col(ProductionLog.territory_path), actor))
    )
