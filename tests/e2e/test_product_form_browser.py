"""In real Chromium: an admin fills the product form, saves, picks a material in the recipe editor and saves it."""

import re
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.models import ProductKind
from domain.services import products
from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_admin_creates_a_product_and_its_recipe(live_server, page, factories, db_url) -> None:
    factories.user("admin", username="grace", full_name="Grace Wanjiru")
    flour = factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour")
    factories.product("BAG-1", kind=ProductKind.PACKAGING, name="Bread Bag")
    page.goto(live_server + "/login")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("header").get_by_text("Grace Wanjiru").wait_for()

    page.goto(live_server + "/products")
    page.get_by_role("button", name="New product").click()
    page.wait_for_url(re.compile(r".*/products/new$"))
    for label, value in [("SKU", "wb-400"), ("Name", "White Bread 400g"), ("Category", "Bread"), ("Unit", "loaf"),
                         ("Shelf life", "5"), ("Reorder level", "1200"), ("Distributor price", "48.00"),
                         ("Retailer price", "52.00"), ("Retail price", "60.00"), ("Standard cost", "31.45")]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r".*/products/\d+\?done=created$"))
    page.get_by_text("Product created").wait_for()

    page.get_by_label("Material").click()
    page.get_by_label("Material").fill("flour")
    page.get_by_role("option", name="Wheat Flour (FLR-1)").click()
    page.get_by_label("Quantity per loaf").fill("0.25")
    page.get_by_role("button", name="Save recipe").click()
    page.get_by_text("Recipe saved (1 line)").wait_for()

    [bread] = products.list_products(SYSTEM, kind="finished")
    assert (bread.sku, bread.price_retail, bread.standard_cost) == ("WB-400", Decimal("60.00"), Decimal("31.45"))
    [line] = products.get_recipe(SYSTEM, product_id=bread.id)
    assert (line.material_id, line.qty_per_unit) == (flour.id, Decimal("0.250"))
    assert page.get_by_label("Retail price", exact=True).input_value() == "60.00"
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    shot = save_screenshot(page, f"product-form-{kind}")
    assert shot.stat().st_size > 10_000
