"""/inventory/receive, /inventory/transfer, /inventory/adjust: the stock movement forms. Each posts one document
(GR-, TR-, ADJ-) through domain.services.inventory; errors appear under their fields, a shortage as a message,
and a posted document by its number."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.search_select import SearchSelect
from dashboard.components.stock_lines import FIELD_PROPS, StockLines
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, InsufficientStock, ValidationFailed
from domain.formatting import format_quantity
from domain.models import PartyKind, ProductKind
from domain.services.inventory import (
    StockDocument,
    StockPosition,
    adjust_stock,
    location_choices,
    receive_goods,
    stock_position,
    today,
    transfer_stock,
)
from domain.services.products import product_choices

LIMIT = 50  # what location_choices and product_choices answer at most
MATERIALS = [ProductKind.RAW_MATERIAL, ProductKind.PACKAGING]
_CSS = """
.stock-form .q-field--with-bottom { padding-bottom: 0; }
.stock-form .q-field__bottom { position: static; transform: none; padding: 2px 12px 0; min-height: 18px; }
"""


def _position(actor: Actor, location_id: Any, product_id: Any) -> StockPosition | None:
    """What a location holds of a product, or None when either is not chosen (runs off the event loop)."""
    if location_id is None or product_id is None:
        return None
    try:
        return stock_position(actor, location_id=int(location_id), product_id=int(product_id))
    except DomainError:
        return None


def _locations(actor: Actor, label: str, kind: PartyKind | None = None) -> SearchSelect:
    picker = SearchSelect(label, load=lambda text: location_choices(actor, kind=kind, search=text), limit=LIMIT)
    return picker.props(FIELD_PROPS).classes("w-full").mark(f"stock-{label.lower()}")


def _text(label: str, **props: str) -> ui.input:
    extra = " ".join(f"{k}={v}" for k, v in props.items())
    return ui.input(label).props(f"{FIELD_PROPS} {extra}").classes("w-full").mark(f"stock-{label.lower()}")


def _date() -> ui.input:
    day = today().isoformat()
    return ui.input("Date", value=day).props(f"{FIELD_PROPS} type=date max={day}").classes("w-full") \
        .mark("stock-date")


class MoveForm:
    """The frame of every movement form: the header fields, the lines (if any), the post button, the outcome."""

    def __init__(self, actor: Actor, *, action: str, post: Callable[[], Any]) -> None:
        self.actor, self.post = actor, post
        self.fields: dict[str, Any] = {}
        self.lines: StockLines | None = None
        self.after_post: Callable[[], Awaitable[None]] | None = None  # default: a fresh set of lines
        ui.add_css(_CSS)
        self.outcome = ui.column().classes("w-full max-w-4xl")  # above the form: in view after posting on a phone
        self.outcome.visible = False
        self.card = ui.card().classes("stock-form w-full max-w-4xl gap-3")
        with self.card:
            self.header = ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-x-4 gap-y-2 w-full")
            self.body = ui.column().classes("w-full gap-2")
            self.problem = ui.label().classes("text-negative text-body2").props("role=alert").mark("stock-problem")
            self.problem.visible = False
            self.button = ui.button(action, icon="check", on_click=self.submit).props("unelevated no-caps") \
                .mark("stock-post")

    def add_lines(self, lines: StockLines) -> None:
        self.lines = lines

    async def submit(self) -> None:
        if self.lines is not None:
            self.lines.drop_blank()
        fields = {**self.fields, **(self.lines.fields if self.lines else {})}
        clear_errors(fields)
        self.problem.visible = False
        self.button.props("loading")
        try:
            doc = await self.post()
        except ValidationFailed as exc:
            show_errors(fields, exc)
            return
        except DomainError as exc:  # InsufficientStock, PermissionDenied, …
            self.problem.text = exc.message
            self.problem.visible = True
            ui.notify(exc.message, type="warning" if isinstance(exc, InsufficientStock) else "negative",
                      multi_line=True)
            return
        finally:
            self.button.props(remove="loading")
        if doc is None:  # the app is stopping
            return
        self._show(doc)
        ui.notify(f"{doc.number} posted", type="positive")
        if self.after_post is not None:
            await self.after_post()
        elif self.lines is not None:  # the places and the date stay for the next document
            await self.lines.reset()

    def _show(self, doc: StockDocument) -> None:
        self.outcome.clear()
        self.outcome.visible = True
        where = f"{doc.location_name} → {doc.to_location_name}" if doc.to_location_name else doc.location_name
        with self.outcome, ui.card().classes("w-full bg-green-1 gap-1").mark("stock-result"):
            with ui.row(wrap=True, align_items="center").classes("gap-2"):
                ui.icon("check_circle", color="positive")
                ui.label(f"{doc.number} posted").classes("text-subtitle1 font-medium").mark("stock-number")
                ui.label(f"· {where} · {len(doc.lines)} line{'s' if len(doc.lines) != 1 else ''}") \
                    .classes("text-grey-8")
            left = {m.product_id: m.balance_after for m in doc.moves if m.location_id == doc.location_id}
            for line in doc.lines:
                sign = "+" if doc.kind != "transfer" and line.qty > 0 else ""
                now = f"{format_quantity(left.get(line.product_id))} {line.unit}"
                after = f"{now} left at {doc.location_name}" if doc.kind == "transfer" else f"{now} on hand"
                ui.label(f"{line.name}: {sign}{format_quantity(line.qty)} {line.unit} · {after}").classes("text-body2")
            first = doc.lines[0]
            ui.link("Open the ledger", f"/inventory/ledger?location={doc.location_id}&product={first.product_id}") \
                .classes("text-primary")


def _back_link() -> None:
    with ui.link(target="/inventory").classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label("Stock levels")


async def _page(needs: str, path: str, title: str) -> tuple[Actor, ui.column] | RedirectResponse | None:
    actor = await signed_in(needs, path=path)
    if not isinstance(actor, Actor):
        return actor
    with frame(title, actor):
        _back_link()
        holder = ui.column().classes("w-full gap-4")
    await ui.context.client.connected()
    return actor, holder


# --- /inventory/receive ---------------------------------------------------------------------------------------


async def receive_page() -> RedirectResponse | None:
    opened = await _page("stock.receive", "/inventory/receive", "Receive goods")
    if not isinstance(opened, tuple):
        return opened
    actor, holder = opened
    with holder:
        ui.label("Raw materials and packaging delivered to a factory, at the cost on the supplier's delivery note.") \
            .classes("text-grey-7")

        async def post() -> StockDocument:
            return await run.io_bound(
                receive_goods, actor, location_id=f["Location"].value, supplier_name=f["Supplier"].value or "",
                reference=f["Reference"].value or None, business_date=f["Date"].value or "", lines=lines.values)

        form = MoveForm(actor, action="Receive", post=post)
        with form.header:
            f = form.fields = {"Location": _locations(actor, "Location", PartyKind.FACTORY),
                               "Supplier": _text("Supplier", maxlength="120"),
                               "Reference": _text("Reference", maxlength="40", placeholder="'Delivery note no.'"),
                               "Date": _date()}
        with form.body:
            lines = StockLines(products=lambda text: product_choices(actor, kind=MATERIALS, search=text),
                               on_hand=lambda product: _position(actor, f["Location"].value, product), costed=True)
        form.add_lines(lines)
        f["Location"].on_value_change(lines.refresh_hints)

        async def cleared() -> None:
            f["Supplier"].value = f["Reference"].value = ""
            await lines.reset()

        form.after_post = cleared
    await f["Location"].load()
    await lines.start()
    return None


# --- /inventory/transfer --------------------------------------------------------------------------------------


async def transfer_page() -> RedirectResponse | None:
    opened = await _page("stock.transfer", "/inventory/transfer", "Transfer stock")
    if not isinstance(opened, tuple):
        return opened
    actor, holder = opened
    with holder:
        ui.label("Stock leaves one location and arrives at another, e.g. from a factory to a distributor's depot. "
                 "Perishables keep their batches.").classes("text-grey-7")

        async def post() -> StockDocument:
            return await run.io_bound(
                transfer_stock, actor, from_id=f["From"].value, to_id=f["To"].value,
                business_date=f["Date"].value or "", note=f["Note"].value or None, lines=lines.values)

        form = MoveForm(actor, action="Transfer", post=post)
        with form.header:
            f = form.fields = {"From": _locations(actor, "From"), "To": _locations(actor, "To"), "Date": _date(),
                               "Note": _text("Note", maxlength="200", placeholder="'Vehicle, driver…'")}
        with form.body:
            lines = StockLines(products=lambda text: product_choices(actor, search=text),
                               on_hand=lambda product: _position(actor, f["From"].value, product))
        form.add_lines(lines)
        f["From"].on_value_change(lines.refresh_hints)
    await f["From"].load()
    await f["To"].load()
    await lines.start()
    return None


# --- /inventory/adjust ----------------------------------------------------------------------------------------


async def adjust_page() -> RedirectResponse | None:
    opened = await _page("stock.adjust", "/inventory/adjust", "Adjust stock")
    if not isinstance(opened, tuple):
        return opened
    actor, holder = opened
    with holder:
        ui.label("Correct what a location holds of one product, with the reason. To set stock to what was counted, "
                 "use a stock count instead.").classes("text-grey-7")

        def change() -> str:
            text = str(f["Quantity"].value or "").strip()
            return f"-{text}" if direction.value == "remove" and text and not text.startswith("-") else text

        async def post() -> StockDocument:
            return await run.io_bound(
                adjust_stock, actor, location_id=f["Location"].value, product_id=f["Product"].value,
                qty_change=change(), reason=f["Reason"].value or "", business_date=f["Date"].value or "")

        form = MoveForm(actor, action="Adjust", post=post)
        with form.header:
            f = form.fields = {"Location": _locations(actor, "Location")}
            product = SearchSelect("Product", load=lambda text: product_choices(actor, search=text), limit=LIMIT) \
                .props(FIELD_PROPS).classes("w-full").mark("stock-product")
            f["Product"] = product
            with ui.column().classes("w-full gap-1"):
                direction = ui.toggle({"add": "Add stock", "remove": "Remove stock"}, value="remove") \
                    .props("no-caps spread unelevated toggle-color=primary color=grey-3 text-color=grey-9") \
                    .classes("w-full").mark("stock-direction")
                f["Quantity"] = _text("Quantity", inputmode="decimal")
            f["Date"] = _date()
        with form.body:
            f["Reason"] = _text("Reason", maxlength="200", placeholder="'What happened'")

        async def hint() -> None:
            position = await run.io_bound(_position, actor, f["Location"].value, f["Product"].value)
            qty = f["Quantity"]
            if position is None:
                qty.props(remove="suffix hint")
            else:
                qty.props["suffix"] = position.unit
                qty.props["hint"] = f"{format_quantity(position.qty)} {position.unit} on hand"
            qty.update()

        async def cleared() -> None:
            f["Quantity"].value = f["Reason"].value = ""
            await hint()

        form.after_post = cleared
        f["Location"].on_value_change(hint)
        product.on_value_change(hint)
    await f["Location"].load()
    await product.load()
    return None


PAGES = [
    Page("/inventory/receive", receive_page, permission="stock.receive"),
    Page("/inventory/transfer", transfer_page, permission="stock.transfer"),
    Page("/inventory/adjust", adjust_page, permission="stock.adjust"),
]
