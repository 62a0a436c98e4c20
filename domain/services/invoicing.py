"""Invoices are issued by delivery, inside the delivering transaction: one per delivered primary or secondary
order, for the order's total, due after the customer's payment terms. Tertiary sales (a retailer's sell-out to
consumers) have no invoice."""

from datetime import date, timedelta

from domain.db import Tx
from domain.events import DomainEvent
from domain.jsonsafe import json_safe
from domain.models import Order, OrderTier, Party
from domain.models.finance import Invoice, InvoiceStatus
from domain.queries.sequences import next_number
from domain.services import rollups


def issue_invoice(tx: Tx, *, order: Order, customer: Party, issue_date: date) -> Invoice:
    """Write the order's invoice (INV-…), audit it and queue `invoice.issued`. An invoice for nothing (every line
    priced at zero) is paid from the start: its status follows its balance."""
    assert order.id is not None and customer.id is not None
    assert order.tier is not OrderTier.TERTIARY and order.buyer_id == customer.id
    invoice = Invoice(
        number=next_number(tx.session, "INV"), order_id=order.id, customer_id=customer.id,
        territory_path=customer.territory_path, issue_date=issue_date,
        due_date=issue_date + timedelta(days=customer.payment_terms_days), amount=order.total,
        status=InvoiceStatus.PAID if order.total == 0 else InvoiceStatus.OPEN)
    tx.session.add(invoice)
    rollups.receivable_changed(tx, invoice, invoice.amount - invoice.paid)
    tx.audit("invoice.issue", invoice, scope_path=invoice.territory_path)
    tx.emit(DomainEvent("invoice.issued", scope_path=invoice.territory_path, data=json_safe({
        "id": invoice.id, "number": invoice.number, "order_id": order.id, "order_number": order.number,
        "customer_id": customer.id, "amount": invoice.amount, "issue_date": invoice.issue_date,
        "due_date": invoice.due_date})))
    return invoice
