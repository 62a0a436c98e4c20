"""/orders/distributors in a simulated browser: a regional sales rep sees only their region's distributors, by name,
with money as KES 12,345.00; clicking a distributor shows its products; a bad period is named under its field;
a role without orders.view is not let in."""

from datetime import timedelta
from typing import Any

import pytest
from nicegui import ui
from nicegui.testing import User

from dashboard.components.data_table import DataTable
from domain.formatting import format_date
from domain.inputs import business_today
from tests.ui.helpers import eventually, present, sign_in, the

RETRIES = 100
PATH = "/orders/distributors"


@pytest.fixture
def trade(factories) -> dict[str, Any]:
    """The sales chain with a week of trade in both regions: Rift Distributors buys 60 White Bread 400g (KES 40)
    and sells 12 on to Mama Njeri Shop (KES 45), which sells 7 (KES 50); Westlands Distributors buys 20 and sells 5.
    Rita sells in Rift."""
    chain = factories.sales_chain(stock="500")
    admin = factories.actor("admin")
    week_ago = business_today() - timedelta(days=7)

    def through(tier: str, customer: Any, qty: str) -> None:
        order = factories.order(admin, tier, customer, [(chain["bread"], qty)],
                                factory=chain["factory"] if tier == "primary" else None, order_date=week_ago)
        factories.order_through(order, "delivered", actor=admin, business_date=week_ago)

    through("primary", chain["distributor"], "60")
    through("primary", chain["distributor2"], "20")
    through("secondary", chain["retailer"], "12")
    through("secondary", chain["retailer2"], "5")
    factories.order(admin, "tertiary", chain["retailer"], [(chain["bread"], "7")], order_date=week_ago)
    factories.user("regional_sales", username="rita", scope_code="RFT")
    return chain


def tables(user: User) -> dict[str, DataTable]:
    found = user.find(kind=DataTable).elements if present(user, kind=DataTable) else set()
    return {table.source.name: table for table in found if isinstance(table, DataTable)}


async def loaded(user: User, name: str) -> DataTable:
    await eventually(lambda: name in tables(user) and tables(user)[name].page is not None, f"the {name} list")
    return tables(user)[name]


def text(user: User, marker: str) -> str:
    return str(getattr(the(user, marker), "text", ""))


async def test_a_regional_rep_sees_only_their_regions_distributors_by_name(user: User, trade) -> None:
    await sign_in(user, "rita", PATH)
    table = await loaded(user, "distributor-stock")
    assert [(r["distributor"], r["region"], r["territory"]) for r in table.table.rows] == [
        ("Rift Distributors", "Rift", "Nakuru Town")]
    [row] = table.table.rows
    assert (row["sell_in_qty"], row["sell_in_value"]) == ("60", "KES 2,400.00")
    assert (row["through_qty"], row["through_value"], row["rate"]) == ("12", "KES 540.00", "20")
    assert (row["sell_out_value"], row["on_hand_qty"], row["on_hand_value"]) == ("KES 350.00", "48", "KES 1,368.00")
    assert table.totals["sell_in_value"] == "KES 2,400.00"
    assert not {"id", "region_id"} & {column["name"] for column in table.table.columns}  # names, not ids

    await eventually(lambda: present(user, "sell-in-rift"), "the region's card")
    assert text(user, "sell-in-rift") == "KES 2,400.00"
    assert text(user, "through-rift") == "KES 540.00"
    assert text(user, "sell-out-rift") == "KES 350.00"
    assert text(user, "rate-rift") == "20.0 %"
    assert not present(user, "region-nairobi") and not present(user, "region-total")  # one region: no total
    assert not present(user, content="Westlands")


async def test_clicking_a_distributor_shows_its_products(user: User, trade) -> None:
    await sign_in(user, "rita", PATH)
    table = await loaded(user, "distributor-stock")
    user.find(ui.table).trigger("rowClick", [{}, table.table.rows[0], 0])
    products = await loaded(user, "distributor-products")
    assert text(user, "ds-breakdown-title") == "Rift Distributors: products"
    assert [(r["product"], r["sell_in_value"], r["through_value"], r["on_hand_value"]) for r in products.table.rows] \
        == [("White Bread 400g", "KES 2,400.00", "KES 540.00", "KES 1,368.00")]

    user.find(marker="ds-breakdown-close").click()
    await eventually(lambda: "distributor-products" not in tables(user), "the products list to close")


async def test_a_period_starting_after_it_ends_is_named_under_from(user: User, trade) -> None:
    await sign_in(user, "rita", PATH)
    await loaded(user, "distributor-stock")
    start = the(user, "ds-from")
    the(user, "ds-to").value = (business_today() - timedelta(days=10)).isoformat()  # type: ignore[attr-defined]
    await eventually(lambda: "to" in text(user, "ds-period") and format_date(business_today() - timedelta(days=10))
                     in text(user, "ds-period"), "the shorter period")
    start.value = (business_today() - timedelta(days=3)).isoformat()  # type: ignore[attr-defined]
    await eventually(lambda: bool(getattr(start, "error", None)), "the error under From")
    assert "From cannot be after the end of the period" in str(start.error)  # type: ignore[attr-defined]

    start.value = (business_today() - timedelta(days=10)).isoformat()  # type: ignore[attr-defined]
    await eventually(lambda: not getattr(start, "error", None), "the error to clear")

    def first_row() -> dict[str, Any]:
        table = tables(user).get("distributor-stock")
        return table.table.rows[0] if table is not None and table.table.rows else {}

    await eventually(lambda: first_row().get("sell_in_qty") == "0", "a day without sell-in")
    assert first_row()["on_hand_qty"] == "48"  # what it holds now, whatever the period


async def test_a_production_manager_is_not_let_in(user: User, factories, trade) -> None:
    factories.user("production_manager", username="pat", scope_code="RFT")
    await sign_in(user, "pat", PATH)
    await user.should_see("Not permitted", retries=RETRIES)
    assert not present(user, kind=DataTable)
