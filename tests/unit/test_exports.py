"""Exports hold exactly the rows the user's filters select — every page — and say so: CSV and XLSX compared row by
row (and cell by cell, with their types) with the filtered query, the title, filters, row count and exact totals,
streaming in chunks, more sheets past Excel's limit, refusals that write nothing. PDF: test_exports_pdf.py."""

import csv
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.formatting import local_time
from domain.inputs import business_today
from domain.models import MoveKind, PartyKind, ProductKind
from domain.queries import tables as tables_q
from domain.services import audit, exports, inventory, stock
from domain.services.tables import fetch_page
from domain.tables import TableQuery, choice_label
from tests.tables_data import all_pages, make_audit_rows, money_source

FILTERED = TableQuery(filters={"action": "order", "kind": ["data_change", "user_action"]}, sort="amount",
                      descending=True, page=3, page_size=5)  # the page is ignored: exports hold every page
FILTERS_TEXT = "Action contains 'order'; Kind is Data change or User action"


def export_rows(actor) -> list:
    return audit.audit_trail(actor, action="export.run")


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def money_line(row: dict) -> list[str]:
    return [local_time(row["at"]).strftime("%Y-%m-%d %H:%M:%S"), row["action"], row["kind"], str(row["amount"]),
            str(row["qty"]), str(row["letters"])]


# --- CSV -----------------------------------------------------------------------------------------------------------


def test_csv_export_holds_exactly_the_filtered_rows_with_header_totals_and_count(factories, tmp_path):
    data = make_audit_rows(factories)
    source = money_source()
    expected = all_pages(data.admin, source, FILTERED)
    assert 5 < len(expected) < data.total
    seen: list[tuple[int, int]] = []
    result = exports.export_table(data.admin, source, FILTERED, "csv", tmp_path / "out.csv",
                                  progress=lambda done, total: seen.append((done, total)))

    lines = read_csv(result.path)
    header, body, totals, count = lines[0], lines[1:-2], lines[-2], lines[-1]
    assert header == ["When", "Action", "Kind", "Amount", "Quantity", "Letters"]
    assert body == [money_line(r) for r in expected]
    table_totals = fetch_page(data.admin, source, FILTERED).totals  # what the table's totals row shows
    assert totals == ["Total", "", "", str(table_totals["amount"]), str(table_totals["qty"]),
                      str(table_totals["letters"])]
    assert table_totals["amount"] == sum(r["amount"] for r in expected)
    assert count == ["Row count", str(len(expected))]
    assert result.rows == len(expected) and seen[-1] == (len(expected), len(expected))
    assert result.filename.startswith("audit-amounts-") and result.filename.endswith(".csv")
    [logged] = export_rows(data.admin)
    assert logged.after is not None and logged.after["rows"] == len(expected) and logged.after["format"] == "csv"
    assert logged.after["filters"] == FILTERED.filters and logged.after["filters_text"] == FILTERS_TEXT
    assert logged.actor_name == "ada" and logged.after["title"] == "Audit amounts"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_a_big_export_is_read_in_chunks_and_reports_progress_after_each(factories, tmp_path, fmt):
    data = make_audit_rows(factories, extra=30)
    source = money_source()
    query = TableQuery(filters={"kind": ["data_change", "system"]})  # not the export's own audit row (a user action)
    expected = all_pages(data.admin, source, query)
    seen: list[tuple[int, int]] = []
    chunked = exports.export_table(data.admin, source, query, fmt, tmp_path / f"chunked.{fmt}",
                                   progress=lambda done, total: seen.append((done, total)), chunk_rows=4)

    total = len(expected)
    assert total > 8 and seen == [*((n, total) for n in range(4, total + 1, 4)), (total, total)]
    assert chunked.rows == total
    if fmt == "csv":  # the same file as one read in a single chunk
        whole = exports.export_table(data.admin, source, query, fmt, tmp_path / "whole.csv")
        assert read_csv(chunked.path) == read_csv(whole.path)
        assert [line[1] for line in read_csv(chunked.path)[1:-2]] == [r["action"] for r in expected]


# --- XLSX ----------------------------------------------------------------------------------------------------------


def test_xlsx_export_has_title_filters_and_count_real_numbers_and_dates_exact_totals(factories, tmp_path):
    data = make_audit_rows(factories)
    source = money_source()
    expected = all_pages(data.admin, source, FILTERED)
    result = exports.export_table(data.admin, source, FILTERED, "xlsx", tmp_path / "out.xlsx")

    book = load_workbook(result.path)
    assert book.sheetnames == ["Audit amounts"] and result.sheets == 1
    sheet = book.active
    rows = list(sheet.iter_rows())
    values = [[c.value for c in row] for row in rows]
    assert values[0][0] == "Audit amounts" and rows[0][0].font.b
    assert values[1][0] == f"Filters: {FILTERS_TEXT} — {len(expected)} rows"
    assert values[2][0].startswith("Exported ") and values[2][0].endswith(" by Ada")
    assert values[3] == ["When", "Action", "Kind", "Amount", "Quantity", "Letters"]
    assert all(cell.font.b for cell in rows[3]) and sheet.freeze_panes == "A5"
    body = rows[4:4 + len(expected)]
    for cells, row in zip(body, expected, strict=True):
        when, action, kind, amount, qty, letters = cells
        assert isinstance(when.value, datetime) and when.value == local_time(row["at"]).replace(tzinfo=None)
        assert when.number_format == "d mmm yyyy hh:mm"
        assert (action.value, kind.value) == (row["action"], choice_label(row["kind"]))
        assert isinstance(amount.value, float) and Decimal(str(amount.value)) == row["amount"]
        assert amount.number_format == "#,##0.00" and qty.number_format == "#,##0.000"
        assert Decimal(str(qty.value)) == row["qty"] and letters.value == row["letters"] and letters.data_type == "n"
    totals, count = rows[4 + len(expected)], values[5 + len(expected)]
    table_totals = fetch_page(data.admin, source, FILTERED).totals
    assert totals[0].value == "Total" and totals[0].font.b
    assert [Decimal(str(c.value)) for c in totals[3:]] == [table_totals[k] for k in ("amount", "qty", "letters")]
    assert totals[3].number_format == "#,##0.00" and totals[4].number_format == "#,##0.000"
    assert count[:2] == ["Row count", len(expected)]
    assert len(values) == 6 + len(expected)  # nothing after the count, nothing cut off


def test_xlsx_ledger_export_writes_dates_as_dates_and_quantities_money_and_choices_as_typed_cells(factories, tmp_path):
    geo = factories.geography()
    factory = factories.party(PartyKind.FACTORY, geo["nakuru_town"], name="Nakuru Factory")
    flour = factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour")
    today = business_today()
    for n, (qty, cost) in enumerate([("10.5", "95.00"), ("3.25", "97.50"), ("120", "94.25")]):
        receive(factory.id, flour.id, qty, cost, document=f"GR-{n}", day=today - timedelta(days=3 - n),
                note="=cheap lot" if n == 1 else None)
    with transaction(SYSTEM) as tx:
        stock.take(tx, location_id=factory.id, product_id=flour.id, qty=Decimal("2.125"), kind=MoveKind.WASTE,
                   document="WO-1", business_date=today)
    admin = factories.actor("admin", username="ada")
    source = inventory.ledger_table(admin, location_id=factory.id, product_id=flour.id)  # In and Out sum here
    expected = all_pages(admin, source, TableQuery(sort="business_date"))
    result = exports.export_table(admin, source, TableQuery(sort="business_date"), "xlsx", tmp_path / "ledger.xlsx")

    sheet = load_workbook(result.path).active
    rows = list(sheet.iter_rows())
    labels = [c.label for c in source.columns]
    assert [c.value for c in rows[3]] == labels
    column = {c.key: i for i, c in enumerate(source.columns)}
    assert len(expected) == 4
    for cells, row in zip(rows[4:8], expected, strict=True):
        day = cells[column["business_date"]]
        assert day.is_date and day.value.date() == row["business_date"] and day.number_format == "d mmm yyyy"
        for key in ("qty_in", "qty_out", "balance"):
            cell = cells[column[key]]
            assert (cell.value is None) if row[key] is None else Decimal(str(cell.value)) == row[key]
        assert cells[column["balance"]].number_format == "#,##0.000"
        cost = cells[column["unit_cost"]]
        assert Decimal(str(cost.value)) == row["unit_cost"] and cost.number_format == "#,##0.00"
        assert cells[column["kind"]].value == choice_label(row["kind"])
        assert cells[column["document"]].value == row["document"] and cells[column["who"]].value == row["who"]
        assert cells[column["note"]].value == row["note"]
        recorded = cells[column["at"]].value  # Excel keeps timestamps to the millisecond
        assert abs(recorded - local_time(row["at"]).replace(tzinfo=None)) < timedelta(milliseconds=1)
    note = rows[5][column["note"]]
    assert note.value == "=cheap lot" and note.data_type == "s"  # typed text stays text
    totals = rows[8]
    assert totals[0].value == "Total"
    assert Decimal(str(totals[column["qty_in"]].value)) == Decimal("133.750")
    assert Decimal(str(totals[column["qty_out"]].value)) == Decimal("2.125")


def receive(location_id, product_id, qty: str, cost: str, *, document: str, day: date, note: str | None) -> None:
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=location_id, product_id=product_id, qty=Decimal(qty), kind=MoveKind.RECEIPT,
                  document=document, business_date=day, unit_cost=Decimal(cost), note=note)


def test_rows_past_one_sheet_continue_on_the_next_with_the_same_heading_never_cut_off(factories, tmp_path,
                                                                                       monkeypatch):
    data = make_audit_rows(factories, extra=24)
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 16)  # 4 heading lines + 10 rows + room for totals and count
    source = money_source()
    expected = all_pages(data.admin, source, TableQuery())
    sheets = -(-len(expected) // 10)
    assert sheets >= 3
    result = exports.export_table(data.admin, source, TableQuery(), "xlsx", tmp_path / "sheets.xlsx")

    book = load_workbook(result.path)
    assert book.sheetnames == ["Audit amounts", *(f"Audit amounts ({n})" for n in range(2, sheets + 1))]
    assert result.sheets == sheets
    body = []
    for number, sheet in enumerate(book.worksheets, start=1):
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][0] == "Audit amounts"
        assert values[1][0] == f"Filters: none — {len(expected)} rows on {sheets} sheets"
        first, last = 10 * (number - 1) + 1, min(10 * number, len(expected))
        assert values[2][0].endswith(f" — sheet {number} of {sheets}: rows {first} to {last}")
        assert values[3] == ["When", "Action", "Kind", "Amount", "Quantity", "Letters"]
        assert sheet.freeze_panes == "A5" and sheet.max_row <= 16
        rows = values[4:] if number < sheets else values[4:-2]
        body += [row[1] for row in rows]
        if number == sheets:
            assert values[-2][0] == "Total" and values[-1][:2] == ["Row count", len(expected)]
    assert body == [r["action"] for r in expected]


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


# --- scope and refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_audit_trail_exports_for_a_scoped_auditor_only_their_area(factories, tmp_path, fmt):
    data = make_audit_rows(factories)
    source = audit.audit_table(data.rift_auditor)
    expected = all_pages(data.rift_auditor, source, TableQuery())
    result = exports.export_table(data.rift_auditor, source, TableQuery(), fmt, tmp_path / f"trail.{fmt}")
    if fmt == "csv":
        lines = read_csv(result.path)
        assert lines[0] == ["When", "Who", "Action", "Entity", "ID", "Source IP", "Kind"]
        ids, count = [line[4] for line in lines[1:-1]], lines[-1]
        assert count == ["Row count", str(len(expected))]  # no totals: nothing sums
    else:
        values = [[c.value for c in row] for row in load_workbook(result.path).active.iter_rows()]
        ids, count = [row[4] or "" for row in values[4:-1]], values[-1]
        assert count[:2] == ["Row count", len(expected)] and values[1][0] == f"Filters: none — {len(expected)} rows"
    assert ids == [r["entity_id"] or "" for r in expected] and len(expected) < data.total
    everyone = {r["entity_id"] for r in all_pages(data.admin, audit.audit_table(data.admin), TableQuery())}
    assert everyone - set(ids)  # rows outside Rift exist, and none of them is in the file


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
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


def test_unknown_filters_and_formats_are_refused_and_write_nothing(factories, tmp_path):
    data = make_audit_rows(factories, extra=3)
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ValidationFailed, match="cannot be filtered by that"):
        exports.export_table(data.admin, money_source(), TableQuery(filters={"nope": 1}), "csv", folder / "x.csv")
    with pytest.raises(ValidationFailed, match="choose CSV, XLSX or PDF"):
        exports.export_table(data.admin, money_source(), TableQuery(), "docx", folder / "x.docx")  # type: ignore
    assert list(folder.iterdir()) == [] and export_rows(data.admin) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_that_would_not_hold_the_rows_it_states_is_refused_not_handed_out(factories, tmp_path, monkeypatch,
                                                                                  fmt):
    data = make_audit_rows(factories, extra=5)
    counted = tables_q.count_and_totals

    def one_too_many(*args, **kwargs):  # as if a row vanished between the count and the read
        rows, totals = counted(*args, **kwargs)
        return rows + 1, totals

    monkeypatch.setattr(tables_q, "count_and_totals", one_too_many)
    path = tmp_path / f"short.{fmt}"
    with pytest.raises(Conflict, match="changed while exporting"):
        exports.export_table(data.admin, money_source(), TableQuery(), fmt, path)
    assert not path.exists() and export_rows(data.admin) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_no_rows_still_states_its_header_and_zero_count(factories, tmp_path, fmt):
    data = make_audit_rows(factories, extra=3)
    query = TableQuery(filters={"action": "no such action"})
    result = exports.export_table(data.admin, money_source(), query, fmt, tmp_path / f"empty.{fmt}")
    if fmt == "csv":
        assert read_csv(result.path) == [["When", "Action", "Kind", "Amount", "Quantity", "Letters"],
                                         ["Total", "", "", "0.00", "0.000", "0"], ["Row count", "0"]]
    else:
        values = [[c.value for c in row] for row in load_workbook(result.path).active.iter_rows()]
        assert values[1][0] == "Filters: Action contains 'no such action' — 0 rows"
        assert values[4][0] == "Total" and values[5][:2] == ["Row count", 0]
    assert result.rows == 0 and export_rows(data.admin)[0].after["rows"] == 0
