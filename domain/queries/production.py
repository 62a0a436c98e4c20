"""SQL for production logs: lookups for posting and reversing, the day's logs per factory, the history list."""

from collections.abc import Iterable
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

Factory = aliased(Party, name="factory")
Recorder = aliased(User, name="recorder")


def log_by_id(session: Session, log_id: int, *, for_update: bool = False) -> ProductionLog | None:
    query = select(ProductionLog).where(ProductionLog.id == log_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def posted_with_batch(session: Session, factory_id: int, product_id: int, batch_no: str) -> ProductionLog | None:
    """The posted log that holds this batch number for this factory and product, if any (case-insensitive)."""
    return session.exec(
        select(ProductionLog).where(
            ProductionLog.factory_id == factory_id, ProductionLog.product_id == product_id,
            func.upper(ProductionLog.batch_no) == batch_no.upper(),
            ProductionLog.status == ProductionStatus.POSTED)
    ).first()


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


def consumption_moves(session: Session, log: ProductionLog) -> list[StockMove]:
    """The materials a log took out of its factory, one move per material (per batch for perishables)."""
    return list(session.exec(
        select(StockMove).where(StockMove.document == log.number, StockMove.location_id == log.factory_id,
                                StockMove.kind == MoveKind.CONSUMPTION).order_by(col(StockMove.id))))


def batch_by_id(session: Session, batch_id: int) -> StockBatch | None:
    return session.get(StockBatch, batch_id)


def recipe_costs(session: Session, product_ids: Iterable[int]) -> dict[int, Decimal]:
    """Material cost of one unit of each finished good: Σ qty per unit × the material's standard cost, exact."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    rows = session.exec(
        select(RecipeLine.product_id, RecipeLine.qty_per_unit, Product.standard_cost)
        .join(Product, col(Product.id) == col(RecipeLine.material_id))
        .where(col(RecipeLine.product_id).in_(ids)))
    costs: dict[int, Decimal] = {}
    for product_id, qty, cost in rows:
        costs[product_id] = costs.get(product_id, Decimal(0)) + qty * cost
    return costs


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
