"""/production in a simulated browser: a production manager posts logs and sees the factory's stock rise, a short
material is named in a banner and nothing is written, errors sit next to their fields, a log is reversed through
its dialog, and a storekeeper only reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from nicegui.testing import User
from sqlmodel import func, select

from dashboard.components.data_table import DataTable
from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.models import MoveKind, ProductKind
from domain.models.production import ProductionLog, ProductionStatus
from domain.queries import stock as stock_q
from domain.services import production, stock
from tests.ui.helpers import eventually, present, sign_in, the

D = Decimal


def text_of(user: User, marker: str) -> str:
    """The text of a visible element ('' while it is hidden: `find` sees only what the user sees)."""
    return the(user, marker).text if present(user, marker) else ""  # type: ignore[attr-defined]


def logs() -> list[ProductionLog]:
    with reading() as s:
        return list(s.exec(select(ProductionLog).order_by(ProductionLog.id)))


def balance(location_id: int, product_id: int) -> Decimal:
    with reading() as s:
        return stock_q.balance(s, location_id, product_id)


@pytest.fixture
def plant(factories):
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], code="NKR-F1", name="Nakuru Factory")
    flour = factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    bag = factories.product("BAG", kind=ProductKind.PACKAGING, name="Bread Bag", unit="piece")
    bread = factories.finished_good_with_recipe("WB-400", name="White Bread 400g",
                                                recipe={"FLOUR": "0.250", "BAG": "1"})
    with transaction(SYSTEM) as tx:
        for product_id, qty in ((flour.id, "500"), (bag.id, "1000")):
            stock.put(tx, location_id=factory.id, product_id=product_id, qty=D(qty), kind=MoveKind.RECEIPT,
                      document="GR-1", business_date=production.today())
    factories.user("production_manager", username="pat", scope_code="RFT")
    return {"factory": factory, "bread": bread, "bag": bag, "flour": flour}


async def open_form(user: User) -> None:
    await sign_in(user, "pat", "/production")
    await eventually(lambda: present(user, "production-post"), "the production form")
    await eventually(lambda: present(user, "factory-NKR-F1"), "the day's cards")


def fill(user: User, **values: object) -> None:
    for key, value in values.items():
        the(user, f"production-{key}").value = value  # type: ignore[attr-defined]


async def test_a_production_manager_posts_a_log_and_sees_the_stock_rise(user: User, plant) -> None:
    factory, bread = plant["factory"], plant["bread"]
    await open_form(user)
    assert the(user, "production-factory").value == factory.id  # the only factory in Pat's area
    shift = the(user, "production-shift").value
    suggested = f"NKR-F1-{production.today():%Y%m%d}-{shift[0].upper()}"
    await eventually(lambda: the(user, "production-batch").value == suggested, "the suggested batch")  # type: ignore
    assert not present(user, "production-reason")  # nothing rejected yet

    fill(user, product=bread.id, planned="500", good="480")
    user.find(marker="production-post").click()
    await eventually(lambda: "PL-000001 posted" in text_of(user, "production-result"), "the posted log")
    assert "Nakuru Factory now holds 480 loaf of White Bread 400g" in text_of(user, "production-result")
    await eventually(lambda: the(user, "good-NKR-F1").text == "480", "the day's totals")  # type: ignore[attr-defined]
    assert the(user, "attainment-NKR-F1").text == "96.0 %"  # type: ignore[attr-defined]
    assert the(user, "production-batch").value == f"{suggested}-2"  # type: ignore[attr-defined]  (the next batch)

    fill(user, product=bread.id, batch="NKR-F1-EXTRA", planned="20", good="15", rejected="5")
    assert present(user, "production-reason")
    fill(user, reason="misshapen")
    user.find(marker="production-post").click()
    await eventually(lambda: "PL-000002 posted" in text_of(user, "production-result"), "the second log")
    assert "now holds 495 loaf" in text_of(user, "production-result")
    assert balance(factory.id, bread.id) == D("495")
    assert [(log.number, log.good_qty, log.rejected_qty, log.batch_no) for log in logs()] == [
        ("PL-000001", D("480"), D("0"), suggested), ("PL-000002", D("15"), D("5"), "NKR-F1-EXTRA")]
    await eventually(lambda: the(user, "waste-rate-NKR-F1").text == "1.0 %", "the waste rate")  # type: ignore


async def test_a_short_material_is_named_and_nothing_is_posted(user: User, plant) -> None:
    with transaction(SYSTEM) as tx:  # 900 bags leave: 100 remain
        stock.take(tx, location_id=plant["factory"].id, product_id=plant["bag"].id, qty=D("900"),
                   kind=MoveKind.ADJUSTMENT, document="ADJ-1", business_date=production.today())
    await open_form(user)
    fill(user, product=plant["bread"].id, planned="500", good="480")
    user.find(marker="production-post").click()
    await eventually(lambda: text_of(user, "production-shortage"), "the shortage")
    assert text_of(user, "production-shortage") == (
        "Not enough Bread Bag at Nakuru Factory for this log — Bread Bag: 480 piece needed, 100 piece available.")
    assert not present(user, "production-result")
    assert logs() == [] and balance(plant["factory"].id, plant["bread"].id) == 0


async def test_errors_sit_next_to_their_fields(user: User, plant) -> None:
    await open_form(user)
    fill(user, product=plant["bread"].id, planned="lots", good="10", rejected="2")
    user.find(marker="production-post").click()
    await eventually(lambda: the(user, "production-reason").props.get("error"), "the errors")
    assert the(user, "production-reason").props["error-message"] == "Reason is required when units were rejected"
    assert the(user, "production-planned").props["error-message"] == "Planned must be a number"
    assert not the(user, "production-good").props.get("error")
    assert logs() == []


async def test_a_log_is_reversed_through_its_dialog(user: User, plant) -> None:
    log = production.post_production_log(
        SYSTEM, factory_id=plant["factory"].id, business_date=production.today(), shift="morning",
        product_id=plant["bread"].id, batch_no="B1", planned_qty="100", good_qty="100")
    await open_form(user)
    await eventually(lambda: present(user, "reverse-PL-000001"), "the log's reverse button")
    user.find(marker="reverse-PL-000001").click()
    await eventually(lambda: present(user, "reverse-confirm"), "the dialog")
    user.find(marker="reverse-confirm").click()
    await eventually(lambda: the(user, "reverse-reason").props.get("error"), "the missing reason")
    the(user, "reverse-reason").value = "Counted twice"  # type: ignore[attr-defined]
    user.find(marker="reverse-confirm").click()
    await eventually(lambda: not present(user, "reverse-PL-000001"), "the reversed log")
    [stored] = logs()
    assert (stored.id, stored.status, stored.reversal_reason) == (log.id, ProductionStatus.REVERSED, "Counted twice")
    assert balance(plant["factory"].id, plant["bread"].id) == 0
    await user.should_see("Reversed: Counted twice", retries=100)


async def test_a_storekeeper_reads_the_day_and_the_history_without_posting(user: User, plant, factories) -> None:
    production.post_production_log(
        SYSTEM, factory_id=plant["factory"].id, business_date=production.today(), shift="night",
        product_id=plant["bread"].id, batch_no="B1", planned_qty="100", good_qty="90", rejected_qty="10",
        reject_reason="burnt")
    production.post_production_log(
        SYSTEM, factory_id=plant["factory"].id, business_date=production.today() - timedelta(days=1),
        shift="morning", product_id=plant["bread"].id, batch_no="Y1", planned_qty="10", good_qty="10")
    factories.user("storekeeper", username="sam")
    await sign_in(user, "sam", "/production")
    await eventually(lambda: present(user, "log-PL-000001"), "the day's logs")
    assert not present(user, "production-form") and not present(user, "reverse-PL-000001")
    assert the(user, "waste-rate-NKR-F1").text == "10.0 %"  # type: ignore[attr-defined]
    production.post_production_log(  # someone else posts: the open page follows
        SYSTEM, factory_id=plant["factory"].id, business_date=production.today(), shift="night",
        product_id=plant["bread"].id, batch_no="B2", planned_qty="50", good_qty="50")
    await eventually(lambda: present(user, "log-PL-000003"), "the other person's log")
    assert the(user, "good-NKR-F1").text == "140"  # type: ignore[attr-defined]
    the(user, "production-day").value = (production.today() - timedelta(days=1)).isoformat()  # type: ignore
    await eventually(lambda: present(user, "log-PL-000002"), "yesterday's log")
    assert not present(user, "log-PL-000001")
    await user.open("/production/history")
    await eventually(lambda: present(user, kind=DataTable), "the list")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the first page")
    assert [(r["number"], r["batch_no"], r["reject_reason"]) for r in table.table.rows] == [
        ("PL-000003", "B2", ""), ("PL-000001", "B1", "Burnt"), ("PL-000002", "Y1", "")]
    with reading() as s:
        assert s.exec(select(func.count()).select_from(ProductionLog)).one() == 3
