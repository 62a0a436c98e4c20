"""/orders: every order in the user's area in the shared data table; /orders/{number}: one order — its summary,
lines, status history and invoice, and the lifecycle buttons the user may use (confirm, dispatch, deliver, cancel).

Opening an order outside one's area by its URL is refused (and audited like any refused page). The detail follows
other people's changes live (dashboard.live): when this order moves, the page reloads once.
"""

from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import client_ip, signed_in
from dashboard.components.data_table import data_table
from dashboard.components.order_actions import order_actions
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page, discover_pages
from domain.access import Actor
from domain.errors import DomainError, PermissionDenied
from domain.events import DomainEvent
from domain.formatting import format_date, format_datetime, format_money, format_quantity
from domain.models import OrderStatus, OrderTier
from domain.services.access import record_refusal
from domain.services.order_views import InvoiceView, OrderDetail, get_order, orders_table

STATUS_COLORS = {OrderStatus.DRAFT: "grey-7", OrderStatus.CONFIRMED: "primary", OrderStatus.DISPATCHED: "orange-9",
                 OrderStatus.DELIVERED: "positive", OrderStatus.CANCELLED: "negative"}
STATUS_ICONS = {OrderStatus.DRAFT: "edit_note", OrderStatus.CONFIRMED: "check_circle",
                OrderStatus.DISPATCHED: "local_shipping", OrderStatus.DELIVERED: "inventory",
                OrderStatus.CANCELLED: "cancel"}
# On a phone the two price columns give way: the unit price moves under the product.
LINE_COLUMNS = [
    {"name": "product", "label": "Product", "field": "product", "align": "left"},
    {"name": "qty", "label": "Quantity", "field": "qty", "align": "right"},
    {"name": "list_price", "label": "List price", "field": "list_price", "align": "right", "classes": "gt-xs",
     "headerClasses": "gt-xs"},
    {"name": "unit_price", "label": "Unit price", "field": "unit_price", "align": "right", "classes": "gt-xs",
     "headerClasses": "gt-xs"},
    {"name": "amount", "label": "Amount", "field": "amount", "align": "right", "classes": "text-no-wrap"},
]
_CSS = """
.order-history .q-timeline__subtitle { text-transform: none; letter-spacing: normal; font-weight: 400; opacity: .75; }
.order-history .q-timeline__title { font-size: 1rem; font-weight: 500; margin-bottom: 0; }
.order-history .q-timeline__content { padding-bottom: 12px; }
"""
_OVERRIDE = '<q-badge v-if="props.row.overridden" color="warning" text-color="black" class="q-ml-xs">override</q-badge>'
_PRODUCT_CELL = f"""<q-td :props="props"><div class="whitespace-normal">{{{{ props.row.product }}}}</div>
<div class="text-caption text-grey-7">{{{{ props.row.sku }}}}<span class="xs"> · {{{{ props.row.unit_price }}}}
{_OVERRIDE}</span></div></q-td>"""
_PRICE_CELL = f"""<q-td :props="props">{{{{ props.value }}}}{_OVERRIDE}</q-td>"""


def _back_link() -> None:
    with ui.link(target="/orders").classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label("All orders")


# --- /orders -----------------------------------------------------------------------------------------------------


async def orders_page() -> RedirectResponse | None:
    actor = await signed_in("orders.view", path="/orders")
    if not isinstance(actor, Actor):
        return actor
    with frame("Orders", actor) as body:
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"Orders placed in {area} or sold from it, newest first. Open one by clicking its row.") \
                .classes("text-grey-7")
            if any(actor.can(tier.permission) for tier in OrderTier):
                ui.button("New order", icon="add", on_click=lambda: ui.navigate.to("/orders/new")) \
                    .props("unelevated no-caps").mark("order-new")
    await ui.context.client.connected()
    source = await run.io_bound(orders_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        data_table(actor, source, page_size=25, on_row_click=lambda row: ui.navigate.to(f"/orders/{row['number']}"))
    return None


# --- /orders/{number} ----------------------------------------------------------------------------------------------


async def order_page(number: str) -> RedirectResponse | None:
    if number == "new":  # the order form, whichever of the two routes was registered first
        form = next((p for p in discover_pages() if p.path == "/orders/new"), None)
        if form is not None:
            return await form.builder()
    actor = await signed_in("orders.view", path=f"/orders/{number}")
    if not isinstance(actor, Actor):
        return actor
    ui.add_css(_CSS)
    with frame("Order", actor):
        _back_link()
        holder = ui.column().classes("w-full gap-4").mark("order-detail")
        with holder:
            ui.spinner(size="lg")
    await ui.context.client.connected()
    view = OrderView(actor, holder, number)
    view.follow()
    await view.load()
    return None


class OrderView:
    """One order inside `holder`, reloaded from the service after a step and when someone else moves it."""

    def __init__(self, actor: Actor, holder: ui.column, number: str) -> None:
        self.actor, self.holder, self.number = actor, holder, number
        self.detail: OrderDetail | None = None

    async def load(self) -> None:
        try:
            detail = await run.io_bound(get_order, self.actor, number=self.number)
        except PermissionDenied as exc:
            await run.io_bound(record_refusal, self.actor, what=f"/orders/{self.number}", source_ip=client_ip())
            self._message("block", "Not permitted", exc.message)
            return
        except DomainError as exc:
            self._message("search_off", "No such order", exc.message)
            return
        if detail is None or self._gone():
            return
        self.detail = detail
        ui.page_title(f"{detail.number} · {PRODUCT}")
        self.holder.clear()
        with self.holder:
            self._heading(detail)
            order_actions(self.actor, detail, on_done=self._done)
            with ui.element("div").classes("grid grid-cols-1 lg:grid-cols-3 gap-4 w-full items-start"):
                with ui.column().classes("lg:col-span-2 gap-4 min-w-0"):
                    _summary(detail)
                    _lines(detail)
                with ui.column().classes("gap-4 min-w-0"):
                    _history(detail)
                    if detail.invoice is not None:
                        _invoice(detail.invoice)

    def _gone(self) -> bool:
        """The page was closed (or the test ended) while the service was answering."""
        try:
            return self.holder.is_deleted or self.holder.client.is_deleted
        except RuntimeError:  # the client is already garbage
            return True

    async def _done(self, message: str) -> None:
        with self.holder:
            ui.notify(message, type="positive")
        await self.load()

    def _message(self, icon: str, title: str, text: str) -> None:
        self.detail = None
        if self._gone():
            return
        self.holder.clear()
        with self.holder, ui.card().classes("q-pa-lg gap-2"):
            with ui.row().classes("items-center gap-2 no-wrap"):
                ui.icon(icon, size="md").classes("text-negative" if icon == "block" else "text-grey-7")
                ui.label(title).classes("text-h6")
            ui.label(text).classes("break-words").mark("order-message")

    @staticmethod
    def _heading(d: OrderDetail) -> None:
        with ui.row(wrap=True, align_items="center").classes("gap-2"):
            ui.label(d.number).classes("text-h5").mark("order-number")
            ui.badge(d.tier.label, color="secondary").props("rounded")
            ui.badge(d.status.label, color=STATUS_COLORS[d.status]).props("rounded").mark("order-status")

    # --- live: other people's changes --------------------------------------------------------------------------

    def follow(self) -> None:
        """Reload when someone moves this order (called in the page's context). The live bridge passes events by
        the order's territory, so a reader who sees the order only through its seller reloads by hand."""
        live.follow(self.actor, ("order.",), self._heard)

    async def _heard(self, events: list[DomainEvent]) -> None:
        shown = self.detail
        if shown is None or self._gone():
            return
        if any(e.data.get("id") == shown.id and e.data.get("status") != shown.status.value for e in events):
            with self.holder:  # called from a background task: build inside the page
                await self.load()


def _fact(label: str, value: str, marker: str) -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-caption text-grey-7")
        ui.label(value).classes("text-body1 break-words").mark(f"order-{marker}")


def _summary(d: OrderDetail) -> None:
    with ui.card().classes("w-full gap-3"):
        with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-x-6 gap-y-3 w-full"):
            _fact("Tier", f"{d.tier.label} · {d.tier.description}", "tier")
            _fact("Order date", format_date(d.order_date), "date")
            _fact("Seller", f"{d.seller} ({d.seller_code})", "seller")
            _fact("Customer", f"{d.customer} ({d.customer_code})" if d.customer_code else d.customer, "customer")
            _fact("Territory", " · ".join(p for p in (d.territory, d.region) if p) or "—", "territory")
            _fact("Entered by", f"{d.created_by or 'System'} on {format_date(d.created_at)}", "created-by")
            _fact("Total", format_money(d.total), "total")
            if d.note:
                _fact("Note", d.note, "note")
            if d.credit_override_by:
                _fact("Credit limit", f"Confirmed beyond it by {d.credit_override_by}", "credit-override")
            if d.cancel_reason:
                _fact("Cancelled because", d.cancel_reason, "cancel-reason")


def _lines(d: OrderDetail) -> None:
    rows: list[dict[str, Any]] = [{
        "line": line.line_no, "product": line.product, "sku": line.sku,
        "qty": f"{format_quantity(line.qty)}\u00a0{line.unit}", "list_price": format_money(line.list_price),
        "unit_price": format_money(line.unit_price), "amount": format_money(line.amount),
        "overridden": line.overridden} for line in d.lines]
    total = format_money(d.total)
    with ui.card().classes("w-full gap-2"):
        ui.label("Lines").classes("text-subtitle1 text-weight-medium")
        table = ui.table(columns=LINE_COLUMNS, rows=rows, row_key="line").classes("w-full") \
            .props('flat dense wrap-cells hide-pagination :rows-per-page-options="[0]"').mark("order-lines")
        table.add_slot("body-cell-product", _PRODUCT_CELL)
        table.add_slot("body-cell-unit_price", _PRICE_CELL)
        table.add_slot("bottom-row", f"""<q-tr class="bg-grey-2 text-weight-bold"><q-td colspan="2">Total</q-td>
<q-td class="gt-xs"></q-td><q-td class="gt-xs"></q-td><q-td class="text-right text-no-wrap">{total}</q-td></q-tr>""")


def _history(d: OrderDetail) -> None:
    with ui.card().classes("w-full gap-2"):
        ui.label("History").classes("text-subtitle1 text-weight-medium")
        with ui.timeline(side="right", layout="dense").classes("w-full order-history").mark("order-history"):
            for step in d.history:
                ui.timeline_entry(step.note or "", title=step.status.label, icon=STATUS_ICONS[step.status],
                                  subtitle=f"{format_datetime(step.at)} · {step.by}",
                                  color=STATUS_COLORS[step.status]).mark(f"history-{step.status.value}")


def _invoice(invoice: InvoiceView) -> None:
    with ui.card().classes("w-full gap-2").mark("order-invoice"):
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            ui.label(f"Invoice {invoice.number}").classes("text-subtitle1 text-weight-medium")
            ui.badge(invoice.status.label, color="grey-7").props("rounded")
        with ui.element("div").classes("grid grid-cols-2 gap-x-4 gap-y-2 w-full"):
            _fact("Amount", format_money(invoice.amount), "invoice-amount")
            _fact("Balance", format_money(invoice.balance), "invoice-balance")
            _fact("Issued", format_date(invoice.issue_date), "invoice-issued")
            _fact("Due", format_date(invoice.due_date), "invoice-due")


PAGES = [
    Page("/orders", orders_page, "Orders", "receipt_long", "orders.view", order=30),
    Page("/orders/{number}", order_page, permission="orders.view"),
]
