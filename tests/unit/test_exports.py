"""Exports hold exactly the rows the user's filters select — every page — with header, totals and row count."""

import csv
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from domain.db import transaction
from domain.errors import PermissionDenied, ValidationFailed
from domain.formatting import local_time
from domain.services import audit, exports
from domain.tables import TableQuery, choice_label
from tests.tables_data import all_pages, make_audit_rows, money_source

FILTERED = TableQuery(filters={"action": "order", "kind": ["data_change", "user_action"]}, sort="amount",
                      descending=True, page=3, page_size=5)  # the page is ignored: exports hold every page


def export_rows(actor) -> list:
    return audit.audit_trail(actor, action="export.run")


def test_csv_export_holds_exactly_the_filtered_rows_with_header_totals_and_count(factories, tmp_path):
    data = make_audit_rows(factories)
    source = money_source()
    expected = all_pages(data.admin, source, FILTERED)
    assert 5 < len(expected) < data.total
    seen: list[tuple[int, int]] = []
    result = exports.export_table(data.admin, source, FILTERED, "csv", tmp_path / "out.csv",
                                  progress=lambda done, total: seen.append((done, total)))

    with result.path.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    header, body, totals, count = lines[0], lines[1:-2], lines[-2], lines[-1]
    assert header == ["When", "Action", "Kind", "Amount", "Quantity", "Letters"]
    assert body == [
        [local_time(r["at"]).strftime("%Y-%m-%d %H:%M:%S"), r["action"], r["kind"], str(r["amount"]), str(r["qty"]),
         str(r["letters"])]
        for r in expected
    ]
    assert totals == ["Total", "", "", str(sum(r["amount"] for r in expected)), str(sum(r["qty"] for r in expected)),
                      str(sum(r["letters"] for r in expected))]
    assert count == ["Row count", str(len(expected))]
    assert result.rows == len(expected) and seen[-1] == (len(expected), len(expected))
    assert result.filename.startswith("audit-amounts-") and result.filename.endswith(".csv")
    [logged] = export_rows(data.admin)
    assert logged.after is not None and logged.after["rows"] == len(expected) and logged.after["format"] == "csv"
    assert logged.after["filters"] == FILTERED.filters and logged.actor_name == "ada"


def test_xlsx_export_has_title_filters_real_numbers_and_dates_totals_and_count(factories, tmp_path):
    data = make_audit_rows(factories)
    source = money_source()
    expected = all_pages(data.admin, source, FILTERED)
    result = exports.export_table(data.admin, source, FILTERED, "xlsx", tmp_path / "out.xlsx")

    sheet = load_workbook(result.path).active
    rows = list(sheet.iter_rows())
    values = [[c.value for c in row] for row in rows]
    assert values[0][0] == "Audit amounts"
    assert values[1][0] == "Filters: Action contains 'order'; Kind is Data change or User action"
    assert values[2][0].startswith("Exported ") and "Ada" in values[2][0]
    assert values[3] == ["When", "Action", "Kind", "Amount", "Quantity", "Letters"]
    body = rows[4:4 + len(expected)]
    for cells, row in zip(body, expected, strict=True):
        when, action, kind, amount, qty, letters = cells
        assert isinstance(when.value, datetime) and when.value == local_time(row["at"]).replace(tzinfo=None)
        assert when.number_format == "d mmm yyyy hh:mm"
        assert (action.value, kind.value) == (row["action"], choice_label(row["kind"]))
        assert Decimal(str(amount.value)) == row["amount"] and amount.number_format == "#,##0.00"
        assert Decimal(str(qty.value)) == row["qty"] and letters.value == row["letters"]
    totals, count = values[4 + len(expected)], values[5 + len(expected)]
    assert totals[0] == "Total"
    assert Decimal(str(totals[3])) == sum(r["amount"] for r in expected)
    assert rows[4 + len(expected)][3].number_format == "#,##0.00"
    assert count[:2] == ["Row count", len(expected)]
    assert len(values) == 6 + len(expected)  # nothing after the count, nothing cut off


def test_the_audit_trail_exports_for_a_scoped_auditor_only_their_area(factories, tmp_path):
    data = make_audit_rows(factories)
    source = audit.audit_table(data.rift_auditor)
    expected = all_pages(data.rift_auditor, source, TableQuery())
    result = exports.export_table(data.rift_auditor, source, TableQuery(), "csv", tmp_path / "trail.csv")
    with result.path.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["When", "Who", "Action", "Entity", "ID", "Source IP", "Kind"]
    assert [line[4] for line in lines[1:-1]] == [r["entity_id"] or "" for r in expected]
    assert lines[-1] == ["Row count", str(len(expected))] and len(expected) < data.total  # no totals: nothing sums


def test_text_that_looks_like_a_formula_stays_text(factories, tmp_path):
    data = make_audit_rows(factories, extra=0)
    with transaction(data.admin) as tx:
        tx.audit("=HYPERLINK(\"http://x\")", entity="order", entity_id="@1")
    query = TableQuery(filters={"action": "hyperlink"})
    csv_result = exports.export_table(data.admin, audit.audit_table(data.admin), query, "csv", tmp_path / "f.csv")
    assert "'=HYPERLINK" in csv_result.path.read_text(encoding="utf-8-sig")
    xlsx = exports.export_table(data.admin, audit.audit_table(data.admin), query, "xlsx", tmp_path / "f.xlsx")
    cell = load_workbook(xlsx.path).active.cell(row=5, column=3)
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_without_permission_nothing_is_written(factories, tmp_path, fmt):
    data = make_audit_rows(factories, extra=3)
    no_exports = replace(data.admin, permissions=data.admin.permissions - {"exports.run"})
    storekeeper = factories.actor("storekeeper")  # may export, but may not see the audit trail
    for actor in (no_exports, storekeeper):
        path = tmp_path / f"refused.{fmt}"
        with pytest.raises(PermissionDenied):
            exports.export_table(actor, audit.audit_table(data.admin), TableQuery(), fmt, path)
        assert not path.exists()
    assert export_rows(data.admin) == []


def test_an_export_too_big_for_excel_is_refused_not_truncated(factories, tmp_path, monkeypatch):
    data = make_audit_rows(factories, extra=10)
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    path = tmp_path / "big.xlsx"
    with pytest.raises(ValidationFailed, match="do not fit in one Excel sheet"):
        exports.export_table(data.admin, money_source(), TableQuery(), "xlsx", path)
    assert not path.exists() and export_rows(data.admin) == []
    with pytest.raises(ValidationFailed):
        exports.export_table(data.admin, money_source(), TableQuery(filters={"nope": 1}), "csv", tmp_path / "x.csv")
