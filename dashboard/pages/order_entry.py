"""/orders/new: entering an order on a phone — the tier (those the role may enter), the customer (in the user's
area), the factory for a primary order, the lines with their amounts and the total, "Submit order".

Submitting is idempotent. Each order being entered gets a client reference (uuid4) kept with the draft in this
browser tab's storage (`app.storage.tab`, per user), so a double tap, a retry after a dropped connection or a
reload submits the same reference again and domain.services.orders returns the order already written. Only
"New order", after a successful submit, starts a new reference. A reload brings back the draft or, once submitted,
the order's number.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import uuid4

from fastapi.responses import RedirectResponse
from nicegui import app, run, ui

from dashboard.auth import client_ip, signed_in
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.order_lines import FIELD_PROPS, OrderLines
from dashboard.components.search_select import SearchSelect
from dashboard.layout import frame
from dashboard.navigation import Page
from dashboard.pages.not_permitted import show_not_permitted
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.formatting import format_money
from domain.models import Order, OrderStatus, OrderTier
from domain.services.access import record_refusal
from domain.services.order_entry import (
    CHOICES_LIMIT,
    CustomerChoice,
    ProductChoice,
    TierChoice,
    customer_choices,
    factory_choices,
    order_tiers,
    product_choices,
)
from domain.services.orders import confirm_order, submit_order

PATH = "/orders/new"
CREATE = tuple(tier.permission for tier in OrderTier)
_CSS = """
.order-form .q-field--with-bottom { padding-bottom: 0; }
.order-form .q-field__bottom { position: static; transform: none; padding: 2px 12px 0; min-height: 18px; }
.order-submit-bar { position: sticky; bottom: 0; z-index: 2; background: #fff; }
.body--dark .order-submit-bar { background: var(--q-dark); }
"""


def _draft_key(actor: Actor) -> str:
    return f"order_draft:{actor.user_id}"  # per user: someone else signing in on this tab never sees it


def _fresh(tier: str, factory: Any = None, factory_label: str | None = None) -> dict[str, Any]:
    return {"reference": uuid4().hex, "tier": tier, "customer": None, "customer_label": None, "factory": factory,
            "factory_label": factory_label, "note": "", "lines": [], "done": None}


class OrderEntry:
    """The form and, after a successful submit, the outcome; both restored from the tab's draft on a reload."""

    def __init__(self, actor: Actor, tiers: list[TierChoice]) -> None:
        self.actor = actor
        self.tiers = {choice.tier.value: choice for choice in tiers}
        self.customers: dict[int, CustomerChoice] = {}
        self.busy = self.loaded = self.ready = False
        self._reloading = 0  # tier changes still loading their customers and prices
        self.storage = app.storage.tab  # held: handlers of removed elements have no page context to look it up
        stored = self.storage.get(_draft_key(actor))
        draft = dict(stored) if isinstance(stored, dict) and stored.get("reference") else {}
        if draft.get("tier") not in self.tiers:
            draft = _fresh(next(iter(self.tiers)))
        self.reference: str = draft["reference"]
        self.done: dict[str, Any] | None = dict(draft["done"]) if draft.get("done") else None
        self._draft_lines = [dict(line) for line in draft.get("lines") or []]
        self.outcome = ui.column().classes("w-full max-w-3xl gap-3")
        self.card = ui.card().classes("order-form w-full max-w-3xl gap-4 p-3 sm:p-4").mark("order-form")
        with self.card:
            self._build(draft)
        self._mark_reference()

    # --- the form ----------------------------------------------------------------------------------------------

    def _build(self, draft: dict[str, Any]) -> None:
        with ui.column().classes("w-full gap-1"):
            if len(self.tiers) > 1:
                self.tier = ui.toggle({value: choice.label for value, choice in self.tiers.items()},
                                      value=draft["tier"], on_change=self._tier_changed) \
                    .props("no-caps spread unelevated toggle-color=primary color=grey-3 text-color=grey-9 "
                           "padding='12px 8px'").classes("w-full").mark("order-tier")
            else:
                self.tier = ui.toggle({draft["tier"]: self.tiers[draft["tier"]].label}, value=draft["tier"]) \
                    .props("no-caps unelevated toggle-color=primary").mark("order-tier")
            self.tier_note = ui.label().classes("text-caption text-grey-7").mark("order-tier-note")
        self.customer = SearchSelect("Customer", load=self._load_customers, limit=CHOICES_LIMIT,
                                     value=draft.get("customer"), value_label=draft.get("customer_label")) \
            .props(FIELD_PROPS).classes("w-full").mark("order-customer")
        self.customer.on_value_change(self._customer_changed)
        self.factory = SearchSelect("Factory", load=self._load_factories, limit=CHOICES_LIMIT,
                                    value=draft.get("factory"), value_label=draft.get("factory_label")) \
            .props(FIELD_PROPS).classes("w-full").mark("order-factory")
        self.factory.on_value_change(self._changed)
        ui.label("Products").classes("text-subtitle1 text-weight-medium q-mt-sm")
        self.lines = OrderLines(products=self._load_products, on_change=self._changed)
        self.note = ui.input("Note (optional)", value=draft.get("note") or "", on_change=self._changed) \
            .props(f"{FIELD_PROPS} maxlength=200").classes("w-full").mark("order-note")
        self.problem = ui.label().classes("w-full q-pa-sm rounded-borders bg-red-1 text-red-10 text-body2") \
            .props("role=alert").mark("order-problem")
        self.problem.visible = False
        with ui.row(wrap=False, align_items="center") \
                .classes("order-submit-bar w-full gap-3 q-py-sm border-t border-gray-200"):
            with ui.column().classes("gap-0 grow min-w-0"):
                ui.label("Total").classes("text-caption text-grey-7")
                self.total = ui.label(format_money(self.lines.quote.total)) \
                    .classes("text-h6 text-weight-bold whitespace-nowrap").mark("order-total")
            self.button = ui.button("Submit order", icon="send", on_click=self.submit) \
                .props("unelevated no-caps no-wrap padding='12px 16px'").classes("text-body1 shrink-0") \
                .mark("order-submit")
        self.button.disable()  # until the pickers and the draft's prices have arrived (start)
        self._show_tier()

    async def start(self) -> None:
        """Once connected: the outcome of a submitted order, or the pickers' first options and the draft's lines at
        today's prices (a submitted order's form loads only when "New order" asks for it)."""
        if self.done is not None:
            self._show_done()
            return
        await self._load()

    async def _load(self) -> None:
        self.loaded = True
        if self._tier is OrderTier.PRIMARY:
            await self._load_factory_options()
        await self.customer.load()
        await self.lines.start(self._draft_lines)
        self._changed()
        self.ready = True
        self._enable()

    @property
    def _tier(self) -> OrderTier:
        return OrderTier(self.tier.value)

    def _load_customers(self, search: str | None) -> dict[Any, str]:
        found = customer_choices(self.actor, tier=self._tier, search=search)
        self.customers.update({choice.id: choice for choice in found})
        return {choice.id: choice.label for choice in found}

    def _load_factories(self, search: str | None) -> dict[Any, str]:
        return {choice.id: choice.label for choice in factory_choices(self.actor, search=search)}

    def _load_products(self, search: str | None, ids: Iterable[int] | None) -> list[ProductChoice]:
        return product_choices(self.actor, tier=self._tier, search=search, ids=ids)

    async def _load_factory_options(self) -> None:
        await self.factory.load()
        options = self.factory.options if isinstance(self.factory.options, dict) else {}
        if self.factory.value is None and len(options) == 1:
            self.factory.value = next(iter(options))

    def _show_tier(self) -> None:
        choice = self.tiers[self._tier.value]
        self.tier_note.text = f"{choice.label} order: {choice.description}."
        self.customer.props["label"] = choice.customer
        self.customer.update()
        self.factory.visible = self._tier is OrderTier.PRIMARY
        self._customer_hint()

    def _customer_hint(self) -> None:
        choice = self.tiers[self._tier.value]
        chosen = self.customers.get(self.customer.value) if self.customer.value is not None else None
        hint = choice.customer_hint
        if chosen is not None and chosen.supplier and self._tier is OrderTier.SECONDARY:
            hint = f"In {chosen.territory}; supplied by {chosen.supplier}, who sells on this order."
        elif chosen is not None:
            hint = f"In {chosen.territory}. {hint}"
        self.customer.props["hint"] = hint
        self.customer.props(remove="hide-bottom-space")
        self.customer.update()

    async def _tier_changed(self, event: Any) -> None:
        if (event.value == OrderTier.PRIMARY) != (event.previous_value == OrderTier.PRIMARY):
            self.customer.value = None  # distributors ↔ retailers: the customer no longer fits
            self.customer.set_options({})
        self.customer.error = None
        self._show_tier()
        self._reloading += 1  # no submit at the old tier's prices while the new ones load
        self.button.disable()
        try:
            if self._tier is OrderTier.PRIMARY:
                await self._load_factory_options()
            await self.customer.load()
            await self.lines.reprice()
            await self.lines.reload_options()
            self._changed()
        finally:
            self._reloading -= 1
            self._enable()

    def _enable(self) -> None:
        if self.ready and not self._reloading and not self.busy:
            self.button.enable()

    def _customer_changed(self) -> None:
        self.customer.error = None
        self._customer_hint()
        self._changed()

    def _changed(self) -> None:
        """Something was typed or picked: the total again, and the draft saved for a reload."""
        if not hasattr(self, "total"):
            return  # still building the form
        self.total.text = format_money(self.lines.quote.total)
        self._save()

    def _save(self) -> None:
        self.storage[_draft_key(self.actor)] = {
            "reference": self.reference, "tier": self._tier.value, "customer": self.customer.value,
            "customer_label": self._label(self.customer), "factory": self.factory.value,
            "factory_label": self._label(self.factory), "note": self.note.value or "", "lines": self.lines.draft,
            "done": self.done}

    @staticmethod
    def _label(picker: SearchSelect) -> str | None:
        options = picker.options if isinstance(picker.options, dict) else {}
        return None if picker.value is None else options.get(picker.value)

    def _mark_reference(self) -> None:
        self.card.props(f"data-reference={self.reference}")

    # --- submitting --------------------------------------------------------------------------------------------

    async def submit(self) -> None:
        if self.busy:  # a second tap while the first is on its way
            return
        self.busy = True
        self.button.disable()
        self.button.props("loading")
        self.lines.drop_blank()
        fields: dict[str, Any] = {"Customer": self.customer, "Factory": self.factory, "Note": self.note,
                                  **self.lines.fields}
        clear_errors(fields)
        self.lines.clear_errors()
        self.problem.visible = False
        tier = self._tier
        try:
            order = await run.io_bound(
                submit_order, self.actor, tier=tier, customer_id=self.customer.value,
                seller_id=self.factory.value if tier is OrderTier.PRIMARY else None, lines=self.lines.values,
                client_reference=self.reference, note=self.note.value or None)
        except ValidationFailed as exc:
            self._show_errors(fields, exc)
            return
        except DomainError as exc:  # PermissionDenied, InsufficientStock (a tertiary sale), Conflict …
            self.problem.text = exc.message
            self.problem.visible = True
            return
        finally:
            self.busy = False
            self._enable()
            self.button.props(remove="loading")
        if not isinstance(order, Order):  # the app is stopping
            return
        chosen = self.customers.get(self.customer.value)
        self.done = {"id": order.id, "number": order.number, "tier": order.tier.value, "status": order.status.value,
                     "total": str(order.total), "customer": chosen.name if chosen else self._label(self.customer)}
        self._save()
        self._show_done()
        ui.notify(f"{order.number} {'recorded' if tier is OrderTier.TERTIARY else 'submitted'}", type="positive")

    def _show_errors(self, fields: dict[str, Any], exc: ValidationFailed) -> None:
        errors = dict(exc.errors)
        if (lines := errors.pop("Lines", None)) is not None:
            self.lines.show_problem(lines[:1].upper() + lines[1:] + ".")
        if (customer := errors.pop("Customer", None)) is not None:  # named as the form calls it: "Retailer is …"
            self.customer.error = f"{self.tiers[self._tier.value].customer} {customer}"
        if (tier := errors.pop("Tier", None)) is not None:
            self.problem.text, self.problem.visible = f"Tier {tier}.", True
        if errors:
            show_errors(fields, ValidationFailed(errors))

    # --- the outcome -------------------------------------------------------------------------------------------

    def _show_done(self) -> None:
        done = self.done
        assert done is not None
        self.card.visible = False
        self.outcome.clear()
        tier, status = OrderTier(done["tier"]), OrderStatus(done["status"])
        with self.outcome, ui.card().classes("w-full gap-3 q-pa-md bg-green-1").mark("order-done"):
            with ui.row(wrap=True, align_items="center").classes("gap-2"):
                ui.icon("check_circle", color="positive", size="md")
                ui.label(done["number"]).classes("text-h5 text-weight-bold").mark("order-number")
                ui.badge(status.label, color="grey-8" if status is OrderStatus.DRAFT else "positive") \
                    .props("rounded").classes("text-body2 q-px-sm").mark("order-status")
            what = "Sale recorded for" if tier is OrderTier.TERTIARY else f"{tier.label} order for"
            ui.label(f"{what} {done['customer'] or 'the customer'}").classes("text-body1")
            with ui.row(align_items="baseline").classes("gap-2"):
                ui.label("Total").classes("text-grey-8")
                ui.label(format_money(Decimal(done["total"]))).classes("text-h6").mark("order-done-total")
            ui.link(f"Open {done['number']}", f"/orders/{done['number']}").classes("text-primary text-body1") \
                .mark("order-link")
            problem = ui.label().classes("text-negative text-body2").props("role=alert").mark("order-confirm-problem")
            problem.visible = False
            with ui.row(wrap=True).classes("w-full gap-2"):
                if status is OrderStatus.DRAFT and self.actor.can("orders.confirm"):
                    confirm = ui.button("Confirm now", icon="task_alt").props("unelevated no-caps size=lg") \
                        .mark("order-confirm")
                    confirm.on_click(lambda: self._confirm(confirm, problem))
                ui.button("New order", icon="add", on_click=self.new_order) \
                    .props("outline no-caps size=lg").mark("order-new")

    async def _confirm(self, button: ui.button, problem: ui.label) -> None:
        assert self.done is not None
        button.props("loading")
        button.disable()
        try:
            order = await run.io_bound(confirm_order, self.actor, order_id=self.done["id"])
        except DomainError as exc:  # CreditLimitExceeded names the figures
            problem.text, problem.visible = exc.message, True
            button.props(remove="loading")
            button.enable()
            return
        if not isinstance(order, Order):
            return
        self.done = {**self.done, "status": order.status.value, "total": str(order.total)}
        self._save()
        self._show_done()  # the button that was clicked is gone: notify from the new panel
        with self.outcome:
            ui.notify(f"{order.number} confirmed", type="positive")

    async def new_order(self) -> None:
        """The next order: a new reference; the tier and the factory stay, the customer and the lines go."""
        self.done = None
        self.reference = uuid4().hex
        self._mark_reference()
        self.outcome.clear()
        self.customer.value = None
        self.note.value = ""
        self.card.visible = True
        if self.loaded:
            self.lines.clear_errors()
            await self.lines.reset()
            self._save()
        else:  # opened on a submitted order: the form loads now, empty
            self._draft_lines = []
            await self._load()


async def order_entry_page() -> RedirectResponse | None:
    actor = await signed_in(path=PATH)
    if not isinstance(actor, Actor):
        return actor
    tiers = order_tiers(actor)
    if not tiers:
        await run.io_bound(record_refusal, actor, what=PATH, source_ip=client_ip())
        show_not_permitted(actor, PATH)
        return None
    ui.add_css(_CSS)
    with frame("New order", actor):
        area = actor.scope_name or "the whole company"
        ui.label(f"An order for a customer in {area}. Your draft is kept if the connection drops or the page "
                 "reloads; submitting it twice never makes two orders.").classes("text-grey-7")
        holder = ui.column().classes("w-full gap-4")
    await ui.context.client.connected()
    with holder:
        entry = OrderEntry(actor, tiers)
    await entry.start()
    return None


PAGES = [Page(PATH, order_entry_page, "New order", "add_shopping_cart", CREATE, order=30)]
