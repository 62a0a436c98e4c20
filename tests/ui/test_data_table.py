"""The data table component in a simulated browser: first page, filtering, totals and the export downloads (CSV,
XLSX, PDF), the PDF limit said on screen."""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from nicegui import ui
from nicegui.testing import user_simulation
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard.components.data_table import DataTable, data_table
from domain.access import Actor
from domain.formatting import format_datetime, format_money
from domain.services import audit, exports
from domain.tables import TableSource
from tests.tables_data import FIRST_AT, STEP, make_audit_rows, money_source
from tests.ui.helpers import eventually, the


@pytest.fixture(autouse=True)
def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Like NiceGUI's `user` fixture: anything logged at ERROR (a traceback) fails the test."""
    yield
    errors = [r.getMessage() for r in caplog.get_records("call") if r.levelname == "ERROR"]
    assert not errors, errors


def page(actor: Actor, source: TableSource, **options: object) -> Callable[[], None]:
    def root() -> None:
        data_table(actor, source, **options)  # type: ignore[arg-type]
    return root


async def test_the_table_shows_the_first_page_filters_with_totals_and_exports_the_filtered_rows(factories):
    data = make_audit_rows(factories)
    async with user_simulation(root=page(data.admin, money_source(), page_size=10)) as user:
        await user.open("/")
        table = the(user, kind=DataTable)
        await eventually(lambda: table.page is not None, "the first page")
        await user.should_see(f"{data.total} rows (showing 1–10)")
        rows = table.table.rows
        assert len(rows) == 10 and rows[0]["row_id"] == data.total  # newest first
        assert rows[0]["amount"] == format_money(Decimal(data.total) * Decimal("1.25"))  # "KES 78.75"
        assert rows[0]["at"] == format_datetime(FIRST_AT + (data.total - 1) * STEP)  # "13 Nov 2026 19:30"
        everything = table.totals["amount"]

        user.find(marker="filter-action").type("order.")
        await eventually(lambda: table.query.filters == {"action": "order."} and table.page is not None
                         and all("order." in r["action"].lower() for r in table.page.rows), "the filtered rows")
        filtered = table.page
        assert filtered is not None and 0 < filtered.total_rows < data.total
        await user.should_see(f"{filtered.total_rows} rows")
        assert table.totals["amount"] == format_money(filtered.totals["amount"]) != everything
        assert table.totals["at"] == "Total"

        user.find(marker="export-csv").click()
        response = await user.download.next(timeout=10)
        assert response.status_code == 200
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert lines[-1] == ["Row count", str(filtered.total_rows)]
        assert {line[1] for line in lines[1:-2]} <= {"order.confirm", "Order.Cancel"}
        await user.should_see(f"Exported {filtered.total_rows} rows")

        user.find(marker="filters-clear").click()
        exported_too = data.total + 1  # the export itself was audited
        await eventually(lambda: table.page is not None and table.page.total_rows == exported_too, "all rows again")
        assert table.query.filters == {} and table.table.rows[0]["action"] == "export.run"
        assert table.totals["amount"] == format_money(Decimal(exported_too * (exported_too + 1) // 2) * Decimal("1.25"))
        assert everything == format_money(Decimal(data.total * (data.total + 1) // 2) * Decimal("1.25"))


async def test_a_role_without_exports_sees_no_export_buttons_and_bad_filters_become_messages(factories):
    data = make_audit_rows(factories, extra=3)
    viewer = replace(data.admin, permissions=data.admin.permissions - {"exports.run"})
    async with user_simulation(root=page(viewer, money_source())) as user:
        await user.open("/")
        table = the(user, kind=DataTable)
        await eventually(lambda: table.page is not None, "the first page")
        await user.should_not_see(marker="export-csv")
        user.find(marker="filter-amount-min").type("20")
        user.find(marker="filter-amount-max").type("10")
        await user.should_see("the minimum is above the maximum")


async def test_the_audit_trail_lists_names_and_pages_on_request(factories):
    data = make_audit_rows(factories)
    async with user_simulation(root=page(data.admin, audit.audit_table(data.admin))) as user:
        await user.open("/")
        table = the(user, kind=DataTable)
        await eventually(lambda: table.page is not None, "the first page")
        assert {r["who"] for r in table.table.rows} <= {"Ada", "Rita", "system"}
        assert table.table.rows[0]["kind"] in {"Data change", "User action", "System"}
        request = {"pagination": {"page": 2, "rowsPerPage": 25, "sortBy": "who", "descending": False}}
        user.find(kind=ui.table).trigger("request", request)
        await eventually(lambda: table.page is not None and table.page.page == 2, "the second page")
        assert table.table.pagination["rowsNumber"] == data.total
        assert [r["who"] for r in table.table.rows] == sorted(r["who"] for r in table.table.rows)
        await user.should_see(f"{data.total} rows (showing 26–50)")


async def test_xlsx_and_pdf_exports_download_the_filtered_rows_with_title_count_and_pages(factories):
    data = make_audit_rows(factories)
    async with user_simulation(root=page(data.admin, money_source(), page_size=10)) as user:
        await user.open("/")
        table = the(user, kind=DataTable)
        user.find(marker="filter-action").type("order.")
        await eventually(lambda: table.query.filters == {"action": "order."} and table.page is not None
                         and table.page.total_rows < data.total, "the filtered rows")
        assert table.page is not None
        rows = table.page.total_rows

        user.find(marker="export-xlsx").click()
        response = await user.download.next(timeout=10)
        sheet = load_workbook(io.BytesIO(response.content)).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][0] == "Audit amounts" and values[1][0] == f"Filters: Action contains 'order.' — {rows} rows"
        assert values[-1][:2] == ["Row count", rows] and len(values) == 4 + rows + 2
        await user.should_see(f"Exported {rows} rows")

        user.find(marker="export-pdf").click()
        response = await user.download.next(timeout=10)
        reader = PdfReader(io.BytesIO(response.content))
        first = reader.pages[0].extract_text()
        assert first.startswith("Audit amounts\nFilters: Action contains 'order.'\n") and f"\n{rows} rows\n" in first
        assert f"Page 1 of {len(reader.pages)}" in first
        await user.should_see(f"Exported {rows} rows, {len(reader.pages)} page")


async def test_the_pdf_button_is_off_with_the_limit_said_while_the_filters_select_too_many_rows(factories,
                                                                                                 monkeypatch):
    data = make_audit_rows(factories, extra=20)
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 10)
    async with user_simulation(root=page(data.admin, money_source())) as user:
        await user.open("/")
        table = the(user, kind=DataTable)
        await eventually(lambda: table.page is not None, "the first page")
        pdf = the(user, marker="export-pdf", kind=ui.button)
        assert not pdf.enabled and the(user, marker="export-csv", kind=ui.button).enabled
        await user.should_see("PDF: at most 10 rows")

        user.find(marker="filter-action").type("order.confirm")
        await eventually(lambda: table.page is not None and 0 < table.page.total_rows <= 10, "at most 10 rows")
        await eventually(lambda: pdf.enabled, "the PDF button back on")
        await user.should_not_see("PDF: at most 10 rows")
        user.find(marker="export-pdf").click()
        response = await user.download.next(timeout=10)
        assert PdfReader(io.BytesIO(response.content)).pages[0].extract_text().startswith("Audit amounts")
