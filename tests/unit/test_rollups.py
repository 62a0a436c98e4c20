"""The daily rollups follow every document in its own transaction — orders placed, cancelled and delivered,
tertiary sales, production posted and reversed, payments — and `chesanto check` finds (and a rebuild repairs) any
difference from the documents."""

from decimal import Decimal

import pytest
from sqlalchemy import update

from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.models import PartyKind
from domain.models.rollups import SalesDaily
from domain.queries import rollups as rollups_q
from domain.services import orders
from domain.services.integrity import run_checks
from domain.services.payments import record_payment
from domain.services.production import post_production_log, reverse_production_log
from domain.services.rollups import rebuild_rollups, rollup_mismatches
from tests.unit.test_production import TODAY, stock_up


def mismatches() -> list[str]:
    with reading() as session:
        return rollup_mismatches(session)


def stored(rollup: rollups_q.Rollup) -> rollups_q.Figures:
    with reading() as session:
        return rollups_q.stored(session, rollup)


@pytest.fixture
def world(factories):
    chain = factories.sales_chain(stock="200")
    flour = factories.product("FLOUR", kind="raw_material", name="Flour")
    buns = factories.finished_good_with_recipe("BUN", name="Buns", recipe={flour.sku: "0.100"})
    stock_up(chain["factory"].id, {flour.id: "100"})
    return {**chain, "buns": buns, "admin": factories.actor("admin")}


def test_orders_of_every_tier_and_their_cancellations_keep_the_sales_rollup_true(world, factories):
    admin, bread = world["admin"], world["bread"]
    po = factories.order(admin, "primary", world["distributor"], [(bread, "30")], factory=world["factory"])
    factories.order_through(po, "delivered")
    so = factories.order(admin, "secondary", world["retailer"], [(bread, "10")])
    factories.order_through(so, "delivered")
    factories.order(admin, "tertiary", world["retailer"], [(bread, "4")])
    dropped = factories.order(admin, "secondary", world["retailer"], [(bread, "3")])
    orders.cancel_order(admin, order_id=dropped.id, reason="Shop closed")
    assert mismatches() == []
    sales = stored(rollups_q.SALES)
    by_tier = {key[3].value: sums for key, sums in sales.items()}
    assert by_tier["primary"]["delivered_amount"] == Decimal("1200.00")
    assert by_tier["secondary"]["ordered_qty"] == Decimal("10.000")  # the cancelled order taken back out
    assert by_tier["tertiary"]["delivered_qty"] == Decimal("4.000")


def test_production_posted_and_reversed_and_payments_keep_their_rollups_true(world, factories):
    log = post_production_log(world["admin"], factory_id=world["factory"].id, business_date=TODAY, shift="morning",
                              product_id=world["buns"].id, batch_no="B1", planned_qty="100", good_qty="90",
                              rejected_qty="5", reject_reason="burnt")
    post_production_log(world["admin"], factory_id=world["factory"].id, business_date=TODAY, shift="night",
                        product_id=world["buns"].id, batch_no="B2", planned_qty="50", good_qty="50")
    reverse_production_log(world["admin"], log_id=log.id, reason="Wrong product")
    (sums,) = stored(rollups_q.PRODUCTION).values()
    assert (sums["logs"], sums["good_qty"], sums["rejected_qty"]) == (1, Decimal("50.000"), Decimal("0.000"))
    po = factories.order(world["admin"], "primary", world["distributor"], [(world["bread"], "10")],
                         factory=world["factory"])
    factories.order_through(po, "delivered")
    record_payment(factories.actor("finance"), customer_id=world["distributor"].id, received_on=TODAY,
                   amount="400.00", method="cash")
    assert mismatches() == []
    (paid,) = stored(rollups_q.PAYMENTS).values()
    assert paid == {"payments": 1, "amount": Decimal("400.00")}


def test_check_names_a_tampered_rollup_and_a_rebuild_repairs_it(world, factories):
    po = factories.order(world["admin"], "primary", world["distributor"], [(world["bread"], "30")],
                         factory=world["factory"])
    with transaction(SYSTEM) as tx:
        tx.session.execute(update(SalesDaily).values(ordered_qty=Decimal("31")))
    assert any("rollup_sales_daily" in problem for problem in run_checks()["rollups"])
    written = rebuild_rollups(SYSTEM)
    assert written["rollup_sales_daily"] == 1 and mismatches() == []
    assert po.id is not None and PartyKind.FACTORY
