"""/orders/new in a simulated browser: a regional user enters a secondary order for a retailer in their region (and
is never offered one outside it); errors sit next to their fields and nothing is written; a double tap, a lost answer
and a reload all end in one order; the tiers follow the role; "Confirm now" shows a credit refusal; a tertiary sale
beyond the retailer's stock is refused."""

from decimal import Decimal

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import col, func, select

from dashboard.components.search_select import SearchSelect
from domain.access import SYSTEM
from domain.db import reading
from domain.models import AuditLog, Order, OrderLine, OrderStatus
from domain.services.access import load_actor
from domain.services.orders import submit_order
from domain.services.products import deactivate_product
from tests.ui.helpers import eventually, present, sign_in, the

D = Decimal
PATH = "/orders/new"


@pytest.fixture
def chain(factories) -> dict:
    """factories.sales_chain() (Rift: Mama Njeri Shop supplied by Rift Distributors; Nairobi: Westlands Kiosk),
    Dinner Rolls beside White Bread, Sammy (regional sales, Rift) and Mercy (finance, company-wide)."""
    chain = factories.sales_chain(credit_limit="1000")
    chain["rolls"] = factories.product("RL-7", name="Dinner Rolls", unit="pack", price_distributor="11.10",
                                       price_retailer="12.35", price_retail="13.00")
    chain["sammy"] = factories.user("regional_sales", username="sammy", scope_code="RFT", full_name="Sammy Kiprop")
    factories.user("finance", username="mercy", full_name="Mercy Achieng")
    return chain


def orders() -> list[Order]:
    with reading() as s:
        return list(s.exec(select(Order).order_by(col(Order.id))))


def written() -> tuple[int, int, int]:
    """Orders, order lines and order audit rows: what a refused submit must leave as it was."""
    with reading() as s:
        return (s.exec(select(func.count()).select_from(Order)).one(),
                s.exec(select(func.count()).select_from(OrderLine)).one(),
                s.exec(select(func.count()).select_from(AuditLog)
                       .where(col(AuditLog.action).startswith("order."))).one())


def picker(user: User, marker: str) -> SearchSelect:
    element = the(user, marker)
    assert isinstance(element, SearchSelect)
    return element


async def choose(user: User, marker: str, label: str) -> None:
    """Pick `label` in a searchable select once it and its options have arrived (a fresh form builds its first line
    after the customer is chosen)."""
    await eventually(lambda: present(user, marker), marker)
    select_ = picker(user, marker)
    await eventually(lambda: label in select_.options.values(), f"{label} in {marker}")
    select_.value = next(value for value, text in select_.options.items() if text == label)


async def open_form(user: User, username: str | None = "sammy") -> None:
    """Sign in and open the form (`username` None: open it again, as a reload does)."""
    if username is None:
        await user.open(PATH)
    else:
        await sign_in(user, username, PATH)
    await eventually(lambda: present(user, "order-submit") and the(user, "order-submit").enabled,  # type: ignore
                     "the order form, loaded")


def shop_label(chain: dict) -> str:
    return f"Mama Njeri Shop ({chain['retailer'].code}) · Nakuru Town"


async def fill_order(user: User, chain: dict) -> None:
    """Mama Njeri Shop: 24 loaves of White Bread and 10 packs of Dinner Rolls (secondary prices 45.00 and 12.35)."""
    await choose(user, "order-customer", shop_label(chain))
    await choose(user, "line-product-1", "White Bread 400g (WB-400)")
    user.find(marker="line-qty-1").type("24")
    user.find(marker="line-add").click()
    await eventually(lambda: present(user, "line-product-2"), "a second line")
    await choose(user, "line-product-2", "Dinner Rolls (RL-7)")
    user.find(marker="line-qty-2").type("10")


async def submit(user: User) -> None:
    """Tap "Submit order" once the form is ready for it (it waits while prices load)."""
    await eventually(lambda: the(user, "order-submit").enabled, "Submit order, enabled")  # type: ignore
    user.find(marker="order-submit").click()


def text(user: User, marker: str) -> str:
    return the(user, marker).text if present(user, marker) else ""  # type: ignore[attr-defined]


async def test_a_regional_user_enters_a_secondary_order_for_a_retailer_in_their_region(user: User, chain) -> None:
    await open_form(user)
    customers = picker(user, "order-customer")
    assert list(customers.options.values()) == [shop_label(chain)]  # Westlands Kiosk is in Nairobi
    await customers.load("Westlands")  # searching by name does not reach outside Rift either
    assert list(customers.options.values()) == []
    await customers.load(None)
    assert the(user, "order-tier").value == "secondary"  # type: ignore[attr-defined]

    await fill_order(user, chain)
    assert customers.props["hint"] == "In Nakuru Town; supplied by Rift Distributors, who sells on this order."
    assert (text(user, "line-amount-1"), text(user, "line-amount-2")) == ("KES 1,080.00", "KES 123.50")
    assert text(user, "order-total") == "KES 1,203.50"
    assert the(user, "line-qty-1").props["hint"] == "KES 45.00 / loaf"
    await submit(user)

    await eventually(lambda: present(user, "order-number"), "the order number")
    assert text(user, "order-number") == "SO-000001"
    assert (text(user, "order-status"), text(user, "order-done-total")) == ("Draft", "KES 1,203.50")
    link = the(user, "order-link")
    assert isinstance(link, ui.link) and link.props["href"] == "/orders/SO-000001"
    [order] = orders()
    assert (order.number, order.buyer_id, order.seller_id, order.total, order.status) == (
        "SO-000001", chain["retailer"].id, chain["distributor"].id, D("1203.50"), OrderStatus.DRAFT)


async def test_errors_sit_next_to_their_fields_and_nothing_is_written(user: User, chain) -> None:
    await open_form(user)
    await choose(user, "line-product-1", "White Bread 400g (WB-400)")
    user.find(marker="line-qty-1").type("0")
    assert text(user, "line-amount-1") == "—"
    user.find(marker="line-add").click()
    await eventually(lambda: present(user, "line-qty-2"), "a second line")
    user.find(marker="line-qty-2").type("5")
    before = written()
    await submit(user)

    customer = picker(user, "order-customer")
    await eventually(lambda: bool(customer.error), "the customer's error")
    assert customer.error == "Retailer is required"  # the service's "Customer", as the form calls it
    assert the(user, "line-qty-1").props["error-message"] == "Line 1 quantity must be more than 0"
    assert picker(user, "line-product-2").error == "Line 2 product is required"
    assert written() == before

    user.find(marker="line-remove-2").click()
    assert not present(user, "line-remove-1")  # the last line stays
    picker(user, "line-product-1").value = None
    the(user, "line-qty-1").value = ""  # type: ignore[attr-defined]
    await choose(user, "order-customer", shop_label(chain))
    await submit(user)
    await eventually(lambda: present(user, "lines-problem"), "the empty order's message")
    assert text(user, "lines-problem") == "Add at least one product."
    assert written() == before


async def test_a_product_withdrawn_while_the_order_was_typed_is_named_on_its_line(user: User, chain) -> None:
    await open_form(user)
    await fill_order(user, chain)
    deactivate_product(SYSTEM, product_id=chain["rolls"].id)
    before = written()
    await submit(user)
    product = picker(user, "line-product-2")
    await eventually(lambda: bool(product.error), "the line's error")
    assert product.error == "Line 2 product Dinner Rolls is no longer sold"
    assert written() == before


async def test_a_double_tap_makes_one_order(user: User, chain) -> None:
    await open_form(user)
    await fill_order(user, chain)
    button = user.find(marker="order-submit")
    button.click()
    button.click()  # the second tap reaches the server before the first answer
    await eventually(lambda: present(user, "order-number"), "the order number")
    assert text(user, "order-number") == "SO-000001"
    assert [o.number for o in orders()] == ["SO-000001"]


async def test_a_retry_after_a_lost_answer_returns_the_order_already_written(user: User, chain) -> None:
    await open_form(user)
    await fill_order(user, chain)
    reference = the(user, "order-form").props["data-reference"]
    sammy = load_actor(chain["sammy"].id)  # the first submit arrived; its answer never came back
    assert sammy is not None
    first = submit_order(sammy, tier="secondary", customer_id=chain["retailer"].id, client_reference=reference,
                         lines=[{"product_id": chain["bread"].id, "qty": "24"},
                                {"product_id": chain["rolls"].id, "qty": "10"}])
    await submit(user)  # the retry
    await eventually(lambda: present(user, "order-number"), "the order number")
    assert text(user, "order-number") == first.number == "SO-000001"
    assert len(orders()) == 1


async def test_a_reload_keeps_the_draft_and_then_the_submitted_order(user: User, chain) -> None:
    await open_form(user)
    await fill_order(user, chain)
    reference = the(user, "order-form").props["data-reference"]

    await open_form(user, None)  # reload
    await eventually(lambda: present(user, "line-qty-2"), "the draft's lines")
    assert the(user, "order-form").props["data-reference"] == reference
    assert picker(user, "order-customer").value == chain["retailer"].id
    assert the(user, "line-qty-2").value == "10"  # type: ignore[attr-defined]
    await eventually(lambda: text(user, "order-total") == "KES 1,203.50", "the draft's total")
    await submit(user)
    await eventually(lambda: present(user, "order-number"), "the order number")

    await user.open(PATH)  # reload after submitting: the order, not a new one
    await eventually(lambda: present(user, "order-number"), "the submitted order after the reload")
    assert text(user, "order-number") == "SO-000001" and not present(user, "order-submit")
    user.find(marker="order-new").click()
    await eventually(lambda: present(user, "order-submit"), "a fresh form")
    assert the(user, "order-form").props["data-reference"] != reference
    assert picker(user, "order-customer").value is None and text(user, "order-total") == "KES 0.00"
    await choose(user, "order-customer", shop_label(chain))
    await choose(user, "line-product-1", "White Bread 400g (WB-400)")
    user.find(marker="line-qty-1").type("2")
    await submit(user)
    await eventually(lambda: text(user, "order-number") == "SO-000002", "the second order")
    assert [(o.number, o.total) for o in orders()] == [("SO-000001", D("1203.50")), ("SO-000002", D("90.00"))]


async def test_finance_enters_primary_orders_only_from_a_factory(user: User, chain) -> None:
    await open_form(user, "mercy")
    tier = the(user, "order-tier")
    assert tier.options == {"primary": "Primary"}  # type: ignore[attr-defined]
    assert picker(user, "order-customer").props["label"] == "Distributor"
    assert list(picker(user, "order-customer").options.values()) == [
        f"Rift Distributors ({chain['distributor'].code}) · Nakuru Town",
        f"Westlands Distributors ({chain['distributor2'].code}) · Westlands Town"]
    factory = picker(user, "order-factory")
    await eventually(lambda: factory.value == chain["factory"].id, "the only factory, chosen")
    assert present(user, "order-factory")


async def test_a_regional_user_has_the_form_in_the_menu_and_a_storekeeper_does_not(user: User, chain,
                                                                                      factories) -> None:
    await open_form(user, "sammy")
    assert the(user, "order-tier").options == {"secondary": "Secondary", "tertiary": "Tertiary"}  # type: ignore
    assert not present(user, "order-factory")
    await user.open("/profile")
    await user.should_see("New order")  # in the menu
    await user.open("/logout")
    factories.user("storekeeper", username="otieno")
    await sign_in(user, "otieno", "/profile")
    await user.should_not_see("New order")
    await user.open(PATH)
    await user.should_see("Not permitted")
    assert not present(user, "order-submit")


async def test_a_regional_user_may_switch_to_recording_a_retailers_sales(user: User, chain) -> None:
    await open_form(user)
    the(user, "order-tier").value = "tertiary"  # type: ignore[attr-defined]
    customer = picker(user, "order-customer")
    await eventually(lambda: "sales to consumers" in str(customer.props.get("hint")), "the tertiary hint")
    await eventually(lambda: the(user, "order-submit").enabled, "the tertiary prices")  # type: ignore[attr-defined]
    assert customer.props["label"] == "Retailer"
    await choose(user, "order-customer", shop_label(chain))
    await choose(user, "line-product-1", "White Bread 400g (WB-400)")
    user.find(marker="line-qty-1").type("5")
    assert text(user, "line-amount-1") == "KES 250.00"  # the retail price
    before = written()
    await submit(user)  # the shop holds no bread
    await eventually(lambda: present(user, "order-problem"), "the shortage")
    assert "Not enough White Bread 400g at Mama Njeri Shop" in text(user, "order-problem")
    assert written() == before


async def test_confirm_now_shows_a_credit_refusal_and_leaves_the_draft(user: User, chain) -> None:
    await open_form(user)
    await fill_order(user, chain)  # KES 1,203.50 against a credit limit of KES 1,000.00
    await submit(user)
    await eventually(lambda: present(user, "order-confirm"), "Confirm now")
    user.find(marker="order-confirm").click()
    await eventually(lambda: present(user, "order-confirm-problem"), "the credit refusal")
    assert "over their credit limit of KES 1,000.00" in text(user, "order-confirm-problem")
    assert [o.status for o in orders()] == [OrderStatus.DRAFT]


async def test_confirm_now_confirms_a_draft_within_the_credit_limit(user: User, chain) -> None:
    await open_form(user)
    await choose(user, "order-customer", shop_label(chain))
    await choose(user, "line-product-1", "White Bread 400g (WB-400)")
    user.find(marker="line-qty-1").type("2")
    await submit(user)
    await eventually(lambda: present(user, "order-confirm"), "Confirm now")
    user.find(marker="order-confirm").click()
    await eventually(lambda: text(user, "order-status") == "Confirmed", "the confirmed status")
    assert not present(user, "order-confirm")
    assert [(o.number, o.status) for o in orders()] == [("SO-000001", OrderStatus.CONFIRMED)]
