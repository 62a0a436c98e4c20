"""Customer statement downloads: the PDF states the company, the customer, the period, the opening and closing
balances and "Page n of m"; the XLSX holds real numbers and real dates, one row per statement line, exactly the
service's; each download is audited; refusals (out of area, no export permission, a bad format) write nothing."""

import io
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.errors import PermissionDenied, ValidationFailed
from domain.formatting import format_date, format_money
from domain.inputs import business_today
from domain.models import AuditKind
from domain.services import invoices, payments, receivables, statements
from domain.services.statements import statement_file
from tests.records import audit_rows

D = Decimal
TODAY = business_today()
START = TODAY - timedelta(days=20)


def ago(days: int):
    return TODAY - timedelta(days=days)


@pytest.fixture
def book(factories) -> dict:
    """Rift Distributors: INV-000001 (KES 400) before the period, paid KES 150 before it too; in the period
    INV-000002 (KES 200), a KES 500 M-Pesa payment (oldest first) and INV-000003 (KES 80), voided."""
    chain = factories.sales_chain(stock="5000")
    finance = factories.actor("finance", username="fiona")
    dist = chain["distributor"]
    factories.invoice(chain, dist, "10", issued_on=ago(40))
    payments.record_payment(finance, customer_id=dist.id, received_on=ago(30), amount="150", method="cash")
    factories.invoice(chain, dist, "5", issued_on=ago(10))
    payments.record_payment(finance, customer_id=dist.id, received_on=ago(5), amount="500", method="mpesa",
                            reference="QJK3XY7Z1A")
    third = factories.invoice(chain, dist, "2", issued_on=ago(3))
    invoices.void_invoice(finance, invoice_id=third.id, reason="Delivered twice by mistake")
    return {**chain, "finance": finance}


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_pdf_states_company_customer_period_balances_and_page_numbers(book) -> None:
    dist = book["distributor"]
    made = statement_file(book["finance"], customer_id=dist.id, date_from=START, date_to=TODAY, fmt="pdf")
    statement = made.statement
    assert (statement.opening_balance, statement.closing_balance) == (D("250.00"), D("-50.00"))
    [page] = text_of(made.content)
    assert "Chesanto" in page and "Customer statement" in page
    assert f"Rift Distributors ({dist.code})" in page
    assert f"{format_date(START)} to {format_date(TODAY)}" in page
    assert "Opening balance" in page and "KES 250.00" in page
    assert "Closing balance" in page and "-KES 50.00" in page
    assert "INV-000002" in page and "PAY-000002" in page and "INV-000003" in page
    assert "Page 1 of 1" in page
    assert made.content.startswith(b"%PDF") and made.filename == (
        f"statement-{dist.code}-{START.isoformat()}-{TODAY.isoformat()}.pdf")


def test_a_long_statement_numbers_every_page_and_repeats_the_column_header(book) -> None:
    dist, finance = book["distributor"], book["finance"]
    for n in range(70):
        payments.record_payment(finance, customer_id=dist.id, received_on=ago(n % 15), amount=f"{n + 1}.25",
                                method="cash", allocate="none")
    made = statement_file(finance, customer_id=dist.id, date_from=START, date_to=TODAY, fmt="pdf")
    pages = text_of(made.content)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Document" in page and "Balance" in page
    assert "Closing balance" in pages[-1] and format_money(made.statement.closing_balance) in pages[-1]
    assert made.statement.closing_balance == D("-50.00") - sum(D(f"{n + 1}.25") for n in range(70))


def test_the_xlsx_rows_are_the_statements_rows_with_real_numbers_and_dates(book) -> None:
    dist = book["distributor"]
    made = statement_file(book["finance"], customer_id=dist.id, date_from=START, date_to=TODAY, fmt="xlsx")
    statement = made.statement
    sheet = load_workbook(io.BytesIO(made.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Chesanto — Customer statement"
    assert rows[1][0] == f"Customer: Rift Distributors ({dist.code})"
    assert rows[5] == ["Date", "Document", "Kind", "Detail", "Due", "Debit", "Credit", "Balance"]
    opening, *lines = rows[6:6 + 1 + len(statement.lines)]
    assert (opening[0], opening[3], D(str(opening[7]))) == (
        datetime.combine(START, datetime.min.time()), "Opening balance", D("250.00"))
    assert len(lines) == len(statement.lines) == 4  # INV-000002, PAY-000002, INV-000003 and its void
    for shown, line in zip(lines, statement.lines, strict=True):
        assert isinstance(shown[0], datetime) and shown[0].date() == line.day
        assert shown[1:4] == [line.number, {"invoice": "Invoice", "void": "Void", "payment": "Payment"}[line.kind],
                              line.detail]
        assert (shown[4].date() if shown[4] else None) == line.due_date
        assert all(isinstance(v, int | float) for v in shown[5:8])
        assert [D(str(v)) for v in shown[5:8]] == [line.debit, line.credit, line.balance]
    totals, closing = rows[7 + len(statement.lines)], rows[8 + len(statement.lines)]
    assert (totals[3], D(str(totals[5])), D(str(totals[6]))) == (
        "Totals for the period", statement.total_debit, statement.total_credit)
    assert (closing[3], D(str(closing[7]))) == ("Closing balance", D("-50.00"))
    assert sheet.cell(row=7, column=1).number_format == "d mmm yyyy"
    assert sheet.cell(row=8, column=8).number_format == "#,##0.00"


def test_every_download_is_audited_as_a_user_action(book) -> None:
    dist, finance = book["distributor"], book["finance"]
    statement_file(finance, customer_id=dist.id, date_from=START, date_to=TODAY, fmt="xlsx")
    [row] = audit_rows("statement.download", dist.id)
    assert (row.kind, row.entity, row.actor_id) == (AuditKind.USER, "party", finance.user_id)
    assert row.after["format"] == "xlsx" and row.after["closing_balance"] == "-50.00"
    assert row.after["date_from"] == START.isoformat() and row.after["lines"] == 4


def test_a_customer_outside_ones_region_is_refused_and_nothing_is_audited(book, factories) -> None:
    nairobi = factories.actor("finance", scope_code="NRB")
    with pytest.raises(PermissionDenied, match="outside your area"):
        statement_file(nairobi, customer_id=book["distributor"].id, date_from=START, date_to=TODAY, fmt="pdf")
    assert audit_rows("statement.download") == []


def test_without_the_export_permission_or_with_a_bad_format_nothing_is_made(book) -> None:
    finance, dist = book["finance"], book["distributor"]
    no_exports = replace(finance, permissions=finance.permissions - {"exports.run"})
    with pytest.raises(PermissionDenied):
        statement_file(no_exports, customer_id=dist.id, date_from=START, date_to=TODAY, fmt="pdf")
    with pytest.raises(ValidationFailed) as refused:
        statement_file(finance, customer_id=dist.id, date_from=START, date_to=TODAY, fmt="docx")
    assert refused.value.errors == {"Format": "choose PDF or XLSX"}
    with pytest.raises(ValidationFailed) as backwards:
        statements.statement_file(finance, customer_id=dist.id, date_from=TODAY, date_to=START, fmt="pdf")
    assert "To" in backwards.value.errors
    assert audit_rows("statement.download") == []


def test_an_empty_period_still_states_both_balances(book) -> None:
    dist = book["distributor"]
    quiet = ago(60), ago(50)
    made = statement_file(book["finance"], customer_id=dist.id, date_from=quiet[0], date_to=quiet[1], fmt="pdf")
    assert made.statement.lines == [] and made.statement.opening_balance == D("0.00")
    [page] = text_of(made.content)
    assert "Nothing invoiced, voided or paid in this period." in page
    assert receivables.customer_statement(book["finance"], customer_id=dist.id, date_from=quiet[0],
                                          date_to=quiet[1]).closing_balance == D("0.00")
