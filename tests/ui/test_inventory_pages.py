"""/inventory and the stock movement forms in a simulated browser: a storekeeper receives flour and sees the level
rise; a transfer of more than there is shows the shortage and writes nothing; errors sit under their fields; low
stock is marked and a row opens its ledger; buttons follow permissions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from nicegui.testing import User
from sqlmodel import col, func, select

from dashboard.components.data_table import DataTable
from dashboard.components.search_select import SearchSelect
from domain.db import reading
from domain.models import AuditLog, ProductKind, StockMove
from domain.queries import stock as stock_q
from domain.services.inventory import receive_goods, today
from tests.ui.helpers import eventually, present, sign_in, the

RETRIES = 100
D = Decimal


async def choose(user: User, marker: str, label: str) -> None:
    """Pick `label` in a searchable select once its options have arrived."""
    picker = the(user, marker)
    assert isinstance(picker, SearchSelect)
    await eventually(lambda: label in picker.options.values(), f"{label} in {marker}")
    picker.value = next(value for value, text in picker.options.items() if text == label)


def balance(location_id: int, product_id: int) -> Decimal:
    with reading() as s:
        return stock_q.balance(s, location_id, product_id)


def written() -> tuple[int, int]:
    with reading() as s:
        return (s.exec(select(func.count()).select_from(StockMove)).one(),
                s.exec(select(func.count()).select_from(AuditLog)
                       .where(col(AuditLog.action).startswith("stock."))).one())


async def levels_table(user: User) -> DataTable:
    await eventually(lambda: present(user, kind=DataTable), "the list")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the first page")
    return table


@pytest.fixture
def store(factories):
    """Nakuru Factory and Nakuru Wholesalers (Rift) — the factory holding 40 kg of flour (reorder level 100) —
    and Kibet, the Rift storekeeper."""
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], code="F-NKR", name="Nakuru Factory")
    depot = factories.party("distributor", geo["nakuru_town"], code="D-NKR", name="Nakuru Wholesalers")
    flour = factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg",
                              reorder_level="100")
    keeper = factories.actor("storekeeper", scope_code="RFT", username="kibet")
    receive_goods(keeper, location_id=factory.id, supplier_name="Unga Millers", business_date=today(),
                  lines=[{"product": flour.id, "qty": "40", "unit_cost": "95.00"}])
    return {"factory": factory, "depot": depot, "flour": flour}


async def test_a_storekeeper_receives_flour_and_sees_the_level_rise(user: User, store) -> None:
    factory, flour = store["factory"], store["flour"]
    await sign_in(user, "kibet", "/inventory")
    table = await levels_table(user)
    assert [(r["location"], r["product"], r["qty"], r["low"]) for r in table.table.rows] == [
        ("Nakuru Factory", "Wheat Flour", "40", "Yes")]
    user.find(marker="receive").click()
    await eventually(lambda: user.back_history[-1] == "/inventory/receive", "the receive form")

    await choose(user, "stock-location", "Nakuru Factory (F-NKR)")
    user.find(marker="stock-supplier").type("Unga Millers")
    user.find(marker="stock-reference").type("DN 4471")
    await choose(user, "line-product-1", "Wheat Flour (FLR-1)")
    qty = the(user, "line-qty-1")
    await eventually(lambda: qty.props.get("hint") == "40 kg on hand", "what the factory holds")
    assert qty.props["suffix"] == "kg"
    user.find(marker="line-qty-1").type("250.5")
    user.find(marker="line-cost-1").type("94.75")
    user.find(marker="stock-post").click()

    await user.should_see("GR-000002 posted", retries=RETRIES)
    assert balance(factory.id, flour.id) == D("290.5")
    user.find(marker="line-add").click()  # the form is ready for the next delivery
    await eventually(lambda: present(user, "line-product-2"), "a second line")

    await user.open("/inventory")
    table = await levels_table(user)
    assert [(r["product"], r["qty"], r["low"]) for r in table.table.rows] == [("Wheat Flour", "290.5", "No")]
    assert table.totals["stock_value"] == "KES 27,597.50"  # 290.5 kg at the standard cost of 95.00


async def test_a_transfer_of_too_much_shows_the_shortage_and_writes_nothing(user: User, store) -> None:
    await sign_in(user, "kibet", "/inventory/transfer")
    await choose(user, "stock-from", "Nakuru Factory (F-NKR)")
    await choose(user, "stock-to", "Nakuru Wholesalers (D-NKR)")
    await choose(user, "line-product-1", "Wheat Flour (FLR-1)")
    user.find(marker="line-qty-1").type("75")
    before = written()
    user.find(marker="stock-post").click()

    await user.should_see(marker="stock-problem", retries=RETRIES)
    assert the(user, "stock-problem").text == "Not enough Wheat Flour at Nakuru Factory: 75 kg needed, 40 kg available."
    assert written() == before
    assert balance(store["factory"].id, store["flour"].id) == D("40") and balance(store["depot"].id,
                                                                                  store["flour"].id) == D("0")


async def test_bad_input_is_shown_under_each_field_and_writes_nothing(user: User, store) -> None:
    await sign_in(user, "kibet", "/inventory/receive")
    await choose(user, "stock-location", "Nakuru Factory (F-NKR)")
    await choose(user, "line-product-1", "Wheat Flour (FLR-1)")
    user.find(marker="line-qty-1").type("0")
    user.find(marker="line-cost-1").type("9.999")
    date = the(user, "stock-date")
    date.value = (today() + timedelta(days=1)).isoformat()
    before = written()
    user.find(marker="stock-post").click()

    qty = the(user, "line-qty-1")
    await eventually(lambda: bool(qty.props.get("error")), "the quantity error")
    assert qty.props["error-message"] == "Line 1 quantity must be more than 0"
    assert the(user, "line-cost-1").props["error-message"] == "Line 1 unit cost has more than 2 decimal places"
    assert the(user, "stock-supplier").props["error-message"] == "Supplier is required"
    assert date.props["error-message"] == "Date cannot be in the future"
    assert written() == before


async def test_an_adjustment_needs_a_reason_and_a_row_opens_its_ledger(user: User, store) -> None:
    factory, flour = store["factory"], store["flour"]
    await sign_in(user, "kibet", "/inventory/adjust")
    await choose(user, "stock-location", "Nakuru Factory (F-NKR)")
    await choose(user, "stock-product", "Wheat Flour (FLR-1)")
    user.find(marker="stock-quantity").type("2.5")
    user.find(marker="stock-post").click()
    reason = the(user, "stock-reason")
    await eventually(lambda: bool(reason.props.get("error")), "the reason error")
    assert reason.props["error-message"] == "Reason is required"
    user.find(marker="stock-reason").type("Spilt while loading the mixer")
    user.find(marker="stock-post").click()
    await user.should_see("ADJ-000001 posted", retries=RETRIES)
    assert balance(factory.id, flour.id) == D("37.5")

    await user.open("/inventory")
    table = await levels_table(user)
    [row] = table.table.rows
    await table._on_row_click(type("Click", (), {"args": [{}, row]})())
    await eventually(lambda: user.back_history[-1].startswith("/inventory/ledger"), "the ledger")
    await user.should_see("Wheat Flour at Nakuru Factory", retries=RETRIES)
    await user.should_see(marker="position-low", retries=RETRIES)
    ledger = await levels_table(user)
    assert [(r["document"], r["qty_in"], r["qty_out"], r["balance"]) for r in ledger.table.rows] == [
        ("ADJ-000001", "", "2.5", "37.5"), ("GR-000001", "40", "", "40")]


async def test_buttons_follow_permissions_and_readers_cannot_open_the_forms(user: User, factories, store) -> None:
    factories.user("regional_sales", username="rita", scope_code="RFT")
    await sign_in(user, "rita", "/inventory")
    await levels_table(user)
    for marker in ("receive", "transfer", "adjust"):
        assert not present(user, marker)
    await user.open("/inventory/transfer")
    await user.should_see("Not permitted", retries=RETRIES)
