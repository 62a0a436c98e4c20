"""The product pages in a simulated browser: create a product and its recipe, refusals next to the fields that
write nothing, and a read-only view for roles without products.manage."""

from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from nicegui.testing import User

from dashboard.components.data_table import DataTable
from dashboard.components.recipe_editor import RecipeEditor
from domain.access import SYSTEM
from domain.models import ProductKind
from domain.services import products
from domain.services.audit import audit_trail
from tests.ui.helpers import eventually, present, the

RAW, PACK = ProductKind.RAW_MATERIAL, ProductKind.PACKAGING
WHITE_BREAD = {
    "sku": "wb-400", "name": "White Bread 400g", "category": "Bread", "unit": "loaf", "price_distributor": "48",
    "price_retailer": "52.00", "price_retail": "1,060.50", "standard_cost": "31.45", "shelf_life_days": "5",
    "reorder_level": "1200",
}


def error_of(user: User, marker: str) -> str | None:
    element = the(user, marker)
    return element.props.get("error-message") if element.props.get("error") else None


async def fill_product(user: User, values: dict[str, str]) -> None:
    await eventually(lambda: present(user, "sku"), "the product form")
    for key, value in values.items():
        the(user, key).value = value  # type: ignore[attr-defined]


@pytest.fixture
def log_in_and_move_on(user: User, log_in: Callable[[str], Awaitable[None]]) -> Callable[[str], Awaitable[None]]:
    """`log_in`, then wait for the login page to send the user on, so it cannot override the next `open`."""
    async def _log_in_and_move_on(username: str) -> None:
        await log_in(username)
        await eventually(lambda: user.back_history[-1:] != ["/login"], "the landing page")
    return _log_in_and_move_on


def all_products() -> list:
    return products.list_products(SYSTEM, include_inactive=True)


async def test_an_admin_creates_a_finished_good_and_its_recipe(user: User, factories, log_in_and_move_on) -> None:
    flour = factories.product("FLR-1", kind=RAW, name="Wheat Flour")
    bag = factories.product("BAG-1", kind=PACK, name="Bread Bag")
    factories.user("admin", username="grace")
    await log_in_and_move_on("grace")
    await user.open("/products")
    await user.should_see("Products")
    user.find(marker="product-new").click()
    await fill_product(user, WHITE_BREAD)
    user.find(marker="product-save").click()
    await eventually(lambda: len(all_products()) == 3, "the new product")
    [product] = products.list_products(SYSTEM, kind="finished")
    assert (product.sku, product.kind, product.shelf_life_days) == ("WB-400", ProductKind.FINISHED, 5)
    assert (product.price_distributor, product.price_retail) == (Decimal("48.00"), Decimal("1060.50"))
    assert (product.standard_cost, product.reorder_level) == (Decimal("31.45"), Decimal("1200.000"))

    await user.open(f"/products/{product.id}")
    await eventually(lambda: present(user, kind=RecipeEditor), "the recipe editor")
    assert the(user, "price_retail").value == "1,060.50"  # type: ignore[attr-defined]
    user.find(marker="recipe-material-1").click()  # opens the options
    user.find(marker="recipe-material-1").click()  # nothing picked: closes them again
    the(user, "recipe-material-1").value = flour.id  # type: ignore[attr-defined]
    user.find(marker="recipe-qty-1").type("0.25")
    user.find(marker="recipe-add").click()
    the(user, "recipe-material-2").value = bag.id  # type: ignore[attr-defined]
    user.find(marker="recipe-qty-2").type("1")
    user.find(marker="recipe-add").click()  # a blank third line is dropped on saving
    user.find(marker="recipe-save").click()
    await eventually(lambda: products.get_recipe(SYSTEM, product_id=product.id), "the saved recipe")
    await user.should_see("Recipe saved (2 lines)")
    recipe = products.get_recipe(SYSTEM, product_id=product.id)
    assert [(i.sku, i.qty_per_unit) for i in recipe] == [("FLR-1", Decimal("0.250")), ("BAG-1", Decimal("1.000"))]
    assert the(user, "recipe-qty-1").props["suffix"] == "kg"
    assert [r.action for r in audit_trail(SYSTEM, entity="product", entity_id=str(product.id))] == [
        "product.recipe", "product.create"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("price_retail", "50.00", "Retail price must not be below the retailer price (KES 52.00)"),
    ("price_distributor", "48.001", "Distributor price has more than 2 decimal places"),
    ("shelf_life_days", "", "Shelf life is required for finished goods"),
])
async def test_a_bad_value_is_refused_next_to_its_field_and_nothing_is_written(
        user: User, factories, log_in_and_move_on, field: str, value: str, message: str) -> None:
    factories.user("admin", username="grace")
    await log_in_and_move_on("grace")
    await user.open("/products/new")
    await fill_product(user, {**WHITE_BREAD, field: value})
    user.find(marker="product-save").click()
    await eventually(lambda: error_of(user, field), "the field's error")
    assert error_of(user, field) == message
    assert error_of(user, "sku") is None
    assert all_products() == []


async def test_a_recipe_line_error_shows_under_that_line(user: User, factories, log_in_and_move_on) -> None:
    bread = factories.finished_good_with_recipe("WB-400", name="White Bread 400g")
    factories.user("production_manager", username="otieno")
    await log_in_and_move_on("otieno")
    await user.open(f"/products/{bread.id}")
    await eventually(lambda: present(user, "recipe-qty-3"), "the three recipe lines")
    the(user, "recipe-qty-2").value = "0"  # type: ignore[attr-defined]
    user.find(marker="recipe-save").click()
    await eventually(lambda: error_of(user, "recipe-qty-2"), "the line's error")
    assert error_of(user, "recipe-qty-2") == "Line 2 quantity must be more than 0"
    assert error_of(user, "recipe-qty-1") is None and error_of(user, "recipe-material-2") is None
    assert products.get_recipe(SYSTEM, product_id=bread.id)[1].qty_per_unit == Decimal("0.005")  # unchanged


async def test_deleting_a_material_in_use_is_refused_with_the_reason(user: User, factories, log_in_and_move_on) -> None:
    factories.finished_good_with_recipe("WB-400")
    flour = next(p for p in all_products() if p.sku.startswith("FLR-"))
    factories.user("admin", username="grace")
    await log_in_and_move_on("grace")
    await user.open(f"/products/{flour.id}")
    await eventually(lambda: present(user, "product-delete"), "the delete button")
    user.find(marker="product-delete").click()
    await eventually(lambda: present(user, "confirm-yes"), "the confirmation")
    user.find(marker="confirm-yes").click()
    await user.should_see("is used in 1 recipe; deactivate it instead.")
    assert products.get_product(SYSTEM, product_id=flour.id).is_active
    user.find(marker="product-deactivate").click()
    await eventually(lambda: not products.get_product(SYSTEM, product_id=flour.id).is_active, "deactivation")
    await eventually(lambda: present(user, "product-reactivate"), "the reactivate button")


async def test_an_executive_reads_products_but_cannot_change_them(user: User, factories, log_in_and_move_on) -> None:
    bread = factories.finished_good_with_recipe("WB-400", name="White Bread 400g", price_retail="12345.50",
                                                price_retailer="12000")
    factories.user("executive", username="peter")
    await log_in_and_move_on("peter")
    await user.open("/products")
    await eventually(lambda: present(user, kind=DataTable), "the list")
    table = the(user, kind=DataTable)
    await eventually(lambda: table.page is not None, "the first page")  # type: ignore[attr-defined]
    rows = {r["sku"]: r for r in table.table.rows}  # type: ignore[attr-defined]
    assert rows["WB-400"]["price_retail"] == "KES 12,345.50" and rows["WB-400"]["recipe_lines"] == "3"
    await user.should_not_see(marker="product-new")

    await user.open(f"/products/{bread.id}")
    await user.should_see("KES 12,345.50")
    await user.should_see("0.25 kg")
    await user.should_not_see(marker="product-save")
    await user.should_not_see(marker="recipe-save")
    await user.should_not_see(marker="product-delete")
    await user.open("/products/new")
    await user.should_see("Not permitted")
