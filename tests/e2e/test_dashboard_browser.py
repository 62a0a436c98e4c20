"""In real Chromium: the dashboard draws its Plotly charts (SVG), and a second browser sees its "Orders today" card
change, without a reload, when an order is submitted through the order form in the first."""

import pytest

from domain.services.rollups import rebuild_rollups
from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base: str, username: str, path: str) -> None:
    page.goto(base + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**" + path)


def test_the_dashboard_draws_its_charts_and_follows_an_order_from_another_browser(live_server, browser, factories,
                                                                                  db_url) -> None:
    chain = factories.sales_chain()
    rolls = factories.product("RL-7", name="Dinner Rolls", unit="pack", reorder_level="500")
    factories.stock(chain["factory"], rolls, "120")  # under its reorder level: on the stock chart
    factories.order(factories.actor("admin"), "primary", chain["distributor"], [(chain["bread"], "10")],
                    factory=chain["factory"])
    rebuild_rollups()  # until the order services keep the rollups themselves (idempotent afterwards)
    factories.user("executive", username="erin", full_name="Erin Wanjiru")
    factories.user("regional_sales", username="sammy", scope_code="RFT", full_name="Sammy Kiprop")
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"

    watcher = browser.new_context(viewport={"width": 1366, "height": 800})
    entry = browser.new_context(viewport={"width": 1366, "height": 800})
    try:
        dashboard = watcher.new_page()
        sign_in(dashboard, live_server, "erin", "/dashboard")
        orders_today = dashboard.locator(".kpi-orders_today-value")
        orders_today.filter(has_text="1").wait_for()
        dashboard.locator(".chart-stock .js-plotly-plot .main-svg").first.wait_for()  # Plotly drew it as SVG
        ticks = dashboard.locator(".chart-stock .ytick").all_text_contents()  # "Dinner Rolls" over "Nakuru Factory"
        assert any("Dinner Rolls" in (tick or "") and "Nakuru Factory" in (tick or "") for tick in ticks)
        assert dashboard.get_by_text("No sales delivered in this period.").first.is_visible()  # an empty state
        assert dashboard.get_by_text("Live", exact=True).is_visible()
        save_screenshot(dashboard, f"dashboard-{kind}")

        form = entry.new_page()
        sign_in(form, live_server, "sammy", "/orders/new")
        retailer = form.get_by_label("Retailer")
        retailer.click()
        retailer.fill("njeri")
        form.get_by_role("option", name=f"Mama Njeri Shop ({chain['retailer'].code}) · Nakuru Town").click()
        form.get_by_label("Product").nth(0).click()
        form.get_by_role("option", name="White Bread 400g (WB-400)").click()
        form.get_by_label("Quantity").nth(0).fill("6")
        form.get_by_role("button", name="Submit order").click()
        form.get_by_text("SO-000001").first.wait_for()

        orders_today.filter(has_text="2").wait_for()  # the watcher's card changed, no reload
        assert dashboard.evaluate("performance.getEntriesByType('navigation').length") == 1
    finally:
        entry.close()
        watcher.close()
