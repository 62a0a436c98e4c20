"""Distributor stock: sell-in (primary orders delivered), sell-through (secondary orders dispatched), sell-out
(tertiary sales of the distributor's retailers) and stock on hand per distributor, per region and per product,
equal the sums of the orders written through the order services; the period's first and last days count, the
days outside do not; an undelivered primary order is no sell-in; a regional actor sees only their region."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import Order, Party, Product
from domain.services import distributor_stock as ds
from domain.services.exports import export_table
from domain.services.orders import deliver_order
from domain.services.tables import fetch_page
from domain.tables import TablePage, TableQuery

D = Decimal
TODAY = business_today()
START, END = TODAY - timedelta(days=20), TODAY - timedelta(days=10)  # the period of the boundary tests


def day(n: int) -> Any:
    """n days ago."""
    return TODAY - timedelta(days=n)


@pytest.fixture
def trade(factories) -> dict[str, Any]:
    """The sales chain (Rift Distributors and Mama Njeri Shop in Rift, Westlands Distributors and Westlands Kiosk
    in Nairobi, White Bread 400g at KES 40 / 45 / 50, cost 28.50) plus Brown Bread 600g (KES 52.50 / 58.75 /
    65.00, cost 37.35), both in stock at the factory, and an admin who moves the orders."""
    chain = factories.sales_chain(stock="2000")
    brown = factories.product("BB-600", name="Brown Bread 600g", price_distributor="52.50",
                              price_retailer="58.75", price_retail="65.00", standard_cost="37.35")
    factories.stock(chain["factory"], brown, "200")
    return {**chain, "brown": brown, "admin": factories.actor("admin")}


def lines(*pairs: tuple[Product, str]) -> list[tuple[Product, str]]:
    return list(pairs)


def primary(factories, trade, buyer: Party, items: list[tuple[Product, str]], *, on: Any, until: str = "delivered",
            moved_on: Any = None) -> Order:
    """A primary order from the factory ordered `on`, taken as far as `until` (draft, confirmed, dispatched,
    delivered), dispatched and delivered `moved_on` (default: the order date)."""
    order = factories.order(trade["admin"], "primary", buyer, items, factory=trade["factory"], order_date=on)
    return order if until == "draft" else factories.order_through(order, until, actor=trade["admin"],
                                                                  business_date=moved_on or on)


def secondary(factories, trade, retailer: Party, items: list[tuple[Product, str]], *, on: Any,
              until: str = "delivered") -> Order:
    """A secondary order from the retailer's distributor, ordered, dispatched and delivered `on`."""
    order = factories.order(trade["admin"], "secondary", retailer, items, order_date=on)
    return factories.order_through(order, until, actor=trade["admin"], business_date=on)


def sale(factories, trade, retailer: Party, items: list[tuple[Product, str]], *, on: Any) -> Order:
    return factories.order(trade["admin"], "tertiary", retailer, items, order_date=on)


def table(actor: Any, source: Any, **filters: Any) -> TablePage:
    return fetch_page(actor, source, TableQuery(filters=filters, page_size=200))


def by_name(page: TablePage, key: str = "distributor") -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in page.rows}


@pytest.fixture
def month(factories, trade) -> dict[str, Any]:
    """A month of trade in both regions, all inside the default period (the last 30 days)."""
    rift, nairobi = trade["distributor"], trade["distributor2"]
    bread, brown = trade["bread"], trade["brown"]
    primary(factories, trade, rift, lines((bread, "60"), (brown, "10")), on=day(25))
    primary(factories, trade, rift, lines((bread, "5")), on=day(3), until="dispatched")  # on the road: no sell-in
    primary(factories, trade, rift, lines((bread, "7")), on=day(2), until="confirmed")
    primary(factories, trade, nairobi, lines((bread, "20")), on=day(20))
    secondary(factories, trade, trade["retailer"], lines((bread, "12"), (brown, "4")), on=day(15))
    secondary(factories, trade, trade["retailer"], lines((bread, "3")), on=day(5), until="confirmed")  # not out
    secondary(factories, trade, trade["retailer2"], lines((bread, "5")), on=day(12), until="dispatched")
    secondary(factories, trade, trade["retailer2"], lines((bread, "3")), on=day(11))
    sale(factories, trade, trade["retailer"], lines((bread, "7"), (brown, "1")), on=day(10))
    sale(factories, trade, trade["retailer2"], lines((bread, "2")), on=day(9))
    return trade


def test_each_distributor_shows_its_sell_in_sell_through_sell_out_and_stock(month) -> None:
    admin = month["admin"]
    page = table(admin, ds.distributor_stock_table(admin))
    rows = by_name(page)
    assert set(rows) == {"Rift Distributors", "Westlands Distributors"}

    rift = rows["Rift Distributors"]
    assert (rift["region"], rift["territory"]) == ("Rift", "Nakuru Town")
    assert rift["sell_in_qty"] == D("60") + D("10")
    assert rift["sell_in_value"] == D("60") * D("40.00") + D("10") * D("52.50")
    assert rift["through_qty"] == D("12") + D("4")
    assert rift["through_value"] == D("12") * D("45.00") + D("4") * D("58.75")
    assert rift["sell_out_qty"] == D("7") + D("1")
    assert rift["sell_out_value"] == D("7") * D("50.00") + D("1") * D("65.00")
    assert rift["on_hand_qty"] == (D("60") - 12) + (D("10") - 4)
    assert rift["on_hand_value"] == (D("60") - 12) * D("28.50") + (D("10") - 4) * D("37.35")
    assert rift["rate"] == D("22.9")  # 16 of 70: 22.857… %, to one decimal
    assert rift["days_cover"] == D("101.2")  # 54 on hand ÷ (16 ÷ 30 days) = 101.25 days, rounded down

    westlands = rows["Westlands Distributors"]
    assert westlands["region"] == "Nairobi"
    assert (westlands["sell_in_qty"], westlands["sell_in_value"]) == (D("20"), D("20") * D("40.00"))
    assert (westlands["through_qty"], westlands["through_value"]) == (D("5") + 3, (D("5") + 3) * D("45.00"))
    assert (westlands["sell_out_qty"], westlands["sell_out_value"]) == (D("2"), D("2") * D("50.00"))
    assert (westlands["on_hand_qty"], westlands["on_hand_value"]) == (D("12"), D("12") * D("28.50"))
    assert westlands["rate"] == D("40.0")  # 8 of 20
    assert westlands["days_cover"] == D("45.0")  # 12 on hand ÷ (8 ÷ 30 days)

    assert page.totals["sell_in_value"] == rift["sell_in_value"] + westlands["sell_in_value"]
    assert page.totals["on_hand_qty"] == rift["on_hand_qty"] + westlands["on_hand_qty"]
    assert all(isinstance(v, Decimal) for v in page.totals.values())


def test_regions_add_up_their_distributors(month, factories) -> None:
    admin = month["admin"]
    factories.party("distributor", month["geo"]["nakuru_town"], name="Naivasha Traders")  # no trade: zeros
    summary = ds.region_summary(admin)
    regions = summary.regions
    assert [r.name for r in regions] == ["Nairobi", "Rift"]
    nairobi, rift = regions
    assert (rift.distributors, rift.sell_in_qty, rift.through_qty, rift.sell_out_qty) == (2, D("70"), D("16"), D("8"))
    assert rift.sell_in_value == D("60") * D("40.00") + D("10") * D("52.50")
    assert rift.on_hand_value == D("48") * D("28.50") + D("6") * D("37.35")
    assert rift.rate == D("22.9")
    assert (nairobi.distributors, nairobi.sell_in_value, nairobi.through_value, nairobi.sell_out_value) == (
        1, D("800.00"), D("8") * D("45.00"), D("100.00"))
    assert nairobi.rate == D("40.0")
    total = summary.total
    assert (total.distributors, total.sell_in_qty, total.through_qty) == (3, D("90"), D("24"))
    assert total.sell_in_value == rift.sell_in_value + nairobi.sell_in_value
    assert total.rate == D("26.7")  # 24 of 90, not the average of 22.9 and 40.0


def test_one_distributors_products_add_up_to_its_row(month, factories) -> None:
    admin, rift = month["admin"], month["distributor"]
    rye = factories.product("RYE-1", name="Rye Bread")  # bought and sold on before the period: nothing to show
    factories.stock(month["factory"], rye, "5")
    primary(factories, month, rift, lines((rye, "5")), on=day(40))
    secondary(factories, month, month["retailer"], lines((rye, "5")), on=day(40))
    page = table(admin, ds.distributor_products_table(admin, distributor_id=rift.id))
    rows = by_name(page, "product")
    assert set(rows) == {"White Bread 400g", "Brown Bread 600g"}
    brown = rows["Brown Bread 600g"]
    assert (brown["sell_in_qty"], brown["through_qty"], brown["sell_out_qty"], brown["on_hand_qty"]) == (
        D("10"), D("4"), D("1"), D("6"))
    assert brown["sell_in_value"] == D("525.00") and brown["on_hand_value"] == D("6") * D("37.35")
    assert brown["rate"] == D("40.0") and brown["days_cover"] == D("45.0")
    assert rows["White Bread 400g"]["rate"] == D("20.0")  # 12 of 60
    whole = by_name(table(admin, ds.distributor_stock_table(admin)))["Rift Distributors"]
    for key in ("sell_in_qty", "sell_in_value", "through_value", "sell_out_value", "on_hand_value"):
        assert page.totals[key] == whole[key], key


def test_an_undelivered_primary_order_is_no_sell_in(factories, trade) -> None:
    admin, rift, bread = trade["admin"], trade["distributor"], trade["bread"]
    order = primary(factories, trade, rift, lines((bread, "9")), on=day(1), until="dispatched")
    row = by_name(table(admin, ds.distributor_stock_table(admin)))["Rift Distributors"]
    assert (row["sell_in_qty"], row["sell_in_value"], row["on_hand_qty"]) == (D("0"), D("0"), D("0"))
    assert row["rate"] is None and row["days_cover"] is None  # nothing to divide by

    deliver_order(admin, order_id=order.id, business_date=TODAY)
    row = by_name(table(admin, ds.distributor_stock_table(admin)))["Rift Distributors"]
    assert (row["sell_in_qty"], row["sell_in_value"]) == (D("9"), D("9") * D("40.00"))


def test_the_first_and_last_days_count_and_the_days_outside_do_not(factories, trade) -> None:
    admin, rift, bread, shop = trade["admin"], trade["distributor"], trade["bread"], trade["retailer"]
    primary(factories, trade, rift, lines((bread, "1")), on=day(21))  # the day before
    primary(factories, trade, rift, lines((bread, "10")), on=day(21), moved_on=START)  # ordered before
    primary(factories, trade, rift, lines((bread, "100")), on=END)
    primary(factories, trade, rift, lines((bread, "1000")), on=day(9))  # the day after
    secondary(factories, trade, shop, lines((bread, "2")), on=day(21))
    secondary(factories, trade, shop, lines((bread, "20")), on=START)
    secondary(factories, trade, shop, lines((bread, "200")), on=END)
    secondary(factories, trade, shop, lines((bread, "300")), on=day(9))
    sale(factories, trade, shop, lines((bread, "1")), on=day(9))
    sale(factories, trade, shop, lines((bread, "3")), on=START)
    sale(factories, trade, shop, lines((bread, "30")), on=END)
    sale(factories, trade, shop, lines((bread, "5")), on=day(8))

    row = by_name(table(admin, ds.distributor_stock_table(admin, date_from=START, date_to=END)))["Rift Distributors"]
    assert (row["sell_in_qty"], row["through_qty"], row["sell_out_qty"]) == (D("110"), D("220"), D("33"))
    assert row["on_hand_qty"] == D("1111") - D("522")  # on hand is now, whatever the period
    one_day = by_name(table(admin, ds.distributor_stock_table(admin, date_from=END, date_to=END)))
    assert (one_day["Rift Distributors"]["sell_in_qty"], one_day["Rift Distributors"]["through_qty"]) == (
        D("100"), D("200"))


def test_the_default_period_is_the_last_30_days(factories, trade) -> None:
    admin, rift, bread = trade["admin"], trade["distributor"], trade["bread"]
    primary(factories, trade, rift, lines((bread, "3")), on=day(30))
    primary(factories, trade, rift, lines((bread, "4")), on=day(29))
    primary(factories, trade, rift, lines((bread, "5")), on=TODAY)
    source = ds.distributor_stock_table(admin)
    assert by_name(table(admin, source))["Rift Distributors"]["sell_in_qty"] == D("9")
    period = ds.period()
    assert (period.start, period.end, period.days) == (day(29), TODAY, 30)
    assert period.label in source.title


def test_a_regional_actor_sees_only_their_regions_distributors(month, factories) -> None:
    rift_sales = factories.actor("regional_sales", scope_code="RFT")
    page = table(rift_sales, ds.distributor_stock_table(rift_sales))
    assert [row["distributor"] for row in page.rows] == ["Rift Distributors"]
    assert page.totals["sell_in_qty"] == D("70")
    assert [r.name for r in ds.region_summary(rift_sales).regions] == ["Rift"]
    with pytest.raises(PermissionDenied, match="Westlands Distributors is outside your area"):
        ds.distributor_products_table(rift_sales, distributor_id=month["distributor2"].id)
    assert ds.distributor_stock_table(rift_sales).column("region").choices == ["Rift"]


def test_a_role_without_orders_view_is_refused(month, factories) -> None:
    production = factories.actor("production_manager")
    with pytest.raises(PermissionDenied, match="may not see orders"):
        ds.distributor_stock_table(production)
    with pytest.raises(PermissionDenied):
        ds.region_summary(production)
    with pytest.raises(PermissionDenied):
        table(production, ds.distributor_stock_table(month["admin"]))  # a source built for someone else


def test_a_retailer_or_unknown_party_is_no_distributor(month) -> None:
    admin = month["admin"]
    for party_id in (month["retailer"].id, 999_999):
        with pytest.raises(NotFound, match="no such distributor"):
            ds.distributor_products_table(admin, distributor_id=party_id)


@pytest.mark.parametrize(("date_from", "date_to", "field", "text"), [
    (day(5), day(6), "From", "cannot be after the end"),
    (None, TODAY + timedelta(days=1), "To", "cannot be in the future"),
    ("21/11/26x", None, "From", "must be a date"),
    (day(400), TODAY, "From", "at most 366 days"),
])
def test_a_bad_period_is_refused_naming_the_field(month, date_from, date_to, field, text) -> None:
    with pytest.raises(ValidationFailed) as refused:
        ds.distributor_stock_table(month["admin"], date_from=date_from, date_to=date_to)
    assert text in refused.value.errors[field]


def test_an_export_holds_the_actors_distributors_and_says_the_period(month, factories, tmp_path) -> None:
    rift_sales = factories.actor("regional_sales", scope_code="RFT")
    source = ds.distributor_stock_table(rift_sales, date_from=day(29), date_to=TODAY)
    done = export_table(rift_sales, source, TableQuery(), "xlsx", tmp_path / "distributors.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "distributors.xlsx").active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert done.rows == 1 and "Rift Distributors" in cells and not any("Westlands" in c for c in cells)
    assert cells[0] == f"Distributor stock · {ds.period(day(29), TODAY).label}"
