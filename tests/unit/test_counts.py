"""Stock counts: posting writes exactly the variances as COUNT moves against the stock at posting, leaves the
balances equal to what was counted, and every refusal writes nothing."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import func, select

from domain.access import SYSTEM
from domain.config import get_settings
from domain.db import reading, transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.models import AuditLog, CountStatus, MoveKind, ProductKind, StockBatch, StockCount, StockMove
from domain.queries import stock as stock_q
from domain.services import counts, stock
from domain.services.integrity import ledger_balances
from domain.services.tables import fetch_page
from domain.tables import TableQuery

D = Decimal
TODAY = datetime.now(get_settings().tz).date()
EARLIER = TODAY - timedelta(days=2)


@pytest.fixture
def shop(factories):
    """Nakuru Factory (Rift) holding 100 kg flour, 50 loaves in two batches and 10 bags; a Nairobi depot."""
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], name="Nakuru Factory")
    depot = factories.party("distributor", geo["westlands"], name="Westlands Depot")
    flour = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg", standard_cost="95.00")
    bread = factories.product(name="White Bread 400g", shelf_life_days=5, standard_cost="28.50")
    bags = factories.product(kind=ProductKind.PACKAGING, name="Bread Bag", standard_cost="2.50")
    with transaction(SYSTEM) as tx:
        put = {"location_id": factory.id, "business_date": EARLIER - timedelta(days=1)}
        stock.put(tx, product_id=flour.id, qty=D("100"), kind=MoveKind.RECEIPT, document="GR-1", **put)
        stock.put(tx, product_id=bags.id, qty=D("10"), kind=MoveKind.RECEIPT, document="GR-1", **put)
        stock.put(tx, product_id=bread.id, qty=D("20"), kind=MoveKind.PRODUCTION, document="PL-1", **put)
        stock.put(tx, product_id=bread.id, qty=D("30"), kind=MoveKind.PRODUCTION, document="PL-2",
                  location_id=factory.id, business_date=EARLIER)
    return {"factory": factory, "depot": depot, "flour": flour, "bread": bread, "bags": bags}


def balance(location_id: int, product_id: int) -> Decimal:
    with reading() as session:
        return stock_q.balance(session, location_id, product_id)


def written() -> tuple[int, int, int, list[tuple[str, CountStatus]]]:
    """Moves, counts, audit rows, and each count's status: what a refusal must leave alone."""
    with reading() as s:
        return (s.exec(select(func.count()).select_from(StockMove)).one(),
                s.exec(select(func.count()).select_from(StockCount)).one(),
                s.exec(select(func.count()).select_from(AuditLog)).one(),
                [(c.number, c.status) for c in s.exec(select(StockCount).order_by(StockCount.id))])


def count_moves(number: str) -> list[tuple[int, Decimal, str | None]]:
    with reading() as s:
        rows = s.exec(select(StockMove).where(StockMove.document == number).order_by(StockMove.id)).all()
        batches = {b.id: b.batch_no for b in s.exec(select(StockBatch))}
        assert all(m.kind is MoveKind.COUNT for m in rows)
        return [(m.product_id, m.qty, batches.get(m.batch_id)) for m in rows]


def test_posting_writes_exactly_the_variances_as_count_moves(shop, factories):
    keeper = factories.actor("storekeeper", scope_code="RFT")
    f, flour, bread, bags = shop["factory"], shop["flour"], shop["bread"], shop["bags"]
    sheet = counts.start_count(keeper, location_id=f.id, business_date=TODAY)
    assert sheet.number == "SC-000001" and sheet.status is CountStatus.DRAFT
    counts.enter_counts(keeper, count_id=sheet.id, counted={flour.id: "97.5", bread.id: 52, bags.id: "10"})

    review = counts.count_variances(keeper, count_id=sheet.id)
    by_name = {line.name: line for line in review.lines}
    assert [line.name for line in review.lines] == ["Bread Bag", "Wheat Flour", "White Bread 400g"]
    assert (by_name["Wheat Flour"].system_qty, by_name["Wheat Flour"].variance) == (D("100"), D("-2.5"))
    assert by_name["Wheat Flour"].variance_value == D("-237.50")
    assert by_name["White Bread 400g"].variance_value == D("57.00")
    assert review.variance_value == D("-180.50") and review.lines_with_variance == 2

    posted = counts.post_count(keeper, count_id=sheet.id)
    assert posted.status is CountStatus.POSTED and posted.variance_value == D("-180.50")
    assert count_moves("SC-000001") == [(flour.id, D("-2.5"), None), (bread.id, D("2"), "SC-000001")]
    assert [balance(f.id, p.id) for p in (flour, bread, bags)] == [D("97.5"), D("52"), D("10")]
    after = counts.count_variances(keeper, count_id=sheet.id)
    assert [(line.system_qty, line.counted_qty, line.variance) for line in after.lines] == [
        (D("10"), D("10"), D("0")), (D("100"), D("97.5"), D("-2.5")), (D("50"), D("52"), D("2"))]
    assert after.posted_by == keeper.full_name and after.posted_at is not None
    with reading() as s:
        assert ledger_balances(s) == []
        [audit] = s.exec(select(AuditLog).where(AuditLog.action == "stock_count.post")).all()
        assert audit.after["lines"]["Wheat Flour"] == {"system": "100.000", "counted": "97.500",
                                                       "variance": "-2.500"}


def test_a_short_perishable_comes_out_first_expiring_first(shop, factories):
    f, bread = shop["factory"], shop["bread"]
    sheet = counts.start_count(SYSTEM, location_id=f.id, business_date=TODAY, product_ids=[bread.id])
    counts.enter_counts(SYSTEM, count_id=sheet.id, counted={bread.id: "35"})
    counts.post_count(SYSTEM, count_id=sheet.id)
    assert count_moves(sheet.number) == [(bread.id, D("-15"), "PL-1")]
    with reading() as s:
        left = {b.batch_no: b.qty for b in s.exec(select(StockBatch).where(StockBatch.product_id == bread.id))}
    assert left == {"PL-1": D("5"), "PL-2": D("30")}


def test_a_count_whose_stock_changed_after_entry_uses_the_stock_at_posting(shop, factories):
    keeper = factories.actor("storekeeper")
    f, flour = shop["factory"], shop["flour"]
    sheet = counts.start_count(keeper, location_id=f.id, business_date=TODAY, product_ids=[flour.id])
    counts.enter_counts(keeper, count_id=sheet.id, counted={flour.id: "95"})
    assert counts.count_variances(keeper, count_id=sheet.id).lines[0].variance == D("-5")
    with transaction(SYSTEM) as tx:  # production uses 10 kg between the count and its posting
        stock.take(tx, location_id=f.id, product_id=flour.id, qty=D("10"), kind=MoveKind.CONSUMPTION,
                   document="PL-9", business_date=TODAY)
    assert counts.count_variances(keeper, count_id=sheet.id).lines[0].variance == D("5")
    counts.post_count(keeper, count_id=sheet.id)
    assert count_moves(sheet.number) == [(flour.id, D("5"), None)]
    assert balance(f.id, flour.id) == D("95")
    line = counts.count_variances(keeper, count_id=sheet.id).lines[0]
    assert (line.system_qty, line.variance) == (D("90"), D("5"))


def test_a_product_found_that_the_ledger_never_held_is_counted_in(shop, factories):
    f = shop["factory"]
    rolls = factories.product(name="Dinner Rolls", shelf_life_days=3, standard_cost="10.00")
    sheet = counts.start_count(SYSTEM, location_id=f.id, business_date=TODAY, product_ids=[rolls.id])
    counts.enter_counts(SYSTEM, count_id=sheet.id, counted={rolls.id: "4"})
    counts.post_count(SYSTEM, count_id=sheet.id)
    assert balance(f.id, rolls.id) == D("4")
    with reading() as s:
        [batch] = s.exec(select(StockBatch).where(StockBatch.product_id == rolls.id)).all()
        assert (batch.batch_no, batch.expires_on) == (sheet.number, TODAY + timedelta(days=3))
        assert ledger_balances(s) == []


def test_refusals_write_nothing(shop, factories):
    f, flour, bread = shop["factory"], shop["flour"], shop["bread"]
    keeper = factories.actor("storekeeper", scope_code="RFT")
    sheet = counts.start_count(keeper, location_id=f.id, business_date=TODAY)
    counts.enter_counts(keeper, count_id=sheet.id, counted={flour.id: "99"})
    nairobi = factories.actor("storekeeper", scope_code="NRB")
    sales = factories.actor("regional_sales")
    unchanged = written()

    with pytest.raises(PermissionDenied, match="may not enter and post stock counts"):
        counts.start_count(sales, location_id=f.id, business_date=TODAY)
    with pytest.raises(PermissionDenied, match="outside your area"):
        counts.start_count(nairobi, location_id=f.id, business_date=TODAY)
    with pytest.raises(PermissionDenied, match="outside your area"):
        counts.post_count(nairobi, count_id=sheet.id)
    with pytest.raises(PermissionDenied, match="outside your area"):
        counts.enter_counts(nairobi, count_id=sheet.id, counted={flour.id: "1"})
    with pytest.raises(PermissionDenied):
        counts.count_variances(nairobi, count_id=sheet.id)
    with pytest.raises(ValidationFailed) as bad:
        counts.enter_counts(keeper, count_id=sheet.id, counted={flour.id: "-1", bread.id: "1.2345",
                                                                 shop["bags"].id: "ten"})
    assert bad.value.errors == {"Wheat Flour": "cannot be negative", "White Bread 400g": "has more than 3 decimal "
                                "places", "Bread Bag": "must be a number"}
    with pytest.raises(ValidationFailed) as uncounted:
        counts.post_count(keeper, count_id=sheet.id)
    assert uncounted.value.errors == {"Bread Bag": "not counted yet", "White Bread 400g": "not counted yet"}
    with pytest.raises(Conflict, match="SC-000001 at Nakuru Factory is still open for Wheat Flour"):
        counts.start_count(keeper, location_id=f.id, business_date=TODAY, product_ids=[flour.id])
    with pytest.raises(ValidationFailed, match="cannot be in the future"):
        counts.start_count(keeper, location_id=f.id, business_date=TODAY + timedelta(days=1))
    with pytest.raises(ValidationFailed, match="holds no stock"):
        counts.start_count(SYSTEM, location_id=shop["depot"].id, business_date=TODAY)
    with pytest.raises(NotFound):
        counts.post_count(keeper, count_id=9999)
    assert written() == unchanged
    assert counts.count_variances(keeper, count_id=sheet.id).lines[1].counted_qty == D("99")

    counts.cancel_count(keeper, count_id=sheet.id, reason="started by mistake")
    unchanged = written()
    with pytest.raises(Conflict, match="SC-000001 is cancelled"):
        counts.post_count(keeper, count_id=sheet.id)
    with pytest.raises(Conflict, match="SC-000001 is cancelled"):
        counts.enter_counts(keeper, count_id=sheet.id, counted={flour.id: "1"})
    assert written() == unchanged
    assert unchanged[3] == [("SC-000001", CountStatus.CANCELLED)]
    assert balance(f.id, flour.id) == D("100")


def test_a_posted_count_cannot_be_posted_again(shop):
    f, bags = shop["factory"], shop["bags"]
    sheet = counts.start_count(SYSTEM, location_id=f.id, business_date=TODAY, product_ids=[bags.id])
    counts.enter_counts(SYSTEM, count_id=sheet.id, counted={bags.id: "7"})
    counts.post_count(SYSTEM, count_id=sheet.id)
    unchanged = written()
    with pytest.raises(Conflict, match="is posted"):
        counts.post_count(SYSTEM, count_id=sheet.id)
    assert written() == unchanged and balance(f.id, bags.id) == D("7")


def test_the_counts_list_holds_only_the_actors_area(shop, factories):
    depot = shop["depot"]
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=depot.id, product_id=shop["bags"].id, qty=D("5"), kind=MoveKind.RECEIPT,
                  document="GR-2", business_date=EARLIER)
    rift = counts.start_count(SYSTEM, location_id=shop["factory"].id, business_date=EARLIER)
    counts.start_count(SYSTEM, location_id=depot.id, business_date=TODAY)
    counts.enter_counts(SYSTEM, count_id=rift.id, counted={shop["flour"].id: "101"})
    keeper = factories.actor("storekeeper", scope_code="RFT")
    page = fetch_page(keeper, counts.counts_table(keeper), TableQuery())
    assert [(r["number"], r["location"], r["status"], r["products"], r["counted"]) for r in page.rows] == [
        ("SC-000001", "Nakuru Factory", "draft", 3, 1)]
    everyone = fetch_page(SYSTEM, counts.counts_table(SYSTEM), TableQuery())
    assert [r["number"] for r in everyone.rows] == ["SC-000002", "SC-000001"]
    assert isinstance(everyone.rows[0]["business_date"], date)


def test_counted_quantities_read_thousands_separators_and_refuse_a_decimal_comma(shop):
    f, flour, bags = shop["factory"], shop["flour"], shop["bags"]
    sheet = counts.start_count(SYSTEM, location_id=f.id, business_date=TODAY, product_ids=[flour.id, bags.id])
    with pytest.raises(ValidationFailed) as bad:
        counts.enter_counts(SYSTEM, count_id=sheet.id, counted={flour.id: "1,250.5", bags.id: "2,5"})
    assert bad.value.errors == {"Bread Bag": "must be a number"}
    counts.enter_counts(SYSTEM, count_id=sheet.id, counted={flour.id: "1,250.5", bags.id: " 12 "})
    counts.enter_counts(SYSTEM, count_id=sheet.id, counted={bags.id: ""})  # blank: not counted again
    assert [(line.name, line.counted_qty) for line in counts.count_variances(SYSTEM, count_id=sheet.id).lines] == [
        ("Bread Bag", None), ("Wheat Flour", D("1250.5"))]
