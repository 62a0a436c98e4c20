"""Products and recipes (bills of materials): company-wide master data, changed with products.manage."""

import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.access import Actor
from domain.db import Tx, reading, snapshot, transaction
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_money
from domain.models import Product, ProductKind
from domain.queries import products as products_q
from domain.services.recipes import RecipeItem, get_recipe, materials_needed, recipe_json, set_recipe
from domain.tables import Column, TableSource
from domain.types import MONEY_PLACES, QUANTITY_PLACES, to_decimal
from domain.validation import parse

LABELS = {
    "sku": "SKU", "name": "Name", "kind": "Kind", "category": "Category", "unit": "Unit",
    "price_distributor": "Distributor price", "price_retailer": "Retailer price", "price_retail": "Retail price",
    "standard_cost": "Standard cost", "shelf_life_days": "Shelf life", "reorder_level": "Reorder level",
}
_PRICE_ORDER = ("price_distributor", "price_retailer", "price_retail")  # each at most the next, for finished goods
_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
_LIMIT = Decimal("1000000000")
_CHOICES_LIMIT = 50
T = TypeVar("T")

# ---- input -------------------------------------------------------------------------------------------------------
# Messages continue the field's label: "Retail price must not be below the retailer price (KES 45.00)".


def _number(places: int) -> Callable[[Any], Decimal]:
    def check(value: Any) -> Decimal:
        if value is None or (isinstance(value, str) and not value.strip()):
            return Decimal(0).scaleb(-places)  # left blank: zero
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = to_decimal(value, places=places, field="value")
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("value ")) from None
        if number < 0:
            raise ValueError("must not be negative")
        if number >= _LIMIT:
            raise ValueError("is too large")
        return number + 0  # no "-0.00"

    return check


def _text(limit: int, *, upper: bool = False) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise ValueError("is required")
        if len(text) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return text.upper() if upper else text

    return check


def _kind(value: Any) -> ProductKind:
    if isinstance(value, ProductKind):
        return value
    try:
        return ProductKind(str(value).strip().lower().replace(" ", "_"))
    except ValueError:
        raise ValueError("must be finished, raw material or packaging") from None


def _days(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a whole number of days")
    try:
        number = to_decimal(value, places=0, field="value")
    except ValueError:
        raise ValueError("must be a whole number of days") from None
    if number < 1:
        raise ValueError("must be at least 1 day")
    if number > 3650:
        raise ValueError("must be at most 3650 days")
    return int(number)


MoneyIn = Annotated[Decimal, BeforeValidator(_number(MONEY_PLACES))]
QuantityIn = Annotated[Decimal, BeforeValidator(_number(QUANTITY_PLACES))]


class ProductIn(BaseModel):
    """Everything a product form holds, validated; table models are not validated on construction."""

    sku: Annotated[str, BeforeValidator(_text(40, upper=True))]
    name: Annotated[str, BeforeValidator(_text(120))]
    kind: Annotated[ProductKind, BeforeValidator(_kind)]
    category: Annotated[str, BeforeValidator(_text(60))]
    unit: Annotated[str, BeforeValidator(_text(20))]
    price_distributor: MoneyIn = Decimal("0.00")
    price_retailer: MoneyIn = Decimal("0.00")
    price_retail: MoneyIn = Decimal("0.00")
    standard_cost: MoneyIn = Decimal("0.00")
    shelf_life_days: Annotated[int | None, BeforeValidator(_days)] = Field(default=None, validate_default=True)
    reorder_level: QuantityIn = Decimal("0.000")

    @field_validator("sku")
    @classmethod
    def _sku_characters(cls, value: str) -> str:
        if not _SKU.match(value):
            raise ValueError("may hold only letters, digits and - . / _ (starting with a letter or digit)")
        return value

    @field_validator("shelf_life_days")
    @classmethod
    def _perishable(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None and info.data.get("kind") is ProductKind.FINISHED:
            raise ValueError("is required for finished goods")
        return value


def _price_order_errors(data: ProductIn, changed: set[str]) -> dict[str, str]:
    """Finished goods sell up the chain: distributor ≤ retailer ≤ retail. Blame the field that was just changed,
    else the higher tier."""
    errors: dict[str, str] = {}
    if data.kind is not ProductKind.FINISHED:
        return errors
    for low, high in pairwise(_PRICE_ORDER):
        low_price, high_price = getattr(data, low), getattr(data, high)
        if low_price <= high_price:
            continue
        if low in changed and high not in changed:
            errors.setdefault(LABELS[low], f"must not exceed the {LABELS[high].lower()} ({format_money(high_price)})")
        else:
            errors.setdefault(LABELS[high], f"must not be below the {LABELS[low].lower()} ({format_money(low_price)})")
    return errors


def _validated(fields: dict[str, Any], *, current: dict[str, Any] | None = None) -> tuple[ProductIn, set[str]]:
    """Parse a whole product's fields; returns the values and which of them differ from `current`."""
    data = parse(ProductIn, fields, LABELS)
    values = data.model_dump()
    changed = set(values) if current is None else {k for k, v in values.items() if v != current.get(k)}
    if errors := _price_order_errors(data, changed):
        raise ValidationFailed(errors)
    return data, changed


# ---- changes -----------------------------------------------------------------------------------------------------


def _get(session: Session, product_id: int, *, for_update: bool = False) -> Product:
    product = products_q.by_id(session, product_id, for_update=for_update)
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    return product


def _sku_in_use(sku: str) -> ValidationFailed:
    return ValidationFailed.field("SKU", f"{sku} is already used by another product")


def _flush(session: Session, sku: str) -> None:
    """Flush, turning a concurrent insert of the same SKU (the unique constraint) into a field error."""
    try:
        session.flush()
    except IntegrityError as exc:
        if "sku" in str(exc.orig).lower():
            raise _sku_in_use(sku) from None
        raise


def _emit(tx: Tx, name: str, product: Product) -> None:
    tx.emit(DomainEvent(name, data={"product_id": product.id, "sku": product.sku, "kind": product.kind.value}))


def create_product(
    actor: Actor, *, sku: str, name: str, kind: ProductKind | str, category: str, unit: str,
    price_distributor: Decimal | int | str = 0, price_retailer: Decimal | int | str = 0,
    price_retail: Decimal | int | str = 0, standard_cost: Decimal | int | str = 0,
    shelf_life_days: int | str | None = None, reorder_level: Decimal | int | str = 0,
) -> Product:
    """Add a finished good, raw material or packaging item. SKUs are stored upper-case and unique."""
    actor.require("products.manage")
    data, _ = _validated({
        "sku": sku, "name": name, "kind": kind, "category": category, "unit": unit,
        "price_distributor": price_distributor, "price_retailer": price_retailer, "price_retail": price_retail,
        "standard_cost": standard_cost, "shelf_life_days": shelf_life_days, "reorder_level": reorder_level,
    })
    with transaction(actor) as tx:
        if products_q.sku_taken(tx.session, data.sku):
            raise _sku_in_use(data.sku)
        product = Product(**data.model_dump())
        tx.session.add(product)
        _flush(tx.session, data.sku)
        tx.audit("product.create", product)
        _emit(tx, "product.created", product)
    return product


def update_product(actor: Actor, *, product_id: int, **changes: Any) -> Product:
    """Change any of the fields in LABELS; audited with before and after. Unchanged values write nothing."""
    actor.require("products.manage")
    unknown = sorted(set(changes) - set(LABELS))
    if unknown:
        raise TypeError(f"update_product() cannot change {', '.join(unknown)}")
    with transaction(actor) as tx:
        session = tx.session
        product = _get(session, product_id, for_update=True)
        current = {key: getattr(product, key) for key in LABELS}
        data, changed = _validated({**current, **changes}, current=current)
        if not changed:
            return product
        if "kind" in changed:
            _check_kind_change(session, product, data.kind)
        if "sku" in changed and products_q.sku_taken(session, data.sku, other_than=product_id):
            raise _sku_in_use(data.sku)
        before = snapshot(product)
        for key in sorted(changed):
            setattr(product, key, getattr(data, key))
        session.add(product)
        _flush(session, data.sku)
        tx.audit("product.update", product, before=before)
        _emit(tx, "product.updated", product)
    return product


def _check_kind_change(session: Session, product: Product, kind: ProductKind) -> None:
    assert product.id is not None
    if kind is not ProductKind.FINISHED and products_q.has_recipe(session, product.id):
        raise ValidationFailed.field("Kind", f"cannot change: {product.name} has a recipe; clear it first")
    if kind is ProductKind.FINISHED and (n := products_q.recipes_using(session, product.id)):
        raise ValidationFailed.field(
            "Kind", f"cannot be finished: {product.name} is used in {_count(n, 'recipe')} "
                    "and a material cannot be a finished good")


def _set_active(actor: Actor, product_id: int, active: bool) -> Product:
    actor.require("products.manage")
    verb = "reactivate" if active else "deactivate"
    with transaction(actor) as tx:
        product = _get(tx.session, product_id, for_update=True)
        if product.is_active is active:
            raise Conflict(f"{product.name} is already {'active' if active else 'inactive'}.")
        before = snapshot(product)
        product.is_active = active
        tx.session.add(product)
        tx.audit(f"product.{verb}", product, before=before)
        _emit(tx, f"product.{verb}d", product)
    return product


def deactivate_product(actor: Actor, *, product_id: int) -> Product:
    """Hide a product from pickers and new documents; its history and recipes stay."""
    return _set_active(actor, product_id, False)


def reactivate_product(actor: Actor, *, product_id: int) -> Product:
    return _set_active(actor, product_id, True)


def delete_product(actor: Actor, *, product_id: int) -> None:
    """Delete a product nothing refers to (its own recipe goes with it); otherwise deactivate it instead."""
    actor.require("products.manage")
    with transaction(actor) as tx:
        session = tx.session
        product = _get(session, product_id, for_update=True)
        if refs := products_q.references(session, product_id):
            uses = " and ".join(_count(n, "recipe" if t == "recipe_line" else t.replace("_", " "))
                                for t, n in sorted(refs.items()))
            raise Conflict(f"{product.name} is used in {uses}; deactivate it instead.")
        before = {**snapshot(product), "recipe": recipe_json(session, product_id)}
        products_q.replace_recipe(session, product_id, [])
        session.delete(product)
        session.flush()
        tx.audit("product.delete", entity="product", entity_id=product_id, before=before, after=None)
        _emit(tx, "product.deleted", product)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# ---- reading -----------------------------------------------------------------------------------------------------


def _detached(session: Session, value: T) -> T:
    session.expunge_all()  # `reading()` rolls back on exit, which would expire attached rows
    return value


def _kinds(kind: ProductKind | str | Iterable[ProductKind | str] | None) -> list[ProductKind] | None:
    if kind is None:
        return None
    values = [kind] if isinstance(kind, str) else list(kind)
    try:
        return [_kind(v) for v in values]
    except ValueError as exc:
        raise ValidationFailed.field("Kind", str(exc)) from None


def get_product(actor: Actor, *, product_id: int) -> Product:
    actor.require("masterdata.view")
    with reading() as session:
        return _detached(session, _get(session, product_id))


def list_products(
    actor: Actor, *, kind: ProductKind | str | Iterable[ProductKind | str] | None = None,
    category: str | None = None, search: str | None = None, include_inactive: bool = False,
    limit: int | None = None, offset: int = 0,
) -> list[Product]:
    """Products by name; `search` matches SKU or name, `kind` may be one kind or several."""
    actor.require("masterdata.view")
    with reading() as session:
        rows = products_q.listing(session, kinds=_kinds(kind), category=category, search=search,
                                  include_inactive=include_inactive, limit=limit, offset=offset)
        return _detached(session, rows)


def product_choices(
    actor: Actor, *, kind: ProductKind | str | Iterable[ProductKind | str] | None = None, search: str | None = None,
) -> dict[int, str]:
    """Active products for a picker, {id: "Name (SKU)"}, at most 50."""
    actor.require("masterdata.view")
    with reading() as session:
        rows = products_q.listing(session, kinds=_kinds(kind), search=search, limit=_CHOICES_LIMIT)
        return {p.id: f"{p.name} ({p.sku})" for p in rows if p.id is not None}


def product_categories(actor: Actor) -> list[str]:
    actor.require("masterdata.view")
    with reading() as session:
        return products_q.categories(session)


def products_table(actor: Actor) -> TableSource:
    """Every product as a filterable, exportable list, by name: SKU, kind, category, prices, cost, shelf life,
    reorder level, recipe lines and whether it is active. The category filter offers the categories in use now."""
    actor.require("masterdata.view")
    with reading() as session:
        categories = products_q.categories(session)
    return TableSource(
        name="products", title="Products", build=products_q.table_select, permission="masterdata.view",
        row_key="id", default_sort="name",
        columns=[
            Column("sku", "SKU", "text", filter="text"),
            Column("name", "Name", "text", filter="text"),
            Column("kind", "Kind", "choice", filter="choice", choices=[k.label for k in ProductKind]),
            Column("category", "Category", "text", filter="choice", choices=categories),
            Column("unit", "Unit", "text"),
            *(Column(key, LABELS[key], "money") for key in (*_PRICE_ORDER, "standard_cost")),
            Column("shelf_life_days", "Shelf life (days)", "int"),
            Column("reorder_level", "Reorder level", "quantity"),
            Column("recipe_lines", "Recipe lines", "int"),
            Column("is_active", "Active", "bool", filter="choice"),
        ],
    )


__all__ = [
    "LABELS", "ProductIn", "RecipeItem", "create_product", "deactivate_product", "delete_product",
    "get_product", "get_recipe", "list_products", "materials_needed", "product_categories", "product_choices",
    "products_table", "reactivate_product", "set_recipe", "update_product",
]
