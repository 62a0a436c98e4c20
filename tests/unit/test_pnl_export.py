"""P&L downloads: the XLSX holds the service's P&L cell by cell as real numbers (money, and the change and share of
revenue as percentages), headed by the area, factory, periods, currency and who prepared it; the PDF states the same
heading and every line as the page shows it; each download is audited; refusals (another region, no permission, a
bad format or period) write nothing."""

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from domain.access import SYSTEM
from domain.config import reload_settings
from domain.errors import PermissionDenied, ValidationFailed
from domain.formatting import format_date, format_money, format_percent
from domain.inputs import business_today
from domain.models import AuditKind, OrderTier, PartyKind, ProductKind
from domain.services import production
from domain.services.expenses import approve_expense, record_expense
from domain.services.profit_and_loss import EXPLAINED, MEMO, pnl_file, profit_and_loss
from tests.records import audit_rows

D = Decimal
TODAY = business_today()
FROM, TO = TODAY - timedelta(days=9), TODAY  # ten days; the previous period: TODAY-19 .. TODAY-10
BEFORE = FROM - timedelta(days=3)
HEADER_ROW = 8  # title, area, factory, period, compared with, currency, prepared, blank, then the column header


@pytest.fixture
def world(factories) -> dict:
    """This period: Rift Distributors took 10 loaves (KES 400), Mama Njeri Shop 5 (KES 225) and sold 2 (memo KES
    100), Westlands Distributors 3 (KES 120); Nakuru Factory burnt 4 buns (KES 190.00); approved fuel at Nakuru
    (KES 1,000). The period before: Rift Distributors took 5 (KES 200), wages at Westlands Factory (KES 70)."""
    chain = factories.sales_chain(stock="5000")
    westlands = factories.party(PartyKind.FACTORY, chain["geo"]["westlands"], name="Westlands Factory")
    flour = factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour")
    buns = factories.finished_good_with_recipe("BUN", name="Buns", recipe={"FLOUR": "0.5"})
    factories.stock(chain["factory"], flour, "1000")
    production.post_production_log(
        SYSTEM, factory_id=chain["factory"].id, business_date=TODAY, shift="morning", product_id=buns.id,
        batch_no="NKR-BUN-1", planned_qty="100", good_qty="96", rejected_qty="4", reject_reason="burnt")
    factories.invoice(chain, chain["distributor"], "10")
    factories.invoice(chain, chain["retailer"], "5")
    factories.stock(chain["retailer"], chain["bread"], "2")
    factories.order(SYSTEM, OrderTier.TERTIARY, chain["retailer"], [(chain["bread"], "2")])
    factories.invoice(chain, chain["distributor2"], "3")
    factories.invoice(chain, chain["distributor"], "5", issued_on=BEFORE)
    fay, finn = factories.actor("finance"), factories.actor("finance")
    for factory, category, amount, day in ((chain["factory"], "fuel", "1000", TODAY),
                                           (westlands, "wages", "70", BEFORE)):
        made = record_expense(fay, category=category, factory_id=factory.id, spent_on=day, amount=amount,
                              description=f"{category} {amount}")
        approve_expense(finn, expense_id=made.id)
    return {**chain, "westlands_factory": westlands, "fay": fay}


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def in_pdf(text: str) -> str:
    """Text as the PDF's Helvetica prints it: a minus sign as "-", an arrow as "->"."""
    return text.replace("−", "-").replace("→", "->")


def test_the_xlsx_holds_the_services_figures_cell_by_cell_as_numbers(world) -> None:
    fay = world["fay"]
    made = pnl_file(fay, fmt="xlsx", date_from=FROM, date_to=TO)
    pnl = profit_and_loss(fay, date_from=FROM, date_to=TO)
    assert made.pnl == pnl
    assert (pnl.current.revenue, pnl.previous.revenue, pnl.current.net_margin) == (
        D("745.00"), D("200.00"), D("745.00") - D("513.00") - D("190.00") - D("1000.00"))
    sheet = load_workbook(io.BytesIO(made.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in rows[:7]] == [
        "Chesanto — Profit & loss", "Area: The whole company", "Factory: All factories",
        f"Period: {format_date(FROM)} to {format_date(TO)}",
        f"Compared with: {format_date(pnl.previous_from)} to {format_date(pnl.previous_to)} (the period just before)",
        "Currency: KES", rows[6][0]]
    assert rows[6][0].startswith("Prepared ") and rows[6][0].endswith(f" by {fay.full_name}")
    assert rows[HEADER_ROW] == ["Line", "This period (KES)", "Previous period (KES)", "Change", "% of revenue"]

    expected = [*pnl.lines(), pnl.memo()]
    body = rows[HEADER_ROW + 1:HEADER_ROW + 1 + len(expected)]
    assert [r[0] for r in body] == [line.label for line in expected]
    assert body[-1][0] == MEMO and body[-1][4] is None  # the memo line has no share of revenue
    for shown, line in zip(body, expected, strict=True):
        assert all(isinstance(v, int | float) for v in shown[1:3]), shown
        assert (D(str(shown[1])), D(str(shown[2]))) == (line.amount, line.previous)
        if line.change is None:
            assert shown[3] == "—"
        else:
            assert isinstance(shown[3], int | float) and D(str(shown[3])) * 100 == line.change
        if line.label != MEMO:
            assert isinstance(shown[4], int | float) and D(str(shown[4])) * 100 == pnl.share(line)
    by_label = {r[0]: r for r in body}
    assert by_label["Fuel"][3] == "—"  # nothing the period before: no change to state
    assert D(str(by_label["Net margin"][1])) == pnl.current.net_margin
    assert [rows[HEADER_ROW + 2 + len(expected)][0], *(r[0] for r in rows[HEADER_ROW + 3 + len(expected):])] == [
        "What these figures count", *EXPLAINED]
    first = HEADER_ROW + 2  # openpyxl counts from 1
    assert sheet.cell(row=first, column=2).number_format == "#,##0.00"
    assert sheet.cell(row=first, column=2).data_type == "n"
    assert sheet.cell(row=first, column=4).number_format == "+0.0%;-0.0%;0.0%"
    assert sheet.cell(row=first, column=5).number_format == "0.0%"
    assert made.filename == f"pnl-the-whole-company-{FROM.isoformat()}-{TO.isoformat()}.xlsx"


def test_the_pdf_states_title_filters_period_currency_and_every_line(world) -> None:
    fay, rift, nakuru = world["fay"], world["geo"]["rift"], world["factory"]
    made = pnl_file(fay, fmt="pdf", date_from=FROM, date_to=TO, area_id=rift.id, factory_id=nakuru.id)
    pnl = made.pnl
    assert pnl == profit_and_loss(fay, date_from=FROM, date_to=TO, area_id=rift.id, factory_id=nakuru.id)
    [page] = text_of(made.content)
    assert "Chesanto" in page and "Profit & loss" in page
    assert "Area Rift" in page and "Factory Nakuru Factory" in page
    assert f"Period {format_date(FROM)} to {format_date(TO)}" in page
    assert f"Compared with {format_date(pnl.previous_from)} to {format_date(pnl.previous_to)}" in page
    assert "Currency KES" in page and f"by {fay.full_name}" in page
    net = pnl.lines()[-1]
    assert net.label == "Net margin" and net.amount == pnl.current.net_margin == D("-992.50")
    for line in pnl.lines():
        assert in_pdf(f"{line.label} {format_money(line.amount)} {format_money(line.previous)} "
                      f"{format_percent(line.change, signed=True)} {format_percent(pnl.share(line))}") in page
    memo = pnl.memo()
    assert f"{MEMO} {format_money(memo.amount)} {format_money(memo.previous)}" in page
    assert "What these figures count" in page and in_pdf(EXPLAINED[-1]) in page
    assert "Page 1 of 1" in page and "?" not in page
    assert PdfReader(io.BytesIO(made.content)).metadata.title == (
        f"Profit & loss: Rift, Nakuru Factory, {format_date(FROM)} to {format_date(TO)}")
    assert made.content.startswith(b"%PDF") and made.media_type == "application/pdf"
    assert made.filename == f"pnl-rift-nakuru-factory-{FROM.isoformat()}-{TO.isoformat()}.pdf"


@pytest.fixture
def shillings_as_ugx(db, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CHESANTO_CURRENCY", "UGX")
    reload_settings()
    yield
    monkeypatch.delenv("CHESANTO_CURRENCY")
    reload_settings()


def test_the_files_state_the_companys_currency(world, shillings_as_ugx) -> None:
    fay = world["fay"]
    [page] = text_of(pnl_file(fay, fmt="pdf", date_from=FROM, date_to=TO).content)
    assert "Currency UGX" in page and "UGX 745.00" in page and "KES" not in page
    sheet = load_workbook(io.BytesIO(pnl_file(fay, fmt="xlsx", date_from=FROM, date_to=TO).content)).active
    assert sheet.cell(row=6, column=1).value == "Currency: UGX"
    assert sheet.cell(row=HEADER_ROW + 1, column=2).value == "This period (UGX)"


def test_every_download_is_audited_as_a_user_action(world) -> None:
    fay, nairobi = world["fay"], world["geo"]["nairobi"]
    made = pnl_file(fay, fmt="xlsx", date_from=FROM, date_to=TO, area_id=nairobi.id)
    [row] = audit_rows("pnl.download")
    assert (row.kind, row.entity, row.entity_id, row.actor_id) == (AuditKind.USER, "export", "pnl", fay.user_id)
    assert row.after == {"format": "xlsx", "date_from": FROM.isoformat(), "date_to": TO.isoformat(),
                         "previous_from": made.pnl.previous_from.isoformat(),
                         "previous_to": made.pnl.previous_to.isoformat(), "area": "Nairobi", "area_id": nairobi.id,
                         "factory_id": None, "revenue": "120.00", "net_margin": str(made.pnl.current.net_margin),
                         "bytes": len(made.content)}


def test_another_region_is_refused_and_nothing_is_audited(world, factories) -> None:
    rhoda = factories.actor("finance", scope_code="RFT")
    with pytest.raises(PermissionDenied, match="Nairobi is outside your area"):
        pnl_file(rhoda, fmt="pdf", date_from=FROM, date_to=TO, area_id=world["geo"]["nairobi"].id)
    with pytest.raises(PermissionDenied, match="Westlands Factory is outside your area"):
        pnl_file(rhoda, fmt="xlsx", date_from=FROM, date_to=TO, factory_id=world["westlands_factory"].id)
    assert audit_rows("pnl.download") == []
    mine = pnl_file(rhoda, fmt="xlsx", date_from=FROM, date_to=TO)  # their own region is theirs to download
    assert mine.pnl.area == "Rift" and mine.pnl.current.revenue == D("625.00")
    assert load_workbook(io.BytesIO(mine.content)).active.cell(row=2, column=1).value == "Area: Rift"


def test_without_permission_or_with_a_bad_format_or_period_nothing_is_made(world, factories) -> None:
    fay = world["fay"]
    with pytest.raises(PermissionDenied, match="may not export"):
        pnl_file(replace(fay, permissions=fay.permissions - {"exports.run"}), fmt="pdf", date_from=FROM, date_to=TO)
    with pytest.raises(PermissionDenied, match="may not see reports"):
        pnl_file(replace(fay, permissions=fay.permissions - {"reports.view"}), fmt="pdf", date_from=FROM, date_to=TO)
    with pytest.raises(PermissionDenied):
        pnl_file(factories.actor("storekeeper"), fmt="xlsx", date_from=FROM, date_to=TO)
    with pytest.raises(ValidationFailed) as refused:
        pnl_file(fay, fmt="docx", date_from=FROM, date_to=TO)
    assert refused.value.errors == {"Format": "choose PDF or XLSX"}
    with pytest.raises(ValidationFailed) as backwards:
        pnl_file(fay, fmt="pdf", date_from=TO, date_to=FROM)
    assert backwards.value.errors == {"To": "must not be before From"}
    assert audit_rows("pnl.download") == []


def test_a_period_without_revenue_shows_no_share_rather_than_dividing_by_nothing(world) -> None:
    quiet = TODAY - timedelta(days=60), TODAY - timedelta(days=50)
    made = pnl_file(world["fay"], fmt="xlsx", date_from=quiet[0], date_to=quiet[1])
    assert made.pnl.current.revenue == 0
    sheet = load_workbook(io.BytesIO(made.content)).active
    revenue = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Revenue")
    assert revenue[1:] == (0, 0, "—", "—")
    [page] = text_of(pnl_file(world["fay"], fmt="pdf", date_from=quiet[0], date_to=quiet[1]).content)
    assert "Revenue KES 0.00 KES 0.00 — —" in page
