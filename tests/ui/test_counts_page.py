"""/inventory/counts and /inventory/expiry in a simulated browser: a storekeeper starts a count, enters it on the
sheet, reviews the variances and posts them; bad quantities are shown next to their product and write nothing;
expired stock is written off from its row."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import func, select

from dashboard.components.data_table import DataTable
from dashboard.components.search_select import SearchSelect
from domain.access import SYSTEM
from domain.config import get_settings
from domain.db import reading, transaction
from domain.models import CountStatus, MoveKind, ProductKind, StockCount, StockMove
from domain.queries import stock as stock_q
from domain.services import counts, stock
from domain.services.stock import BatchInfo
from tests.ui.helpers import eventually, present, sign_in, the

RETRIES = 100
D = Decimal
TODAY = datetime.now(get_settings().tz).date()


def moves(document: str) -> list[tuple[int, Decimal, MoveKind]]:
    with reading() as s:
        return [(m.product_id, m.qty, m.kind)
                for m in s.exec(select(StockMove).where(StockMove.document == document).order_by(StockMove.id))]


def balance(location_id: int, product_id: int) -> Decimal:
    with reading() as s:
        return stock_q.balance(s, location_id, product_id)


@pytest.fixture
def store(factories):
    """Nakuru Factory (Rift) holding 100 kg of flour and 24 loaves; a storekeeper of the Rift region."""
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], code="F-NKR", name="Nakuru Factory")
    flour = factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg",
                              standard_cost="95.00")
    bread = factories.product("BRD-1", name="White Bread 400g", shelf_life_days=5, standard_cost="28.50")
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=factory.id, product_id=flour.id, qty=D("100"), kind=MoveKind.RECEIPT,
                  document="GR-1", business_date=TODAY)
        stock.put(tx, location_id=factory.id, product_id=bread.id, qty=D("24"), kind=MoveKind.PRODUCTION,
                  document="PL-1", business_date=TODAY - timedelta(days=7),
                  batch=BatchInfo("PL-1", TODAY - timedelta(days=7), TODAY - timedelta(days=2)))
    factories.user("storekeeper", username="sam", scope_code="RFT", full_name="Samuel Kiprop")
    return {"factory": factory, "flour": flour, "bread": bread}


async def test_a_storekeepers_count_posts_the_variance(user: User, store) -> None:
    factory, flour, bread = store["factory"], store["flour"], store["bread"]
    await sign_in(user, "sam", "/inventory/counts")
    user.find(marker="count-new").click()
    await eventually(lambda: present(user, "count-location"), "the new count dialog")
    picker = the(user, "count-location")
    assert isinstance(picker, SearchSelect)
    await eventually(lambda: len(picker.options) > 0, "the locations")
    assert dict(picker.options) == {str(factory.id): "Nakuru Factory (F-NKR)"}
    picker.value = str(factory.id)
    user.find(marker="count-start").click()

    await eventually(lambda: present(user, "count-sheet"), "the count sheet")
    with reading() as s:
        [count] = s.exec(select(StockCount)).all()
    assert user.back_history[-1] == f"/inventory/counts/{count.id}"
    assert the(user, "count-number").text == "SC-000001"
    await user.should_not_see("100")  # the sheet is blind: no system quantities
    user.find(marker="counted-FLR-1").type("97.5")
    user.find(marker="counted-BRD-1").type("24")
    user.find(marker="count-review").click()

    await eventually(lambda: present(user, "variance-table"), "the variance review")
    table = the(user, "variance-table")
    assert isinstance(table, ui.table)
    assert [(r["product"], r["system"], r["counted"], r["variance"], r["value"]) for r in table.rows] == [
        ("Wheat Flour", "100", "97.5", "-2.5", "-KES 237.50"),
        ("White Bread 400g", "24", "24", "0", ""),
    ]
    assert table.columns[-1]["total"] == "-KES 237.50"
    assert moves("SC-000001") == []  # reviewing writes nothing to the ledger

    user.find(marker="count-post").click()
    await user.should_see(marker="confirm-yes", retries=RETRIES)
    user.find(marker="confirm-yes").click()
    await eventually(lambda: present(user, "count-status") and the(user, "count-status").text == "Posted",
                     "the posted count")
    assert moves("SC-000001") == [(flour.id, D("-2.5"), MoveKind.COUNT)]
    assert balance(factory.id, flour.id) == D("97.5") and balance(factory.id, bread.id) == D("24")
    await user.should_see("SC-000001 posted", retries=RETRIES)
    await user.should_not_see(marker="count-post")


async def test_a_bad_quantity_is_shown_next_to_its_product_and_nothing_is_written(user: User, store) -> None:
    factory, flour = store["factory"], store["flour"]
    count = counts.start_count(SYSTEM, location_id=factory.id, business_date=TODAY)
    await sign_in(user, "sam", f"/inventory/counts/{count.id}")
    await eventually(lambda: present(user, "count-sheet"), "the count sheet")
    user.find(marker="counted-FLR-1").type("-3")
    user.find(marker="counted-BRD-1").type("12.3456")
    user.find(marker="count-save").click()
    field = the(user, "counted-FLR-1")
    await eventually(lambda: bool(field.props.get("error")), "the error under the flour")
    assert field.props["error-message"] == "Wheat Flour cannot be negative"
    assert the(user, "counted-BRD-1").props["error-message"] == "White Bread 400g has more than 3 decimal places"
    sheet = counts.count_variances(SYSTEM, count_id=count.id)
    assert [line.counted_qty for line in sheet.lines] == [None, None]

    user.find(marker="counted-FLR-1").clear().type("100")
    user.find(marker="counted-BRD-1").clear()
    user.find(marker="count-review").click()
    await eventually(lambda: present(user, "variance-table"), "the variance review")
    assert the(user, "count-post").enabled is False  # the bread is not counted yet
    await user.should_see("Not counted yet: White Bread 400g", retries=RETRIES)
    assert balance(factory.id, flour.id) == D("100")


async def test_a_count_is_cancelled_without_touching_the_ledger(user: User, store) -> None:
    count = counts.start_count(SYSTEM, location_id=store["factory"].id, business_date=TODAY)
    await sign_in(user, "sam", f"/inventory/counts/{count.id}")
    await eventually(lambda: present(user, "count-sheet"), "the count sheet")
    user.find(marker="count-cancel").click()
    await user.should_see(marker="confirm-yes", retries=RETRIES)
    user.find(marker="confirm-yes").click()
    await eventually(lambda: present(user, "count-status") and the(user, "count-status").text == "Cancelled",
                     "the cancelled count")
    with reading() as s:
        assert s.exec(select(StockCount.status)).one() == CountStatus.CANCELLED
        assert s.exec(select(func.count()).select_from(StockMove).where(StockMove.kind == MoveKind.COUNT)).one() == 0


async def test_people_without_stock_count_are_not_let_in(user: User, store, factories) -> None:
    factories.user("regional_sales", username="rita", scope_code="RFT")
    await sign_in(user, "rita", "/inventory/expiry")  # rita sees stock, so she gets the expiry list
    await user.open("/inventory/counts")
    await user.should_see("Not permitted", retries=RETRIES)


async def test_a_storekeeper_writes_off_an_expired_batch_from_its_row(user: User, store) -> None:
    factory, bread = store["factory"], store["bread"]
    await sign_in(user, "sam", "/inventory/expiry")
    await eventually(lambda: present(user, kind=DataTable), "the list")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None and bool(table.table.rows), "the expired bread")
    row = table.table.rows[0]
    assert (row["location"], row["product"], row["batch_no"], row["days_left"], row["status"]) == (
        "Nakuru Factory", "White Bread 400g", "PL-1", "-2", "Expired")
    assert row["value"] == "KES 684.00"
    user.find(ui.table).trigger("rowClick", [{}, row, 0])
    await user.should_see(marker="batch-write-off", retries=RETRIES)
    user.find(marker="batch-write-off").click()
    await eventually(lambda: balance(factory.id, bread.id) == 0, "the write-off")
    assert moves("WO-000001") == [(bread.id, D("-24"), MoveKind.WASTE)]
    await eventually(lambda: table.page is not None and table.page.total_rows == 0, "the emptied list")
