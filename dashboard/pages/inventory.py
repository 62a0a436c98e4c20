"""/inventory: stock levels of the user's area (low stock in red, days of cover, value) — the storekeeper's start
page — and /inventory/ledger: the moves behind a level, newest first, with the balance after each."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.data_table import DataTable, data_table
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, NotFound
from domain.formatting import format_date, format_quantity
from domain.services.inventory import (
    StockPosition,
    ledger_table,
    position_of,
    stock_levels_table,
    stock_position,
)

TITLE = "Stock"
ACTIONS = [  # (label, icon, path, permission)
    ("Receive goods", "local_shipping", "/inventory/receive", "stock.receive"),
    ("Transfer", "swap_horiz", "/inventory/transfer", "stock.transfer"),
    ("Adjust", "tune", "/inventory/adjust", "stock.adjust"),
]
_LOW_BADGE = """
<q-td :props="props">
  <q-badge v-if="props.value === 'Yes'" color="negative" label="Low" />
</q-td>
"""
_QTY_CELL = """
<q-td :props="props" :class="props.row.low === 'Yes' ? 'text-negative text-weight-bold' : ''">{{ props.value }}</q-td>
"""


def _ledger_path(location_id: int, product_id: int) -> str:
    return f"/inventory/ledger?location={location_id}&product={product_id}"


def highlight_low(table: DataTable) -> None:
    """Low stock reads at a glance: a red badge in the Low column and the quantity in red."""
    table.table.add_slot("body-cell-low", _LOW_BADGE)
    table.table.add_slot("body-cell-qty", _QTY_CELL)


async def inventory_page() -> RedirectResponse | None:
    actor = await signed_in("stock.view", path="/inventory")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"What each location in {area} holds. Click a row for its ledger.").classes("text-grey-7")
            with ui.row(wrap=True).classes("gap-2"):
                for label, icon, path, permission in ACTIONS:
                    if actor.can(permission):
                        ui.button(label, icon=icon, on_click=lambda p=path: ui.navigate.to(p)) \
                            .props("unelevated no-caps").mark(path.rsplit("/", 1)[1])
                ui.button("Ledger", icon="receipt_long", on_click=lambda: ui.navigate.to("/inventory/ledger")) \
                    .props("outline no-caps").mark("ledger")
    await ui.context.client.connected()
    source = await run.io_bound(stock_levels_table, actor)
    if source is None:  # the app is shutting down
        return None

    def open_ledger(row: dict) -> None:
        ui.navigate.to(_ledger_path(*position_of(str(row["key"]))))

    with body:
        highlight_low(data_table(actor, source, page_size=50, on_row_click=open_ledger))
    return None


def _as_id(text: str, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"No {what} with id {text[:40]}.")
    return int(text)


def _position_card(position: StockPosition) -> None:
    with ui.card().classes("w-full gap-2"):
        with ui.row(wrap=True, align_items="center").classes("gap-2"):
            ui.label(f"{position.product_name} at {position.location_name}").classes("text-h6")
            if position.low:
                ui.badge("Low", color="negative").props("rounded").mark("position-low")
        with ui.row(wrap=True).classes("gap-x-8 gap-y-2"):
            for label, value, marker in [
                ("On hand", f"{format_quantity(position.qty)} {position.unit}", "position-qty"),
                ("Reorder level", f"{format_quantity(position.reorder_level)} {position.unit}", None),
                ("SKU", position.sku, None),
            ]:
                with ui.column().classes("gap-0"):
                    ui.label(label).classes("text-caption text-grey-7")
                    shown = ui.label(value).classes("text-subtitle1 font-medium")
                    if marker:
                        shown.mark(marker)
        if position.batches:
            ui.label("Batches, first to expire first").classes("text-caption text-grey-7 q-mt-sm")
            with ui.row(wrap=True).classes("gap-2"):
                for batch_no, expires_on, qty in position.batches:
                    expiry = f" · expires {format_date(expires_on)}" if expires_on else ""
                    ui.chip(f"{batch_no}: {format_quantity(qty)}{expiry}").props("outline dense square")


async def ledger_page(location: str = "", product: str = "") -> RedirectResponse | None:
    path = "/inventory/ledger" + (f"?location={location}&product={product}" if location or product else "")
    actor = await signed_in("stock.view", path=path)
    if not isinstance(actor, Actor):
        return actor
    with frame("Stock ledger", actor) as body:
        with ui.link(target="/inventory").classes("no-underline text-primary"):
            with ui.row().classes("items-center gap-1"):
                ui.icon("arrow_back", size="xs")
                ui.label("Stock levels")
        holder = ui.column().classes("w-full gap-4")
        holder.visible = False  # only for a refusal
    await ui.context.client.connected()
    try:
        location_id, product_id = _as_id(location, "location"), _as_id(product, "product")
        source = await run.io_bound(ledger_table, actor, location_id=location_id, product_id=product_id)
        position = None
        if location_id is not None and product_id is not None:
            position = await run.io_bound(stock_position, actor, location_id=location_id, product_id=product_id)
    except DomainError as exc:
        holder.visible = True
        with holder, ui.card().classes("q-pa-lg"):
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon("search_off" if isinstance(exc, NotFound) else "block", size="md").classes("text-grey-7")
                ui.label(exc.message).mark("ledger-message")
        return None
    if source is None:
        return None
    ui.page_title(f"{source.title} · {PRODUCT}")
    with body:
        if position is not None:
            _position_card(position)
        else:
            ui.label("Every move of stock in your area, newest first.").classes("text-grey-7")
        data_table(actor, source, page_size=25)
    return None


PAGES = [
    Page("/inventory", inventory_page, TITLE, "inventory_2", "stock.view", order=20),
    Page("/inventory/ledger", ledger_page, permission="stock.view"),
]
