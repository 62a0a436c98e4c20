"""/reports/pnl in a simulated browser: the statement shows the service's figures for orders delivered, production
posted and expenses approved through the services; the period and area are read from and written to the URL; a
regional user sees only their region and is refused another; a storekeeper cannot open the page; finance downloads
the statement shown as XLSX and PDF, a role that may see reports but not export gets no download buttons."""

import io
from decimal import Decimal
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard.components.search_select import SearchSelect
from domain.access import SYSTEM
from domain.formatting import format_money, format_percent
from domain.inputs import business_today
from domain.models import OrderTier, PartyKind, ProductKind
from domain.services import production
from domain.services.access import load_actor
from domain.services.expenses import approve_expense, record_expense
from domain.services.profit_and_loss import MEMO, ProfitAndLoss, margin, profit_and_loss
from domain.services.rollups import rebuild_rollups
from domain.services.users_admin import create_role
from tests.records import audit_rows
from tests.ui.helpers import eventually, present, sign_in, the

PATH = "/reports/pnl"
TODAY = business_today()
MONTH_START = TODAY.replace(day=1)


@pytest.fixture
def world(factories) -> dict[str, Any]:
    """Today: Nakuru Factory burnt 4 buns; Rift Distributors took 10 loaves (KES 400), Mama Njeri Shop 5 (KES 225)
    and sold 2 to consumers; Westlands Distributors took 3 (KES 120); approved fuel at Nakuru (KES 1,000) and wages
    at Westlands (KES 70). Fay and Finn are finance company-wide, Rhoda finance for Rift, Sam a storekeeper."""
    chain = factories.sales_chain(stock="5000")
    westlands = factories.party(PartyKind.FACTORY, chain["geo"]["westlands"], name="Westlands Factory")
    flour = factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour")
    buns = factories.finished_good_with_recipe("BUN", name="Buns", recipe={"FLOUR": "0.5"})
    factories.stock(chain["factory"], flour, "1000")
    production.post_production_log(
        SYSTEM, factory_id=chain["factory"].id, business_date=TODAY, shift="morning", product_id=buns.id,
        batch_no="NKR-BUN-1", planned_qty="100", good_qty="96", rejected_qty="4", reject_reason="burnt")
    rebuild_rollups()  # the production service does not write its rollup yet (the lead is wiring it)
    factories.invoice(chain, chain["distributor"], "10")
    factories.invoice(chain, chain["retailer"], "5")
    factories.stock(chain["retailer"], chain["bread"], "2")
    factories.order(SYSTEM, OrderTier.TERTIARY, chain["retailer"], [(chain["bread"], "2")])
    factories.invoice(chain, chain["distributor2"], "3")
    fay = load_actor(factories.user("finance", username="fay", full_name="Fay Wanjiru").id)
    finn = load_actor(factories.user("finance", username="finn", full_name="Finn Otieno").id)
    rhoda = load_actor(factories.user("finance", username="rhoda", scope_code="RFT", full_name="Rhoda Rift").id)
    factories.user("storekeeper", username="sam")
    assert fay is not None and finn is not None and rhoda is not None
    for factory, category, amount in ((chain["factory"], "fuel", "1000"), (westlands, "wages", "70")):
        made = record_expense(fay, category=category, factory_id=factory.id, spent_on=TODAY, amount=amount,
                              description=f"{category} this month")
        approve_expense(finn, expense_id=made.id)
    return {**chain, "westlands_factory": westlands, "fay": fay, "rhoda": rhoda}


def shown(user: User) -> dict[str, dict[str, Any]]:
    """The statement's rows as shown, by line label."""
    table = the(user, "pnl-lines", kind=ui.table)
    return {row["label"]: row for row in table.rows}


async def open_statement(user: User, username: str, query: str = "") -> dict[str, dict[str, Any]]:
    await sign_in(user, username, PATH)
    if query:
        await user.open(f"{PATH}?{query}")
    await eventually(lambda: present(user, "pnl-lines"), "the statement")
    return shown(user)


def expected(pnl: ProfitAndLoss) -> dict[str, tuple[str, str]]:
    return {line.label: (format_money(line.amount), format_money(line.previous)) for line in pnl.lines()}


async def test_the_statement_shows_the_services_figures(user: User, world) -> None:
    rows = await open_statement(user, "fay")
    pnl = profit_and_loss(world["fay"], date_from=MONTH_START, date_to=TODAY)
    assert {label: (row["amount"], row["previous"]) for label, row in rows.items() if label != MEMO} == expected(pnl)
    assert rows["Revenue"]["amount"] == "KES 745.00"  # 400 + 225 + 120 delivered; the sell-out is a memo
    assert rows[MEMO]["amount"] == "KES 100.00"
    assert rows["Net margin"]["total"] and not rows["Fuel"]["total"]
    assert rows["Expenses"]["amount"] == "KES 1,070.00" and rows["Production waste"]["amount"] == "KES 190.00"
    assert rows["Gross margin"]["share"] == format_percent(margin(pnl.current.gross_margin, pnl.current.revenue))
    assert the(user, "pnl-net").text == format_money(pnl.current.net_margin)  # type: ignore[attr-defined]
    assert the(user, "pnl-period").text.startswith("The whole company · ")  # type: ignore[attr-defined]
    assert rows["Fuel"]["tone"] == "text-grey-7"  # nothing last month: no change to colour


async def test_the_area_in_the_url_narrows_the_statement_and_is_kept(user: User, world) -> None:
    nairobi = world["geo"]["nairobi"]
    rows = await open_statement(user, "fay", f"from={MONTH_START.isoformat()}&to={TODAY.isoformat()}&area={nairobi.id}")
    pnl = profit_and_loss(world["fay"], date_from=MONTH_START, date_to=TODAY, area_id=nairobi.id)
    assert rows["Revenue"]["amount"] == format_money(pnl.current.revenue) == "KES 120.00"
    assert rows["Expenses"]["amount"] == "KES 70.00"
    assert the(user, "pnl-area", kind=SearchSelect).value == nairobi.id
    assert the(user, "pnl-period").text.startswith("Nairobi · ")  # type: ignore[attr-defined]


async def test_a_regional_user_sees_only_their_region(user: User, world) -> None:
    rows = await open_statement(user, "rhoda")
    pnl = profit_and_loss(world["rhoda"], date_from=MONTH_START, date_to=TODAY)
    assert {label: (row["amount"], row["previous"]) for label, row in rows.items() if label != MEMO} == expected(pnl)
    assert rows["Revenue"]["amount"] == "KES 625.00"  # Rift's, not Westlands Distributors' KES 120
    assert rows["Expenses"]["amount"] == "KES 1,000.00"
    assert the(user, "pnl-period").text.startswith("Rift · ")  # type: ignore[attr-defined]
    area = the(user, "pnl-area", kind=SearchSelect)
    await eventually(lambda: area.options, "the area choices")
    assert "Nairobi · Region" not in area.options.values() and "Rift · Region" in area.options.values()  # type: ignore


async def test_a_regional_user_is_refused_another_region(user: User, world) -> None:
    nairobi = world["geo"]["nairobi"]
    await sign_in(user, "rhoda", PATH)
    await user.open(f"{PATH}?area={nairobi.id}")
    await eventually(lambda: present(user, "pnl-message"), "the refusal")
    assert the(user, "pnl-message").text == "Nairobi is outside your area (Rift)."  # type: ignore[attr-defined]
    assert not present(user, "pnl-lines")
    assert [r.entity_id for r in audit_rows("access.denied")] == [PATH]


async def test_a_storekeeper_cannot_open_the_pnl(user: User, world) -> None:
    await sign_in(user, "sam", PATH)
    await user.should_see("Not permitted", retries=100)
    assert not present(user, "pnl-lines")


async def test_finance_downloads_the_statement_shown_as_xlsx_and_pdf(user: User, world) -> None:
    nairobi = world["geo"]["nairobi"]
    await open_statement(user, "fay", f"from={MONTH_START.isoformat()}&to={TODAY.isoformat()}&area={nairobi.id}")
    pnl = profit_and_loss(world["fay"], date_from=MONTH_START, date_to=TODAY, area_id=nairobi.id)
    assert the(user, "pnl-pdf").props["label"] == "Download PDF"
    user.find(marker="pnl-xlsx").click()
    response = await user.download.next(timeout=10)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=1).value == "Area: Nairobi"
    rows = {r[0]: r for r in sheet.iter_rows(values_only=True) if r[0]}
    assert {label: (Decimal(str(rows[label][1])), Decimal(str(rows[label][2]))) for label in expected(pnl)} == {
        line.label: (line.amount, line.previous) for line in pnl.lines()}
    assert rows["Revenue"][1] == 120
    [audit] = audit_rows("pnl.download")
    assert (audit.after["format"], audit.after["area"]) == ("xlsx", "Nairobi")

    user.find(marker="pnl-pdf").click()
    response = await user.download.next(timeout=10)
    [page] = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    assert "Area Nairobi" in page and format_money(pnl.current.net_margin) in page
    assert [a.after["format"] for a in audit_rows("pnl.download")] == ["pdf", "xlsx"]


async def test_a_role_that_may_not_export_sees_no_download_buttons(user: User, world, factories) -> None:
    create_role(SYSTEM, code="report_reader", name="Report reader", codes={"reports.view"})
    factories.user("report_reader", username="rita")
    await open_statement(user, "rita")
    assert the(user, "pnl-net").text == format_money(  # type: ignore[attr-defined]
        profit_and_loss(world["fay"], date_from=MONTH_START, date_to=TODAY).current.net_margin)
    assert not present(user, "pnl-pdf") and not present(user, "pnl-xlsx")
