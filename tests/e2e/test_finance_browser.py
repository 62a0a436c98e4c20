"""In real Chromium: a finance user opens a customer's statement from the receivables list and downloads it as PDF
— the file the browser saves is the customer's statement, with its closing balance and page numbering — and the
download is in the audit trail."""

import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from domain.inputs import business_today
from domain.services import payments
from domain.services.access import load_actor
from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD
from tests.records import audit_rows

pytestmark = pytest.mark.browser


def test_a_finance_user_downloads_a_customers_statement_as_pdf(live_server, page, factories, db_url) -> None:
    chain = factories.sales_chain(stock="500")
    dist = chain["distributor"]
    factories.invoice(chain, dist, "10", issued_on=business_today() - timedelta(days=12))  # KES 400
    fiona = load_actor(factories.user("finance", username="fiona", full_name="Fiona Akinyi").id)
    payments.record_payment(fiona, customer_id=dist.id, received_on=business_today(), amount="150",
                            method="mpesa", reference="QJK3XY7Z1A")

    page.goto(live_server + "/login?next=/finance/receivables")
    page.get_by_label("Username").fill("fiona")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/finance/receivables$"))
    page.get_by_role("cell", name="Rift Distributors").click()
    page.wait_for_url(re.compile(rf".*/finance/statement/{dist.id}\?from=.*"))
    page.get_by_text("PAY-000001").first.wait_for()

    with page.expect_download() as caught:
        page.get_by_role("button", name="Download PDF").click()
    download = caught.value
    assert download.suggested_filename.startswith(f"statement-{dist.code}-")
    text = "\n".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert "Rift Distributors" in text and "Closing balance" in text and "KES 250.00" in text
    assert "Page 1 of 1" in text
    [row] = audit_rows("statement.download", dist.id)
    assert row.after["format"] == "pdf"
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    assert save_screenshot(page, f"finance-statement-{kind}").stat().st_size > 10_000
