"""Invoices after issue: voiding needs the permission, a reason and no allocated payments, and is audited; the
invoices and payments lists show names, balances, days overdue and totals, and only the actor's region."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.db import reading
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import AuditLog, Invoice, InvoiceStatus, PaymentMethod
from domain.queries import orders as orders_q
from domain.services import invoices, payments
from domain.services.tables import fetch_page
from domain.tables import TableQuery

D = Decimal
TODAY = business_today()


@pytest.fixture
def chain(factories):
    return factories.sales_chain(stock="5000")


@pytest.fixture
def finance(factories):
    return factories.actor("finance")


def ago(days: int):
    return TODAY - timedelta(days=days)


def fresh(invoice: Invoice) -> Invoice:
    with reading() as s:
        found = s.get(Invoice, invoice.id)
    assert found is not None
    return found


def void_audits() -> list[AuditLog]:
    with reading() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == "invoice.void")))


def exposure(customer_id: int) -> Decimal:
    """What the credit check on order confirmation sees: outstanding + open orders − unallocated payments."""
    with reading() as s:
        outstanding, open_orders, credit = orders_q.credit_exposure(s, customer_id)
    return outstanding + open_orders - credit


# ---- voiding -----------------------------------------------------------------------------------------------------


def test_voiding_keeps_the_invoice_owes_nothing_and_is_audited(chain, factories, finance, events):
    dist = chain["distributor"]
    invoice = factories.invoice(chain, dist, "10")
    assert exposure(dist.id) == D("400.00")
    events.clear()
    voided = invoices.void_invoice(finance, invoice_id=invoice.id, reason="  Delivered to the wrong   customer ")
    assert (voided.status, voided.void_reason, voided.voided_by) == (
        InvoiceStatus.VOID, "Delivered to the wrong customer", finance.user_id)
    assert voided.voided_at is not None and exposure(dist.id) == 0
    [audit] = void_audits()
    assert (audit.entity, audit.entity_id, audit.scope_path) == ("invoice", str(invoice.id), dist.territory_path)
    assert audit.before["status"] == "open" and audit.after["status"] == "void"
    [event] = [e for e in events if e.name == "invoice.voided"]
    assert event.scope_path == dist.territory_path and event.data["amount"] == "400.00"
    detail = invoices.get_invoice(finance, invoice_id=invoice.id)
    assert (detail.balance, detail.customer, detail.order) == (D("0.00"), "Rift Distributors", "PO-000001")
    with pytest.raises(Conflict, match=f"{invoice.number} is already void"):
        invoices.void_invoice(finance, invoice_id=invoice.id, reason="again")


def test_voiding_needs_the_permission_a_reason_and_the_invoice_in_ones_area(chain, factories, finance):
    invoice = factories.invoice(chain, chain["distributor"], "10")
    refusals = [
        (PermissionDenied, "may not void an invoice", factories.actor("regional_sales"), "Wrong price"),
        (PermissionDenied, "outside your area", factories.actor("finance", scope_code="NRB"), "Wrong price"),
        (ValidationFailed, "Reason: is required", finance, "   "),
        (ValidationFailed, "Reason: must be at most 200 characters", finance, "x" * 201),
    ]
    for error, message, actor, reason in refusals:
        with pytest.raises(error, match=message):
            invoices.void_invoice(actor, invoice_id=invoice.id, reason=reason)
    with pytest.raises(NotFound):
        invoices.void_invoice(finance, invoice_id=99999, reason="Wrong price")
    assert fresh(invoice).status is InvoiceStatus.OPEN and void_audits() == []


def test_an_invoice_with_payments_allocated_is_voided_only_after_they_are_released(chain, factories, finance):
    dist = chain["distributor"]
    invoice = factories.invoice(chain, dist, "10")
    first = payments.record_payment(finance, customer_id=dist.id, received_on=TODAY, amount="150", method="cash")
    second = payments.record_payment(finance, customer_id=dist.id, received_on=TODAY, amount="50", method="cash")
    with pytest.raises(Conflict) as refused:
        invoices.void_invoice(finance, invoice_id=invoice.id, reason="Wrong price")
    assert refused.value.message == (
        f"{invoice.number} has KES 200.00 of payments allocated to it ({first.number}, {second.number}): release "
        "those allocations first — the money goes back to the customer's credit — then void the invoice.")
    assert fresh(invoice).status is InvoiceStatus.PARTIALLY_PAID and void_audits() == []
    for payment in (first, second):
        payments.release_allocations(finance, payment_id=payment.id, reason="Invoice to be voided")
    assert invoices.void_invoice(finance, invoice_id=invoice.id, reason="Wrong price").status is InvoiceStatus.VOID
    assert exposure(dist.id) == D("-200.00")  # the customer's money is now credit


# ---- reading -----------------------------------------------------------------------------------------------------


@pytest.fixture
def books(chain, factories, finance):
    """Rift: INV-1 (Rift Distributors, KES 400, 45 days old: 15 days overdue, KES 100 paid), INV-2 (Mama Njeri,
    KES 90, today), INV-3 (Rift Distributors, KES 200, void). Nairobi: INV-4 (Westlands Kiosk, KES 135).
    Payments: PAY-1 (Rift Distributors, M-Pesa, KES 100), PAY-2 (Westlands Kiosk, cheque, KES 500: 135 allocated)."""
    old = factories.invoice(chain, chain["distributor"], "10", issued_on=ago(45))
    shop = factories.invoice(chain, chain["retailer"], "2")
    void = factories.invoice(chain, chain["distributor"], "5")
    kiosk = factories.invoice(chain, chain["retailer2"], "3")
    invoices.void_invoice(finance, invoice_id=void.id, reason="Entered twice")
    payments.record_payment(finance, customer_id=chain["distributor"].id, received_on=ago(1), amount="100",
                            method="mpesa", reference="QJK3XY7Z1A")
    payments.record_payment(finance, customer_id=chain["retailer2"].id, received_on=TODAY, amount="500",
                            method="cheque", reference="000123")
    return {"old": old, "shop": shop, "void": void, "kiosk": kiosk}


def test_the_invoices_list_shows_balances_days_overdue_and_totals(books, finance):
    source = invoices.invoices_table(finance)
    page = fetch_page(finance, source, TableQuery())
    assert [r["number"] for r in page.rows] == ["INV-000004", "INV-000003", "INV-000002", "INV-000001"]
    rows = {r["number"]: r for r in page.rows}
    old = rows["INV-000001"]
    assert (old["order"], old["customer"], old["region"], old["territory"]) == (
        "PO-000001", "Rift Distributors", "Rift", "Nakuru Town")
    assert (old["issue_date"], old["due_date"], old["amount"], old["paid"], old["balance"]) == (
        ago(45), ago(15), D("400.00"), D("100.00"), D("300.00"))
    assert (old["status"], old["days_overdue"]) == ("partially_paid", 15)
    assert (rows["INV-000003"]["status"], rows["INV-000003"]["balance"]) == ("void", D("0.00"))
    assert rows["INV-000004"]["status"] == "paid" and rows["INV-000004"]["days_overdue"] is None
    assert rows["INV-000002"]["days_overdue"] is None  # not due yet
    assert page.totals == {"amount": D("825.00"), "paid": D("235.00"), "balance": D("390.00")}

    def numbers(**filters):
        return [r["number"] for r in fetch_page(finance, source, TableQuery(filters=filters)).rows]

    assert numbers(status=["open", "partially_paid"]) == ["INV-000002", "INV-000001"]
    assert numbers(region="nairobi") == ["INV-000004"]
    assert numbers(customer="mama") == ["INV-000002"]
    assert numbers(issue_date={"from": ago(50), "to": ago(40)}) == ["INV-000001"]
    assert numbers(days_overdue={"min": 1}) == ["INV-000001"]


def test_the_payments_list_shows_what_each_payment_still_holds(books, finance):
    source = invoices.payments_table(finance)
    page = fetch_page(finance, source, TableQuery())
    assert [(r["number"], r["customer"], r["region"], r["method"], r["reference"], r["amount"], r["allocated"],
             r["unallocated"]) for r in page.rows] == [
        ("PAY-000002", "Westlands Kiosk", "Nairobi", PaymentMethod.CHEQUE, "000123", D("500.00"), D("135.00"),
         D("365.00")),
        ("PAY-000001", "Rift Distributors", "Rift", PaymentMethod.MPESA, "QJK3XY7Z1A", D("100.00"), D("100.00"),
         D("0.00"))]
    assert page.totals == {"amount": D("600.00"), "allocated": D("235.00"), "unallocated": D("365.00")}
    assert page.rows[0]["recorded_by"] == finance.full_name
    mpesa = fetch_page(finance, source, TableQuery(filters={"method": ["mpesa"], "received_on": {"to": ago(1)}}))
    assert [r["number"] for r in mpesa.rows] == ["PAY-000001"]


def test_a_regional_finance_user_sees_only_their_regions_invoices_and_payments(books, factories):
    rift = factories.actor("finance", scope_code="RFT")
    rift_invoices = fetch_page(rift, invoices.invoices_table(rift), TableQuery())
    assert [r["number"] for r in rift_invoices.rows] == ["INV-000003", "INV-000002", "INV-000001"]
    assert rift_invoices.totals["amount"] == D("690.00")
    rift_payments = fetch_page(rift, invoices.payments_table(rift), TableQuery())
    assert [r["number"] for r in rift_payments.rows] == ["PAY-000001"]
    assert rift_payments.totals == {"amount": D("100.00"), "allocated": D("100.00"), "unallocated": D("0.00")}
    kiosk = books["kiosk"]
    with pytest.raises(PermissionDenied, match="outside your area"):
        invoices.get_invoice(rift, invoice_id=kiosk.id)
    with pytest.raises(PermissionDenied, match="outside your area"):
        invoices.open_invoices(rift, customer_id=kiosk.customer_id)
    with pytest.raises(PermissionDenied, match="may not see invoices"):
        invoices.invoices_table(factories.actor("storekeeper"))


def test_open_invoices_come_due_first_for_allocating_by_hand(books, chain, factories, finance):
    newer = factories.invoice(chain, chain["distributor"], "1", issued_on=ago(2))
    rows = invoices.open_invoices(finance, customer_id=chain["distributor"].id)
    assert [(r.number, r.balance, r.status) for r in rows] == [
        ("INV-000001", D("300.00"), InvoiceStatus.PARTIALLY_PAID), (newer.number, D("40.00"), InvoiceStatus.OPEN)]
    detail = invoices.get_invoice(finance, invoice_id=books["old"].id)
    assert [(p.payment, p.method, p.reference, p.amount) for p in detail.payments] == [
        ("PAY-000001", PaymentMethod.MPESA, "QJK3XY7Z1A", D("100.00"))]
