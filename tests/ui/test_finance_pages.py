"""The finance pages in a simulated browser: a finance user records an M-Pesa payment allocated oldest first and
sees the invoices become paid and partially paid; a duplicate M-Pesa code is shown next to Reference and writes
nothing; allocating too much by hand is refused next to the invoice; a regional finance user sees only their
region's invoices and customers; voiding needs a reason; an executive has no "Record payment"; receivables open a
customer's statement, which downloads as XLSX."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from nicegui.testing import User
from nicegui.testing.user_interaction import UserInteraction
from openpyxl import load_workbook
from sqlmodel import col, func, select

from dashboard.components.data_table import DataTable
from dashboard.components.search_select import SearchSelect
from domain.db import reading
from domain.inputs import business_today
from domain.models import AuditLog, Invoice, InvoiceStatus, Payment, PaymentAllocation
from domain.services import payments
from domain.services.access import load_actor
from tests.records import audit_rows
from tests.ui.helpers import eventually, present, sign_in, the

D = Decimal
TODAY = business_today()
FORM = "/finance/payments/new"


@pytest.fixture
def book(factories) -> dict:
    """Rift Distributors owes INV-000001 (KES 400, 40 days ago) and INV-000002 (KES 200, 5 days ago); Westlands
    Distributors (Nairobi) owes INV-000003 (KES 120). Fiona is finance company-wide, Rhoda finance for Rift only,
    Evans an executive."""
    chain = factories.sales_chain(stock="5000")
    first = factories.invoice(chain, chain["distributor"], "10", issued_on=TODAY - timedelta(days=40))
    second = factories.invoice(chain, chain["distributor"], "5", issued_on=TODAY - timedelta(days=5))
    nairobi = factories.invoice(chain, chain["distributor2"], "3")
    fiona = factories.user("finance", username="fiona", full_name="Fiona Akinyi")
    factories.user("finance", username="rhoda", scope_code="RFT", full_name="Rhoda Rift")
    factories.user("executive", username="evans", full_name="Evans Exec")
    return {**chain, "first": first, "second": second, "nairobi": nairobi, "fiona": load_actor(fiona.id)}


def invoice(invoice_id: int) -> Invoice:
    with reading() as s:
        found = s.get(Invoice, invoice_id)
    assert found is not None
    return found


def written() -> tuple[int, int, int]:
    """Payments, allocations and payment audit rows: what a refused payment must leave as it was."""
    with reading() as s:
        return (s.exec(select(func.count()).select_from(Payment)).one(),
                s.exec(select(func.count()).select_from(PaymentAllocation)).one(),
                s.exec(select(func.count()).select_from(AuditLog)
                       .where(col(AuditLog.action).startswith("payment."))).one())


def customer_label(party) -> str:
    return f"{party.name} ({party.code}) · {party.kind.value.title()}"


async def open_form(user: User, username: str | None = "fiona") -> SearchSelect:
    """Sign in to the form (`username` None: already signed in, just open it)."""
    if username is None:
        await user.open(FORM)
    else:
        await sign_in(user, username, FORM)
    await eventually(lambda: present(user, "payment-customer"), "the payment form")
    select_ = the(user, "payment-customer")
    assert isinstance(select_, SearchSelect)
    await eventually(lambda: len(select_.options) > 0, "the customers")
    return select_


async def fill(user: User, select_: SearchSelect, party, *, amount: str, method: str, reference: str) -> None:
    select_.value = next(value for value, text in select_.options.items() if text == customer_label(party))
    await eventually(lambda: present(user, "allocation-INV-000001") or present(user, "allocation-none-open"),
                     "the customer's open invoices")
    the(user, "payment-method").value = method  # type: ignore[attr-defined]
    user.find(marker="payment-amount").type(amount)
    user.find(marker="payment-reference").type(reference)


async def test_an_mpesa_payment_allocated_oldest_first_pays_the_oldest_invoice_and_part_of_the_next(
        user: User, book) -> None:
    select_ = await open_form(user)
    await fill(user, select_, book["distributor"], amount="500", method="mpesa", reference="qjk3 xy7z1a")
    await eventually(lambda: the(user, "payment-split").text  # type: ignore[attr-defined]
                     == "Allocated KES 500.00 · stays as credit KES 0.00", "the live split")
    assert the(user, "gets-INV-000001").text == "gets KES 400.00"  # type: ignore[attr-defined]
    assert the(user, "gets-INV-000002").text == "gets KES 100.00"  # type: ignore[attr-defined]
    user.find(marker="payment-save").click()

    await user.should_see(marker="payment-allocations", retries=100)
    assert the(user, "payment-number").text == "PAY-000001"  # type: ignore[attr-defined]
    rows = the(user, "payment-allocations").rows  # type: ignore[attr-defined]
    assert [(r["invoice"], r["amount"], r["status"]) for r in rows] == [
        ("INV-000001", "KES 400.00", "Paid"), ("INV-000002", "KES 100.00", "Partially paid")]
    assert the(user, "payment-unallocated").text == "KES 0.00"  # type: ignore[attr-defined]
    assert (invoice(book["first"].id).status, invoice(book["second"].id).status) == (
        InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID)
    with reading() as s:
        [payment] = s.exec(select(Payment)).all()
    assert (payment.reference, payment.amount, payment.allocated) == ("QJK3XY7Z1A", D("500.00"), D("500.00"))


async def test_a_duplicate_mpesa_code_is_shown_next_to_reference_and_nothing_is_written(user: User, book) -> None:
    payments.record_payment(book["fiona"], customer_id=book["distributor"].id, received_on=TODAY, amount="50",
                            method="mpesa", reference="QJK3XY7Z1A", allocate="none")
    before = written()
    select_ = await open_form(user)
    await fill(user, select_, book["distributor"], amount="300", method="mpesa", reference="QJK3XY7Z1A")
    user.find(marker="payment-save").click()
    reference = the(user, "payment-reference")
    await eventually(lambda: reference.error, "the Reference error")  # type: ignore[attr-defined]
    assert "already recorded as PAY-000001" in reference.error  # type: ignore[attr-defined]
    assert written() == before
    assert invoice(book["first"].id).paid == D("0.00")


async def test_allocating_more_than_an_invoices_balance_is_refused_next_to_it(user: User, book) -> None:
    select_ = await open_form(user)
    await fill(user, select_, book["distributor"], amount="300", method="cash", reference="")
    the(user, "payment-allocation").value = "choose"  # type: ignore[attr-defined]
    the(user, "pick-INV-000002").value = True  # type: ignore[attr-defined]
    await eventually(lambda: present(user, "amount-INV-000002"), "the amount field")
    user.find(marker="amount-INV-000002").type("250")
    await eventually(lambda: the(user, "payment-split").text  # type: ignore[attr-defined]
                     == "Allocated KES 250.00 · stays as credit KES 50.00", "the live split")
    user.find(marker="payment-save").click()
    amount = the(user, "amount-INV-000002")
    await eventually(lambda: amount.error, "the allocation error")  # type: ignore[attr-defined]
    assert "KES 250.00 is more than the balance of INV-000002 (KES 200.00)" in amount.error  # type: ignore
    assert written() == (0, 0, 0)


async def test_a_regional_finance_user_sees_only_their_regions_invoices_and_customers(user: User, book) -> None:
    await sign_in(user, "rhoda", "/finance/invoices")
    await eventually(lambda: present(user, kind=DataTable), "the invoices")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the first page")
    assert sorted(r["number"] for r in table.table.rows) == ["INV-000001", "INV-000002"]  # not Nairobi's
    assert table.totals["amount"] == "KES 600.00"

    select_ = await open_form(user, None)
    labels = set(select_.options.values())
    assert labels == {customer_label(book["distributor"]), customer_label(book["retailer"])}


async def test_voiding_an_invoice_needs_a_reason(user: User, book) -> None:
    second = book["second"]
    await sign_in(user, "fiona", f"/finance/invoices/{second.id}")
    await user.should_see(marker="invoice-void", retries=100)
    user.find(marker="invoice-void").click()
    await user.should_see(marker="void-confirm", retries=100)
    user.find(marker="void-confirm").click()
    reason = the(user, "void-reason")
    await eventually(lambda: reason.error, "the Reason error")  # type: ignore[attr-defined]
    assert reason.error == "Reason is required"  # type: ignore[attr-defined]
    assert invoice(second.id).status is InvoiceStatus.OPEN and audit_rows("invoice.void") == []

    user.find(marker="void-reason").type("Delivered twice by mistake")
    user.find(marker="void-confirm").click()
    await eventually(lambda: present(user, "invoice-status")
                     and the(user, "invoice-status").text == "Void", "the void invoice")  # type: ignore
    assert the(user, "invoice-void-reason").text == "Delivered twice by mistake"  # type: ignore[attr-defined]
    assert invoice(second.id).status is InvoiceStatus.VOID
    [row] = audit_rows("invoice.void", second.id)
    assert row.actor_name == "fiona"
    assert not present(user, "invoice-void")


async def test_an_executive_sees_payments_but_no_record_button_or_form(user: User, book) -> None:
    await sign_in(user, "evans", "/finance/payments")
    await eventually(lambda: present(user, kind=DataTable), "the payments")
    await user.should_see("0 rows", retries=100)
    assert not present(user, "payment-record")
    await user.open(FORM)
    await user.should_see("Not permitted", retries=100)
    assert not present(user, "payment-form")


async def test_a_regional_finance_user_cannot_open_another_regions_invoice(user: User, book) -> None:
    await sign_in(user, "rhoda", f"/finance/invoices/{book['nairobi'].id}")
    await user.should_see(marker="invoice-message", retries=100)
    assert "outside your area" in the(user, "invoice-message").text  # type: ignore[attr-defined]
    assert not present(user, "invoice-number")


async def test_the_finance_summary_adds_up_what_is_owed_and_collected(user: User, book) -> None:
    payments.record_payment(book["fiona"], customer_id=book["distributor"].id, received_on=TODAY, amount="150",
                            method="cash")
    await sign_in(user, "rhoda", "/finance")
    await user.should_see(marker="kpi-outstanding-value", retries=100)
    assert the(user, "kpi-outstanding-value").text == "KES 450.00"  # type: ignore[attr-defined]
    assert the(user, "kpi-overdue-value").text == "KES 250.00"  # type: ignore[attr-defined]
    assert the(user, "kpi-collected-value").text == "KES 150.00"  # type: ignore[attr-defined]


async def test_a_customers_row_opens_the_statement_which_downloads_as_xlsx(user: User, book) -> None:
    payments.record_payment(book["fiona"], customer_id=book["distributor"].id, received_on=TODAY, amount="150",
                            method="cash")
    await sign_in(user, "fiona", "/finance/receivables")
    await user.should_see(marker="receivables-regions", retries=100)
    regions = {r["region"]: r for r in the(user, "receivables-regions").rows}  # type: ignore[attr-defined]
    assert (regions["Rift"]["outstanding"], regions["Rift"]["overdue"]) == ("KES 450.00", "KES 250.00")
    assert regions["Nairobi"]["outstanding"] == "KES 120.00"
    await eventually(lambda: present(user, kind=DataTable), "the customers")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the customers")
    row = next(r for r in table.table.rows if r["customer"] == "Rift Distributors")
    UserInteraction(user, {table.table}, None).trigger("rowClick", [{}, row, 0])  # a click on the customer
    await user.should_see(marker="statement-closing", retries=100)
    assert the(user, "statement-closing").text == "KES 450.00"  # type: ignore[attr-defined]
    lines = the(user, "statement-lines").rows  # type: ignore[attr-defined]
    assert [r["number"] for r in lines[1:-1]] == ["INV-000001", "INV-000002", "PAY-000001"]

    user.find(marker="statement-xlsx").click()
    response = await user.download.next(timeout=10)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=1).value == f"Customer: Rift Distributors ({book['distributor'].code})"
    [audit] = audit_rows("statement.download", book["distributor"].id)
    assert audit.after["format"] == "xlsx"


async def test_credit_is_allocated_later_and_released_again_only_with_a_reason(user: User, book) -> None:
    kept = payments.record_payment(book["fiona"], customer_id=book["distributor"].id, received_on=TODAY,
                                   amount="450", method="bank_transfer", reference="FT123", allocate="none")
    await sign_in(user, "fiona", f"/finance/payments/{kept.id}")
    await user.should_see(marker="payment-allocate", retries=100)
    assert the(user, "payment-unallocated").text == "KES 450.00"  # type: ignore[attr-defined]
    assert not present(user, "payment-release")
    user.find(marker="payment-allocate").click()
    await eventually(lambda: present(user, "gets-INV-000002")
                     and the(user, "gets-INV-000002").text == "gets KES 50.00", "the oldest-first preview")  # type: ignore
    assert the(user, "allocate-split").text == "Allocated KES 450.00 · stays as credit KES 0.00"  # type: ignore
    user.find(marker="allocate-confirm").click()
    await eventually(lambda: present(user, "payment-allocations"), "the allocations")
    assert (invoice(book["first"].id).status, invoice(book["second"].id).paid) == (InvoiceStatus.PAID, D("50.00"))

    user.find(marker="payment-release").click()
    await user.should_see(marker="release-confirm", retries=100)
    user.find(marker="release-confirm").click()
    reason = the(user, "release-reason")
    await eventually(lambda: reason.error, "the Reason error")  # type: ignore[attr-defined]
    assert invoice(book["first"].id).paid == D("400.00") and audit_rows("payment.release") == []
    user.find(marker="release-reason").type("Applied to the wrong customer's invoices")
    user.find(marker="release-confirm").click()
    await eventually(lambda: present(user, "payment-no-allocations"), "the released payment")
    assert the(user, "payment-unallocated").text == "KES 450.00"  # type: ignore[attr-defined]
    assert (invoice(book["first"].id).status, invoice(book["second"].id).status) == (
        InvoiceStatus.OPEN, InvoiceStatus.OPEN)
    assert len(audit_rows("payment.release", kept.id)) == 1
