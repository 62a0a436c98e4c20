"""Submitting orders: numbers per tier, the tier's prices and exact amounts, audited price overrides, every bad
input named with nothing written, scope and per-tier permissions with the default roles, idempotent submits, and
tertiary sales taking stock out of the retailer."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import Conflict, InsufficientStock, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import MoveKind, OrderStatus, OrderTier, Party
from domain.services import orders
from domain.services.parties import deactivate_party
from domain.services.products import deactivate_product
from tests.unit.test_orders_helpers import (
    audit_of,
    balance,
    committed_events,
    history,
    invoice_of,
    ledger_problems,
    lines_of,
    moves_of,
    sales_world,
    state,
    stored_order,
)

D = Decimal
_refs = itertools.count(1)


@pytest.fixture
def w(factories):
    return sales_world(factories)


def submit(w, actor, tier="primary", customer=None, lines=None, **fields):
    """An order of 10 White Bread (primary: Rift Distributors from Nakuru Factory; otherwise Mama Njeri Shop)."""
    customer = customer or (w["distributor"] if tier == "primary" else w["retailer"])
    fields.setdefault("seller_id", w["factory"].id if tier == "primary" else None)
    fields.setdefault("client_reference", f"ref-{next(_refs)}")
    return orders.submit_order(actor, tier=tier, customer_id=customer.id,
                               lines=[{"product_id": w["bread"].id, "qty": "10"}] if lines is None else lines,
                               **fields)


def test_numbers_run_per_tier_and_each_order_names_seller_buyer_and_territory(w, factories):
    factories.stock(w["retailer"], w["bread"], "20")
    po1 = submit(w, w["finance"])
    so1 = submit(w, w["rift_sales"], "secondary")
    po2 = submit(w, w["finance"])
    to1 = submit(w, w["rift_sales"], "tertiary", lines=[{"product_id": w["bread"].id, "qty": "2"}])
    assert [o.number for o in (po1, so1, po2, to1)] == ["PO-000001", "SO-000001", "PO-000002", "TO-000001"]
    dist, shop = w["distributor"], w["retailer"]
    assert (po1.tier, po1.seller_id, po1.buyer_id, po1.territory_path, po1.status, po1.created_by) == (
        OrderTier.PRIMARY, w["factory"].id, dist.id, dist.territory_path, OrderStatus.DRAFT, w["finance"].user_id)
    assert (so1.tier, so1.seller_id, so1.buyer_id, so1.territory_path, so1.status) == (
        OrderTier.SECONDARY, dist.id, shop.id, shop.territory_path, OrderStatus.DRAFT)
    assert (to1.tier, to1.seller_id, to1.buyer_id, to1.territory_path, to1.status) == (
        OrderTier.TERTIARY, shop.id, None, shop.territory_path, OrderStatus.DELIVERED)
    assert {o.order_date for o in (po1, so1, po2, to1)} == {business_today()}
    assert stored_order(po2.id).number == "PO-000002"


def test_each_line_takes_its_tiers_price_and_amounts_round_half_up_to_the_cent(w, factories):
    rolls = factories.product("ROLL", name="Dinner Rolls", unit="kg", price_distributor="33.33",
                              price_retailer="36.67", price_retail="41.11", shelf_life_days=2)
    bread = w["bread"]
    factories.stock(w["retailer"], rolls, "5")
    po = submit(w, w["finance"], lines=[{"product_id": bread.id, "qty": "10"}, {"product_id": rolls.id, "qty": "0.5"}])
    so = submit(w, w["rift_sales"], "secondary", lines=[{"product_id": rolls.id, "qty": "2.555"},
                                                         {"product_id": bread.id, "qty": "3"}])
    to = submit(w, w["rift_sales"], "tertiary", lines=[{"product_id": rolls.id, "qty": "1.5"}])
    # 0.5 × 33.33 = 16.665 → 16.67 (half up); 2.555 × 36.67 = 93.69185 → 93.69; 1.5 × 41.11 = 61.665 → 61.67
    expected = {
        po.id: [(bread.id, D("10"), D("40.00"), D("40.00"), D("400.00")),
                (rolls.id, D("0.5"), D("33.33"), D("33.33"), D("16.67"))],
        so.id: [(rolls.id, D("2.555"), D("36.67"), D("36.67"), D("93.69")),
                (bread.id, D("3"), D("45.00"), D("45.00"), D("135.00"))],
        to.id: [(rolls.id, D("1.5"), D("41.11"), D("41.11"), D("61.67"))],
    }
    for order in (po, so, to):
        stored = lines_of(order.id)
        assert [(ln.product_id, ln.qty, ln.list_price, ln.unit_price, ln.amount) for ln in stored] == expected[order.id]
        assert [ln.line_no for ln in stored] == list(range(1, len(stored) + 1))
    assert (po.total, so.total, to.total) == (D("416.67"), D("228.69"), D("61.67"))
    assert [stored_order(o.id).total for o in (po, so, to)] == [D("416.67"), D("228.69"), D("61.67")]


def test_a_price_override_without_the_permission_is_refused_and_nothing_is_written(w):
    before = state()
    with pytest.raises(PermissionDenied, match=r"Your role \(Finance\) may not override a primary price"):
        submit(w, w["finance"], lines=[{"product_id": w["bread"].id, "qty": "10", "unit_price": "38.00"}])
    assert state() == before
    order = submit(w, w["finance"], lines=[{"product_id": w["bread"].id, "qty": "10", "unit_price": "40"}])
    assert order.number == "PO-000001" and order.total == D("400.00")  # the tier's own price is no override
    assert audit_of(order.id, "order.price_override") == []


def test_a_price_override_with_the_permission_is_audited_line_by_line(w, factories):
    buns = factories.product("BUN", name="Sweet Buns")
    admin = w["admin"]
    order = submit(w, admin, lines=[{"product_id": w["bread"].id, "qty": "10", "unit_price": "38.50"},
                                    {"product_id": buns.id, "qty": "4"},
                                    ])
    assert [(ln.list_price, ln.unit_price, ln.amount) for ln in lines_of(order.id)] == [
        (D("40.00"), D("38.50"), D("385.00")), (D("40.00"), D("40.00"), D("160.00"))]
    assert order.total == D("545.00")
    [override] = audit_of(order.id, "order.price_override")
    assert (override.actor_id, override.scope_path) == (admin.user_id, order.territory_path)
    assert override.before == {"number": "PO-000001", "sku": "WB-400", "unit_price": "40.00"}
    assert override.after == {"number": "PO-000001", "sku": "WB-400", "unit_price": "38.50"}
    [submitted] = audit_of(order.id, "order.submit")
    assert [(ln["sku"], ln["unit_price"], ln["amount"]) for ln in submitted.after["lines"]] == [
        ("WB-400", "38.50", "385.00"), (buns.sku, "40.00", "160.00")]


def _orphan_retailer(w, factories) -> Party:
    """A retailer whose supplying distributor was lost (the parties service no longer allows that)."""
    shop = factories.party("retailer", w["geo"]["nakuru_town"], name="Orphan Shop", distributor=w["distributor"])
    with transaction(SYSTEM) as tx:
        row = tx.session.get(Party, shop.id)
        row.parent_distributor_id = None
        tx.session.add(row)
    return shop


def test_every_bad_input_is_named_by_field_or_line_and_nothing_is_written(w, factories):
    bread, admin = w["bread"], w["admin"]
    flour = factories.product("FLOUR", kind="raw_material", name="Wheat Flour")
    old = factories.product("OLD", name="Old Loaf")
    deactivate_product(SYSTEM, product_id=old.id)
    closed = factories.party("retailer", w["geo"]["nakuru_town"], name="Closed Shop", distributor=w["distributor"])
    deactivate_party(SYSTEM, party_id=closed.id)
    orphan = _orphan_retailer(w, factories)
    seen = committed_events()

    def line(product, qty="10", **more):
        return [{"product_id": product if isinstance(product, int | str) else product.id, "qty": qty, **more}]

    refusals = [
        ({"Tier": "must be primary, secondary or tertiary"}, dict(tier="quaternary")),
        ({"Lines": "add at least one product"}, dict(lines=[])),
        ({"Line 1 quantity": "must be more than 0"}, dict(lines=line(bread, "0"))),
        ({"Line 1 quantity": "must be more than 0"}, dict(lines=line(bread, "-2"))),
        ({"Line 1 quantity": "has more than 3 decimal places"}, dict(lines=line(bread, "1.0005"))),
        ({"Line 1 price": "must not be negative"}, dict(lines=line(bread, unit_price="-1"))),
        ({"Line 1 product": "must be chosen from the list"}, dict(lines=line("white bread"))),
        ({"Line 1 product": "is not a product we sell"}, dict(lines=line(987654))),
        ({"Line 1 product": "is not a product we sell"}, dict(lines=line(flour))),
        ({"Line 1 product": "Old Loaf is no longer sold"}, dict(lines=line(old))),
        ({"Line 2 product": "White Bread 400g is already on line 1: change that quantity"},
         dict(lines=line(bread) + line(bread, "5"))),
        ({"Customer": "must be a distributor"}, dict(customer=w["retailer"])),
        ({"Customer": "must be a retailer"}, dict(tier="secondary", customer=w["distributor"])),
        ({"Customer": "Closed Shop is inactive"}, dict(tier="secondary", customer=closed)),
        ({"Customer": "Orphan Shop has no supplying distributor"}, dict(tier="secondary", customer=orphan)),
        ({"Factory": "is required"}, dict(seller_id=None)),
        ({"Factory": "must be a factory"}, dict(seller_id=w["distributor"].id)),
        ({"Date": "cannot be in the future"}, dict(order_date=business_today() + timedelta(days=1))),
        ({"Reference": "is required"}, dict(client_reference="  ")),
        # several problems at once are reported together
        ({"Date": "must be a date such as 2026-11-21", "Line 1 quantity": "is required",
          "Line 2 product": "is required"}, dict(order_date="tomorrow", lines=[{"product_id": bread.id},
                                                                               {"qty": "1"}])),
        ({"Customer": "must be a distributor", "Line 1 product": "is not a product we sell",
          "Line 3 product": "White Bread 400g is already on line 2: change that quantity"},
         dict(customer=w["retailer"], lines=line(flour) + line(bread) + line(bread))),
    ]
    before = state()
    for errors, fields in refusals:
        with pytest.raises(ValidationFailed) as refused:
            submit(w, admin, **fields)
        assert refused.value.errors == errors
        assert state() == before, errors
    assert seen == []
    assert submit(w, admin).number == "PO-000001"  # no refusal used up a number


def test_a_regional_user_cannot_enter_an_order_for_another_regions_customer(w, factories):
    factories.stock(w["retailer2"], w["bread"], "10")
    before = state()
    for tier in ("secondary", "tertiary"):
        with pytest.raises(PermissionDenied, match=r"^Westlands Kiosk is outside your area \(Rift\)\.$"):
            submit(w, w["rift_sales"], tier, customer=w["retailer2"])
        with pytest.raises(PermissionDenied, match=r"^Mama Njeri Shop is outside your area \(Nairobi\)\.$"):
            submit(w, w["nairobi_sales"], tier, customer=w["retailer"])
        assert state() == before
    assert submit(w, w["nairobi_sales"], "secondary", customer=w["retailer2"]).seller_id == w["distributor2"].id


def test_default_roles_enter_only_their_tiers(w, factories):
    factories.stock(w["retailer"], w["bread"], "10")
    before = state()
    refusals = [
        (w["rift_sales"], "primary",
         "Your role (Regional sales) may not enter primary orders (factory to distributor)."),
        (w["finance"], "secondary", "Your role (Finance) may not enter secondary orders (distributor to retailer)."),
        (w["finance"], "tertiary", "Your role (Finance) may not record tertiary sales (retailer to consumer)."),
        (w["keeper"], "primary", "Your role (Storekeeper) may not enter primary orders (factory to distributor)."),
    ]
    for actor, tier, message in refusals:
        with pytest.raises(PermissionDenied) as refused:
            submit(w, actor, tier)
        assert refused.value.message == message
    assert state() == before
    assert submit(w, w["finance"]).tier is OrderTier.PRIMARY
    assert submit(w, w["rift_sales"], "secondary").tier is OrderTier.SECONDARY
    assert submit(w, w["rift_sales"], "tertiary", lines=[{"product_id": w["bread"].id, "qty": "1"}]).tier \
        is OrderTier.TERTIARY


def test_submitting_the_same_reference_twice_writes_one_order(w):
    seen = committed_events()
    first = submit(w, w["finance"], client_reference="tab-7f3a")
    again = submit(w, w["finance"], client_reference="  tab-7f3a ", lines=[{"product_id": w["bread"].id, "qty": "99"}])
    assert again.id == first.id and again.number == "PO-000001" and again.total == D("400.00")
    assert [o[0] for o in state()["orders"]] == ["PO-000001"]
    assert len(lines_of(first.id)) == 1 and len(audit_of(first.id, "order.submit")) == 1
    assert [event.name for event, _ in seen] == ["order.submitted"]


def test_another_user_reusing_a_reference_is_a_conflict_and_nothing_is_written(w, factories):
    submit(w, w["finance"], client_reference="tab-1")
    colleague = factories.actor("finance")
    before = state()
    with pytest.raises(Conflict, match="already used by someone else"):
        submit(w, colleague, client_reference="tab-1")
    assert state() == before


def test_a_tertiary_sale_takes_the_stock_out_of_the_retailer_when_recorded(w, factories):
    shop, bread, sales = w["retailer"], w["bread"], w["rift_sales"]
    factories.stock(shop, bread, "10")
    seen = committed_events()
    yesterday = business_today() - timedelta(days=1)
    sale = submit(w, sales, "tertiary", lines=[{"product_id": bread.id, "qty": "4"}], order_date=yesterday)
    assert (sale.status, sale.confirmed_at, sale.dispatched_at) == (OrderStatus.DELIVERED, None, None)
    assert stored_order(sale.id).delivered_on == yesterday
    assert sale.delivered_at is not None and sale.total == D("200.00")
    assert [(m.location_id, m.qty, m.kind, m.business_date) for m in moves_of(sale.number)] == [
        (shop.id, D("-4"), MoveKind.SALE, yesterday)]
    assert balance(shop.id, bread.id) == D("6")
    assert history(sale.id) == [("delivered", sales.user_id, "sale recorded")]
    assert invoice_of(sale.id) is None  # consumers are not invoiced
    assert [(e.name, e.scope_path, status) for e, status in seen] == [
        ("order.submitted", shop.territory_path, "delivered")]
    assert ledger_problems() == []


def test_a_tertiary_sale_larger_than_the_retailers_stock_is_refused_naming_the_product(w, factories):
    factories.stock(w["retailer"], w["bread"], "3")
    before = state()
    with pytest.raises(InsufficientStock) as refused:
        submit(w, w["rift_sales"], "tertiary", lines=[{"product_id": w["bread"].id, "qty": "4"}])
    assert refused.value.message == "Not enough White Bread 400g at Mama Njeri Shop: 4 loaf needed, 3 loaf available."
    assert state() == before
    assert submit(w, w["rift_sales"], "tertiary", lines=[{"product_id": w["bread"].id, "qty": "3"}]).number \
        == "TO-000001"


def test_a_submitted_order_is_audited_with_its_lines_and_published_after_commit(w):
    seen = committed_events()
    order = submit(w, w["finance"], note="Weekly top-up")
    [audit] = audit_of(order.id, "order.submit")
    assert (audit.actor_id, audit.scope_path, audit.before) == (
        w["finance"].user_id, w["distributor"].territory_path, None)
    assert {k: audit.after[k] for k in ("number", "tier", "status", "total", "note", "seller_id", "buyer_id")} == {
        "number": "PO-000001", "tier": "primary", "status": "draft", "total": "400.00", "note": "Weekly top-up",
        "seller_id": w["factory"].id, "buyer_id": w["distributor"].id}
    assert audit.after["lines"] == [{"line": 1, "sku": "WB-400", "qty": "10.000", "unit_price": "40.00",
                                     "amount": "400.00"}]
    assert history(order.id) == [("draft", w["finance"].user_id, None)]
    [(event, status)] = seen
    assert (event.name, event.scope_path, status) == ("order.submitted", w["distributor"].territory_path, "draft")
    assert (event.data["number"], event.data["total"], event.data["lines"]) == (
        "PO-000001", "400.00", [{"product_id": w["bread"].id, "qty": "10.000", "amount": "400.00"}])
