"""/products: finished goods, raw materials and packaging — the list, a new product, and one product with its recipe.

People with products.manage add, change, deactivate, reactivate and delete products and edit recipes; everyone else
with masterdata.view reads.
"""

from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.data_table import data_table
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.recipe_editor import RecipeEditor, material_label
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.config import get_settings
from domain.errors import DomainError, NotFound, ValidationFailed
from domain.formatting import format_money, format_quantity
from domain.models import Product, ProductKind
from domain.services.products import (
    LABELS,
    RecipeItem,
    create_product,
    deactivate_product,
    delete_product,
    get_product,
    get_recipe,
    product_categories,
    product_choices,
    products_table,
    reactivate_product,
    set_recipe,
    update_product,
)

TITLE = "Products"
KINDS = {kind.value: kind.label for kind in ProductKind}
MATERIALS = [ProductKind.RAW_MATERIAL, ProductKind.PACKAGING]
PRICES = ("price_distributor", "price_retailer", "price_retail")
MONEY = (*PRICES, "standard_cost")
FIELD_PROPS = "outlined hide-bottom-space"  # a long error pushes the next row down instead of overlapping it
NOTICES = {"created": "Product created", "saved": "Saved"}


@dataclass
class Loaded:
    """What a product page needs, read in one go off the event loop."""

    product: Product | None
    recipe: list[RecipeItem] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    materials: dict[int, str] = field(default_factory=dict)


def load(actor: Actor, product_id: int | None) -> Loaded:
    product = get_product(actor, product_id=product_id) if product_id is not None else None
    finished = product is not None and product.kind is ProductKind.FINISHED
    manage = actor.can("products.manage")
    return Loaded(
        product=product,
        recipe=get_recipe(actor, product_id=product_id) if finished and product_id is not None else [],
        categories=product_categories(actor) if manage else [],
        materials=product_choices(actor, kind=MATERIALS) if finished and manage else {},
    )


def _back_link() -> None:
    with ui.link(target="/products").classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label(TITLE)


def _message(icon: str, text: str) -> None:
    with ui.card().classes("q-pa-lg"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon, size="md").classes("text-grey-7")
            ui.label(text).mark("product-message")


def _as_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"No product with id {text[:40]}.")
    return int(text)


async def _confirm(question: str, action: str) -> bool:
    with ui.dialog() as dialog, ui.card().classes("q-pa-md gap-3"):
        ui.label(question).classes("text-body1")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat no-caps").mark("confirm-cancel")
            ui.button(action, on_click=lambda: dialog.submit(True)).props("unelevated no-caps color=negative") \
                .mark("confirm-yes")
    answer = await dialog
    dialog.delete()
    return bool(answer)


def _refused(exc: DomainError) -> None:
    ui.notify(exc.message, type="negative", multi_line=True, close_button="OK", timeout=10000)


# --- /products ---------------------------------------------------------------------------------------------------


async def products_page() -> RedirectResponse | None:
    actor = await signed_in("masterdata.view", path="/products")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            ui.label("Finished goods, raw materials and packaging. Click a row for its details and recipe.") \
                .classes("text-grey-7")
            if actor.can("products.manage"):
                ui.button("New product", icon="add", on_click=lambda: ui.navigate.to("/products/new")) \
                    .props("unelevated no-caps").mark("product-new")
    await ui.context.client.connected()
    source = await run.io_bound(products_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        ui.add_css(".products-table th { white-space: normal; vertical-align: bottom; }")  # "Distributor / price"
        data_table(actor, source, page_size=25, on_row_click=lambda row: ui.navigate.to(f"/products/{row['id']}")) \
            .classes("products-table")
    return None


# --- /products/new and /products/{id} ----------------------------------------------------------------------------


async def new_product_page() -> RedirectResponse | None:
    actor = await signed_in("products.manage", path="/products/new")
    if not isinstance(actor, Actor):
        return actor
    ui.page_title(f"New product · {PRODUCT}")
    return await _product_view(actor, None)


async def product_page(product_id: str, done: str = "") -> RedirectResponse | None:
    if product_id == "new":  # whichever of the two routes was registered first
        return await new_product_page()
    actor = await signed_in("masterdata.view", path=f"/products/{product_id}")
    if not isinstance(actor, Actor):
        return actor
    return await _product_view(actor, product_id, notice=NOTICES.get(done))


async def _product_view(actor: Actor, product_id: str | None, *, notice: str | None = None) -> None:
    with frame(TITLE, actor):
        _back_link()
        holder = ui.column().classes("w-full gap-4")
    await ui.context.client.connected()
    try:
        data = await run.io_bound(load, actor, None if product_id is None else _as_id(product_id))
    except DomainError as exc:
        with holder:
            _message("search_off" if isinstance(exc, NotFound) else "block", exc.message)
        return None
    if data is None:  # the app is shutting down
        return None
    if data.product is not None:
        ui.page_title(f"{data.product.name} · {PRODUCT}")
    with holder:
        if actor.can("products.manage"):
            ProductEditor(actor, data)
        else:
            product_facts(data)
    if notice:
        ui.notify(notice, type="positive")
    return None


# --- reading ----------------------------------------------------------------------------------------------------


def _heading(product: Product | None) -> None:
    with ui.row(wrap=True, align_items="center").classes("gap-2"):
        ui.label(product.name if product else "New product").classes("text-h5").mark("product-heading")
        if product is not None:
            ui.badge(product.kind.label).props("outline color=primary")
            ui.badge("Active" if product.is_active else "Inactive",
                     color="positive" if product.is_active else "grey-7").mark("product-status")


def _facts(pairs: list[tuple[str, str]]) -> None:
    with ui.grid().classes("w-full gap-x-6 gap-y-3 grid-cols-2 md:grid-cols-3"):
        for label, value in pairs:
            with ui.column().classes("gap-0"):
                ui.label(label).classes("text-caption text-grey-7")
                ui.label(value or "—").classes("text-body1")


def product_facts(data: Loaded) -> None:
    """The read-only view: every field as the business writes it, and the recipe."""
    product = data.product
    assert product is not None
    finished = product.kind is ProductKind.FINISHED
    _heading(product)
    with ui.card().classes("w-full"):
        pairs = [("SKU", product.sku), ("Kind", product.kind.label), ("Category", product.category),
                 ("Unit", product.unit)]
        pairs += [(LABELS[key], format_money(getattr(product, key))) for key in (PRICES if finished else ())]
        pairs += [
            (LABELS["standard_cost"], format_money(product.standard_cost)),
            ("Shelf life", f"{product.shelf_life_days} days" if product.shelf_life_days else "Not perishable"),
            (LABELS["reorder_level"], f"{format_quantity(product.reorder_level)} {product.unit}"),
        ]
        _facts(pairs)
    if finished:
        with ui.card().classes("w-full"):
            ui.label(f"Recipe — what one {product.unit} uses").classes("text-h6")
            if not data.recipe:
                ui.label("No recipe yet.").classes("text-grey-7")
            for item in data.recipe:
                with ui.row(wrap=False, align_items="baseline").classes("w-full justify-between gap-4"):
                    ui.label(material_label(item))
                    ui.label(f"{format_quantity(item.qty_per_unit)} {item.unit}").classes("text-right")


# --- changing -----------------------------------------------------------------------------------------------------


def _money_text(product: Product | None, key: str) -> str:
    return f"{getattr(product, key):,.2f}" if product is not None else ""


class ProductEditor(ui.column):
    """The form for people with products.manage: every field, Save, Deactivate / Reactivate, Delete, and for a
    saved finished good its recipe editor."""

    def __init__(self, actor: Actor, data: Loaded) -> None:
        super().__init__()
        self.classes("w-full gap-4")
        self.actor, self.product = actor, data.product
        with self:
            self.header = ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2")
            self._render_header()
            with ui.card().classes("w-full gap-2"):
                self.fields = self._fields(data)
                self._kind_changed()
                with ui.row().classes("w-full justify-end"):
                    ui.button("Save", icon="save", on_click=self.save).props("unelevated no-caps") \
                        .mark("product-save")
            if self.product is not None and self.product.kind is ProductKind.FINISHED:
                with ui.card().classes("w-full gap-2"):
                    ui.label(f"Recipe — what one {self.product.unit} uses").classes("text-h6")
                    ui.label("Raw materials and packaging per unit made; production consumes them.").classes(
                        "text-grey-7 text-body2")
                    RecipeEditor(items=data.recipe, materials=data.materials, unit=self.product.unit,
                                 on_save=self.save_recipe, search=self._search)

    def _render_header(self) -> None:
        self.header.clear()
        with self.header:
            _heading(self.product)
            if self.product is None:
                return
            with ui.row().classes("gap-2"):
                if self.product.is_active:
                    ui.button("Deactivate", icon="visibility_off", on_click=lambda: self.set_active(False)) \
                        .props("outline no-caps").mark("product-deactivate")
                else:
                    ui.button("Reactivate", icon="visibility", on_click=lambda: self.set_active(True)) \
                        .props("outline no-caps").mark("product-reactivate")
                ui.button("Delete", icon="delete", on_click=self.delete).props(
                    "outline no-caps color=negative").mark("product-delete")

    def _fields(self, data: Loaded) -> dict[str, Any]:
        """The inputs by the label the service names them with (LABELS), each marked with its field name."""
        product, currency = data.product, get_settings().currency

        def text(key: str, value: str, **props: str) -> ui.input:
            element = ui.input(LABELS[key], value=value).props(FIELD_PROPS).classes("w-full").mark(key)
            element.props.update(props)
            return element

        fields: dict[str, Any] = {}
        grid = "w-full gap-x-4 gap-y-2 grid-cols-1 sm:grid-cols-2 lg:grid-cols-3"
        ui.label("Details").classes("text-subtitle1 text-weight-medium")
        with ui.grid().classes(grid):
            fields["SKU"] = text("sku", product.sku if product else "", hint="Letters, digits and - . / _")
            fields["Name"] = text("name", product.name if product else "")
            fields["Kind"] = ui.select(KINDS, label=LABELS["kind"], value=(
                product.kind.value if product else ProductKind.FINISHED.value),
                on_change=lambda: self._kind_changed()).props(FIELD_PROPS).classes("w-full").mark("kind")
            fields["Category"] = ui.input(LABELS["category"], value=product.category if product else "",
                                          autocomplete=data.categories).props(FIELD_PROPS).classes("w-full") \
                .mark("category")
            if data.categories:
                fields["Category"].props["hint"] = "In use: " + ", ".join(data.categories[:6])
            fields["Unit"] = text("unit", product.unit if product else "", hint="loaf, kg, piece, crate …")
            fields["Shelf life"] = text("shelf_life_days", str(product.shelf_life_days or "") if product else "",
                                        suffix="days", inputmode="numeric")
            fields["Reorder level"] = text("reorder_level", format_quantity(product.reorder_level) if product
                                           else "", inputmode="decimal")
            fields["Reorder level"].props["suffix"] = product.unit if product else ""
            fields["Unit"].on_value_change(lambda e: fields["Reorder level"].props.update(suffix=e.value or ""))
        ui.label("Prices and cost").classes("text-subtitle1 text-weight-medium q-mt-sm")
        with ui.grid().classes("w-full gap-x-4 gap-y-2 grid-cols-2 lg:grid-cols-4"):
            for key in MONEY:
                fields[LABELS[key]] = text(key, _money_text(product, key), prefix=currency, inputmode="decimal")
        self.price_fields = [fields[LABELS[key]] for key in PRICES]
        return fields

    @property
    def finished(self) -> bool:
        return self.fields["Kind"].value == ProductKind.FINISHED.value

    def _kind_changed(self) -> None:
        """Prices are for finished goods only; shelf life is required for them."""
        for element in self.price_fields:
            element.visible = self.finished
        hint = "Required for finished goods" if self.finished else "Leave blank if it keeps"
        self.fields["Shelf life"].props["hint"] = hint

    def _values(self) -> dict[str, Any]:
        keys = [key for key in LABELS if key not in PRICES or self.finished]
        return {key: self.fields[LABELS[key]].value for key in keys}

    async def save(self) -> None:
        clear_errors(self.fields)
        values, before = self._values(), self.product
        try:
            if before is None:
                saved = await run.io_bound(create_product, self.actor, **values)
            else:
                saved = await run.io_bound(update_product, self.actor, product_id=before.id, **values)
        except ValidationFailed as exc:
            show_errors(self.fields, exc)
            return
        except DomainError as exc:
            _refused(exc)
            return
        if saved is None:  # the app is shutting down
            return
        if before is None:
            ui.navigate.to(f"/products/{saved.id}?done=created")
            return
        if (saved.kind is ProductKind.FINISHED) != (before.kind is ProductKind.FINISHED):  # the recipe editor changes
            ui.navigate.to(f"/products/{saved.id}?done=saved")
            return
        self.product = saved
        self._render_header()
        ui.notify("Saved", type="positive")

    async def set_active(self, active: bool) -> None:
        assert self.product is not None
        service = reactivate_product if active else deactivate_product
        try:
            product = await run.io_bound(service, self.actor, product_id=self.product.id)
        except DomainError as exc:
            _refused(exc)
            return
        if product is None:
            return
        self.product = product
        self._render_header()
        ui.notify(f"{product.name} is {'active again' if active else 'inactive'}", type="positive")

    async def delete(self) -> None:
        assert self.product is not None
        if not await _confirm(f"Delete {self.product.name} ({self.product.sku})? This cannot be undone.", "Delete"):
            return
        try:
            await run.io_bound(delete_product, self.actor, product_id=self.product.id)
        except DomainError as exc:
            _refused(exc)
            return
        ui.navigate.to("/products")

    async def save_recipe(self, lines: list[dict[str, Any]]) -> list[RecipeItem] | None:
        assert self.product is not None
        items = await run.io_bound(set_recipe, self.actor, product_id=self.product.id, lines=lines)
        if items is not None:
            count = len(items)
            ui.notify(f"Recipe saved ({count} line{'' if count == 1 else 's'})" if count else "Recipe cleared",
                      type="positive")
        return items

    async def _search(self, text: str) -> dict[int, str]:
        found = await run.io_bound(product_choices, self.actor, kind=MATERIALS, search=text)
        return found or {}


PAGES = [
    Page("/products", products_page, "Products", "bakery_dining", "masterdata.view", order=50),
    Page("/products/new", new_product_page),
    Page("/products/{product_id}", product_page),
]
