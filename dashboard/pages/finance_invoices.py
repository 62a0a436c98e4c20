"""/finance/invoices: every invoice in the user's area in the shared table (filter, totals, export); a row opens
/finance/invoices/{id}: the invoice, the payments allocated to it, and "Void invoice" (with a reason) for roles
holding invoices.void. The service refuses a void while payments are allocated; its message says what to do."""

from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import client_ip, signed_in
from dashboard.components.data_table import data_table
from dashboard.components.finance_nav import back_link, fact, finance_tabs, message_card, status_badge
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date, format_datetime, format_money
from domain.inputs import business_today
from domain.models import InvoiceStatus
from domain.services.access import record_refusal
from domain.services.invoices import InvoiceDetail, get_invoice, invoices_table, void_invoice

PAYMENT_COLUMNS = [
    {"name": "payment", "label": "Payment", "field": "payment", "align": "left"},
    {"name": "received_on", "label": "Received", "field": "received_on", "align": "left"},
    {"name": "method", "label": "Method", "field": "method", "align": "left", "classes": "gt-xs",
     "headerClasses": "gt-xs"},
    {"name": "reference", "label": "Reference", "field": "reference", "align": "left", "classes": "gt-xs",
     "headerClasses": "gt-xs"},
    {"name": "amount", "label": "Allocated", "field": "amount", "align": "right"},
]


async def invoices_page() -> RedirectResponse | None:
    actor = await signed_in("finance.view", path="/finance/invoices")
    if not isinstance(actor, Actor):
        return actor
    with frame("Invoices", actor) as body:
        finance_tabs("/finance/invoices")
        area = actor.scope_name or "the whole company"
        ui.label(f"Invoices to customers in {area}, newest first; each is issued when its order is delivered. "
                 "Open one by clicking its row.").classes("text-grey-7")
    await ui.context.client.connected()
    source = await run.io_bound(invoices_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        table = data_table(actor, source, page_size=25,
                           on_row_click=lambda row: ui.navigate.to(f"/finance/invoices/{row['id']}"))
        live.follow(actor, ("invoice.", "payment."), lambda _events: table.refresh())
    return None


async def invoice_page(invoice_id: str) -> RedirectResponse | None:
    path = f"/finance/invoices/{invoice_id}"
    actor = await signed_in("finance.view", path=path)
    if not isinstance(actor, Actor):
        return actor
    with frame("Invoice", actor):
        back_link("/finance/invoices", "All invoices")
        dialogs = ui.element("div").style("display: contents")  # outside the holder, which a reload clears
        holder = ui.column().classes("w-full gap-4").mark("invoice-detail")
        with holder:
            ui.spinner(size="lg")
    await ui.context.client.connected()
    view = InvoiceView(actor, holder, invoice_id, dialogs)
    live.follow(actor, ("invoice.", "payment."), view.heard)
    await view.load()
    return None


class InvoiceView:
    """One invoice inside `holder`, reloaded after a void and when a payment or void touches it elsewhere."""

    def __init__(self, actor: Actor, holder: ui.column, invoice_id: str, dialogs: ui.element) -> None:
        self.actor, self.holder, self.raw_id, self.dialogs = actor, holder, invoice_id, dialogs
        self.detail: InvoiceDetail | None = None

    async def load(self) -> None:
        try:
            if not self.raw_id.isdigit() or len(self.raw_id) > 18:
                raise NotFound("There is no such invoice.")
            detail = await run.io_bound(get_invoice, self.actor, invoice_id=int(self.raw_id))
        except PermissionDenied as exc:
            await run.io_bound(record_refusal, self.actor, what=f"/finance/invoices/{self.raw_id}",
                               source_ip=client_ip())
            message_card(self.holder, "block", "Not permitted", exc.message, "invoice-message")
            return
        except DomainError as exc:
            message_card(self.holder, "search_off", "No such invoice", exc.message, "invoice-message")
            return
        if detail is None or self.holder.is_deleted:
            return
        self.detail = detail
        ui.page_title(f"{detail.invoice.number} · {PRODUCT}")
        self.holder.clear()
        with self.holder:
            self._show(detail)

    async def heard(self, events: list[DomainEvent]) -> None:
        shown = self.detail
        if shown is None or self.holder.is_deleted:
            return
        ids = {shown.invoice.id}
        if any((e.data.get("id") in ids and e.name.startswith("invoice."))
               or any(a.get("invoice_id") in ids for a in e.data.get("allocations") or []) for e in events):
            with self.holder:
                await self.load()

    def _show(self, d: InvoiceDetail) -> None:
        invoice = d.invoice
        with ui.row(wrap=True, align_items="center").classes("w-full gap-2"):
            ui.label(invoice.number).classes("text-h5").mark("invoice-number")
            status_badge(invoice.status, "invoice-status")
            ui.space()
            if self.actor.can("invoices.void") and invoice.status is not InvoiceStatus.VOID:
                ui.button("Void invoice", icon="block", on_click=self._void) \
                    .props("outline no-caps color=negative").mark("invoice-void")
        with ui.card().classes("w-full gap-3"):
            with ui.element("div").classes("grid grid-cols-2 sm:grid-cols-3 gap-x-6 gap-y-3 w-full"):
                fact("Customer", d.customer, "invoice-customer")
                with ui.column().classes("gap-0 min-w-0"):
                    ui.label("Order").classes("text-caption text-grey-7")
                    if d.order and self.actor.can("orders.view"):
                        ui.link(d.order, f"/orders/{d.order}").classes("text-body1").mark("invoice-order")
                    else:
                        ui.label(d.order or "—").classes("text-body1").mark("invoice-order")
                fact("Issued", format_date(invoice.issue_date), "invoice-issued")
                overdue = (business_today() - invoice.due_date).days
                late = f" · {overdue} day{'s' if overdue != 1 else ''} overdue" if overdue > 0 and d.balance > 0 else ""
                fact("Due", format_date(invoice.due_date) + late, "invoice-due")
                fact("Amount", format_money(invoice.amount), "invoice-amount")
                fact("Paid", format_money(invoice.paid), "invoice-paid")
                fact("Balance", format_money(d.balance), "invoice-balance")
                if invoice.status is InvoiceStatus.VOID:
                    fact("Voided", format_datetime(invoice.voided_at) if invoice.voided_at else "—", "invoice-voided")
                    fact("Reason", invoice.void_reason or "—", "invoice-void-reason")
        with ui.card().classes("w-full gap-2"):
            ui.label("Payments allocated").classes("text-subtitle1 text-weight-medium")
            if not d.payments:
                ui.label("No payment has been allocated to this invoice.").classes("text-grey-7") \
                    .mark("invoice-no-payments")
                return
            rows: list[dict[str, Any]] = [{
                "id": p.payment_id, "payment": p.payment, "received_on": format_date(p.received_on),
                "method": p.method.label, "reference": p.reference or "", "amount": format_money(p.amount)}
                for p in d.payments]
            table = ui.table(columns=PAYMENT_COLUMNS, rows=rows, row_key="id").classes("w-full cursor-pointer") \
                .props('flat dense wrap-cells hide-pagination :rows-per-page-options="[0]"').mark("invoice-payments")
            table.on("rowClick", lambda e: ui.navigate.to(f"/finance/payments/{e.args[1]['id']}"))

    async def _void(self) -> None:
        d = self.detail
        if d is None:
            return
        number = d.invoice.number
        with self.dialogs, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Void {number}?").classes("text-h6")
            ui.label(f"{d.customer} will no longer owe {format_money(d.invoice.amount)} for it. The invoice stays on "
                     "record as void; the delivery is not undone. Say why: the reason is kept on the invoice and in "
                     "the audit trail.").classes("text-body2")
            reason = ui.input("Reason").props("outlined autofocus maxlength=200").classes("w-full").mark("void-reason")
            problem = ui.label().classes("text-negative text-body2 break-words").props("role=alert") \
                .mark("void-problem")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep the invoice", on_click=dialog.close).props("flat no-caps").mark("void-keep")
                go = ui.button("Void invoice", color="negative").props("unelevated no-caps").mark("void-confirm")

        async def void() -> None:
            reason.error, problem.text = None, ""
            go.props("loading")
            try:
                done = await run.io_bound(void_invoice, self.actor, invoice_id=d.invoice.id or 0,
                                          reason=reason.value or "")
            except ValidationFailed as exc:
                reason.error = f"Reason {exc.errors.get('Reason', exc.message)}"
                return
            except DomainError as exc:
                problem.text = exc.message
                return
            finally:
                go.props(remove="loading")
            dialog.close()
            if done is not None:
                with self.holder:
                    ui.notify(f"{number} voided", type="positive")
                await self.load()

        go.on_click(void)
        dialog.on("hide", dialog.delete)
        dialog.open()


PAGES = [
    Page("/finance/invoices", invoices_page, permission="finance.view"),
    Page("/finance/invoices/{invoice_id}", invoice_page, permission="finance.view"),
]
