"""Stock never goes negative however many users draw at once: threads in one process, and two processes,
on SQLite and on PostgreSQL. Exactly the available quantity succeeds; the rest get "insufficient stock"."""

import multiprocessing
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.models import MoveKind, ProductKind, StockMove
from domain.queries import stock as stock_q
from domain.services import stock
from tests.unit.concurrency_worker import draw, draw_in_threads

STOCK = 40


@pytest.fixture(params=["plain", "perishable"])
def small_stock(request, factories):
    """40 units at a factory, of a raw material or of a perishable (batch-tracked) bread; a storekeeper."""
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], name="Nakuru Factory")
    depot = factories.party("distributor", geo["nakuru_town"], name="Rift Depot")
    if request.param == "plain":
        product = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    else:
        product = factories.product(name="White Bread 400g", shelf_life_days=4)
    with transaction(SYSTEM) as tx:
        for day in (18, 19):  # two batches for perishables
            stock.put(tx, location_id=factory.id, product_id=product.id, qty=Decimal(STOCK // 2),
                      kind=MoveKind.RECEIPT, document=f"GR-{day}", business_date=date(2026, 11, day))
    keeper = factories.user("storekeeper")
    return keeper.id, factory.id, depot.id, product.id


def _assert_ledger_exact(factory_id: int, depot_id: int, product_id: int, transfers: int) -> None:
    with reading() as session:
        assert stock_q.mismatched_balances(session) == []
        assert stock_q.balance(session, factory_id, product_id) == Decimal(STOCK - transfers)
        assert stock_q.balance(session, depot_id, product_id) == Decimal(transfers)
        moved_in = session.exec(select(StockMove).where(StockMove.kind == MoveKind.TRANSFER_IN)).all()
        assert sum(m.qty for m in moved_in) == Decimal(transfers)


def test_many_threads_draw_exactly_the_available_stock(small_stock):
    user_id, factory_id, depot_id, product_id = small_stock
    ok, short, errors = draw(user_id, factory_id, depot_id, product_id, threads=12, attempts=5)
    assert errors == []
    assert (ok, short) == (STOCK, 12 * 5 - STOCK)
    _assert_ledger_exact(factory_id, depot_id, product_id, ok)


def test_two_processes_with_threads_draw_exactly_the_available_stock(small_stock, db):
    user_id, factory_id, depot_id, product_id = small_stock
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(draw_in_threads, [(db, user_id, factory_id, depot_id, product_id, 6, 5)] * 2)
    ok = sum(r[0] for r in results)
    short = sum(r[1] for r in results)
    assert [e for r in results for e in r[2]] == []
    assert (ok, short) == (STOCK, 2 * 6 * 5 - STOCK)
    _assert_ledger_exact(factory_id, depot_id, product_id, ok)
