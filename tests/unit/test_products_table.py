"""The products list: kind by its label, exact money, recipe line counts, filters and paging done in SQL."""

from dataclasses import replace
from decimal import Decimal

import pytest

from domain.errors import PermissionDenied, ValidationFailed
from domain.models import ProductKind
from domain.services import products
from domain.services.tables import fetch_page
from domain.tables import TableQuery

RAW, PACK = ProductKind.RAW_MATERIAL, ProductKind.PACKAGING


@pytest.fixture
def catalogue(factories) -> dict:
    """Two finished goods with recipes (three materials each), a bun without one, and an inactive flour."""
    white = factories.finished_good_with_recipe("WB-400", name="White Bread 400g", price_retail="55.00")
    brown = factories.finished_good_with_recipe("BB-400", name="Brown Bread 400g")
    bun = factories.product("BUN-1", name="Sweet Bun", category="Buns", price_distributor="8.00",
                            price_retailer="9.00", price_retail="10.00", standard_cost="4.35",
                            reorder_level="1250.5")
    old = factories.product("OLD-FLR", kind=RAW, name="Old Flour")
    viewer = factories.actor("executive")
    products.deactivate_product(factories.actor("admin"), product_id=old.id)
    return {"white": white, "brown": brown, "bun": bun, "old": old, "viewer": viewer}


def page(actor, **query) -> object:
    return fetch_page(actor, products.products_table(actor), TableQuery(**query))


def test_rows_show_labels_exact_money_and_recipe_line_counts(catalogue):
    result = page(catalogue["viewer"], page_size=100)
    rows = {r["sku"]: r for r in result.rows}
    assert result.total_rows == 10  # 3 finished goods, 6 recipe materials, the old flour
    white, bun = rows["WB-400"], rows["BUN-1"]
    assert white["kind"] == "Finished good" and white["recipe_lines"] == 3 and white["is_active"] is True
    assert white["price_retail"] == Decimal("55.00") and isinstance(white["standard_cost"], Decimal)
    assert (bun["recipe_lines"], bun["standard_cost"], bun["reorder_level"]) == (0, Decimal("4.35"),
                                                                                Decimal("1250.500"))
    assert bun["shelf_life_days"] == 5 and bun["unit"] == "loaf" and bun["category"] == "Buns"
    flour = rows["OLD-FLR"]
    assert flour["kind"] == "Raw material" and flour["is_active"] is False and flour["shelf_life_days"] is None
    assert (flour["price_retail"], flour["standard_cost"]) == (None, Decimal("95.00"))  # materials are not sold
    assert [r["name"] for r in result.rows] == sorted(r["name"] for r in result.rows)  # by name


def test_filters_by_kind_category_active_and_text(catalogue):
    viewer = catalogue["viewer"]
    finished = page(viewer, filters={"kind": ["Finished good"]})
    assert {r["sku"] for r in finished.rows} == {"WB-400", "BB-400", "BUN-1"}
    materials = page(viewer, filters={"kind": ["Raw material", "Packaging"]})
    assert materials.total_rows == 7 and {r["kind"] for r in materials.rows} == {"Raw material", "Packaging"}
    assert {r["sku"] for r in page(viewer, filters={"category": "Buns"}).rows} == {"BUN-1"}
    assert [r["sku"] for r in page(viewer, filters={"is_active": ["no"]}).rows] == ["OLD-FLR"]
    assert page(viewer, filters={"is_active": "yes", "kind": "Raw material"}).total_rows == 4
    assert {r["sku"] for r in page(viewer, filters={"name": "bread 400"}).rows} == {"WB-400", "BB-400"}
    assert [r["sku"] for r in page(viewer, filters={"sku": "bun"}).rows] == ["BUN-1"]


def test_the_category_filter_offers_the_categories_in_use(catalogue):
    source = products.products_table(catalogue["viewer"])
    category = source.column("category")
    assert category is not None and category.choices == ["Bread", "Buns", "Flour", "Packaging", "Yeast"]
    with pytest.raises(ValidationFailed, match="Category"):
        page(catalogue["viewer"], filters={"category": "Cakes"})


def test_pages_never_overlap_and_sort_on_any_column(catalogue):
    viewer = catalogue["viewer"]
    seen = []
    for number in (1, 2, 3, 4):
        result = page(viewer, page=number, page_size=3, sort="standard_cost", descending=True)
        assert result.total_rows == 10 and result.page == number
        seen.extend(result.rows)
    assert len({r["id"] for r in seen}) == len(seen) == 10
    costs = [r["standard_cost"] for r in seen]
    assert costs == sorted(costs, reverse=True) and costs[-1] == Decimal("2.50")
    assert seen[0]["sku"] == "OLD-FLR"  # ties at KES 95.00 fall back to the newest first
    by_lines = page(viewer, sort="recipe_lines", descending=True, page_size=2)
    assert [r["recipe_lines"] for r in by_lines.rows] == [3, 3]


def test_needs_masterdata_view(catalogue):
    nobody = replace(catalogue["viewer"], permissions=frozenset())
    with pytest.raises(PermissionDenied):
        products.products_table(nobody)
    source = products.products_table(catalogue["viewer"])
    with pytest.raises(PermissionDenied):
        fetch_page(nobody, source, TableQuery())
