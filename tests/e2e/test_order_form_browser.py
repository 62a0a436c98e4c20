"""In real Chromium on a phone (390×844): a regional sales rep picks a retailer, enters two lines, watches the total,
submits and gets the order number; the form never scrolls sideways and the total stays in view."""

from decimal import Decimal

import pytest
from sqlmodel import select

from domain.db import reading
from domain.models import Order
from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_sales_rep_enters_an_order_on_a_phone(live_server, browser, factories, db_url) -> None:
    chain = factories.sales_chain()
    factories.product("RL-7", name="Dinner Rolls", unit="pack", price_distributor="11.10", price_retailer="12.35",
                      price_retail="13.00")
    factories.user("regional_sales", username="sammy", scope_code="RFT", full_name="Sammy Kiprop")
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    try:
        page = phone.new_page()
        page.goto(live_server + "/orders/new")  # sends to /login?next=/orders/new
        page.get_by_label("Username").fill("sammy")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/orders/new")

        retailer = page.get_by_label("Retailer")
        retailer.click()
        retailer.fill("njeri")
        page.get_by_role("option", name=f"Mama Njeri Shop ({chain['retailer'].code}) · Nakuru Town").click()
        page.get_by_text("supplied by Rift Distributors").wait_for()

        products, quantities = page.get_by_label("Product"), page.get_by_label("Quantity")
        products.nth(0).click()
        page.get_by_role("option", name="White Bread 400g (WB-400)").click()
        assert quantities.nth(0).get_attribute("inputmode") == "decimal"  # the numeric keyboard
        quantities.nth(0).fill("24")
        page.get_by_role("button", name="Add line").click()
        products.nth(1).click()
        page.get_by_role("option", name="Dinner Rolls (RL-7)").click()
        quantities.nth(1).fill("10")

        total = page.locator(".order-submit-bar").get_by_text("KES 1,203.50")
        total.wait_for()  # 24 × 45.00 + 10 × 12.35
        assert total.is_visible() and page.get_by_text("KES 123.50").is_visible()
        bar = page.locator(".order-submit-bar").bounding_box()
        assert bar is not None and bar["y"] + bar["height"] <= 844  # the total and the button are on screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        tall = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 390, "height": tall})  # the whole form in one picture, bars in their place
        shot = save_screenshot(page, f"order-form-phone-{kind}")
        assert shot.stat().st_size > 10_000
        page.set_viewport_size({"width": 390, "height": 844})

        page.get_by_role("button", name="Submit order").tap()
        page.get_by_text("SO-000001", exact=True).wait_for()
        assert page.get_by_role("link", name="Open SO-000001").get_attribute("href") == "/orders/SO-000001"
        assert page.get_by_role("button", name="Confirm now").is_visible()
        shot = save_screenshot(page, f"order-form-phone-submitted-{kind}")
        assert shot.stat().st_size > 10_000
    finally:
        phone.close()

    with reading() as session:
        [order] = session.exec(select(Order)).all()
    assert (order.number, order.buyer_id, order.total) == ("SO-000001", chain["retailer"].id, Decimal("1203.50"))
