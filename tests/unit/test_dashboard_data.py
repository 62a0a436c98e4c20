"""The dashboard's figures equal what the documents say, by hand: revenue, orders, collections, receivables,
production, stock; a regional viewer's figures hold only their region; filters narrow; comparisons pick the right
days at week and month boundaries; one computation serves every viewer until something changes."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import MoveKind, PartyKind, ProductKind
from domain.services import dashboard, production, stock
from domain.services.dashboard import DashboardFilters, dashboard_data, filters_from_query, period_dates
from domain.services.dashboard_kpis import same_days_last_month
from domain.services.payments import record_payment
from domain.services.rollups import rebuild_rollups

D = Decimal
TODAY = business_today()


@pytest.fixture
def chain(factories):
    """The sales chain (Rift and Nairobi), 1,000 loaves of White Bread 400g (KES 40 / 45 / 50, cost 28.50) at the
    Nakuru factory."""
    return factories.sales_chain(stock="1000")


def sell(factories, chain, customer, qty: str, *, on: date = TODAY, to: str = "delivered", product=None):
    """An order by the system for `customer` (a distributor buys from the factory, a retailer from its distributor,
    which gets the stock first), taken to `to` with every step on `on`."""
    product = product or chain["bread"]
    if customer.kind == PartyKind.RETAILER:
        seller = chain["distributor"] if customer.id == chain["retailer"].id else chain["distributor2"]
        factories.stock(seller, product, qty)
        order = factories.order(SYSTEM, "secondary", customer, [(product, qty)], order_date=on)
    else:
        order = factories.order(SYSTEM, "primary", customer, [(product, qty)], factory=chain["factory"], order_date=on)
    if to != "draft":
        order = factories.order_through(order, to, business_date=on)
    return order


def figures(actor=SYSTEM, *, today: date = TODAY, **filters):
    rebuild_rollups()  # until the services keep the rollups themselves (idempotent afterwards)
    dashboard.memo.forget()
    return dashboard_data(actor, filters=DashboardFilters(**filters), today=today)


def test_revenue_orders_and_collections_today_are_the_documents_figures(chain, factories):
    sell(factories, chain, chain["distributor"], "10")  # sell-in 10 × 40 = 400
    sell(factories, chain, chain["retailer2"], "5")  # sell-through 5 × 45 = 225
    sell(factories, chain, chain["distributor2"], "3", to="draft")  # ordered, not delivered: no revenue yet
    sell(factories, chain, chain["distributor"], "7", to="cancelled")  # cancelled: not an order any more
    factories.order(SYSTEM, "tertiary", chain["retailer2"], [(chain["bread"], "2")])  # sell-out 2 × 50, no revenue
    record_payment(SYSTEM, customer_id=chain["distributor"].id, received_on=TODAY, amount="150.00", method="cash")

    data = figures()

    assert data.kpi("revenue_today").value == D("625.00")
    assert data.kpi("revenue_today").text == "KES 625.00"
    assert data.kpi("orders_today").value == 4  # two delivered, one draft, one tertiary sale
    assert data.kpi("orders_today").comparisons[0].text == "KES 845.00 ordered"  # 400 + 225 + 3 × 40 + 2 × 50
    assert data.kpi("collections_today").value == D("150.00")
    assert data.kpi("receivables").value == D("475.00")  # 400 + 225 invoiced − 150 paid
    assert data.kpi("receivables").comparisons[0].text == "KES 0.00 overdue"
    regions = data.charts["regions"]
    assert regions.categories == ("Central", "Rift Valley")  # Kenya holds one state level: skipped down to it
    sums = {s.name: s.values for s in regions.series}
    assert sums == {"Sell-in": (D(0), D("400.00")), "Sell-through": (D("225.00"), D(0)),
                    "Sell-out": (D("100.00"), D(0))}
    assert dict(zip(data.charts["products"].categories, data.charts["products"].series[0].values, strict=True)) == {
        "White Bread 400g": D("625.00")}


def test_a_regional_viewer_sees_only_their_region(chain, factories):
    sell(factories, chain, chain["distributor"], "10")  # Rift: 400
    sell(factories, chain, chain["distributor2"], "20")  # Nairobi: 800
    rift = factories.actor("regional_sales", scope_code="RFT")

    theirs, company = figures(rift), figures()

    assert theirs.kpi("revenue_today").value == D("400.00")
    assert theirs.kpi("orders_today").value == 1
    assert theirs.kpi("receivables").value == D("400.00")
    assert [p.name for p in theirs.breadcrumb] == ["Rift"]
    assert theirs.charts["regions"].categories == ("Nakuru Town",)  # Rift's single area skipped to its territory
    assert company.kpi("revenue_today").value == D("1200.00")
    assert company.kpi("orders_today").value == 2


def test_a_regional_viewer_cannot_open_another_region(chain, factories):
    rift = factories.actor("regional_sales", scope_code="RFT")
    with pytest.raises(PermissionDenied, match="Nairobi is outside your area"):
        figures(rift, geo_id=chain["geo"]["nairobi"].id)


def test_the_area_filter_narrows_every_card_to_that_place(chain, factories):
    sell(factories, chain, chain["distributor"], "10")
    sell(factories, chain, chain["distributor2"], "20")
    data = figures(geo_id=chain["geo"]["nairobi"].id)
    assert data.kpi("revenue_today").value == D("800.00")
    assert data.kpi("receivables").value == D("800.00")
    assert [p.name for p in data.breadcrumb] == ["Whole company", "Kenya", "Central", "Nairobi"]


def test_the_category_filter_narrows_sales_but_not_money_owed(chain, factories):
    cake = factories.product("CK-1", name="Vanilla Cake", category="Cakes", price_distributor="300.00",
                              price_retailer="320.00", price_retail="350.00")
    factories.stock(chain["factory"], cake, "10")
    sell(factories, chain, chain["distributor"], "10")  # bread 400
    sell(factories, chain, chain["distributor"], "2", product=cake)  # cakes 600

    bread_only = figures(category="Bread")
    assert bread_only.kpi("revenue_today").value == D("400.00")
    assert bread_only.kpi("receivables").value == D("1000.00")  # owed money is not per product
    assert any("Cakes" not in note and "Bread only" in note for note in bread_only.notes)
    assert figures(category="Cakes").charts["products"].categories == ("Vanilla Cake",)


def test_comparisons_pick_the_same_weekday_and_the_same_days_of_last_month(chain, factories):
    today = date(2026, 10, 31)  # a Saturday; September has 30 days
    for day, qty in ((date(2026, 10, 31), "1"), (date(2026, 10, 24), "2"), (date(2026, 10, 1), "4"),
                     (date(2026, 9, 30), "8"), (date(2026, 9, 1), "16"), (date(2026, 8, 31), "32")):
        sell(factories, chain, chain["distributor"], qty, on=day)

    data = figures(today=today)

    assert data.kpi("revenue_today").value == D("40.00")
    week = data.kpi("revenue_today").comparisons[0]
    assert week.text == "KES 80.00 on Sat 24 Oct 2026" and week.change == D("-50.0") and week.good is False
    mtd = data.kpi("revenue_mtd")
    assert mtd.value == D("280.00")  # 1 + 2 + 4 loaves in October
    assert mtd.comparisons[0].text == "KES 960.00 on 1–30 Sep 2026"  # 8 + 16, not 31 August's 32
    assert data.kpi("orders_today").comparisons[1].text == "1 on Sat 24 Oct 2026"


def test_last_months_days_stop_at_its_end():
    assert same_days_last_month(date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert same_days_last_month(date(2028, 3, 30)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert same_days_last_month(date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 15))


@pytest.fixture
def bakery(factories, chain):
    """A second factory in Nairobi; flour and bags at both for White Bread 400g-style loaves."""
    flour = factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    loaf = factories.finished_good_with_recipe("BL-1", name="Brown Loaf", recipe={"FLOUR": "0.250"},
                                               reorder_level="600")
    westlands = factories.party("factory", chain["geo"]["westlands"], name="Westlands Factory")
    for factory in (chain["factory"], westlands):
        with transaction(SYSTEM) as tx:
            stock.put(tx, location_id=factory.id, product_id=flour.id, qty=D("1000"), kind=MoveKind.RECEIPT,
                      document="GR-1", business_date=TODAY - timedelta(days=10))
    return {"loaf": loaf, "nakuru": chain["factory"], "westlands": westlands}


def bake(factory, loaf, day: date, planned: str, good: str, rejected: str = "0") -> None:
    production.post_production_log(
        SYSTEM, factory_id=factory.id, business_date=day, shift="morning", product_id=loaf.id,
        batch_no=f"{factory.code}-{day:%Y%m%d}", planned_qty=planned, good_qty=good, rejected_qty=rejected,
        reject_reason="burnt" if rejected != "0" else None)


def test_production_today_against_plan_and_last_week_with_the_waste_rate(bakery):
    bake(bakery["nakuru"], bakery["loaf"], TODAY, "500", "480", "20")
    bake(bakery["nakuru"], bakery["loaf"], TODAY - timedelta(days=7), "400", "400")
    bake(bakery["westlands"], bakery["loaf"], TODAY, "100", "70", "30")

    data = figures()
    made = data.kpi("production")
    assert made.value == D("550")
    assert made.comparisons[0].text == "91.7 % of plan (600)"  # 550 / 600
    assert made.comparisons[1].change == D("37.5")  # 550 against 400
    assert data.kpi("waste_rate").value == D("8.3")  # 50 rejected of 600 made
    trend = data.charts["production"]
    assert [s.name for s in trend.series] == ["Nakuru Factory", "Westlands Factory"]
    assert trend.categories[-1] == TODAY.isoformat() and trend.series[0].values[-1] == D("480")

    one = figures(factory_id=bakery["nakuru"].id)
    assert one.kpi("production").value == D("480") and one.kpi("waste_rate").value == D("4.0")
    assert [s.name for s in one.charts["production"].series] == ["Nakuru Factory"]
    assert any("factory narrows production" in note for note in one.notes)


def test_stock_cards_value_reorder_and_expiry(bakery):
    bake(bakery["nakuru"], bakery["loaf"], TODAY - timedelta(days=4), "500", "500")  # 5 days' life: expires tomorrow
    data = figures(factory_id=bakery["nakuru"].id)
    loaf_cost = D("500") * D("28.50")
    flour_cost = (D("1000") - D("125")) * D("95.00")
    bread_cost = D("1000") * D("28.50")  # the chain's White Bread 400g
    assert data.kpi("stock_value").value == loaf_cost + flour_cost + bread_cost
    assert data.kpi("stock_value").comparisons[0].text == "KES 42,750.00 in finished goods"
    assert data.kpi("below_reorder").value == 1  # 500 Brown Loaf under a reorder level of 600
    assert data.kpi("near_expiry").value == loaf_cost
    stock_chart = data.charts["stock"]
    assert stock_chart.categories == ("Brown Loaf · Nakuru Factory",)
    assert [s.values for s in stock_chart.series] == [(D("500"),), (D("600"),)]


def test_receivables_age_into_buckets_and_count_as_overdue(chain, factories):
    sell(factories, chain, chain["distributor"], "10", on=TODAY - timedelta(days=45))  # 30 days' terms: 15 late
    sell(factories, chain, chain["retailer"], "4")  # 7 days' terms: current
    data = figures()
    assert data.kpi("receivables").value == D("580.00")
    assert data.kpi("receivables").comparisons[0].text == "KES 400.00 overdue (69.0 %)"
    ageing = {s.name: s.values for s in data.charts["ageing"].series}
    assert data.charts["ageing"].categories == ("Rift Valley",)
    assert ageing["Current"] == (D("180.00"),) and ageing["1–30 days"] == (D("400.00"),)


def test_refusals_name_what_is_wrong(chain, factories):
    with pytest.raises(PermissionDenied):
        dashboard_data(factories.actor("storekeeper"), filters=DashboardFilters())
    with pytest.raises(ValidationFailed) as bad:
        dashboard_data(SYSTEM, filters=DashboardFilters(period="custom", date_from=TODAY, date_to=TODAY - timedelta(1)))
    assert bad.value.errors == {"To": "must not be before From"}
    with pytest.raises(ValidationFailed) as missing:
        period_dates(DashboardFilters(period="custom"), TODAY)
    assert set(missing.value.errors) == {"From", "To"}
    rift = factories.actor("regional_sales", scope_code="RFT")
    westlands = factories.party("factory", chain["geo"]["westlands"], name="Westlands Factory")
    with pytest.raises(ValidationFailed, match="Factory"):
        figures(rift, factory_id=westlands.id)


def test_filters_travel_in_the_url_and_bad_values_fall_back():
    chosen = DashboardFilters(period="custom", date_from=date(2026, 11, 1), date_to=date(2026, 11, 15), geo_id=7,
                              factory_id=3, category="Bread")
    assert filters_from_query(chosen.to_query()) == chosen
    assert DashboardFilters().to_query() == {}
    assert filters_from_query({"period": "forever", "area": "x1", "from": "soon"}) == DashboardFilters()


def test_one_computation_serves_every_viewer_until_an_event(chain, factories):
    sell(factories, chain, chain["distributor"], "10")
    rebuild_rollups()
    dashboard.memo.forget()
    before = dashboard.memo.computed
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(dashboard_data(SYSTEM, filters=DashboardFilters())))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dashboard.memo.computed == before + 1 and len(results) == 8 and all(r is results[0] for r in results)

    sell(factories, chain, chain["distributor"], "5")  # its events empty the memo
    rebuild_rollups()
    assert dashboard_data(SYSTEM, filters=DashboardFilters()).kpi("revenue_today").value == D("600.00")
    assert dashboard.memo.computed == before + 2


def test_the_memoised_figures_are_offered_without_computing_and_only_to_who_may_see_them(chain, factories):
    """`memoised_dashboard_data` (what a live page asks first, on its event loop) never computes: None before the
    first computation and after an event, the very memoised result in between; it checks the permission and the
    period like `dashboard_data`."""
    sell(factories, chain, chain["distributor"], "10")
    rebuild_rollups()
    dashboard.memo.forget()
    before = dashboard.memo.computed
    assert dashboard.memoised_dashboard_data(SYSTEM, filters=DashboardFilters()) is None
    computed = dashboard_data(SYSTEM, filters=DashboardFilters())
    assert dashboard.memoised_dashboard_data(SYSTEM, filters=DashboardFilters()) is computed
    assert dashboard.memo.computed == before + 1
    with pytest.raises(PermissionDenied):
        dashboard.memoised_dashboard_data(factories.actor("storekeeper"), filters=DashboardFilters())
    with pytest.raises(ValidationFailed):
        dashboard.memoised_dashboard_data(SYSTEM, filters=DashboardFilters(period="custom"))
    sell(factories, chain, chain["distributor"], "5")  # its events empty the memo
    assert dashboard.memoised_dashboard_data(SYSTEM, filters=DashboardFilters()) is None
    assert dashboard.memo.computed == before + 1
