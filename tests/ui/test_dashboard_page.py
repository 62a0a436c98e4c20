"""/dashboard in simulated browsers: an order submitted elsewhere updates every open dashboard whose area holds it
(and no other), without a reload; filters in the URL restore a view; the breadcrumb climbs back up; a role without
`dashboard.view` is refused."""

from collections.abc import Callable

import orjson
import pytest
from nicegui import ui
from nicegui.testing import User

from dashboard.components.charts import Plot
from dashboard.pages import dashboard as dashboard_page
from domain.access import SYSTEM
from domain.inputs import business_today
from domain.services.payments import record_payment
from tests.ui.helpers import eventually, present, sign_in, the


def card(user: User, key: str) -> str:
    return the(user, f"kpi-{key}-value", kind=ui.label).text if present(user, f"kpi-{key}-value") else ""


@pytest.fixture
def company(factories):
    chain = factories.sales_chain()
    factories.user("executive", username="erin", full_name="Erin Wanjiru")
    factories.user("regional_sales", username="rita", scope_code="RFT", full_name="Rita Chebet")
    return chain


async def test_an_order_updates_other_dashboards_whose_area_holds_it(create_user: Callable[[], User], company,
                                                                     factories) -> None:
    erin, rita = create_user(), create_user()
    await sign_in(erin, "erin", "/dashboard", timeout=30)
    await sign_in(rita, "rita", "/dashboard", timeout=30)
    await eventually(lambda: card(erin, "orders_today") == "0", "Erin's cards")
    await eventually(lambda: card(rita, "orders_today") == "0", "Rita's cards")
    assert erin.back_history[-1] == rita.back_history[-1] == "/dashboard"

    factories.order(SYSTEM, "primary", company["distributor2"], [(company["bread"], "20")],
                    factory=company["factory"])  # Nairobi: outside Rita's region
    await eventually(lambda: card(erin, "orders_today") == "1", "Erin's card to count the Nairobi order")
    factories.order(SYSTEM, "primary", company["distributor"], [(company["bread"], "10")],
                    factory=company["factory"])  # Rift
    await eventually(lambda: card(erin, "orders_today") == "2", "Erin's card to count the Rift order")
    await eventually(lambda: card(rita, "orders_today") == "1", "Rita's card to count the Rift order")
    assert card(rita, "orders_today") == "1"  # the Nairobi order never reached Rita's dashboard
    assert the(erin, "live-state").visible  # the live indicator is on the page


async def test_viewers_of_one_view_share_one_call_to_the_service_per_burst(create_user: Callable[[], User], company,
                                                                          factories, monkeypatch) -> None:
    """Four open dashboards of the same view hear an order at once: the first page to be called asks the service (on
    a thread), the others wait for that answer instead of taking a thread each, and all four show it. (A page that
    hears a late event of the burst asks once more, so: fewer calls than viewers, where each used to call.)"""
    viewers = [create_user() for _ in range(4)]
    for viewer in viewers:
        await sign_in(viewer, "erin", "/dashboard", timeout=30)
        await eventually(lambda v=viewer: card(v, "orders_today") == "0", "the cards")
    calls: list[object] = []
    service = dashboard_page.dashboard_data
    monkeypatch.setattr(dashboard_page, "dashboard_data", lambda *a, **k: calls.append(k) or service(*a, **k))

    factories.order(SYSTEM, "primary", company["distributor"], [(company["bread"], "10")], factory=company["factory"])
    for viewer in viewers:
        await eventually(lambda v=viewer: card(v, "orders_today") == "1", "every viewer's card to count the order")
    assert 1 <= len(calls) < len(viewers)


async def test_a_change_redraws_only_the_charts_it_changes(user: User, company, factories) -> None:
    """A payment changes the collections card but no sales: the sales-by-place chart keeps the very figure it had
    (nothing re-sent). An order delivered then gets that chart a new figure, which shows it."""
    def deliver(qty: str) -> None:
        order = factories.order(SYSTEM, "primary", company["distributor"], [(company["bread"], qty)],
                                factory=company["factory"])
        factories.order_through(order, "delivered")

    deliver("5")  # something to draw
    await sign_in(user, "erin", "/dashboard", timeout=30)
    await eventually(lambda: present(user, "plot-regions"), "the charts")
    regions = the(user, "plot-regions", kind=Plot)
    before = regions.figure

    record_payment(SYSTEM, customer_id=company["distributor"].id, received_on=business_today(), amount="100.00",
                   method="cash")
    await eventually(lambda: card(user, "collections_today") == "KES 100.00", "the payment on its card")
    assert regions.figure is before

    deliver("10")
    await eventually(lambda: regions.figure is not before, "the sales chart to be redrawn")
    bars = orjson.loads(orjson.dumps(regions.figure))["data"]  # the JSON the browsers get
    assert any(600 in trace["x"] for trace in bars)  # 5 + 10 loaves × KES 40 delivered


async def test_filters_in_the_url_restore_the_view(user: User, company) -> None:
    nairobi = company["geo"]["nairobi"]
    await sign_in(user, "erin", "/profile")
    await user.open(f"/dashboard?period=7d&area={nairobi.id}&category=Bread")  # a bookmarked view
    await eventually(lambda: present(user, "kpi-orders_today-value"), "the cards")
    assert the(user, "filter-period", kind=ui.select).value == "7d"
    await eventually(lambda: the(user, "filter-area", kind=ui.select).value == nairobi.id, "the area filter")
    assert the(user, "filter-category", kind=ui.select).value == "Bread"
    assert the(user, "dashboard-heading", kind=ui.label).text.startswith("Nairobi · Last 7 days: ")
    assert the(user, "crumb-current", kind=ui.label).text == "Nairobi"
    [notes] = user.find(marker="dashboard-notes").elements
    assert any("Bread only" in label.text for label in notes.descendants() if isinstance(label, ui.label))

    user.find(marker="crumb-0").click()  # "Whole company": back up the geography
    await eventually(lambda: the(user, "dashboard-heading", kind=ui.label).text.startswith("Whole company · "),
                     "the whole company")
    assert the(user, "filter-area", kind=ui.select).value is None


async def test_a_chart_with_nothing_to_show_says_so(user: User, company) -> None:
    await sign_in(user, "erin", "/dashboard")
    await eventually(lambda: present(user, "empty-production"), "the production chart's empty state")
    assert the(user, "empty-production", kind=ui.label).text == "No production posted in this period."


async def test_a_storekeeper_may_not_open_the_dashboard(user: User, factories) -> None:
    factories.user("storekeeper", username="stella")
    await user.open("/login?next=/dashboard")
    user.find("Username").type("stella")
    user.find("Password").type("correct-horse-battery")
    user.find("Log in").click()
    await user.should_see("Not permitted", retries=100)
    assert not present(user, "kpi-cards")


async def test_a_custom_period_the_wrong_way_round_is_named_next_to_its_field(user: User, company) -> None:
    await sign_in(user, "erin", "/profile")
    await user.open("/dashboard?period=custom&from=2026-11-10&to=2026-11-01")
    to = the(user, "filter-to", kind=ui.date_input)
    await eventually(lambda: to.props.get("error") is True, "the error on To")
    assert to.props["error-message"] == "To must not be before From"
    assert not present(user, "kpi-orders_today-value")  # nothing shown for a period that cannot be
