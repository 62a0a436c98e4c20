"""In real Chromium: a storekeeper opens an order from the orders list by its row, dispatches it through the
confirmation dialog and sees its new status; the stock has left the seller."""

import re
from decimal import Decimal

import pytest

from domain.db import reading
from domain.models import OrderStatus, OrderTier
from domain.queries import orders as orders_q
from domain.queries import stock as stock_q
from domain.services import orders
from domain.services.access import load_actor
from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_storekeeper_opens_an_order_from_the_list_and_dispatches_it(live_server, page, factories, db_url) -> None:
    chain = factories.sales_chain()
    admin = load_actor(factories.user("admin", username="ada").id)
    order = factories.order(admin, OrderTier.PRIMARY, chain["distributor"], [(chain["bread"], "12")],
                            factory=chain["factory"])
    orders.confirm_order(admin, order_id=order.id)
    factories.user("storekeeper", username="kamau", scope_code="RFT", full_name="Kamau Otieno")

    page.goto(live_server + "/login?next=/orders")
    page.get_by_label("Username").fill("kamau")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/orders$"))
    page.get_by_role("cell", name=order.number).click()
    page.wait_for_url(re.compile(rf".*/orders/{order.number}$"))
    page.get_by_text("Rift Distributors").first.wait_for()

    page.get_by_role("button", name="Dispatch").click()
    page.get_by_text(f"Dispatch {order.number}?").wait_for()
    page.locator(".q-dialog").get_by_role("button", name="Dispatch").click()
    page.get_by_text(f"{order.number} dispatched").wait_for()
    page.get_by_text("Dispatched", exact=True).first.wait_for()

    with reading() as s:
        stored = orders_q.by_number(s, order.number)
        left = stock_q.balance(s, chain["factory"].id, chain["bread"].id)
    assert stored is not None and stored.status is OrderStatus.DISPATCHED
    assert left == Decimal("88")  # 100 − 12
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    assert save_screenshot(page, f"order-dispatched-{kind}").stat().st_size > 10_000
