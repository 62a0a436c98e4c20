"""The "Record payment" form: customer (in the user's area), date, amount, method, reference (what it must be
follows the method), note, and how to allocate it — oldest first (the default), chosen invoices, or kept as
credit — with the customer's open invoices and what stays as credit shown live. Errors appear under their
fields; nothing is written until the service accepts the whole payment."""

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from nicegui import run, ui

from dashboard.components.finance_allocation import AllocationPicker, parse_amount
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.search_select import SearchSelect
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.formatting import format_money
from domain.inputs import business_today
from domain.models import PartyKind, Payment, PaymentMethod
from domain.services.invoices import open_invoices
from domain.services.parties import party_choices
from domain.services.payments import record_payment

FIELD_PROPS = "outlined hide-bottom-space"
CHOICES_LIMIT = 50
REFERENCE_HINTS = {
    PaymentMethod.MPESA: "The 10-character M-Pesa code from the SMS, such as QJK3XY7Z1A",
    PaymentMethod.CHEQUE: "The cheque number",
    PaymentMethod.BANK_TRANSFER: "The bank's reference for the transfer",
    PaymentMethod.CASH: "Optional: the receipt number",
}
MODES = {"oldest": "Oldest first", "choose": "Choose invoices", "none": "Keep as credit"}
Saved = Callable[[Payment], Awaitable[None] | None]


def customer_options(actor: Actor, search: str | None) -> dict[Any, str]:
    """Distributors and retailers in the actor's area whose name or code holds `search`, by name."""
    found = [*party_choices(actor, kind=PartyKind.DISTRIBUTOR, search=search, limit=CHOICES_LIMIT),
             *party_choices(actor, kind=PartyKind.RETAILER, search=search, limit=CHOICES_LIMIT)]
    found.sort(key=lambda p: (p.name.lower(), p.code))
    return {p.id: f"{p.label} · {p.kind.value.title()}" for p in found[:CHOICES_LIMIT]}


class PaymentForm(ui.card):
    def __init__(self, actor: Actor, *, on_saved: Saved) -> None:
        super().__init__()
        self.classes("w-full max-w-3xl gap-3 p-3 sm:p-4").mark("payment-form")
        self.actor, self.on_saved = actor, on_saved
        self.may_allocate = actor.can("payments.allocate")
        self._generation = 0
        with self:
            self.customer = SearchSelect("Customer", load=lambda s: customer_options(actor, s), limit=CHOICES_LIMIT) \
                .props(FIELD_PROPS).classes("w-full").mark("payment-customer")
            self.customer.on_value_change(self._customer_changed)
            with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-3 w-full"):
                self.date = ui.date_input("Date", value=business_today().isoformat()).props(FIELD_PROPS) \
                    .classes("w-full").mark("payment-date")
                self.amount = ui.input("Amount (KES)", on_change=self._amount_changed) \
                    .props(f"{FIELD_PROPS} inputmode=decimal").classes("w-full").mark("payment-amount")
            self.method = ui.toggle({m.value: m.label for m in PaymentMethod}, value=PaymentMethod.MPESA.value,
                                    on_change=self._method_changed) \
                .props("no-caps spread unelevated toggle-color=primary color=grey-3 text-color=grey-9") \
                .classes("w-full flex-wrap").mark("payment-method")
            self.reference = ui.input("Reference").props(f"{FIELD_PROPS} maxlength=40").classes("w-full") \
                .mark("payment-reference")
            self.note = ui.input("Note (optional)").props(f"{FIELD_PROPS} maxlength=200").classes("w-full") \
                .mark("payment-note")
            ui.label("Allocate to invoices").classes("text-subtitle1 text-weight-medium q-mt-sm")
            modes = MODES if self.may_allocate else {"none": MODES["none"]}
            self.mode = ui.toggle(modes, value="oldest" if self.may_allocate else "none",
                                  on_change=self._mode_changed) \
                .props("no-caps unelevated toggle-color=primary color=grey-3 text-color=grey-9") \
                .mark("payment-allocation")
            if not self.may_allocate:
                ui.label("Your role records payments; allocating them to invoices is for those who may allocate.") \
                    .classes("text-caption text-grey-7")
            self.picker = AllocationPicker(on_change=self._show_split)
            self.picker.mode = str(self.mode.value)
            self.picker.set_visibility(False)
            self.split = ui.label().classes("text-body2 text-weight-medium").mark("payment-split")
            self.problem = ui.label().classes("w-full q-pa-sm rounded-borders bg-red-1 text-red-10 text-body2") \
                .props("role=alert").mark("payment-problem")
            self.problem.visible = False
            with ui.row().classes("w-full justify-end"):
                self.button = ui.button("Record payment", icon="save", on_click=self.submit) \
                    .props("unelevated no-caps").mark("payment-save")
        self.fields: dict[str, Any] = {"Customer": self.customer, "Date": self.date, "Amount": self.amount,
                                       "Method": self.method, "Reference": self.reference, "Note": self.note}
        self._method_changed()
        self._show_split()

    async def start(self) -> None:
        """Once the page is connected: the customer picker's first options."""
        await self.customer.load()

    # --- live ---------------------------------------------------------------------------------------------------

    def _method_changed(self) -> None:
        method = PaymentMethod(self.method.value)
        self.reference.props["hint"] = REFERENCE_HINTS[method]
        self.reference.props["label"] = "Reference" + (" (optional)" if method is PaymentMethod.CASH else "")
        self.reference.props(remove="hide-bottom-space")
        self.reference.update()

    def _amount_changed(self) -> None:
        self.picker.set_available(parse_amount(self.amount.value))

    def _mode_changed(self) -> None:
        self.picker.set_mode(str(self.mode.value))
        self.picker.set_visibility(self.customer.value is not None and self.mode.value != "none")
        self._show_split()

    async def _customer_changed(self) -> None:
        self._generation += 1
        generation = self._generation
        customer = self.customer.value
        self.picker.set_visibility(False)
        if customer is None:
            self.picker.show([], available=parse_amount(self.amount.value), mode=str(self.mode.value))
            self._show_split()
            return
        try:
            found = await run.io_bound(open_invoices, self.actor, customer_id=int(customer))
        except DomainError as exc:
            self._problem(exc.message)
            return
        if found is None or generation != self._generation or self.is_deleted:
            return
        self.picker.show(found, available=parse_amount(self.amount.value), mode=str(self.mode.value))
        self.picker.set_visibility(self.mode.value != "none")
        self._show_split()

    def _show_split(self) -> None:
        amount = parse_amount(self.amount.value)
        if amount is None:
            self.split.text = "Enter the amount to see how it is allocated."
            return
        allocated = Decimal("0.00") if self.mode.value == "none" or self.customer.value is None \
            else self.picker.allocated
        credit = amount - allocated
        if credit < 0:
            self.split.text = f"Allocated {format_money(allocated)}: {format_money(-credit)} more than the payment"
            self.split.classes(replace="text-body2 text-weight-medium text-negative")
            return
        self.split.classes(replace="text-body2 text-weight-medium")
        self.split.text = f"Allocated {format_money(allocated)} · stays as credit {format_money(credit)}"

    def _problem(self, text: str | None) -> None:
        self.problem.text = text or ""
        self.problem.visible = bool(text)

    # --- saving -------------------------------------------------------------------------------------------------

    def _allocate(self) -> Any:
        mode = self.mode.value
        if mode == "choose":
            chosen = self.picker.wanted()
            if not chosen:
                raise ValidationFailed.field("Allocation", "tick at least one invoice, or choose Oldest first or "
                                                           "Keep as credit")
            return chosen
        return mode

    async def submit(self) -> None:
        clear_errors(self.fields)
        self.picker.clear_errors()
        self._problem(None)
        self.button.props("loading")
        try:
            payment = await run.io_bound(
                record_payment, self.actor, customer_id=self.customer.value, received_on=self.date.value,
                amount=self.amount.value, method=self.method.value, reference=self.reference.value or None,
                note=self.note.value or None, allocate=self._allocate())
        except ValidationFailed as exc:
            rest = self.picker.show_errors(exc.errors)
            if "Allocation" in rest:
                self._problem(f"Allocation: {rest.pop('Allocation')}")
            if rest:
                show_errors(self.fields, ValidationFailed(rest))
            return
        except DomainError as exc:
            self._problem(exc.message)
            return
        finally:
            self.button.props(remove="loading")
        if payment is not None:  # None: the app is stopping
            result = self.on_saved(payment)
            if result is not None:
                await result
