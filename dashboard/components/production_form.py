"""The "Post production" form: factory, date, shift, product, batch number, planned / good / rejected units and the
reason for rejects. Errors appear next to their fields; a stock shortage as a banner naming the short material; a
posted log as its number and what the factory now holds of the product."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from nicegui import run, ui

from domain.access import Actor
from domain.config import get_settings
from domain.errors import DomainError, InsufficientStock, ValidationFailed
from domain.formatting import format_quantity
from domain.models.production import ProductionLog, RejectReason, Shift
from domain.services.production import Choice, next_batch_no, post_production_log, stock_on_hand, today

FIELD_PROPS = "outlined hide-bottom-space"  # a long error pushes the next row down instead of overlapping it
SHIFTS = {s.value: s.label for s in Shift}
REASONS = {r.value: r.label for r in RejectReason}
Posted = Callable[[ProductionLog], Awaitable[None]]


def current_shift() -> Shift:
    """The shift working now (company time): morning 06–14, afternoon 14–22, night 22–06."""
    hour = datetime.now(get_settings().tz).hour
    return Shift.MORNING if 6 <= hour < 14 else Shift.AFTERNOON if 14 <= hour < 22 else Shift.NIGHT


def _positive(text: Any) -> bool:
    try:
        return Decimal(str(text or "0").replace(",", "").strip() or "0") > 0
    except InvalidOperation:
        return False


class ProductionForm(ui.card):
    """`ProductionForm(actor, factories, products, on_posted=...)`: everything the service needs, posted off the
    event loop; `on_posted(log)` runs after a successful post (e.g. to refresh the day's cards). Call
    `await form.start()` once it is on the page, for the first batch number suggestion."""

    def __init__(self, actor: Actor, *, factories: list[Choice], products: list[Choice], on_posted: Posted) -> None:
        super().__init__()
        self.classes("production-form w-full gap-3").mark("production-form")
        self.actor, self.on_posted = actor, on_posted
        self.factories = {c.id: c for c in factories}
        self.products = {c.id: c for c in products}
        self._suggested = ""
        with self:
            ui.label("Post production").classes("text-h6")
            self.fields = self._fields()
            self.shortage = ui.label().classes("w-full q-pa-sm rounded-borders bg-red-1 text-red-10 text-body2") \
                .props("role=alert").mark("production-shortage")
            self.result = ui.label().classes("w-full q-pa-sm rounded-borders bg-green-1 text-green-10 text-body2") \
                .mark("production-result")
            self.shortage.visible = self.result.visible = False
            with ui.row().classes("w-full justify-end"):
                self.button = ui.button("Post", icon="factory", on_click=self.post) \
                    .props("unelevated no-caps").mark("production-post")
        self._update_reason()

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        only_factory = next(iter(self.factories)) if len(self.factories) == 1 else None
        with ui.element("div").classes("grid grid-cols-2 gap-x-3 gap-y-2 w-full"):
            fields["Factory"] = ui.select({c.id: c.label for c in self.factories.values()}, label="Factory",
                                          value=only_factory, on_change=self._update_batch) \
                .classes("col-span-2").mark("production-factory")
            fields["Date"] = ui.date_input("Date", value=today().isoformat(), on_change=self._update_batch) \
                .classes("col-span-2 sm:col-span-1").mark("production-date")
            fields["Shift"] = ui.select(SHIFTS, label="Shift", value=current_shift().value,
                                        on_change=self._update_batch) \
                .classes("col-span-2 sm:col-span-1").mark("production-shift")
            fields["Product"] = ui.select({c.id: c.label for c in self.products.values()}, label="Product",
                                          with_input=True, on_change=self._product_changed) \
                .classes("col-span-2").mark("production-product")
            fields["Batch"] = ui.input("Batch number").props("maxlength=40").classes("col-span-2") \
                .mark("production-batch")
            fields["Planned"] = ui.input("Planned").props("inputmode=decimal").mark("production-planned")
            fields["Good"] = ui.input("Good").props("inputmode=decimal").mark("production-good")
            fields["Rejected"] = ui.input("Rejected", value="0", on_change=self._update_reason) \
                .props("inputmode=decimal").mark("production-rejected")
            fields["Reason"] = ui.select(REASONS, label="Reason").mark("production-reason")
            fields["Note"] = ui.input("Note").props("maxlength=200").classes("col-span-2").mark("production-note")
        for field in fields.values():
            field.props(FIELD_PROPS).classes("w-full")
        return fields

    # --- reacting to the fields ----------------------------------------------------------------------------------

    async def _update_batch(self) -> None:
        """Suggest '<factory code>-<yyyymmdd>-<shift initial>' (-2, -3 … when this product's log already has it),
        unless the user typed a batch number of their own."""
        f = self.fields
        try:
            day = date.fromisoformat(str(f["Date"].value or ""))
        except ValueError:
            return
        if f["Factory"].value is None or not f["Shift"].value:
            return
        try:
            suggestion = await run.io_bound(next_batch_no, self.actor, factory_id=f["Factory"].value,
                                            business_date=day, shift=f["Shift"].value,
                                            product_id=f["Product"].value)
        except DomainError:
            return
        if suggestion is None or self.is_deleted:
            return
        if not f["Batch"].value or f["Batch"].value == self._suggested:
            f["Batch"].value = suggestion
        self._suggested = suggestion

    async def start(self) -> None:
        await self._update_batch()

    async def _product_changed(self) -> None:
        self._update_units()
        await self._update_batch()

    def _update_units(self) -> None:
        product = self.products.get(self.fields["Product"].value)
        for label in ("Planned", "Good", "Rejected"):
            field = self.fields[label]
            if product is not None:
                field.props["suffix"] = product.unit
            else:
                field.props.pop("suffix", None)
            field.update()

    def _update_reason(self) -> None:
        rejects = _positive(self.fields["Rejected"].value)
        self.fields["Reason"].visible = rejects
        if not rejects:
            self.fields["Reason"].value = None

    # --- posting -------------------------------------------------------------------------------------------------

    def _clear_messages(self) -> None:
        for field in self.fields.values():
            _set_error(field, None)
        self.shortage.visible = self.result.visible = False

    def _show_errors(self, exc: ValidationFailed) -> None:
        unplaced = []
        for name, text in exc.errors.items():
            if name in self.fields:
                _set_error(self.fields[name], f"{name} {text}")
            else:
                unplaced.append(f"{name}: {text}")
        if unplaced:
            ui.notify("; ".join(unplaced), type="negative", multi_line=True)

    async def post(self) -> None:
        self._clear_messages()
        f = self.fields
        self.button.props("loading")
        try:
            log = await run.io_bound(
                post_production_log, self.actor, factory_id=f["Factory"].value, business_date=f["Date"].value,
                shift=f["Shift"].value, product_id=f["Product"].value, batch_no=f["Batch"].value or "",
                planned_qty=f["Planned"].value or "", good_qty=f["Good"].value or "",
                rejected_qty=f["Rejected"].value or "", reject_reason=f["Reason"].value, note=f["Note"].value)
            if log is None:  # the app is shutting down
                return
            held = await run.io_bound(stock_on_hand, self.actor, location_id=log.factory_id,
                                      product_id=log.product_id)
        except ValidationFailed as exc:
            self._show_errors(exc)
            return
        except InsufficientStock as exc:
            self.shortage.text = exc.message
            self.shortage.visible = True
            return
        except DomainError as exc:
            ui.notify(exc.message, type="negative", multi_line=True)
            return
        finally:
            self.button.props(remove="loading")
        product, factory = self.products.get(log.product_id), self.factories.get(log.factory_id)
        unit = product.unit if product else ""
        self.result.text = (
            f"{log.number} posted: {format_quantity(log.good_qty)} {unit} good, "
            f"{format_quantity(log.rejected_qty)} rejected. {factory.name if factory else 'The factory'} now holds "
            f"{format_quantity(held)} {unit} of {product.name if product else 'this product'}.")
        self.result.visible = True
        for label in ("Planned", "Good", "Note"):
            f[label].value = ""
        f["Rejected"].value = "0"
        f["Batch"].value = ""
        await self._update_batch()
        ui.notify(f"{log.number} posted", type="positive")
        await self.on_posted(log)


def _set_error(field: Any, text: str | None) -> None:
    """Inputs and selects show `error`; the date input (no validation mixin) gets the same Quasar props."""
    if isinstance(field, ui.date_input):
        field.props.update({"error": text is not None, "error-message": text})
    else:
        field.error = text
