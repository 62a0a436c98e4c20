"""In real Chromium, on PostgreSQL: an order entered on one app process reaches the executive dashboard served by
another. Two `chesanto serve` processes share one database; process A's order form commits the order (its
transaction sends `pg_notify`), process B hears it through LISTEN/NOTIFY, and B's open dashboard changes its
"Orders today" card without a reload, while its live indicator says it is connected."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import running_server, save_screenshot
from tests.e2e.test_dashboard_browser import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite runs as one process: no second one
def test_an_order_entered_on_one_app_process_reaches_the_dashboard_on_another(db, browser, factories, tmp_path):
    chain = factories.sales_chain()
    factories.user("executive", username="erin", full_name="Erin Wanjiru")
    factories.user("regional_sales", username="sammy", scope_code="RFT", full_name="Sammy Kiprop")

    with running_server(db, tmp_path / "process-b") as process_b, \
            running_server(db, tmp_path / "process-a") as process_a:
        assert process_a != process_b
        watcher = browser.new_context(viewport={"width": 1366, "height": 800})
        entry = browser.new_context(viewport={"width": 1366, "height": 800})
        try:
            dashboard = watcher.new_page()
            sign_in(dashboard, process_b, "erin", "/dashboard")
            orders_today = dashboard.locator(".kpi-orders_today-value")
            orders_card = dashboard.locator(".q-card", has=orders_today)
            expect(orders_today).to_have_text("0")
            expect(orders_card).to_contain_text("KES 0.00 ordered")
            live = dashboard.locator(".live-state")
            expect(live).to_have_attribute("data-state", "live")
            expect(live.locator(".live-text")).to_have_text("Live")
            assert dashboard.evaluate("window.socket.connected") is True

            form = entry.new_page()
            sign_in(form, process_a, "sammy", "/orders/new")
            retailer = form.get_by_label("Retailer")
            retailer.click()
            retailer.fill("njeri")
            form.get_by_role("option", name=f"Mama Njeri Shop ({chain['retailer'].code}) · Nakuru Town").click()
            form.get_by_label("Product").nth(0).click()
            form.get_by_role("option", name="White Bread 400g (WB-400)").click()
            form.get_by_label("Quantity").nth(0).fill("6")
            form.get_by_role("button", name="Submit order").click()
            form.get_by_text("SO-000001").first.wait_for()  # committed by process A
            committed = time.monotonic()

            expect(orders_today).to_have_text("1", timeout=5000)  # process B's card changed, no reload
            expect(orders_card).to_contain_text("KES 270.00 ordered")  # 6 loaves at the retailer price, KES 45
            arrived = time.monotonic() - committed
            assert arrived < 5, f"the dashboard took {arrived:.1f} s"
            assert dashboard.evaluate("performance.getEntriesByType('navigation').length") == 1
            expect(live).to_have_attribute("data-state", "live")
            expect(live.locator(".live-text")).to_have_text("Live")
            save_screenshot(dashboard, "dashboard-two-processes-postgresql")
        finally:
            entry.close()
            watcher.close()
