"""Reading orders: the list holds exactly the orders inside the reader's area (by the order's territory or by its
seller's place), filters and totals follow each other, and one order reads back with names, lines, its history,
its invoice and the steps this reader may take — refused outside the area, NotFound when there is no such order."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.errors import NotFound, PermissionDenied
from domain.inputs import business_today
from domain.models import InvoiceStatus, OrderStatus, OrderTier
from domain.services import orders
from domain.services.access import load_actor
from domain.services.order_views import get_order, orders_table
from domain.services.tables import fetch_page
from domain.tables import TableQuery

D = Decimal
TODAY = business_today()


def actor_of(factories, role: str, *, scope_code: str | None = None, full_name: str | None = None):
    user = factories.user(role, scope_code=scope_code, full_name=full_name)
    actor = load_actor(user.id)
    assert actor is not None
    return actor


@pytest.fixture
def book(factories):
    """Four orders on three days, all entered by Ada (admin):
    PO-000001 Nakuru Factory → Rift Distributors (Rift), 10 loaves, 10 days ago;
    PO-000002 Nakuru Factory → Westlands Distributors (Nairobi: seen from Rift by its seller), 20 loaves, 5 days ago;
    SO-000001 Westlands Distributors → Westlands Kiosk (Nairobi), 4 loaves, today;
    TO-000001 Mama Njeri Shop → consumers (Rift), 3 loaves, today (recorded, so delivered)."""
    chain = factories.sales_chain()
    ada = actor_of(factories, "admin", full_name="Ada Wanjiru")
    bread = chain["bread"]
    factories.stock(chain["retailer"], bread, "10")
    made = {
        "po1": factories.order(ada, OrderTier.PRIMARY, chain["distributor"], [(bread, "10")],
                               factory=chain["factory"], order_date=TODAY - timedelta(days=10)),
        "po2": factories.order(ada, OrderTier.PRIMARY, chain["distributor2"], [(bread, "20")],
                               factory=chain["factory"], order_date=TODAY - timedelta(days=5)),
        "so1": factories.order(ada, OrderTier.SECONDARY, chain["retailer2"], [(bread, "4")]),
        "to1": factories.order(ada, OrderTier.TERTIARY, chain["retailer"], [(bread, "3")]),
    }
    assert [o.number for o in made.values()] == ["PO-000001", "PO-000002", "SO-000001", "TO-000001"]
    return {**chain, **made, "ada": ada}


def numbers(actor, filters: dict | None = None) -> list[str]:
    page = fetch_page(actor, orders_table(actor), TableQuery(filters=filters or {}, page_size=200))
    return [row["number"] for row in page.rows]


# ---- the list ---------------------------------------------------------------------------------------------------


def test_a_regional_user_lists_orders_of_their_territory_and_of_sellers_in_it(book, factories):
    rift = actor_of(factories, "regional_sales", scope_code="RFT")
    # PO-000002 goes to Nairobi but leaves a Rift factory; SO-000001 is Nairobi's alone. Newest first.
    assert numbers(rift) == ["TO-000001", "PO-000002", "PO-000001"]

    nairobi = actor_of(factories, "regional_sales", scope_code="NRB")
    assert numbers(nairobi) == ["SO-000001", "PO-000002"]  # PO-000002 by its territory, not its seller


def test_the_list_shows_names_places_lines_and_totals(book, factories):
    page = fetch_page(book["ada"], orders_table(book["ada"]), TableQuery(page_size=200))
    rows = {row["number"]: row for row in page.rows}
    assert set(rows) == {"PO-000001", "PO-000002", "SO-000001", "TO-000001"} and page.total_rows == 4
    po2, sale = rows["PO-000002"], rows["TO-000001"]
    assert (po2["tier"], po2["status"], po2["order_date"]) == ("primary", "draft", TODAY - timedelta(days=5))
    assert (po2["seller"], po2["customer"], po2["territory"], po2["region"]) == (
        "Nakuru Factory", "Westlands Distributors", "Westlands Town", "Nairobi")
    assert (po2["lines"], po2["total"]) == (1, D("800.00"))  # 20 × KES 40
    assert (sale["seller"], sale["customer"], sale["region"], sale["status"]) == (
        "Mama Njeri Shop", "Consumers", "Rift", "delivered")
    assert sale["total"] == D("150.00")  # 3 × KES 50 retail
    assert page.totals == {"total": D("400.00") + D("800.00") + D("180.00") + D("150.00")}


def test_filters_by_tier_status_date_region_and_customer(book, factories):
    ada = book["ada"]
    orders.confirm_order(ada, order_id=book["po1"].id)
    assert numbers(ada, {"tier": ["secondary"]}) == ["SO-000001"]
    assert numbers(ada, {"tier": ["primary", "tertiary"]}) == ["TO-000001", "PO-000002", "PO-000001"]
    assert numbers(ada, {"status": ["confirmed"]}) == ["PO-000001"]
    assert numbers(ada, {"status": ["draft"]}) == ["SO-000001", "PO-000002"]
    week = {"from": TODAY - timedelta(days=7), "to": TODAY - timedelta(days=1)}
    assert numbers(ada, {"order_date": week}) == ["PO-000002"]
    assert numbers(ada, {"order_date": {"from": (TODAY - timedelta(days=5)).isoformat()}}) == [
        "TO-000001", "SO-000001", "PO-000002"]  # the same day: the later order first
    assert numbers(ada, {"order_date": {"to": TODAY - timedelta(days=6)}}) == ["PO-000001"]
    assert numbers(ada, {"region": "nairobi"}) == ["SO-000001", "PO-000002"]
    assert numbers(ada, {"customer": "consumers"}) == ["TO-000001"]
    assert numbers(ada, {"customer": "westlands"}) == ["SO-000001", "PO-000002"]
    assert numbers(ada, {"customer": "westlands", "tier": ["primary"]}) == ["PO-000002"]


def test_totals_and_row_count_follow_the_filters(book, factories):
    ada = book["ada"]
    source = orders_table(ada)
    primary = fetch_page(ada, source, TableQuery(filters={"tier": ["primary"]}))
    assert (primary.total_rows, primary.totals) == (2, {"total": D("1200.00")})
    rift = actor_of(factories, "regional_sales", scope_code="RFT")
    in_rift = fetch_page(rift, orders_table(rift), TableQuery(filters={"region": "rift"}))
    assert (in_rift.total_rows, in_rift.totals) == (2, {"total": D("550.00")})  # PO-000001 and TO-000001
    nothing = fetch_page(ada, source, TableQuery(filters={"customer": "no such customer"}))
    assert (nothing.rows, nothing.total_rows, nothing.totals) == ([], 0, {"total": D("0")})


def test_the_list_needs_orders_view(book, factories):
    maker = actor_of(factories, "production_manager")
    with pytest.raises(PermissionDenied):
        orders_table(maker)
    source = orders_table(book["ada"])
    with pytest.raises(PermissionDenied):  # a source handed over still checks its reader on every page
        fetch_page(replace(book["ada"], permissions=frozenset()), source, TableQuery())


# ---- one order ---------------------------------------------------------------------------------------------------


def test_an_order_reads_back_with_names_lines_and_total(book, factories):
    detail = get_order(book["ada"], number="po-000002 ")
    assert (detail.number, detail.tier, detail.status) == ("PO-000002", OrderTier.PRIMARY, OrderStatus.DRAFT)
    assert (detail.seller, detail.customer, detail.territory, detail.region) == (
        "Nakuru Factory", "Westlands Distributors", "Westlands Town", "Nairobi")
    assert detail.created_by == "Ada Wanjiru" and detail.order_date == TODAY - timedelta(days=5)
    [line] = detail.lines
    assert (line.product, line.sku, line.unit, line.qty) == ("White Bread 400g", "WB-400", "loaf", D("20"))
    assert (line.list_price, line.unit_price, line.amount, line.overridden) == (D("40"), D("40"), D("800"), False)
    assert detail.total == D("800.00") and detail.invoice is None
    assert [(step.status, step.by) for step in detail.history] == [(OrderStatus.DRAFT, "Ada Wanjiru")]

    sale = get_order(book["ada"], number="TO-000001")
    assert (sale.customer, sale.customer_code, sale.status, sale.actions) == (
        "Consumers", None, OrderStatus.DELIVERED, ())


def test_an_overridden_price_is_marked_on_its_line(book, factories):
    order = orders.submit_order(
        book["ada"], tier=OrderTier.SECONDARY, customer_id=book["retailer"].id, client_reference="override-1",
        lines=[{"product_id": book["bread"].id, "qty": "2", "unit_price": "42.50"}])
    [line] = get_order(book["ada"], number=order.number).lines
    assert (line.list_price, line.unit_price, line.amount, line.overridden) == (D("45"), D("42.50"), D("85"), True)


def test_the_history_names_who_moved_the_order_and_the_invoice_follows_delivery(book, factories):
    keeper = actor_of(factories, "storekeeper", scope_code="RFT", full_name="Kamau Store")
    fiona = actor_of(factories, "finance", full_name="Fiona Akinyi")
    po1 = book["po1"]
    orders.confirm_order(fiona, order_id=po1.id)
    orders.dispatch_order(keeper, order_id=po1.id)
    orders.deliver_order(keeper, order_id=po1.id)
    detail = get_order(keeper, number="PO-000001")
    assert [(s.status, s.by) for s in detail.history] == [
        (OrderStatus.DRAFT, "Ada Wanjiru"), (OrderStatus.CONFIRMED, "Fiona Akinyi"),
        (OrderStatus.DISPATCHED, "Kamau Store"), (OrderStatus.DELIVERED, "Kamau Store")]
    assert all(later.at >= earlier.at for earlier, later in zip(detail.history, detail.history[1:], strict=False))
    invoice = detail.invoice
    assert invoice is not None and invoice.number == "INV-000001"
    assert (invoice.amount, invoice.paid, invoice.balance, invoice.status) == (
        D("400.00"), D("0"), D("400.00"), InvoiceStatus.OPEN)
    assert invoice.due_date - invoice.issue_date == timedelta(days=30)  # Rift Distributors' terms

    orders.cancel_order(book["ada"], order_id=book["po2"].id, reason="Customer changed their mind")
    cancelled = get_order(keeper, number="PO-000002")
    assert cancelled.cancel_reason == "Customer changed their mind" and cancelled.actions == ()
    assert (cancelled.history[-1].status, cancelled.history[-1].by, cancelled.history[-1].note) == (
        OrderStatus.CANCELLED, "Ada Wanjiru", "Customer changed their mind")


def test_actions_follow_role_and_status(book, factories):
    rita = actor_of(factories, "regional_sales", scope_code="RFT")
    keeper = actor_of(factories, "storekeeper", scope_code="RFT")
    finance = actor_of(factories, "finance")
    auditor = actor_of(factories, "auditor")
    factories.stock(book["distributor"], book["bread"], "50")
    so2 = factories.order(book["ada"], OrderTier.SECONDARY, book["retailer"], [(book["bread"], "5")])

    def seen(actor, number: str = so2.number) -> tuple[tuple[str, ...], bool]:
        detail = get_order(actor, number=number)
        return detail.actions, detail.can_override_credit

    assert seen(rita) == (("confirm", "cancel"), False)
    assert seen(keeper) == ((), False)
    assert seen(auditor) == ((), False)
    assert seen(book["ada"]) == (("confirm", "cancel"), True)
    assert seen(finance, "PO-000001") == (("confirm",), True)  # finance confirms (and overrides), never cancels

    orders.confirm_order(rita, order_id=so2.id)
    assert seen(rita) == (("cancel",), False)
    assert seen(keeper) == (("dispatch",), False)

    orders.dispatch_order(keeper, order_id=so2.id)
    assert seen(rita) == ((), False) and seen(keeper) == (("deliver",), False)
    orders.deliver_order(keeper, order_id=so2.id)
    assert seen(keeper) == ((), False) and seen(book["ada"]) == ((), False)


def test_an_order_seen_through_its_seller_offers_only_the_warehouse_steps(book, factories):
    orders.confirm_order(book["ada"], order_id=book["po2"].id)
    keeper = actor_of(factories, "storekeeper", scope_code="RFT")
    rift_admin = actor_of(factories, "admin", scope_code="RFT")
    detail = get_order(keeper, number="PO-000002")  # bound for Nairobi, leaving Rift's factory
    assert (detail.region, detail.actions) == ("Nairobi", ("dispatch",))
    assert get_order(rift_admin, number="PO-000002").actions == ("dispatch",)  # cancelling is Nairobi's call


def test_an_order_outside_ones_area_is_refused_and_an_unknown_one_is_not_found(book, factories):
    nairobi = actor_of(factories, "regional_sales", scope_code="NRB")
    with pytest.raises(PermissionDenied, match="PO-000001 is outside your area"):
        get_order(nairobi, number="PO-000001")
    with pytest.raises(PermissionDenied):
        get_order(nairobi, number="TO-000001")
    for number in ("PO-999999", "", "X" * 300):
        with pytest.raises(NotFound):
            get_order(book["ada"], number=number)
    with pytest.raises(PermissionDenied):
        get_order(actor_of(factories, "production_manager"), number="PO-000001")
