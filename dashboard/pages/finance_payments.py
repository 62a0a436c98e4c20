"""/finance/payments: every payment in the user's area in the shared table (filter, totals, export) and "Record
payment" for roles holding payments.record; /finance/payments/new: the form; /finance/payments/{id}: one payment —
its allocations, what it still holds as credit, "Allocate credit" and "Release allocations" (with a reason) for
roles holding payments.allocate."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import client_ip, signed_in
from dashboard.components.data_table import data_table
from dashboard.components.finance_nav import STATUS_COLORS, back_link, fact, finance_tabs, message_card
from dashboard.components.finance_payment_actions import allocate_dialog, release_dialog
from dashboard.components.payment_form import PaymentForm
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from dashboard.pages.not_permitted import show_not_permitted
from domain.access import Actor
from domain.errors import DomainError, NotFound, PermissionDenied
from domain.events import DomainEvent
from domain.formatting import format_date, format_money
from domain.models import Payment
from domain.services.access import record_refusal
from domain.services.invoices import payments_table
from domain.services.payments import PaymentDetail, get_payment

ALLOCATION_COLUMNS = [
    {"name": "invoice", "label": "Invoice", "field": "invoice", "align": "left"},
    {"name": "amount", "label": "Allocated", "field": "amount", "align": "right"},
    {"name": "balance", "label": "Invoice balance", "field": "balance", "align": "right", "classes": "gt-xs",
     "headerClasses": "gt-xs"},
    {"name": "status", "label": "Invoice status", "field": "status", "align": "left"},
]
_STATUS_CELL = """<q-td :props="props"><q-badge rounded :color="props.row.color" :label="props.value"
:data-status="props.row.status_key" /></q-td>"""


async def payments_page() -> RedirectResponse | None:
    actor = await signed_in("finance.view", path="/finance/payments")
    if not isinstance(actor, Actor):
        return actor
    with frame("Payments", actor) as body:
        finance_tabs("/finance/payments")
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"Payments from customers in {area}, newest first. Unallocated is what a payment still holds "
                     "as credit. Open one by clicking its row.").classes("text-grey-7")
            if actor.can("payments.record"):
                ui.button("Record payment", icon="add_card", on_click=lambda: ui.navigate.to("/finance/payments/new")) \
                    .props("unelevated no-caps").mark("payment-record")
    await ui.context.client.connected()
    source = await run.io_bound(payments_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        table = data_table(actor, source, page_size=25,
                           on_row_click=lambda row: ui.navigate.to(f"/finance/payments/{row['id']}"))
        live.follow(actor, ("payment.",), lambda _events: table.refresh())
    return None


async def record_page() -> RedirectResponse | None:
    actor = await signed_in("finance.view", path="/finance/payments/new")
    if not isinstance(actor, Actor):
        return actor
    if not actor.can("payments.record"):
        await run.io_bound(record_refusal, actor, what="/finance/payments/new", source_ip=client_ip())
        show_not_permitted(actor, "/finance/payments/new")
        return None
    with frame("Record payment", actor):
        back_link("/finance/payments", "All payments")

        async def saved(payment: Payment) -> None:
            ui.notify(f"{payment.number} recorded: {format_money(payment.amount)}", type="positive")
            ui.navigate.to(f"/finance/payments/{payment.id}")

        form = PaymentForm(actor, on_saved=saved)
    await ui.context.client.connected()
    await form.start()
    return None


async def payment_page(payment_id: str) -> RedirectResponse | None:
    if payment_id == "new":  # the form, whichever of the two routes was registered first
        return await record_page()
    actor = await signed_in("finance.view", path=f"/finance/payments/{payment_id}")
    if not isinstance(actor, Actor):
        return actor
    with frame("Payment", actor):
        back_link("/finance/payments", "All payments")
        dialogs = ui.element("div").style("display: contents")  # outside the holder, which a reload clears
        holder = ui.column().classes("w-full gap-4").mark("payment-detail")
        with holder:
            ui.spinner(size="lg")
    await ui.context.client.connected()
    view = PaymentView(actor, holder, payment_id, dialogs)
    live.follow(actor, ("payment.",), view.heard)
    await view.load()
    return None


class PaymentView:
    def __init__(self, actor: Actor, holder: ui.column, payment_id: str, dialogs: ui.element) -> None:
        self.actor, self.holder, self.raw_id, self.dialogs = actor, holder, payment_id, dialogs
        self.detail: PaymentDetail | None = None

    async def load(self) -> None:
        try:
            if not self.raw_id.isdigit() or len(self.raw_id) > 18:
                raise NotFound("There is no such payment.")
            detail = await run.io_bound(get_payment, self.actor, payment_id=int(self.raw_id))
        except PermissionDenied as exc:
            await run.io_bound(record_refusal, self.actor, what=f"/finance/payments/{self.raw_id}",
                               source_ip=client_ip())
            message_card(self.holder, "block", "Not permitted", exc.message, "payment-message")
            return
        except DomainError as exc:
            message_card(self.holder, "search_off", "No such payment", exc.message, "payment-message")
            return
        if detail is None or self.holder.is_deleted:
            return
        self.detail = detail
        ui.page_title(f"{detail.payment.number} · {PRODUCT}")
        self.holder.clear()
        with self.holder:
            self._show(detail)

    async def heard(self, events: list[DomainEvent]) -> None:
        if self.detail is not None and not self.holder.is_deleted and any(
                e.data.get("id") == self.detail.payment.id for e in events):
            with self.holder:
                await self.load()

    async def done(self, message: str) -> None:
        with self.holder:
            ui.notify(message, type="positive")
        await self.load()

    def _show(self, d: PaymentDetail) -> None:
        p = d.payment
        may_allocate = self.actor.can("payments.allocate")
        with ui.row(wrap=True, align_items="center").classes("w-full gap-2"):
            ui.label(p.number).classes("text-h5").mark("payment-number")
            ui.badge(p.method.label, color="secondary").props("rounded")
            ui.space()
            if may_allocate and d.unallocated > 0:
                ui.button("Allocate credit", icon="playlist_add_check",
                          on_click=lambda: allocate_dialog(self.actor, d, self.dialogs, self.done)) \
                    .props("unelevated no-caps").mark("payment-allocate")
            if may_allocate and d.allocations:
                ui.button("Release allocations", icon="undo",
                          on_click=lambda: release_dialog(self.actor, d, self.dialogs, self.done)) \
                    .props("outline no-caps").mark("payment-release")
        with ui.card().classes("w-full gap-3"):
            with ui.element("div").classes("grid grid-cols-2 sm:grid-cols-3 gap-x-6 gap-y-3 w-full"):
                fact("Customer", d.customer, "payment-customer")
                fact("Received", format_date(p.received_on), "payment-received")
                fact("Reference", p.reference or "—", "payment-reference")
                fact("Amount", format_money(p.amount), "payment-amount")
                fact("Allocated", format_money(p.allocated), "payment-allocated")
                fact("Credit (unallocated)", format_money(d.unallocated), "payment-unallocated")
                if p.note:
                    fact("Note", p.note, "payment-note")
        with ui.card().classes("w-full gap-2"):
            ui.label("Allocated to").classes("text-subtitle1 text-weight-medium")
            if not d.allocations:
                ui.label("Nothing yet: the whole payment is the customer's credit.").classes("text-grey-7") \
                    .mark("payment-no-allocations")
                return
            rows = [{"id": a.invoice_id, "invoice": a.invoice, "amount": format_money(a.amount),
                     "balance": format_money(a.invoice_balance), "status": a.invoice_status.label,
                     "status_key": a.invoice_status.value,
                     "color": STATUS_COLORS[a.invoice_status]} for a in d.allocations]
            table = ui.table(columns=ALLOCATION_COLUMNS, rows=rows, row_key="id").classes("w-full cursor-pointer") \
                .props('flat dense wrap-cells hide-pagination :rows-per-page-options="[0]"') \
                .mark("payment-allocations")
            table.add_slot("body-cell-status", _STATUS_CELL)
            table.on("rowClick", lambda e: ui.navigate.to(f"/finance/invoices/{e.args[1]['id']}"))


PAGES = [
    Page("/finance/payments", payments_page, permission="finance.view"),
    Page("/finance/payments/new", record_page, permission="finance.view"),
    Page("/finance/payments/{payment_id}", payment_page, permission="finance.view"),
]
