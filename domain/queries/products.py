"""SQL for products and recipes (bills of materials)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case
from sqlmodel import Session, SQLModel, col, delete, func, or_, select

from domain.access import Actor
from domain.models import Product, ProductKind, RecipeLine


def by_id(session: Session, product_id: int, *, for_update: bool = False) -> Product | None:
    query = select(Product).where(Product.id == product_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def by_sku(session: Session, sku: str) -> Product | None:
    return session.exec(select(Product).where(func.upper(Product.sku) == sku.strip().upper())).first()


def sku_taken(session: Session, sku: str, *, other_than: int | None = None) -> bool:
    query = select(Product.id).where(func.upper(Product.sku) == sku.strip().upper())
    if other_than is not None:
        query = query.where(Product.id != other_than)
    return session.exec(query).first() is not None


def by_ids(session: Session, ids: Iterable[int], *, for_share: bool = False) -> dict[int, Product]:
    """Products by id; `for_share` locks them against deletion or a change of kind (in id order)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    query = select(Product).where(col(Product.id).in_(ids)).order_by(col(Product.id))
    if for_share:
        query = query.with_for_update(read=True)
    return {p.id: p for p in session.exec(query) if p.id is not None}


def by_skus(session: Session, skus: Iterable[str]) -> dict[str, Product]:
    """Products by upper-cased SKU."""
    wanted = sorted({s.strip().upper() for s in skus})
    if not wanted:
        return {}
    return {p.sku.upper(): p for p in session.exec(select(Product).where(func.upper(Product.sku).in_(wanted)))}


def listing(
    session: Session,
    *,
    kinds: Iterable[ProductKind] | None = None,
    category: str | None = None,
    search: str | None = None,
    include_inactive: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[Product]:
    query = select(Product)
    if kinds is not None:
        query = query.where(col(Product.kind).in_(list(kinds)))
    if category:
        query = query.where(func.lower(Product.category) == category.strip().lower())
    if search and search.strip():
        term = search.strip().lower()
        query = query.where(or_(
            func.lower(Product.sku).contains(term, autoescape=True),
            func.lower(Product.name).contains(term, autoescape=True),
        ))
    if not include_inactive:
        query = query.where(col(Product.is_active).is_(True))
    query = query.order_by(col(Product.name), col(Product.sku)).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query))


def categories(session: Session) -> list[str]:
    return list(session.exec(select(Product.category).distinct().order_by(col(Product.category))))


def recipe(session: Session, product_id: int) -> list[tuple[RecipeLine, Product]]:
    """A finished good's recipe lines with their materials, in the order they were entered."""
    query = (
        select(RecipeLine, Product)
        .join(Product, col(Product.id) == col(RecipeLine.material_id))
        .where(RecipeLine.product_id == product_id)
        .order_by(col(RecipeLine.id))
    )
    return [(line, material) for line, material in session.exec(query)]


def replace_recipe(session: Session, product_id: int, lines: Iterable[tuple[int, Decimal]]) -> None:
    """Delete the recipe's lines and insert `lines` as (material_id, qty_per_unit)."""
    session.exec(delete(RecipeLine).where(col(RecipeLine.product_id) == product_id))  # type: ignore[call-overload]
    session.flush()
    for material_id, qty in lines:
        session.add(RecipeLine(product_id=product_id, material_id=material_id, qty_per_unit=qty))
    session.flush()


def recipe_edges(session: Session, product_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(product_id, material_id) for every recipe line of these products."""
    ids = list(product_ids)
    if not ids:
        return []
    query = select(RecipeLine.product_id, RecipeLine.material_id).where(col(RecipeLine.product_id).in_(ids))
    return [(p, m) for p, m in session.exec(query)]


def has_recipe(session: Session, product_id: int) -> bool:
    query = select(RecipeLine.id).where(RecipeLine.product_id == product_id).limit(1)
    return session.exec(query).first() is not None


def recipes_using(session: Session, material_id: int) -> int:
    """How many recipes use this material."""
    query = select(func.count(func.distinct(RecipeLine.product_id))).where(RecipeLine.material_id == material_id)
    return int(session.exec(query).one())


def references(session: Session, product_id: int) -> dict[str, int]:
    """Rows elsewhere that point at this product, by table: recipes using it as a material and any
    later document (order lines, production logs, stock moves…). Its own recipe lines do not count."""
    counts: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != Product.__tablename__:
                continue
            if table.name == RecipeLine.__tablename__:
                if fk.parent.name == "material_id" and (n := recipes_using(session, product_id)):
                    counts[table.name] = counts.get(table.name, 0) + n
                continue
            query = select(func.count()).select_from(table).where(fk.parent == product_id)
            if n := int(session.exec(query).one()):
                counts[table.name] = counts.get(table.name, 0) + n
    return counts


def table_select(actor: Actor) -> Select[Any]:
    """Products as a list: the kind by its label ("Finished good"), prices (finished goods only) and cost, and how
    many lines each recipe has. Products are company-wide master data: every actor who may list them sees them all."""
    recipe_lines = (
        select(func.count(col(RecipeLine.id)))
        .where(col(RecipeLine.product_id) == col(Product.id))
        .correlate(Product)
        .scalar_subquery()
    )
    kind = case({k.value: k.label for k in ProductKind}, value=col(Product.kind))
    finished = col(Product.kind) == ProductKind.FINISHED

    def price(column: Any) -> Any:  # only finished goods are sold: no price (blank, not KES 0.00) for materials
        return case((finished, column), else_=None)

    return select(
        col(Product.id).label("id"),
        col(Product.sku).label("sku"),
        col(Product.name).label("name"),
        kind.label("kind"),
        col(Product.category).label("category"),
        col(Product.unit).label("unit"),
        price(col(Product.price_distributor)).label("price_distributor"),
        price(col(Product.price_retailer)).label("price_retailer"),
        price(col(Product.price_retail)).label("price_retail"),
        col(Product.standard_cost).label("standard_cost"),
        col(Product.shelf_life_days).label("shelf_life_days"),
        col(Product.reorder_level).label("reorder_level"),
        recipe_lines.label("recipe_lines"),
        col(Product.is_active).label("is_active"),
    ).select_from(Product)
