"""Orders under concurrency, on SQLite and on PostgreSQL: dispatches drawing on one small stock at once (threads, and
two processes) ship exactly what the stock covers and never oversell; one client reference submitted from many
threads writes one order; two people moving one order at once: one wins, the other is told; confirmations racing
for one buyer's credit stay within the limit."""

import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import Conflict, CreditLimitExceeded, InsufficientStock
from domain.inputs import business_today
from domain.models import MoveKind, OrderStatus
from domain.services import orders, stock
from tests.unit.test_orders_helpers import (
    audit_of,
    balance,
    history,
    ledger_problems,
    moves_of,
    sales_world,
    state,
    stored_order,
)

D = Decimal
STOCK, EACH, ORDERS = 40, 6, 12  # 12 orders of 6 loaves on 40 loaves: 6 can ship
EXPECTED = {"ok": STOCK // EACH, "InsufficientStock": ORDERS - STOCK // EACH}


def at_once(calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run each call in its own thread, all released together: (outcome, result) per call, in order. The outcome
    is "ok", the refusal's class name, or "unexpected …" for anything else."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> tuple[str, Any]:
        start.wait()
        try:
            return "ok", call()
        except (InsufficientStock, Conflict, CreditLimitExceeded) as exc:
            return type(exc).__name__, exc.message
        except Exception as exc:  # reported to the test, which fails on any
            return f"unexpected {type(exc).__name__}: {exc}", None

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def dispatch_in_process(url: str, user_id: int, order_ids: list[int]) -> list[str]:
    """Run in a separate process: dispatch every order at once from threads. Opens its own engine."""
    os.environ["CHESANTO_ENV"] = "test"
    os.environ["CHESANTO_DATABASE_URL"] = url
    from domain import db
    from domain.config import reload_settings
    from domain.services.access import load_actor

    reload_settings()
    db.configure(url)
    try:
        actor = load_actor(user_id)
        assert actor is not None
        return [outcome for outcome, _ in at_once([partial(orders.dispatch_order, actor, order_id=order_id)
                                                   for order_id in order_ids])]
    finally:
        db.dispose()


@pytest.fixture
def confirmed(factories):
    """12 confirmed orders of 6 White Bread each on 40 loaves at Nakuru Factory, in two batches of 20."""
    w = sales_world(factories, stock="0")
    factory, bread, today = w["factory"], w["bread"], business_today()
    with transaction(SYSTEM) as tx:
        for days_ago in (1, 0):
            made = today - timedelta(days=days_ago)
            stock.put(tx, location_id=factory.id, product_id=bread.id, qty=D(STOCK // 2), kind=MoveKind.PRODUCTION,
                      document=f"PL-{days_ago}", business_date=made,
                      batch=stock.BatchInfo(f"NKR-{days_ago}", made, made + timedelta(days=4)))
    ids = []
    for _ in range(ORDERS):
        order = factories.order(w["finance"], "primary", w["distributor"], [(bread, str(EACH))], factory=factory)
        ids.append(factories.order_through(order, "confirmed").id)
    return w, ids


def _assert_shipped_exactly(w, ids: list[int], outcomes: list[str]) -> None:
    assert Counter(outcomes) == EXPECTED
    shipped = [i for i, outcome in zip(ids, outcomes, strict=True) if outcome == "ok"]
    factory, bread = w["factory"], w["bread"]
    assert balance(factory.id, bread.id) == D(STOCK - EACH * len(shipped))
    for order_id in ids:
        order = stored_order(order_id)
        moved = sum((m.qty for m in moves_of(order.number)), D(0))
        if order_id in shipped:
            assert (order.status, moved) == (OrderStatus.DISPATCHED, D(-EACH))
        else:
            assert (order.status, moved) == (OrderStatus.CONFIRMED, D(0))
    assert ledger_problems() == []  # no negative balance; balances and batches equal their moves


def test_many_threads_dispatching_on_one_stock_ship_exactly_what_it_covers(confirmed):
    w, ids = confirmed
    keeper = w["keeper"]
    outcomes = at_once([partial(orders.dispatch_order, keeper, order_id=order_id) for order_id in ids])
    _assert_shipped_exactly(w, ids, [outcome for outcome, _ in outcomes])
    refusal = next(message for outcome, message in outcomes if outcome == "InsufficientStock")
    assert refusal.startswith("Not enough White Bread 400g at Nakuru Factory: 6 loaf needed")


def test_two_processes_dispatching_on_one_stock_ship_exactly_what_it_covers(confirmed, db):
    w, ids = confirmed
    halves = [ids[0::2], ids[1::2]]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(dispatch_in_process, [(db, w["keeper"].user_id, half) for half in halves])
    by_order = dict(zip(halves[0] + halves[1], results[0] + results[1], strict=True))
    _assert_shipped_exactly(w, ids, [by_order[i] for i in ids])


def test_many_threads_submitting_one_reference_write_one_order(factories):
    w = sales_world(factories)
    finance = w["finance"]
    submit = partial(orders.submit_order, finance, tier="primary", customer_id=w["distributor"].id,
                     seller_id=w["factory"].id, lines=[{"product_id": w["bread"].id, "qty": "10"}],
                     client_reference="tablet-42-draft-1")
    outcomes = at_once([submit] * 12)
    assert [outcome for outcome, _ in outcomes] == ["ok"] * 12
    assert {order.id for _, order in outcomes} == {outcomes[0][1].id}
    assert [number for number, _, _ in state()["orders"]] == ["PO-000001"]
    assert len(audit_of(outcomes[0][1].id, "order.submit")) == 1
    assert submit(client_reference="tablet-42-draft-2").number == "PO-000002"  # the losers used no number


@pytest.mark.parametrize("action", ["confirm", "dispatch"])
def test_two_people_moving_one_order_at_once_one_wins_and_the_other_gets_a_conflict(factories, action):
    w = sales_world(factories)
    order = factories.order(w["finance"], "primary", w["distributor"], [(w["bread"], "10")], factory=w["factory"])
    if action == "dispatch":
        order = factories.order_through(order, "confirmed")
    call = {"confirm": partial(orders.confirm_order, w["finance"], order_id=order.id),
            "dispatch": partial(orders.dispatch_order, w["keeper"], order_id=order.id)}[action]
    outcomes = at_once([call, call])
    assert sorted(outcome for outcome, _ in outcomes) == ["Conflict", "ok"]
    done = {"confirm": "confirmed", "dispatch": "dispatched"}[action]
    message = next(message for outcome, message in outcomes if outcome == "Conflict")
    assert message == f"{order.number} is {done}: only a {order.status.value} order can be {done}."
    assert [status for status, _, _ in history(order.id)].count(done) == 1
    assert len(audit_of(order.id, f"order.{action}")) == 1
    assert balance(w["factory"].id, w["bread"].id) == D("90" if action == "dispatch" else "100")
    assert ledger_problems() == []


def test_dispatch_and_cancel_racing_on_one_order_leave_it_either_shipped_or_untouched(factories):
    w = sales_world(factories)
    order = factories.order(w["finance"], "primary", w["distributor"], [(w["bread"], "10")], factory=w["factory"])
    order = factories.order_through(order, "confirmed")
    outcomes = at_once([partial(orders.dispatch_order, w["keeper"], order_id=order.id),
                        partial(orders.cancel_order, w["admin"], order_id=order.id, reason="Customer called")])
    assert sorted(outcome for outcome, _ in outcomes) == ["Conflict", "ok"]
    shipped = outcomes[0][0] == "ok"
    assert stored_order(order.id).status is (OrderStatus.DISPATCHED if shipped else OrderStatus.CANCELLED)
    assert balance(w["factory"].id, w["bread"].id) == D("90" if shipped else "100")


def test_confirmations_racing_for_one_buyers_credit_stay_within_the_limit(factories):
    w = sales_world(factories, credit_limit="1000")
    drafts = [factories.order(w["finance"], "primary", w["distributor"], [(w["bread"], "6")], factory=w["factory"])
              for _ in range(10)]  # KES 240.00 each: 4 fit in KES 1,000.00
    outcomes = at_once([partial(orders.confirm_order, w["finance"], order_id=d.id) for d in drafts])
    assert Counter(outcome for outcome, _ in outcomes) == {"ok": 4, "CreditLimitExceeded": 6}
    confirmed = [stored_order(d.id) for d in drafts if stored_order(d.id).status is OrderStatus.CONFIRMED]
    assert sum(o.total for o in confirmed) == D("960.00")
