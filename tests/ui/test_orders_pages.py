"""/orders and /orders/{number} in a simulated browser: the list holds only the orders of the user's area and opens
one by its row; the detail shows lines, total and history; each role gets only its buttons; a storekeeper dispatches,
a cancellation needs a reason, a credit refusal is shown (and overridden by finance) — with the database checked
after every refusal; an order outside one's area cannot be opened by its URL."""

from decimal import Decimal

import pytest
from nicegui import ui
from nicegui.testing import User

from dashboard.components.data_table import DataTable
from domain.db import reading
from domain.models import Order, OrderStatus, OrderTier
from domain.queries import orders as orders_q
from domain.queries import stock as stock_q
from domain.services import orders
from domain.services.access import load_actor
from tests.records import audit_rows
from tests.ui.helpers import eventually, present, sign_in, the

RETRIES = 100  # should_see waits 0.1 s between tries: pages and services answer asynchronously
D = Decimal


def stored(number: str) -> Order:
    with reading() as s:
        order = orders_q.by_number(s, number)
    assert order is not None
    return order


def balance(location_id: int, product_id: int) -> Decimal:
    with reading() as s:
        return stock_q.balance(s, location_id, product_id)


def text_of(user: User, marker: str) -> str:
    return the(user, marker).text if present(user, marker) else ""  # type: ignore[attr-defined]


def chain_with_orders(factories, *, credit_limit: str) -> dict:
    """Ada (admin) entered PO-000001 (Nakuru Factory → Rift Distributors, 10 loaves), SO-000001 (→ Westlands Kiosk,
    Nairobi, 4 loaves) and SO-000002 (Rift Distributors → Mama Njeri Shop, Rift, 5 loaves). Rita sells in Rift,
    Nora in Nairobi, Kamau keeps the Rift stores, Fiona is finance."""
    chain = factories.sales_chain(credit_limit=credit_limit)
    ada_user = factories.user("admin", username="ada", full_name="Ada Wanjiru")
    ada = load_actor(ada_user.id)
    bread = chain["bread"]
    factories.stock(chain["distributor"], bread, "50")
    made = {
        "po1": factories.order(ada, OrderTier.PRIMARY, chain["distributor"], [(bread, "10")], factory=chain["factory"]),
        "so1": factories.order(ada, OrderTier.SECONDARY, chain["retailer2"], [(bread, "4")]),
        "so2": factories.order(ada, OrderTier.SECONDARY, chain["retailer"], [(bread, "5")]),
    }
    factories.user("regional_sales", username="rita", scope_code="RFT", full_name="Rita Chebet")
    factories.user("regional_sales", username="nora", scope_code="NRB")
    factories.user("storekeeper", username="kamau", scope_code="RFT", full_name="Kamau Store")
    factories.user("finance", username="fiona", full_name="Fiona Akinyi")
    return {**chain, **made, "ada": ada}


@pytest.fixture
def book(factories) -> dict:
    return chain_with_orders(factories, credit_limit="1000000")


async def open_order(user: User, username: str, number: str) -> None:
    await sign_in(user, username, f"/orders/{number}")
    await user.should_see(marker="order-status", retries=RETRIES)


def status_shown(user: User) -> str:
    return text_of(user, "order-status")


def step(user: User, status: str) -> tuple[str, str]:
    """One entry of the history as shown: (who, note) from "21 Nov 2026 10:15 · Rita Chebet" and its body."""
    props = the(user, f"history-{status}").props
    return props["subtitle"].split(" · ", 1)[1], props.get("body") or ""


async def test_the_list_shows_only_orders_in_ones_area_and_opens_one_by_its_row(user: User, book) -> None:
    await sign_in(user, "rita", "/orders")
    await eventually(lambda: present(user, kind=DataTable), "the list")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the first page")
    rows = table.table.rows
    assert [r["number"] for r in rows] == ["SO-000002", "PO-000001"]  # not Nairobi's SO-000001
    assert (rows[0]["customer"], rows[0]["seller"], rows[0]["region"], rows[0]["total"]) == (
        "Mama Njeri Shop", "Rift Distributors", "Rift", "KES 225.00")
    assert table.totals["total"] == "KES 625.00"
    await user.should_see(marker="order-new")  # rita enters secondary and tertiary orders

    user.find(ui.table).trigger("rowClick", [{}, rows[0], 0])
    await user.should_see(marker="order-status", retries=RETRIES)
    assert text_of(user, "order-number") == "SO-000002"


async def test_a_storekeeper_has_no_new_order_button(user: User, book) -> None:
    await sign_in(user, "kamau", "/orders")
    await eventually(lambda: present(user, kind=DataTable), "the list")
    await user.should_see("2 rows", retries=RETRIES)
    await user.should_not_see(marker="order-new")


async def test_the_detail_shows_names_lines_total_and_history(user: User, book) -> None:
    await open_order(user, "rita", "so-000002")
    assert status_shown(user) == "Draft"
    assert text_of(user, "order-customer") == f"Mama Njeri Shop ({book['retailer'].code})"
    assert text_of(user, "order-seller") == f"Rift Distributors ({book['distributor'].code})"
    assert text_of(user, "order-territory") == "Nakuru Town · Rift"
    assert text_of(user, "order-total") == "KES 225.00"
    [line] = the(user, "order-lines").rows  # type: ignore[attr-defined]
    assert (line["product"], line["sku"], line["qty"], line["unit_price"], line["amount"], line["overridden"]) == (
        "White Bread 400g", "WB-400", "5\u00a0loaf", "KES 45.00", "KES 225.00", False)
    assert step(user, "draft") == ("Ada Wanjiru", "")


async def test_a_storekeeper_dispatches_and_sees_the_status_change(user: User, book) -> None:
    so2, dist, bread = book["so2"], book["distributor"], book["bread"]
    orders.confirm_order(book["ada"], order_id=so2.id)
    await open_order(user, "kamau", "SO-000002")
    assert status_shown(user) == "Confirmed"
    assert not present(user, "order-confirm") and not present(user, "order-cancel")
    user.find(marker="order-dispatch").click()
    await user.should_see("Dispatch SO-000002?", retries=RETRIES)
    user.find(marker="confirm").click()
    await eventually(lambda: status_shown(user) == "Dispatched", "the dispatched order")
    assert stored("SO-000002").status is OrderStatus.DISPATCHED
    assert balance(dist.id, bread.id) == D("45")
    await user.should_see(marker="history-dispatched")
    await user.should_see(marker="order-deliver")  # the next step is Kamau's too

    user.find(marker="order-deliver").click()
    await user.should_see("Record the delivery of SO-000002?", retries=RETRIES)
    user.find(marker="confirm").click()
    await eventually(lambda: status_shown(user) == "Delivered", "the delivered order")
    await user.should_see(marker="order-invoice", retries=RETRIES)
    assert text_of(user, "order-invoice-amount") == "KES 225.00"
    assert not present(user, "order-deliver")


async def test_dispatch_short_of_stock_names_the_product_and_moves_nothing(user: User, book) -> None:
    bigger = orders.submit_order(book["ada"], tier=OrderTier.PRIMARY, customer_id=book["distributor"].id,
                                 seller_id=book["factory"].id, client_reference="big-1",
                                 lines=[{"product_id": book["bread"].id, "qty": "500"}])
    orders.confirm_order(book["ada"], order_id=bigger.id)
    await open_order(user, "kamau", bigger.number)
    user.find(marker="order-dispatch").click()
    await user.should_see(f"Dispatch {bigger.number}?", retries=RETRIES)
    user.find(marker="confirm").click()
    await eventually(lambda: "White Bread 400g" in text_of(user, "order-problem"), "the refusal")
    assert status_shown(user) == "Confirmed" and stored(bigger.number).status is OrderStatus.CONFIRMED
    assert balance(book["factory"].id, book["bread"].id) == D("100")  # Nakuru Factory holds 100 loaves
    assert audit_rows("order.dispatch") == []


async def test_a_regional_user_sees_confirm_and_cancel_but_not_dispatch(user: User, book) -> None:
    await open_order(user, "rita", "SO-000002")
    assert present(user, "order-confirm") and present(user, "order-cancel")
    assert not present(user, "order-dispatch") and not present(user, "order-deliver")
    user.find(marker="order-confirm").click()
    await eventually(lambda: status_shown(user) == "Confirmed", "the confirmed order")
    assert stored("SO-000002").status is OrderStatus.CONFIRMED
    await user.should_see(marker="history-confirmed", retries=RETRIES)
    assert step(user, "confirmed") == ("Rita Chebet", "")
    assert present(user, "order-cancel") and not present(user, "order-confirm")
    assert not present(user, "order-dispatch")  # dispatching is the stores' job


async def test_cancelling_needs_a_reason(user: User, book) -> None:
    await open_order(user, "rita", "SO-000002")
    user.find(marker="order-cancel").click()
    await user.should_see(marker="cancel-reason", retries=RETRIES)
    user.find(marker="cancel-confirm").click()
    reason = the(user, "cancel-reason")
    await eventually(lambda: reason.error == "Reason is required", "the reason's error")  # type: ignore[attr-defined]
    assert stored("SO-000002").status is OrderStatus.DRAFT and audit_rows("order.cancel") == []

    user.find(marker="cancel-reason").type("Shop closed for renovation")
    user.find(marker="cancel-confirm").click()
    await eventually(lambda: status_shown(user) == "Cancelled", "the cancelled order")
    order = stored("SO-000002")
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "Shop closed for renovation")
    assert text_of(user, "order-cancel-reason") == "Shop closed for renovation"
    assert step(user, "cancelled") == ("Rita Chebet", "Shop closed for renovation")
    assert not present(user, "order-cancel")


async def test_an_order_outside_ones_area_cannot_be_opened_by_its_url(user: User, book) -> None:
    await sign_in(user, "nora", "/orders/PO-000001")
    await user.should_see("Not permitted", retries=RETRIES)
    assert "PO-000001 is outside your area" in text_of(user, "order-message")
    for secret in ("Rift Distributors", "White Bread 400g", "KES 400.00", "Ada Wanjiru"):
        await user.should_not_see(secret)
    assert not present(user, "order-status") and not present(user, "order-lines")
    await eventually(lambda: audit_rows("access.denied"), "the recorded refusal")
    assert audit_rows("access.denied")[0].after == {"path": "/orders/PO-000001"}

    await user.open("/orders/PO-999999")
    await user.should_see("There is no order PO-999999", retries=RETRIES)


async def test_a_credit_refusal_is_shown_and_finance_may_confirm_anyway(user: User, factories) -> None:
    tight = chain_with_orders(factories, credit_limit="300")  # PO-000001 is KES 400.00
    await open_order(user, "fiona", "PO-000001")
    user.find(marker="order-confirm").click()
    await eventually(lambda: "over their credit limit of KES 300.00" in text_of(user, "order-problem"),
                     "the credit refusal")
    assert "KES 100.00 over" in text_of(user, "order-problem")
    assert stored("PO-000001").status is OrderStatus.DRAFT and audit_rows("order.confirm") == []

    user.find(marker="order-confirm-anyway").click()
    await user.should_see("Confirm PO-000001 beyond the credit limit?", retries=RETRIES)
    user.find(marker="confirm").click()
    await eventually(lambda: status_shown(user) == "Confirmed", "the confirmed order")
    order = stored("PO-000001")
    assert order.status is OrderStatus.CONFIRMED and order.credit_override_by is not None
    assert [row.entity_id for row in audit_rows("order.credit_override")] == [str(tight["po1"].id)]
    assert text_of(user, "order-credit-override") == "Confirmed beyond it by Fiona Akinyi"


async def test_a_credit_refusal_offers_no_override_without_the_right(user: User, factories) -> None:
    chain_with_orders(factories, credit_limit="100")  # SO-000002 is KES 225.00
    await open_order(user, "rita", "SO-000002")
    user.find(marker="order-confirm").click()
    await eventually(lambda: "over their credit limit" in text_of(user, "order-problem"), "the credit refusal")
    assert not present(user, "order-confirm-anyway")
    assert stored("SO-000002").status is OrderStatus.DRAFT and audit_rows("order.credit_override") == []
