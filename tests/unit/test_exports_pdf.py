"""PDF exports, read back with pypdf: title, filters, who and when, the row count, every filtered row in order as
the screen shows it, the column header and "Page n of m" on every page, exact totals; refused above the limit."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import ValidationFailed
from domain.formatting import format_datetime, format_money, format_quantity
from domain.inputs import business_today
from domain.models import MoveKind, PartyKind, ProductKind
from domain.services import audit, exports, inventory, stock
from domain.services.tables import fetch_page
from domain.tables import TableQuery, choice_label
from tests.tables_data import all_pages, make_audit_rows, money_source

ROW_LINE = re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} ")  # a body line starts with its timestamp
HEADER_LINE = "When Action Kind Amount Quantity Letters"


def pages_of(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def shown(row: dict) -> str:
    """A money_source row as the table shows it, cells in column order."""
    return " ".join([format_datetime(row["at"]), row["action"], choice_label(row["kind"]), format_money(row["amount"]),
                     format_quantity(row["qty"]), f"{row['letters']:,}"])


def test_pdf_export_is_titled_with_the_filters_paged_with_a_header_on_every_page_and_totalled(factories, tmp_path):
    data = make_audit_rows(factories)
    source = money_source()
    query = TableQuery(filters={"kind": ["data_change", "user_action", "system"]})
    expected = all_pages(data.admin, source, query)
    assert len(expected) == data.total
    totals = fetch_page(data.admin, source, query).totals  # before the export adds its own audit row
    result = exports.export_table(data.admin, source, query, "pdf", tmp_path / "out.pdf")

    reader = PdfReader(result.path)
    assert reader.metadata is not None and reader.metadata.title == "Audit amounts"
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    pages = pages_of(result.path)
    assert len(pages) >= 2 and result.pages == len(pages)
    first = pages[0].splitlines()
    assert first[:4] == ["Audit amounts", "Filters: Kind is Data change or User action or System",
                         first[2], f"{len(expected)} rows"]
    assert first[2].startswith("Exported ") and first[2].endswith(" by Ada")
    for number, text in enumerate(pages, start=1):
        assert HEADER_LINE in text.splitlines()
        assert f"Page {number} of {len(pages)}" in text
    body = [line for text in pages for line in text.splitlines() if ROW_LINE.match(line)]
    assert body == [shown(r) for r in expected]  # every row, in the table's order, none twice
    last = pages[-1].splitlines()
    assert (f"Total {format_money(totals['amount'])} {format_quantity(totals['qty'])} {totals['letters']:,}"
            in last)
    assert f"{len(expected)} rows" in last
    [logged] = audit.audit_trail(data.admin, action="export.run")
    assert logged.after is not None and logged.after["format"] == "pdf" and logged.after["pages"] == len(pages)


def test_a_scoped_auditors_pdf_holds_only_their_area(factories, tmp_path):
    data = make_audit_rows(factories)
    source = audit.audit_table(data.rift_auditor)
    rows = all_pages(data.rift_auditor, source, TableQuery())
    mine = {r["entity_id"] for r in rows if r["entity_id"] and r["entity_id"].startswith("D-")}
    everyone = {r["entity_id"] for r in all_pages(data.admin, audit.audit_table(data.admin), TableQuery())
                if r["entity_id"] and r["entity_id"].startswith("D-")}
    assert mine and everyone - mine
    result = exports.export_table(data.rift_auditor, source, TableQuery(), "pdf", tmp_path / "trail.pdf")

    words = set(" ".join(pages_of(result.path)).split())
    assert mine <= words and not (everyone - mine) & words
    assert f"{len(rows)} rows" in pages_of(result.path)[0]


def test_a_pdf_above_the_limit_is_refused_up_front_pointing_to_csv_or_xlsx(factories, tmp_path, monkeypatch):
    data = make_audit_rows(factories, extra=12)
    monkeypatch.setattr(exports, "PDF_MAX_ROWS", 10)
    path = tmp_path / "big.pdf"
    with pytest.raises(ValidationFailed, match=r"too many for a PDF \(at most 10\): export CSV or XLSX"):
        exports.export_table(data.admin, money_source(), TableQuery(), "pdf", path)
    assert not path.exists() and audit.audit_trail(data.admin, action="export.run") == []

    narrowed = TableQuery(filters={"action": "order.confirm"})  # the same list, filtered below the limit
    result = exports.export_table(data.admin, money_source(), narrowed, "pdf", path)
    assert result.rows <= 10 and f"{result.rows} rows" in pages_of(path)[0]


def test_an_empty_pdf_says_no_rows_match(factories, tmp_path):
    data = make_audit_rows(factories, extra=3)
    query = TableQuery(filters={"action": "no such action"})
    result = exports.export_table(data.admin, money_source(), query, "pdf", tmp_path / "empty.pdf")
    [text] = pages_of(result.path)
    assert "No rows match these filters." in text and "0 rows" in text and "Page 1 of 1" in text


def test_long_text_wraps_inside_its_column_and_is_printed_whole(factories, tmp_path):
    geo = factories.geography()
    factory = factories.party(PartyKind.FACTORY, geo["nakuru_town"], name="Nakuru Factory")
    flour = factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour")
    note = ("Delivered late by the miller after the rains closed the Molo road; two bags torn and resealed, "
            "counted again at the gate by the night storekeeper")  # far wider than a column may grow
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=factory.id, product_id=flour.id, qty=Decimal("40"), kind=MoveKind.RECEIPT,
                  document="GR-000007", business_date=business_today(), unit_cost=Decimal("95.00"), note=note)
    admin = factories.actor("admin")
    result = exports.export_table(admin, inventory.ledger_table(admin), TableQuery(), "pdf", tmp_path / "long.pdf")

    lines = pages_of(result.path)[0].splitlines()
    [row] = [n for n, line in enumerate(lines) if "GR-000007" in line]
    assert note not in lines[row]  # wrapped …
    printed = " ".join(lines[row:]).split()
    assert all(word in printed for word in note.split())  # … and printed whole
