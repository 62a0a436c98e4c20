"""Products and recipes: exact money, field-named refusals that write nothing, audited changes."""

from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.events import bus
from domain.models import ProductKind, RecipeLine
from domain.services import products
from domain.services.audit import audit_trail

RAW, PACK = ProductKind.RAW_MATERIAL, ProductKind.PACKAGING
WHITE_BREAD = {
    "sku": " wb-400 ", "name": "White Bread 400g", "kind": "finished", "category": "Bread", "unit": "loaf",
    "price_distributor": "40.00", "price_retailer": "45.50", "price_retail": 55, "standard_cost": "12.10",
    "shelf_life_days": "5", "reorder_level": "120.5",
}


def audit(action: str = "product", product_id: int | None = None) -> list:
    entity_id = None if product_id is None else str(product_id)
    return audit_trail(SYSTEM, action=action, entity="product", entity_id=entity_id)


def all_products() -> list:
    return products.list_products(SYSTEM, include_inactive=True)


@pytest.fixture
def manager(factories):
    return factories.actor("production_manager")


def test_create_keeps_money_exact_and_is_audited(manager):
    events = []
    bus.subscribe(events.append)
    created = products.create_product(manager, **WHITE_BREAD)
    product = products.get_product(manager, product_id=created.id)
    assert product.sku == "WB-400" and product.kind is ProductKind.FINISHED and product.shelf_life_days == 5
    assert str(product.standard_cost) == "12.10" and product.standard_cost == Decimal("12.10")
    assert (product.price_distributor, product.price_retailer) == (Decimal("40.00"), Decimal("45.50"))
    assert str(product.price_retail) == "55.00" and str(product.reorder_level) == "120.500"
    assert all(isinstance(getattr(product, f), Decimal) for f in ("price_retail", "standard_cost", "reorder_level"))
    [row] = audit(product_id=product.id)
    assert row.action == "product.create" and row.actor_name == manager.username
    assert row.after["standard_cost"] == "12.10" and row.after["kind"] == "finished"
    assert [(e.name, e.data["sku"]) for e in events] == [("product.created", "WB-400")]


@pytest.mark.parametrize(("change", "label", "message"), [
    ({"sku": "  "}, "SKU", "is required"),
    ({"sku": "WB 400"}, "SKU", "only letters, digits"),
    ({"name": ""}, "Name", "is required"),
    ({"kind": "bread"}, "Kind", "must be finished, raw material or packaging"),
    ({"category": None}, "Category", "is required"),
    ({"unit": "x" * 21}, "Unit", "at most 20 characters"),
    ({"price_distributor": "40.001"}, "Distributor price", "more than 2 decimal places"),
    ({"price_retailer": "-1"}, "Retailer price", "must not be negative"),
    ({"price_retail": "abc"}, "Retail price", "must be a number"),
    ({"standard_cost": 1.005}, "Standard cost", "more than 2 decimal places"),
    ({"shelf_life_days": None}, "Shelf life", "is required for finished goods"),
    ({"shelf_life_days": 0}, "Shelf life", "at least 1 day"),
    ({"shelf_life_days": "2.5"}, "Shelf life", "whole number of days"),
    ({"reorder_level": "1.0005"}, "Reorder level", "more than 3 decimal places"),
    ({"price_retailer": "39.99"}, "Retailer price", "must not be below the distributor price (KES 40.00)"),
    ({"price_retail": "45.00"}, "Retail price", "must not be below the retailer price (KES 45.50)"),
])
def test_create_refuses_bad_input_by_field_and_writes_nothing(manager, change, label, message):
    with pytest.raises(ValidationFailed) as refused:
        products.create_product(manager, **{**WHITE_BREAD, **change})
    assert message in refused.value.errors[label]
    assert all_products() == [] and audit() == []


def test_materials_need_no_price_order_or_shelf_life(manager):
    flour = products.create_product(manager, sku="FLR-50", name="Wheat Flour", kind="raw material",
                                    category="Flour", unit="kg", price_distributor="99", standard_cost="95.5")
    assert flour.kind is RAW and flour.shelf_life_days is None and flour.standard_cost == Decimal("95.50")


def test_sku_is_unique_ignoring_case(factories, manager):
    factories.product("WB-400")
    with pytest.raises(ValidationFailed, match="SKU: WB-400 is already used"):
        products.create_product(manager, **{**WHITE_BREAD, "sku": "wb-400"})
    assert len(all_products()) == 1 and len(audit()) == 1


def test_the_unique_constraint_backs_the_sku_check_when_two_creates_race(factories, manager, monkeypatch):
    factories.product("WB-400")
    monkeypatch.setattr(products.products_q, "sku_taken", lambda *a, **kw: False)  # the other insert is unseen
    with pytest.raises(ValidationFailed, match="SKU: WB-400 is already used"):
        products.create_product(manager, **{**WHITE_BREAD, "sku": "wb-400"})
    assert len(all_products()) == 1 and len(audit()) == 1


def test_reading_needs_masterdata_view_and_changing_products_manage(factories):
    factories.product("WB-400")
    clerk = factories.actor("storekeeper")
    assert [p.sku for p in products.list_products(clerk)] == ["WB-400"]
    with pytest.raises(PermissionDenied, match="may not manage products"):
        products.create_product(clerk, **WHITE_BREAD)
    assert len(all_products()) == 1


def test_update_is_audited_with_before_and_after(factories, manager):
    bread = factories.product("WB-400", name="White Bread")
    events = []
    bus.subscribe(events.append)
    updated = products.update_product(manager, product_id=bread.id, price_retail="52.10", name="White Bread 400 g")
    assert updated.price_retail == Decimal("52.10") and updated.name == "White Bread 400 g"
    [row] = audit("product.update", bread.id)
    assert (row.before["price_retail"], row.after["price_retail"]) == ("50.00", "52.10")
    assert (row.before["name"], row.after["name"]) == ("White Bread", "White Bread 400 g")
    products.update_product(manager, product_id=bread.id, price_retail="52.1", name=" White Bread 400 g ")
    assert len(audit("product.update", bread.id)) == 1 and [e.name for e in events] == ["product.updated"]


@pytest.mark.parametrize(("change", "label", "message"), [
    ({"price_distributor": "46"}, "Distributor price", "must not exceed the retailer price (KES 45.00)"),
    ({"price_retailer": "39"}, "Retailer price", "must not be below the distributor price (KES 40.00)"),
    ({"price_retailer": "50.01"}, "Retailer price", "must not exceed the retail price (KES 50.00)"),
    ({"standard_cost": "1.999"}, "Standard cost", "more than 2 decimal places"),
    ({"shelf_life_days": None}, "Shelf life", "is required for finished goods"),
    ({"sku": "FLR-1"}, "SKU", "FLR-1 is already used"),
])
def test_update_refusal_names_the_changed_field_and_writes_nothing(factories, manager, change, label, message):
    factories.product("FLR-1", kind=RAW)
    bread = factories.product("WB-400")
    with pytest.raises(ValidationFailed) as refused:
        products.update_product(manager, product_id=bread.id, **change)
    assert message in refused.value.errors[label]
    again = products.get_product(manager, product_id=bread.id)
    assert (again.sku, again.price_distributor, again.price_retailer) == ("WB-400", Decimal("40.00"), Decimal("45.00"))
    assert audit("product.update") == []


def test_kind_cannot_change_while_a_recipe_needs_it(factories, manager):
    bread = factories.finished_good_with_recipe("WB-400")
    flour_id = products.get_recipe(manager, product_id=bread.id)[0].material_id
    with pytest.raises(ValidationFailed, match=r"Kind: cannot be finished: .* used in 1 recipe and a material"):
        products.update_product(manager, product_id=flour_id, kind="finished", shelf_life_days=3)
    with pytest.raises(ValidationFailed, match=r"Kind: cannot change: .* has a recipe"):
        products.update_product(manager, product_id=bread.id, kind=RAW)
    assert products.get_product(manager, product_id=flour_id).kind is RAW and audit("product.update") == []


def test_deactivated_products_leave_lists_and_pickers(factories, manager):
    bread = factories.product("WB-400", name="White Bread")
    factories.product("FLR-1", kind=RAW, name="Wheat Flour")
    products.deactivate_product(manager, product_id=bread.id)
    [row] = audit("product.deactivate", bread.id)
    assert (row.before["is_active"], row.after["is_active"]) == (True, False)
    assert [p.sku for p in products.list_products(manager)] == ["FLR-1"]
    assert products.product_choices(manager, kind="finished") == {}
    with pytest.raises(Conflict, match="White Bread is already inactive"):
        products.deactivate_product(manager, product_id=bread.id)
    products.reactivate_product(manager, product_id=bread.id)
    assert products.product_choices(manager, kind=ProductKind.FINISHED) == {bread.id: "White Bread (WB-400)"}
    assert len(audit("product.", bread.id)) == 3


def test_list_filters_by_kind_category_and_search(factories, manager):
    factories.product("WB-400", name="White Bread 400g")
    factories.product("BN-6", name="Sweet Buns x6", category="Buns", unit="pack")
    factories.product("FLR-1", kind=RAW, name="Wheat Flour 50kg")
    factories.product("BAG-1", kind=PACK, name="Bread Bag 400g")
    skus = lambda **kw: [p.sku for p in products.list_products(manager, **kw)]  # noqa: E731
    assert skus() == ["BAG-1", "BN-6", "FLR-1", "WB-400"]
    assert skus(kind="finished") == ["BN-6", "WB-400"] and skus(kind=[RAW, PACK]) == ["BAG-1", "FLR-1"]
    assert skus(category="buns") == ["BN-6"] and skus(search="400G") == ["BAG-1", "WB-400"]
    assert skus(search="flr") == ["FLR-1"] and skus(search="%") == []
    assert products.product_categories(manager) == ["Bread", "Buns", "Flour", "Packaging"]
    with pytest.raises(ValidationFailed, match="Kind"):
        skus(kind="cake")


def test_pickers_offer_at_most_fifty(factories, manager):
    for n in range(52):
        factories.product(f"BAG-{n:02d}", kind=PACK, name=f"Bag {n:02d}")
    choices = products.product_choices(manager, kind=[RAW, PACK])
    assert len(choices) == 50 and next(iter(choices.values())) == "Bag 00 (BAG-00)"
    assert list(products.product_choices(manager, search="bag-51").values()) == ["Bag 51 (BAG-51)"]


def test_delete_is_refused_while_recipes_use_a_material(factories, manager):
    flour = factories.product("FLR-1", kind=RAW, name="Wheat Flour")
    factories.finished_good_with_recipe("WB-400", recipe={"FLR-1": "0.250"})
    factories.finished_good_with_recipe("WB-800", recipe={"FLR-1": "0.500"})
    with pytest.raises(Conflict, match=r"^Wheat Flour is used in 2 recipes; deactivate it instead\.$"):
        products.delete_product(manager, product_id=flour.id)
    assert products.get_product(manager, product_id=flour.id).is_active and audit("product.delete") == []


def test_delete_takes_a_finished_goods_recipe_with_it(factories, manager):
    bread = factories.finished_good_with_recipe("WB-400")
    materials = [i.material_id for i in products.get_recipe(manager, product_id=bread.id)]
    products.delete_product(manager, product_id=bread.id)
    with pytest.raises(NotFound):
        products.get_product(manager, product_id=bread.id)
    [row] = audit("product.delete", bread.id)
    assert row.after is None and row.before["sku"] == "WB-400" and len(row.before["recipe"]) == 3
    products.delete_product(manager, product_id=materials[0])  # no longer used
    assert len(all_products()) == 2


def test_set_recipe_replaces_the_lines_and_audits_before_and_after(factories, manager):
    bread = factories.finished_good_with_recipe("WB-400")
    factories.product("FLR-9", kind=RAW, name="Premium Flour", unit="kg")
    fat = factories.product("MRG-1", kind=RAW, name="Margarine", category="Fats", unit="kg")
    events = []
    bus.subscribe(events.append)
    lines = [{"material": "flr-9", "qty_per_unit": "0.3"}, {"material": fat.id, "qty_per_unit": Decimal("0.015")}]
    products.set_recipe(manager, product_id=bread.id, lines=lines)
    recipe = products.get_recipe(manager, product_id=bread.id)
    assert [(i.sku, i.name, i.unit, i.qty_per_unit) for i in recipe] == [
        ("FLR-9", "Premium Flour", "kg", Decimal("0.300")), ("MRG-1", "Margarine", "kg", Decimal("0.015"))]
    [row] = audit("product.recipe", bread.id)[:1]
    assert [(x["sku"][:4], x["qty_per_unit"]) for x in row.before["lines"]] == [
        ("FLR-", "0.250"), ("YST-", "0.005"), ("BAG-", "1.000")]
    assert [(x["sku"], x["qty_per_unit"]) for x in row.after["lines"]] == [("FLR-9", "0.300"), ("MRG-1", "0.015")]
    assert [e.name for e in events] == ["product.recipe_changed"]
    products.set_recipe(manager, product_id=bread.id, lines=lines)  # the same again: nothing to record
    assert len(audit("product.recipe", bread.id)) == 2


RECIPE_REFUSALS = [
    ("FLR-1", [("OTHER", "1")], "Product", "only finished goods have recipes"),
    ("WB-400", [("FLR-1", "0.25"), ("OTHER", "1")], "Line 2 material", "a material cannot be a finished good"),
    ("WB-400", [("FLR-1", "0.25"), ("flr-1", "0.3")], "Line 2 material", "repeats line 1 (Wheat Flour)"),
    ("WB-400", [("FLR-1", "0.25"), ("BAG-1", "0")], "Line 2 quantity", "must be more than 0"),
    ("WB-400", [("FLR-1", "0.0001")], "Line 1 quantity", "more than 3 decimal places"),
    ("WB-400", [("FLR-1", None)], "Line 1 quantity", "is required"),
    ("WB-400", [("NOPE", "1")], "Line 1 material", "no product with SKU NOPE"),
    ("WB-400", [(None, "1")], "Line 1 material", "is required"),
    ("WB-400", [("SUG-1", "0.01")], "Line 1 material", "Sugar, which is inactive"),
    ("WB-400", [("BAG-1", "1"), ("WB-400", "1")], "Line 2 material", "a product cannot be in its own recipe"),
]


@pytest.mark.parametrize(("target", "lines", "label", "message"), RECIPE_REFUSALS)
def test_set_recipe_refuses_by_line_and_writes_nothing(factories, manager, target, lines, label, message):
    made = {p.sku: p for p in (
        factories.product("FLR-1", kind=RAW, name="Wheat Flour"), factories.product("BAG-1", kind=PACK),
        factories.product("SUG-1", kind=RAW, name="Sugar"), factories.product("OTHER"))}
    products.deactivate_product(SYSTEM, product_id=made["SUG-1"].id)
    bread = factories.finished_good_with_recipe("WB-400", recipe={"FLR-1": "0.200", "BAG-1": "1"})
    made["WB-400"] = bread
    before = products.get_recipe(manager, product_id=bread.id)
    by_id = [{"material": made[m].id if m == "WB-400" else m, "qty_per_unit": q} for m, q in lines]
    with pytest.raises(ValidationFailed) as refused:
        products.set_recipe(manager, product_id=made[target].id, lines=by_id)
    assert message in refused.value.errors[label]
    assert products.get_recipe(manager, product_id=bread.id) == before
    assert len(audit("product.recipe")) == 1  # the factory's


def test_set_recipe_refuses_a_cycle_through_other_recipes(factories, manager):
    bread = factories.product("WB-400", name="White Bread")
    premix = factories.product("PMX-1", kind=RAW, name="Bread Premix")
    flour = factories.product("FLR-1", kind=RAW, name="Wheat Flour")
    with transaction(SYSTEM) as tx:  # bad data no service would write: premix -> flour -> bread
        tx.session.add(RecipeLine(product_id=premix.id, material_id=flour.id, qty_per_unit=Decimal("1")))
        tx.session.add(RecipeLine(product_id=flour.id, material_id=bread.id, qty_per_unit=Decimal("1")))
    with pytest.raises(ValidationFailed) as refused:
        products.set_recipe(manager, product_id=bread.id, lines=[{"material": "PMX-1", "qty_per_unit": "0.5"}])
    assert "Bread Premix, whose recipe leads back to White Bread" in refused.value.errors["Line 1 material"]
    assert products.get_recipe(manager, product_id=bread.id) == [] and audit("product.recipe") == []


def test_materials_needed_is_exact(factories, manager):
    factories.product("FLR-1", kind=RAW)
    factories.product("MRG-1", kind=RAW)
    factories.product("BAG-1", kind=PACK)
    bread = factories.finished_good_with_recipe(recipe={"FLR-1": "0.250", "MRG-1": "0.333", "BAG-1": "1"})
    ids = {i.sku: i.material_id for i in products.get_recipe(manager, product_id=bread.id)}
    needed = products.materials_needed(product_id=bread.id, qty=240)
    assert {sku: str(needed[i]) for sku, i in ids.items()} == {"FLR-1": "60.000", "MRG-1": "79.920", "BAG-1": "240.000"}
    assert products.materials_needed(product_id=bread.id, qty="2.5")[ids["MRG-1"]] == Decimal("0.8325")
    with pytest.raises(ValidationFailed, match="Quantity: must not be negative"):
        products.materials_needed(product_id=bread.id, qty="-1")
    with pytest.raises(NotFound):
        products.materials_needed(product_id=bread.id + 999, qty=1)
