"""Invoices after issue: voiding one (with a permission and a reason, audited), reading one with its payments, a
customer's open invoices for the allocation form, and the invoices and payments lists.

Invoices are issued by delivery (`domain.services.invoicing`). A void invoice is kept, owes nothing and takes no
allocations; an invoice with payments allocated to it cannot be voided until those allocations are released
(`payments.release_allocations`), so no money is ever left pointing at a cancelled debt.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain import inputs
from domain.access import Actor
from domain.db import reading, snapshot, transaction
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_money
from domain.jsonsafe import json_safe
from domain.models import Invoice, InvoiceStatus, PaymentMethod
from domain.queries import invoices as invoices_q
from domain.queries import parties as parties_q
from domain.queries import payments as payments_q
from domain.services import rollups
from domain.tables import Column, TableSource
from domain.types import utcnow


def void_invoice(actor: Actor, *, invoice_id: int, reason: str) -> Invoice:
    """Void an invoice issued in error: it stays on record, owes nothing and leaves receivables. Refused while
    payments are allocated to it (release them first) and for an invoice already void."""
    actor.require("invoices.void")
    try:
        why = inputs.text(200, required=True)(reason)
    except ValueError as exc:
        raise ValidationFailed.field("Reason", str(exc)) from None
    with transaction(actor) as tx:
        invoice = invoices_q.invoice_by_id(tx.session, invoice_id, for_update=True)
        if invoice is None:
            raise NotFound("There is no such invoice.")
        actor.ensure_sees(invoice.territory_path, invoice.number)
        if invoice.status is InvoiceStatus.VOID:
            raise Conflict(f"{invoice.number} is already void.")
        if invoice.paid > 0:
            numbers = sorted({p.number for _, p in invoices_q.payments_on(tx.session, invoice.id or 0)})
            raise Conflict(
                f"{invoice.number} has {format_money(invoice.paid)} of payments allocated to it "
                f"({', '.join(numbers)}): release those allocations first — the money goes back to the customer's "
                f"credit — then void the invoice.")
        before = snapshot(invoice)
        invoice.status, invoice.voided_at, invoice.voided_by, invoice.void_reason = (
            InvoiceStatus.VOID, utcnow(), actor.user_id, why)
        tx.session.add(invoice)
        rollups.receivable_changed(tx, invoice, -(invoice.amount - invoice.paid))
        tx.audit("invoice.void", invoice, before=before, scope_path=invoice.territory_path)
        tx.emit(DomainEvent("invoice.voided", scope_path=invoice.territory_path, data=json_safe({
            "id": invoice.id, "number": invoice.number, "customer_id": invoice.customer_id,
            "amount": invoice.amount, "reason": why})))
        return invoice


# ---- reading -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentOnInvoice:
    payment_id: int
    payment: str
    received_on: date
    method: PaymentMethod
    reference: str | None
    amount: Decimal  # allocated to this invoice


@dataclass(frozen=True)
class InvoiceDetail:
    invoice: Invoice
    customer: str
    order: str | None
    payments: list[PaymentOnInvoice]

    @property
    def balance(self) -> Decimal:
        return Decimal("0.00") if self.invoice.status is InvoiceStatus.VOID else self.invoice.amount - self.invoice.paid


def get_invoice(actor: Actor, *, invoice_id: int) -> InvoiceDetail:
    """An invoice inside the actor's area with its customer, its order and the payments allocated to it."""
    actor.require("finance.view")
    with reading() as session:
        invoice = invoices_q.invoice_by_id(session, invoice_id)
        if invoice is None:
            raise NotFound("There is no such invoice.")
        actor.ensure_sees(invoice.territory_path, invoice.number)
        customer = parties_q.party_by_id(session, invoice.customer_id)
        paid = [PaymentOnInvoice(p.id or 0, p.number, p.received_on, p.method, p.reference, a.amount)
                for a, p in invoices_q.payments_on(session, invoice_id)]
        return InvoiceDetail(invoice, customer.name if customer else "",
                             invoices_q.order_number(session, invoice.order_id), paid)


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    status: InvoiceStatus

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


def open_invoices(actor: Actor, *, customer_id: int) -> list[OpenInvoice]:
    """A customer's open and partially paid invoices, due first first: the order "oldest first" allocates in, and
    the choices for allocating by hand."""
    actor.require("finance.view")
    with reading() as session:
        customer = parties_q.party_by_id(session, customer_id)
        if customer is None:
            raise NotFound("There is no such customer.")
        actor.ensure_sees(customer.territory_path, customer.name)
        return [OpenInvoice(i.id or 0, i.number, i.issue_date, i.due_date, i.amount, i.paid, i.status)
                for i in invoices_q.open_of(session, customer_id)]


INVOICE_COLUMNS = [
    Column("number", "Invoice", "text", filter="text"),
    Column("order", "Order", "text", filter="text"),
    Column("customer", "Customer", "text", filter="text"),
    Column("region", "Region", "text", filter="text"),
    Column("territory", "Territory", "text", filter="text"),
    Column("issue_date", "Issued", "date", filter="date_range"),
    Column("due_date", "Due", "date", filter="date_range"),
    Column("amount", "Amount", "money", filter="range", summable=True),
    Column("paid", "Paid", "money", summable=True),
    Column("balance", "Balance", "money", filter="range", summable=True),
    Column("status", "Status", "choice", filter="choice", choices=[s.value for s in InvoiceStatus]),
    Column("days_overdue", "Days overdue", "int", filter="range"),
]


def invoices_table(actor: Actor) -> TableSource:
    """Every invoice inside the actor's area, newest first. Amount totals include void invoices (their balance is
    nil): filter Status to leave them out."""
    actor.require("finance.view")
    return TableSource(
        name="invoices", title="Invoices", columns=INVOICE_COLUMNS,
        build=lambda who: invoices_q.table_select(who, today=inputs.business_today()), permission="finance.view",
        row_key="id", default_sort="issue_date", default_descending=True)


PAYMENT_COLUMNS = [
    Column("number", "Payment", "text", filter="text"),
    Column("received_on", "Date", "date", filter="date_range"),
    Column("customer", "Customer", "text", filter="text"),
    Column("region", "Region", "text", filter="text"),
    Column("territory", "Territory", "text", filter="text"),
    Column("method", "Method", "choice", filter="choice", choices=[m.value for m in PaymentMethod]),
    Column("reference", "Reference", "text", filter="text"),
    Column("amount", "Amount", "money", filter="range", summable=True),
    Column("allocated", "Allocated", "money", summable=True),
    Column("unallocated", "Unallocated", "money", filter="range", summable=True),
    Column("recorded_by", "Recorded by", "text"),
]


def payments_table(actor: Actor) -> TableSource:
    """Every payment inside the actor's area, newest first; Unallocated is what each still holds as credit."""
    actor.require("finance.view")
    return TableSource(
        name="payments", title="Payments", columns=PAYMENT_COLUMNS, build=payments_q.table_select,
        permission="finance.view", row_key="id", default_sort="received_on", default_descending=True)
