"""The P&L: revenue is delivered primary and secondary sales by tier (tertiary sell-out a memo), cost of goods is
delivered quantity at standard cost, waste comes from posted production (reversed logs excluded), only approved
expenses count, the previous period is as long and just before, an area or factory narrows the figures, and a
user's area is enforced."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import OrderTier, PartyKind, ProductKind
from domain.models.finance import ExpenseCategory
from domain.services import production
from domain.services.expenses import approve_expense, record_expense, reject_expense
from domain.services.profit_and_loss import profit_and_loss
from domain.services.rollups import rebuild_rollups

D = Decimal
TODAY = business_today()
FROM, TO = TODAY - timedelta(days=9), TODAY  # ten days; the previous period: TODAY-19 .. TODAY-10


@pytest.fixture
def world(factories):
    """The sales chain (Nakuru Factory, Rift and Westlands distributors and retailers, White Bread 400g at KES 40 /
    45 / 50, standard cost 28.50), a Westlands factory, and Buns made of 0.5 kg of flour (KES 95.00 a kg: a rejected
    bun wastes KES 47.50) with flour at both factories. Fay records expenses, Finn approves them."""
    chain = factories.sales_chain(stock="5000")
    westlands = factories.party(PartyKind.FACTORY, chain["geo"]["westlands"], name="Westlands Factory")
    flour = factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour")
    buns = factories.finished_good_with_recipe("BUN", name="Buns", recipe={"FLOUR": "0.5"})
    for factory in (chain["factory"], westlands):
        factories.stock(factory, flour, "1000")
    return {**chain, "westlands_factory": westlands, "buns": buns,
            "fay": factories.actor("finance"), "finn": factories.actor("finance")}


def deliver(factories, w, customer_key: str, qty: str, day: date = TODAY):
    """A primary (to a distributor) or secondary (to a retailer) order of bread, delivered on `day`."""
    return factories.invoice(w, w[customer_key], qty, issued_on=day)


def sell_out(factories, w, retailer_key: str, qty: str, day: date = TODAY) -> None:
    """A retailer's tertiary sale of bread to consumers on `day` (the retailer is given the stock first)."""
    factories.stock(w[retailer_key], w["bread"], qty)
    factories.order(SYSTEM, OrderTier.TERTIARY, w[retailer_key], [(w["bread"], qty)], order_date=day)


def waste(w, factory_key: str, rejected: str, day: date = TODAY, batch: str | None = None):
    log = production.post_production_log(
        SYSTEM, factory_id=w[factory_key].id, business_date=day, shift="morning", product_id=w["buns"].id,
        batch_no=batch or f"B-{factory_key}-{day:%Y%m%d}-{rejected}", planned_qty="100",
        good_qty=str(100 - int(rejected)), rejected_qty=rejected, reject_reason="burnt")
    rebuild_rollups()  # the production service does not write its rollup yet (the lead is wiring it)
    return log


def expense(w, category: str, amount: str, *, factory_key: str = "factory", day: date = TODAY,
            decide: str | None = "approve"):
    made = record_expense(w["fay"], category=category, factory_id=w[factory_key].id, spent_on=day, amount=amount,
                          description=f"{category} {amount}")
    if decide == "approve":
        approve_expense(w["finn"], expense_id=made.id)
    elif decide == "reject":
        reject_expense(w["finn"], expense_id=made.id, reason="Not ours")
    return made


def pnl(actor=SYSTEM, **narrowing):
    return profit_and_loss(actor, date_from=FROM, date_to=TO, **narrowing)


def test_revenue_is_delivered_primary_and_secondary_sales_with_tertiary_as_a_memo(world, factories):
    deliver(factories, world, "distributor", "10")  # primary: 10 × 40 = 400
    deliver(factories, world, "retailer", "5")  # secondary: 5 × 45 = 225
    sell_out(factories, world, "retailer", "2")  # tertiary: 2 × 50 = 100, a memo
    undelivered = factories.order(SYSTEM, OrderTier.PRIMARY, world["distributor"], [(world["bread"], "7")],
                                  factory=world["factory"])
    factories.order_through(undelivered, "dispatched")  # on its way: not revenue yet
    cancelled = factories.order(SYSTEM, OrderTier.PRIMARY, world["distributor"], [(world["bread"], "3")],
                                factory=world["factory"])
    factories.order_through(cancelled, "cancelled")

    now = pnl().current
    assert now.revenue_by_tier == {OrderTier.PRIMARY: D("400.00"), OrderTier.SECONDARY: D("225.00"),
                                   OrderTier.TERTIARY: D("100.00")}
    assert now.revenue == D("625.00") and now.sell_out == D("100.00")
    assert now.cost_of_goods == D("427.50")  # 15 delivered loaves × 28.50; the sell-out is not the company's
    assert now.gross_margin == D("197.50") and now.net_margin == D("197.50")
    lines = {line.label: line for line in pnl().lines()}
    assert (lines["Primary sales"].amount, lines["Secondary sales"].amount, lines["Revenue"].amount) == (
        D("400.00"), D("225.00"), D("625.00"))
    assert "Tertiary sales" not in lines


def test_waste_is_the_rejects_cost_of_posted_production_not_reversed_logs(world, factories):
    waste(world, "factory", "4")  # 4 × 47.50 = 190.00
    wrong = waste(world, "factory", "10")
    production.reverse_production_log(SYSTEM, log_id=wrong.id, reason="Counted twice")
    rebuild_rollups()  # the reversal's rollup, likewise

    result = pnl()
    assert result.current.production_waste == D("190.00")
    assert result.current.net_margin == D("-190.00")
    assert {line.label: line.amount for line in result.lines()}["Production waste"] == D("190.00")


def test_only_approved_expenses_count_by_category(world):
    expense(world, "fuel", "1000")
    expense(world, "wages", "500.50")
    expense(world, "fuel", "300", decide=None)  # pending
    expense(world, "utilities", "200", decide="reject")

    now = pnl().current
    assert now.expenses == {ExpenseCategory.FUEL: D("1000.00"), ExpenseCategory.WAGES: D("500.50")}
    assert now.total_expenses == D("1500.50") and now.net_margin == D("-1500.50")
    labels = [line.label for line in pnl().lines()]
    assert labels == ["Primary sales", "Secondary sales", "Revenue", "Cost of goods (standard cost)", "Gross margin",
                      "Production waste", "Fuel", "Wages", "Expenses", "Net margin"]


def test_the_previous_period_is_as_long_and_just_before(world, factories):
    deliver(factories, world, "distributor", "10", FROM)  # first day of this period: 400
    deliver(factories, world, "distributor", "5", FROM - timedelta(days=1))  # last day before: 200
    deliver(factories, world, "distributor", "2", FROM - timedelta(days=10))  # first day before: 80
    deliver(factories, world, "distributor", "1", FROM - timedelta(days=11))  # in neither
    expense(world, "fuel", "100", day=FROM - timedelta(days=10))
    expense(world, "fuel", "150", day=TO)

    result = pnl()
    assert (result.previous_from, result.previous_to) == (FROM - timedelta(days=10), FROM - timedelta(days=1))
    assert result.current.revenue == D("400.00") and result.previous.revenue == D("280.00")
    lines = {line.label: line for line in result.lines()}
    assert lines["Revenue"].previous == D("280.00")
    assert lines["Revenue"].change == D("42.9")  # (400 − 280) / 280
    assert (lines["Fuel"].amount, lines["Fuel"].previous, lines["Fuel"].change) == (D("150.00"), D("100.00"),
                                                                                    D("50.0"))
    one_day = profit_and_loss(SYSTEM, date_from=TO, date_to=TO)
    assert (one_day.previous_from, one_day.previous_to) == (TO - timedelta(days=1), TO - timedelta(days=1))


def test_an_area_narrows_everything_and_a_factory_narrows_waste_and_expenses(world, factories):
    geo = world["geo"]
    waste(world, "factory", "2")  # Nakuru (Rift): 95.00
    waste(world, "westlands_factory", "1")  # Westlands (Nairobi): 47.50
    deliver(factories, world, "distributor", "10")  # Rift: 400 (after the rebuild: the orders' own rollups count)
    deliver(factories, world, "distributor2", "3")  # Nairobi: 120
    expense(world, "fuel", "1000")
    expense(world, "wages", "70", factory_key="westlands_factory")

    company = pnl().current
    assert (company.revenue, company.production_waste, company.total_expenses) == (
        D("520.00"), D("142.50"), D("1070.00"))
    nairobi = pnl(area_id=geo["nairobi"].id)
    assert nairobi.area == "Nairobi"
    assert (nairobi.current.revenue, nairobi.current.production_waste, nairobi.current.total_expenses) == (
        D("120.00"), D("47.50"), D("70.00"))
    nakuru = pnl(factory_id=world["factory"].id)
    assert nakuru.area == "Nakuru Factory"
    assert (nakuru.current.revenue, nakuru.current.production_waste, nakuru.current.total_expenses) == (
        D("520.00"), D("95.00"), D("1000.00"))  # sales are placed at the buyer: they stay the area's
    both = pnl(area_id=geo["rift"].id, factory_id=world["factory"].id)
    assert both.area == "Rift, Nakuru Factory" and both.current.revenue == D("400.00")


def test_a_regional_user_sees_only_their_region_and_is_refused_another(world, factories):
    deliver(factories, world, "distributor", "10")  # Rift: 400
    deliver(factories, world, "distributor2", "3")  # Nairobi: 120
    expense(world, "wages", "70", factory_key="westlands_factory")
    rift = factories.actor("finance", scope_code="RFT")

    mine = pnl(rift)
    assert mine.area == "Rift" and mine.current.revenue == D("400.00") and mine.current.total_expenses == 0
    with pytest.raises(PermissionDenied, match="Nairobi is outside your area"):
        pnl(rift, area_id=world["geo"]["nairobi"].id)
    with pytest.raises(PermissionDenied, match="Westlands Factory is outside your area"):
        pnl(rift, factory_id=world["westlands_factory"].id)


def test_refusals_name_the_problem(world, factories):
    with pytest.raises(PermissionDenied, match="may not see reports"):
        pnl(factories.actor("storekeeper"))
    with pytest.raises(ValidationFailed) as refused:
        profit_and_loss(SYSTEM, date_from=TO, date_to=FROM)
    assert refused.value.errors == {"To": "must not be before From"}
    with pytest.raises(ValidationFailed) as refused:
        pnl(factory_id=world["distributor"].id)
    assert refused.value.errors == {"Factory": "must be a factory"}
    with pytest.raises(NotFound):
        pnl(area_id=999_999)
