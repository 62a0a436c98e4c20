"""The order lifecycle: each transition's status, time, history row, audit row and event (published after commit);
refusals for the wrong state, the wrong role or another region, each writing nothing; dispatch short of stock;
delivery carrying the dispatched batches into the buyer at the line price and issuing the invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.errors import Conflict, InsufficientStock, NotFound, PermissionDenied, ValidationFailed
from domain.formatting import format_date
from domain.inputs import business_today
from domain.models import InvoiceStatus, MoveKind, OrderStatus, StockBatch
from domain.services import orders, stock
from domain.services.parties import deactivate_party
from tests.unit.test_orders_helpers import (
    audit_of,
    balance,
    committed_events,
    history,
    invoice_of,
    ledger_problems,
    moves_of,
    sales_world,
    state,
    stored_order,
)

D = Decimal
TODAY = business_today()


@pytest.fixture
def w(factories):
    return sales_world(factories)


def primary(w, factories, qty="10", customer=None, **fields):
    """A draft primary order of `qty` White Bread from Nakuru Factory, entered by head-office finance."""
    return factories.order(w["finance"], "primary", customer or w["distributor"], [(w["bread"], qty)],
                           factory=w["factory"], **fields)


def secondary(w, factories, qty="10", customer=None):
    """A draft secondary order of `qty` White Bread for Mama Njeri Shop (Rift), entered by Rift sales."""
    return factories.order(w["rift_sales"], "secondary", customer or w["retailer"], [(w["bread"], qty)])


def test_each_transition_records_status_time_history_audit_and_event_after_commit(w, factories):
    finance, keeper, path = w["finance"], w["keeper"], w["distributor"].territory_path
    order = primary(w, factories)
    seen = committed_events()
    assert orders.confirm_order(finance, order_id=order.id).status is OrderStatus.CONFIRMED
    assert orders.dispatch_order(keeper, order_id=order.id).status is OrderStatus.DISPATCHED
    assert orders.deliver_order(keeper, order_id=order.id).status is OrderStatus.DELIVERED
    stored = stored_order(order.id)
    assert None not in (stored.confirmed_at, stored.dispatched_at, stored.delivered_at)
    assert (stored.status, stored.cancelled_at, stored.credit_override_by) == (OrderStatus.DELIVERED, None, None)
    assert history(order.id) == [("draft", finance.user_id, None), ("confirmed", finance.user_id, None),
                                 ("dispatched", keeper.user_id, None), ("delivered", keeper.user_id, None)]
    for action, was, now, who in (("order.confirm", "draft", "confirmed", finance),
                                  ("order.dispatch", "confirmed", "dispatched", keeper),
                                  ("order.deliver", "dispatched", "delivered", keeper)):
        [row] = audit_of(order.id, action)
        assert (row.before["status"], row.after["status"], row.actor_id, row.scope_path) == (
            was, now, who.user_id, path)
    assert audit_of(order.id, "order.dispatch")[0].after["business_date"] == TODAY.isoformat()
    assert audit_of(order.id, "order.deliver")[0].after["invoice"] == "INV-000001"
    assert [(event.name, event.scope_path, committed) for event, committed in seen] == [
        ("order.confirmed", path, "confirmed"), ("order.dispatched", path, "dispatched"),
        ("invoice.issued", path, "INV-000001"), ("order.delivered", path, "delivered")]
    assert {event.data["number"] for event, _ in seen if event.name.startswith("order.")} == {order.number}


def test_a_draft_or_confirmed_order_is_cancelled_with_a_reason_and_nothing_moves(w, factories):
    admin, sales = w["admin"], w["rift_sales"]
    draft = primary(w, factories)
    confirmed = factories.order_through(secondary(w, factories), "confirmed")
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        orders.cancel_order(admin, order_id=draft.id, reason="  ")
    assert refused.value.errors == {"Reason": "is required"}
    assert state() == before
    seen = committed_events()
    first = orders.cancel_order(admin, order_id=draft.id, reason="Customer  changed\nmind")
    second = orders.cancel_order(sales, order_id=confirmed.id, reason="Duplicate of a phoned order")
    assert (first.status, first.cancel_reason) == (OrderStatus.CANCELLED, "Customer changed mind")
    assert second.status is OrderStatus.CANCELLED and stored_order(second.id).cancelled_at is not None
    assert history(draft.id)[-1] == ("cancelled", admin.user_id, "Customer changed mind")
    assert [s for s, _, _ in history(confirmed.id)] == ["draft", "confirmed", "cancelled"]
    [row] = audit_of(confirmed.id, "order.cancel")
    assert (row.before["status"], row.after["status"], row.after["cancel_reason"]) == (
        "confirmed", "cancelled", "Duplicate of a phoned order")
    assert [(e.name, committed) for e, committed in seen] == [("order.cancelled", "cancelled")] * 2
    assert moves_of(draft.number) == moves_of(confirmed.number) == []
    assert balance(w["factory"].id, w["bread"].id) == D("100")


WRONG_STATE = [
    ("dispatch", None, "{} is draft: only a confirmed order can be dispatched."),
    ("deliver", "confirmed", "{} is confirmed: only a dispatched order can be delivered."),
    ("cancel", "dispatched", "{} is dispatched: only a draft or confirmed order can be cancelled."),
    ("cancel", "delivered", "{} is delivered: only a draft or confirmed order can be cancelled."),
    ("confirm", "confirmed", "{} is confirmed: only a draft order can be confirmed."),
    ("confirm", "cancelled", "{} is cancelled: only a draft order can be confirmed."),
    ("dispatch", "dispatched", "{} is dispatched: only a confirmed order can be dispatched."),
    ("deliver", "delivered", "{} is delivered: only a dispatched order can be delivered."),
]


@pytest.mark.parametrize(("action", "status", "message"), WRONG_STATE)
def test_a_transition_from_the_wrong_state_names_the_order_and_its_status_and_writes_nothing(
        w, factories, action, status, message):
    order = primary(w, factories)
    if status is not None:
        order = factories.order_through(order, status)
    before = state()
    call = {"confirm": orders.confirm_order, "dispatch": orders.dispatch_order, "deliver": orders.deliver_order,
            "cancel": lambda actor, order_id: orders.cancel_order(actor, order_id=order_id, reason="Not needed")}
    with pytest.raises(Conflict) as refused:
        call[action](w["admin"], order_id=order.id)
    assert refused.value.message == message.format(order.number)
    assert state() == before


def test_a_tertiary_sale_is_recorded_not_confirmed_and_an_unknown_order_is_not_found(w, factories):
    factories.stock(w["retailer"], w["bread"], "5")
    sale = factories.order(w["rift_sales"], "tertiary", w["retailer"], [(w["bread"], "2")])
    before = state()
    with pytest.raises(Conflict, match=r"^TO-000001 is delivered: only a draft order can be confirmed\.$"):
        orders.confirm_order(w["rift_sales"], order_id=sale.id)
    with pytest.raises(Conflict, match="only a dispatched order can be delivered"):
        orders.deliver_order(w["admin"], order_id=sale.id)
    with pytest.raises(NotFound, match="There is no such order"):
        orders.dispatch_order(w["admin"], order_id=sale.id + 1000)
    assert state() == before


def test_roles_and_regions_decide_who_may_move_an_order_and_refusals_write_nothing(w, factories):
    rift_keeper = factories.actor("storekeeper", scope_code="RFT")
    so = secondary(w, factories)  # Mama Njeri Shop, Rift
    to_westlands = factories.order_through(primary(w, factories, customer=w["distributor2"]), "confirmed")
    before = state()
    refusals = [
        (orders.confirm_order, w["nairobi_sales"], so, f"{so.number} is outside your area (Nairobi)."),
        (orders.confirm_order, w["keeper"], so, "Your role (Storekeeper) may not confirm orders."),
        (orders.dispatch_order, w["rift_sales"], to_westlands, "Your role (Regional sales) may not dispatch orders."),
        # the order's seller is in Rift, but confirming and cancelling are the customer's region's decisions
        (lambda actor, order_id: orders.cancel_order(actor, order_id=order_id, reason="x"), w["rift_sales"],
         to_westlands, f"{to_westlands.number} is outside your area (Rift)."),
    ]
    for call, actor, order, message in refusals:
        with pytest.raises(PermissionDenied) as refused:
            call(actor, order_id=order.id)
        assert refused.value.message == message
    assert state() == before
    confirmed_so = factories.order_through(secondary(w, factories), "confirmed")
    before = state()
    with pytest.raises(PermissionDenied, match=rf"^{confirmed_so.number} is outside your area \(Nairobi\)\.$"):
        orders.dispatch_order(w["nairobi_keeper"], order_id=confirmed_so.id)
    assert state() == before
    # stock leaves the Rift factory: Rift's storekeeper dispatches; Nairobi's, where it arrives, delivers
    assert orders.dispatch_order(rift_keeper, order_id=to_westlands.id).status is OrderStatus.DISPATCHED
    assert orders.deliver_order(w["nairobi_keeper"], order_id=to_westlands.id).status is OrderStatus.DELIVERED


def test_actions_for_offers_exactly_what_the_services_allow(w, factories):
    rift_keeper = factories.actor("storekeeper", scope_code="RFT")
    so = secondary(w, factories)
    to_westlands = factories.order_through(primary(w, factories, customer=w["distributor2"]), "confirmed")
    factory_path = w["factory"].territory_path
    assert orders.actions_for(w["rift_sales"], so) == ["confirm", "cancel"]
    assert orders.actions_for(w["nairobi_sales"], so) == []
    assert orders.actions_for(w["keeper"], so) == []
    assert orders.actions_for(w["admin"], to_westlands) == ["dispatch", "cancel"]
    assert orders.actions_for(rift_keeper, to_westlands) == []
    assert orders.actions_for(rift_keeper, to_westlands, seller_path=factory_path) == ["dispatch"]
    assert orders.actions_for(w["rift_sales"], to_westlands, seller_path=factory_path) == []


def test_confirming_for_a_customer_deactivated_since_the_draft_is_refused(w, factories):
    so = secondary(w, factories)
    deactivate_party(SYSTEM, party_id=w["retailer"].id)
    before = state()
    with pytest.raises(Conflict) as refused:
        orders.confirm_order(w["rift_sales"], order_id=so.id)
    assert refused.value.message == f"Mama Njeri Shop is inactive: {so.number} cannot be confirmed."
    assert state() == before


def test_dispatch_short_of_one_product_is_refused_naming_it_and_nothing_leaves(w, factories):
    buns = factories.product("BUN", name="Sweet Buns", unit="pack")  # after the bread: taken second
    factories.stock(w["factory"], buns, "50")
    order = factories.order(w["finance"], "primary", w["distributor"], [(buns, "60"), (w["bread"], "50")],
                            factory=w["factory"])
    factories.order_through(order, "confirmed")
    before = state()
    with pytest.raises(InsufficientStock) as refused:
        orders.dispatch_order(w["keeper"], order_id=order.id)
    assert refused.value.message == "Not enough Sweet Buns at Nakuru Factory: 60 pack needed, 50 pack available."
    assert state() == before
    assert stored_order(order.id).status is OrderStatus.CONFIRMED
    assert balance(w["factory"].id, w["bread"].id) == D("100")


def _batches(location_id):
    with reading() as s:
        rows = s.exec(select(StockBatch).where(StockBatch.location_id == location_id).order_by(StockBatch.batch_no))
        return [(b.batch_no, b.qty, b.produced_on, b.expires_on) for b in rows]


def test_delivery_puts_the_dispatched_batches_into_the_buyer_at_the_line_price_and_invoices_it(factories):
    w = sales_world(factories, stock="0")
    factory, dist, bread = w["factory"], w["distributor"], w["bread"]
    made = {"NKR-A": (TODAY - timedelta(days=2), "30"), "NKR-B": (TODAY - timedelta(days=1), "50")}
    with transaction(SYSTEM) as tx:
        for batch_no, (day, qty) in made.items():
            stock.put(tx, location_id=factory.id, product_id=bread.id, qty=D(qty), kind=MoveKind.PRODUCTION,
                      document=f"PL-{batch_no}", business_date=day,
                      batch=stock.BatchInfo(batch_no, day, day + timedelta(days=4)))
    order = orders.submit_order(w["admin"], tier="primary", customer_id=dist.id, seller_id=factory.id,
                                client_reference="deal-1",
                                lines=[{"product_id": bread.id, "qty": "45", "unit_price": "38.00"}])
    factories.order_through(order, "dispatched", actor=w["admin"])
    seen = committed_events()
    orders.deliver_order(w["keeper"], order_id=order.id)
    a, b = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    moves = [(m.location_id, m.qty, m.kind, m.unit_cost, m.business_date) for m in moves_of(order.number)]
    assert moves == [(factory.id, D("-30"), MoveKind.DISPATCH, D("28.50"), TODAY),
                     (factory.id, D("-15"), MoveKind.DISPATCH, D("28.50"), TODAY),
                     (dist.id, D("30"), MoveKind.DELIVERY, D("38.00"), TODAY),
                     (dist.id, D("15"), MoveKind.DELIVERY, D("38.00"), TODAY)]
    assert _batches(dist.id) == [("NKR-A", D("30"), a, a + timedelta(days=4)),
                                 ("NKR-B", D("15"), b, b + timedelta(days=4))]
    assert _batches(factory.id) == [("NKR-A", D("0"), a, a + timedelta(days=4)),
                                    ("NKR-B", D("35"), b, b + timedelta(days=4))]
    assert (balance(factory.id, bread.id), balance(dist.id, bread.id)) == (D("35"), D("45"))
    invoice = invoice_of(order.id)
    assert invoice is not None
    assert (invoice.number, invoice.customer_id, invoice.territory_path, invoice.amount, invoice.paid) == (
        "INV-000001", dist.id, dist.territory_path, D("1710.00"), D("0"))
    assert (invoice.status, invoice.issue_date, invoice.due_date) == (
        InvoiceStatus.OPEN, TODAY, TODAY + timedelta(days=30))
    [(issued, number), _] = seen
    assert (issued.name, number, issued.data["amount"], issued.data["order_number"]) == (
        "invoice.issued", "INV-000001", "1710.00", order.number)
    assert ledger_problems() == []


def test_a_secondary_order_moves_stock_from_the_distributor_to_the_retailer_and_invoices_the_retailer(w, factories):
    dist, shop, bread, keeper = w["distributor"], w["retailer"], w["bread"], w["keeper"]
    factories.order_through(primary(w, factories, qty="40"), "delivered")
    so = secondary(w, factories, qty="12")
    orders.confirm_order(w["rift_sales"], order_id=so.id)
    orders.dispatch_order(keeper, order_id=so.id)
    orders.deliver_order(keeper, order_id=so.id)
    assert (balance(w["factory"].id, bread.id), balance(dist.id, bread.id), balance(shop.id, bread.id)) == (
        D("60"), D("28"), D("12"))
    assert [(m.location_id, m.qty, m.kind, m.unit_cost) for m in moves_of(so.number)] == [
        (dist.id, D("-12"), MoveKind.DISPATCH, D("28.50")), (shop.id, D("12"), MoveKind.DELIVERY, D("45.00"))]
    invoice = invoice_of(so.id)
    assert (invoice.customer_id, invoice.amount, invoice.due_date) == (shop.id, D("540.00"), TODAY + timedelta(days=7))
    assert ledger_problems() == []


def test_dispatch_and_delivery_dates_follow_the_order_and_cannot_be_in_the_future(w, factories):
    keeper = w["keeper"]
    order = factories.order_through(primary(w, factories, order_date=TODAY - timedelta(days=3)), "confirmed")
    before = state()
    early, later = TODAY - timedelta(days=4), TODAY + timedelta(days=1)
    with pytest.raises(ValidationFailed) as refused:
        orders.dispatch_order(keeper, order_id=order.id, business_date=early)
    assert refused.value.errors == {
        "Date": f"cannot be before the order date of {order.number} ({format_date(TODAY - timedelta(days=3))})"}
    with pytest.raises(ValidationFailed) as refused:
        orders.dispatch_order(keeper, order_id=order.id, business_date=later.isoformat())
    assert refused.value.errors == {"Date": "cannot be in the future"}
    assert state() == before
    orders.dispatch_order(keeper, order_id=order.id, business_date=TODAY - timedelta(days=2))
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        orders.deliver_order(keeper, order_id=order.id, business_date=TODAY - timedelta(days=3))
    assert refused.value.errors == {
        "Date": f"cannot be before the dispatch date of {order.number} ({format_date(TODAY - timedelta(days=2))})"}
    assert state() == before
    orders.deliver_order(keeper, order_id=order.id, business_date=TODAY - timedelta(days=1))
    assert [m.business_date for m in moves_of(order.number)] == [TODAY - timedelta(days=2), TODAY - timedelta(days=1)]
    assert stored_order(order.id).delivered_on == TODAY - timedelta(days=1)
    invoice = invoice_of(order.id)
    assert (invoice.issue_date, invoice.due_date) == (TODAY - timedelta(days=1), TODAY + timedelta(days=29))
