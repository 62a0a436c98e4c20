"""Recipes (bills of materials): how much of each raw material and packaging item one unit of a finished good
consumes. Re-exported by domain.services.products, which is where callers find them."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from domain.access import Actor
from domain.db import reading, transaction
from domain.errors import NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.models import Product, ProductKind
from domain.queries import products as products_q
from domain.types import QUANTITY_PLACES, to_decimal

_LIMIT = Decimal("1000000000")
_THOUSANDTH = Decimal("0.001")


@dataclass(frozen=True)
class RecipeItem:
    """One recipe line as a page shows it."""

    material_id: int
    sku: str
    name: str
    unit: str
    kind: ProductKind
    qty_per_unit: Decimal
    is_active: bool


def _product(session: Session, product_id: int, *, for_update: bool = False) -> Product:
    product = products_q.by_id(session, product_id, for_update=for_update)
    if product is None:
        raise NotFound(f"No product with id {product_id}.")
    return product


def recipe_items(session: Session, product_id: int) -> list[RecipeItem]:
    return [
        RecipeItem(material_id=m.id or 0, sku=m.sku, name=m.name, unit=m.unit, kind=m.kind,
                   qty_per_unit=line.qty_per_unit, is_active=m.is_active)
        for line, m in products_q.recipe(session, product_id)
    ]


def recipe_json(session: Session, product_id: int) -> list[dict[str, Any]]:
    """The recipe as audit rows keep it."""
    return [{"material_id": i.material_id, "sku": i.sku, "name": i.name, "qty_per_unit": str(i.qty_per_unit)}
            for i in recipe_items(session, product_id)]


def _qty(value: Any) -> Decimal:
    """A quantity per unit: more than 0, at most 3 decimals. Messages continue "Line 2 quantity …"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("is required")
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = to_decimal(value, places=QUANTITY_PLACES, field="value")
    except ValueError as exc:
        raise ValueError(str(exc).removeprefix("value ")) from None
    if number <= 0:
        raise ValueError("must be more than 0")
    if number >= _LIMIT:
        raise ValueError("is too large")
    return number


def _resolve(session: Session, refs: Iterable[int | str]) -> dict[int | str, Product]:
    """Materials by id (int) or SKU (str, any case), locked against deletion or a change of kind meanwhile."""
    refs = list(refs)
    by_sku = products_q.by_skus(session, [r for r in refs if isinstance(r, str)])
    ids = {r for r in refs if isinstance(r, int)} | {p.id for p in by_sku.values() if p.id is not None}
    locked = products_q.by_ids(session, ids, for_share=True)
    found: dict[int | str, Product] = {}
    for ref in refs:
        key = ref if isinstance(ref, int) else (by_sku[ref.upper()].id if ref.upper() in by_sku else None)
        if key is not None and key in locked:
            found[ref] = locked[key]
    return found


def _leading_back(session: Session, product_id: int, material_ids: Iterable[int]) -> set[int]:
    """Materials whose own recipes (at any depth) use `product_id`: one query per level."""
    origin = {m: m for m in material_ids}
    frontier = set(origin)
    culprits: set[int] = set()
    while frontier:
        edges = products_q.recipe_edges(session, frontier)
        frontier = set()
        for parent, child in edges:
            if child == product_id:
                culprits.add(origin[parent])
            elif child not in origin:
                origin[child] = origin[parent]
                frontier.add(child)
    return culprits


def set_recipe(actor: Actor, *, product_id: int, lines: Sequence[Mapping[str, Any]]) -> list[RecipeItem]:
    """Replace a finished good's recipe with `lines` ({"material": SKU or id, "qty_per_unit": …}), in one
    transaction, audited with the lines before and after. An empty list clears the recipe."""
    actor.require("products.manage")
    with transaction(actor) as tx:
        session = tx.session
        product = _product(session, product_id, for_update=True)
        if product.kind is not ProductKind.FINISHED:
            raise ValidationFailed.field(
                "Product", f"is {product.name}, a {product.kind.label.lower()}: only finished goods have recipes")
        errors: dict[str, str] = {}
        refs: list[int | str | None] = []
        for number, line in enumerate(lines, start=1):
            ref = line.get("material") if isinstance(line, Mapping) else None
            if isinstance(ref, str):
                ref = ref.strip() or None
            elif isinstance(ref, bool) or not isinstance(ref, int | None):
                errors[f"Line {number} material"] = "must be a SKU or a product id"
                ref = None
            refs.append(ref)
        materials = _resolve(session, [r for r in refs if r is not None])
        chosen: list[tuple[int, Decimal]] = []
        first_line: dict[int, int] = {}
        for number, (line, ref) in enumerate(zip(lines, refs, strict=True), start=1):
            label = f"Line {number} material"
            material = materials.get(ref) if ref is not None else None
            if label in errors:
                pass
            elif ref is None:
                errors[label] = "is required"
            elif material is None or material.id is None:
                errors[label] = f"is unknown: no product with {'id' if isinstance(ref, int) else 'SKU'} {ref}"
            elif material.id == product_id:
                errors[label] = "is the product itself: a product cannot be in its own recipe"
            elif material.kind is ProductKind.FINISHED:
                errors[label] = f"is {material.name}, a finished good: a material cannot be a finished good"
            elif not material.is_active:
                errors[label] = f"is {material.name}, which is inactive"
            elif material.id in first_line:
                errors[label] = f"repeats line {first_line[material.id]} ({material.name})"
            else:
                first_line[material.id] = number
            try:
                qty = _qty(line.get("qty_per_unit") if isinstance(line, Mapping) else None)
            except ValueError as exc:
                errors[f"Line {number} quantity"] = str(exc)
                continue
            if material is not None and material.id is not None:
                chosen.append((material.id, qty))
        names = {m.id: m.name for m in materials.values()}
        for culprit in sorted(_leading_back(session, product_id, first_line)):
            errors[f"Line {first_line[culprit]} material"] = (
                f"is {names[culprit]}, whose recipe leads back to {product.name}: "
                "a product cannot be in its own recipe")
        if errors:
            raise ValidationFailed(errors)
        current = [(i.material_id, i.qty_per_unit) for i in recipe_items(session, product_id)]
        if chosen != current:
            before = {"lines": recipe_json(session, product_id)}
            products_q.replace_recipe(session, product_id, chosen)
            tx.audit("product.recipe", entity="product", entity_id=product_id, before=before,
                     after={"lines": recipe_json(session, product_id)})
            tx.emit(DomainEvent("product.recipe_changed", data={"product_id": product_id, "sku": product.sku}))
        return recipe_items(session, product_id)


def get_recipe(actor: Actor, *, product_id: int) -> list[RecipeItem]:
    """The recipe's lines (material SKU, name, unit, quantity per unit) in the order they were entered."""
    actor.require("masterdata.view")
    with reading() as session:
        _product(session, product_id)
        return recipe_items(session, product_id)


def materials_needed(
    *, product_id: int, qty: Decimal | int | str, session: Session | None = None,
) -> dict[int, Decimal]:
    """{material_id: quantity} to make `qty` units, exact: never rounded (a result that needs more than 3
    decimals keeps them; whoever posts it decides). For production, inside its own transaction via `session`;
    the caller has checked its own permission."""
    try:
        amount = to_decimal(qty, places=QUANTITY_PLACES, field="Quantity")
    except ValueError as exc:
        raise ValidationFailed.field("Quantity", str(exc).removeprefix("Quantity ")) from None
    if amount < 0:
        raise ValidationFailed.field("Quantity", "must not be negative")
    if session is None:
        with reading() as own:
            return materials_needed(product_id=product_id, qty=amount, session=own)
    _product(session, product_id)
    needed: dict[int, Decimal] = {}
    for line, _material in products_q.recipe(session, product_id):
        needed[line.material_id] = needed.get(line.material_id, Decimal(0)) + line.qty_per_unit * amount
    return {m: q.quantize(_THOUSANDTH) if q == q.quantize(_THOUSANDTH) else q for m, q in needed.items()}
