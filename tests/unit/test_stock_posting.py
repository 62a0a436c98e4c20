"""Posting a document's stock lines together (`stock.posting`): guarded per line, moves appended once at the end,
the same rows and guarantees as line-by-line `put` / `take`."""

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import col, select

from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.errors import Conflict, InsufficientStock
from domain.models import MoveKind, ProductKind, StockBatch, StockMove
from domain.queries import stock as stock_q
from domain.services import stock

D = Decimal
DAY = date(2026, 11, 20)


@pytest.fixture
def place(factories):
    geo = factories.geography()
    return factories.party("factory", geo["nakuru_town"], name="Nakuru Factory")


def _moves(document: str) -> list[StockMove]:
    with reading() as session:
        return list(session.exec(select(StockMove).where(StockMove.document == document).order_by(col(StockMove.id))))


def _batches(location_id: int, product_id: int) -> dict[str, Decimal]:
    with reading() as session:
        rows = session.exec(select(StockBatch).where(StockBatch.location_id == location_id,
                                                     StockBatch.product_id == product_id))
        return {b.batch_no: b.qty for b in rows}


def test_a_posting_appends_its_moves_in_order_with_ids_and_running_balances(factories, place):
    flour = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    sugar = factories.product(kind=ProductKind.RAW_MATERIAL, name="Sugar", unit="kg")
    with transaction(SYSTEM) as tx:
        assert stock.locked_balances(tx, [(place.id, sugar.id), (place.id, flour.id)]) == {
            (place.id, flour.id): D("0"), (place.id, sugar.id): D("0")}
        with stock.posting(tx, document="GR-1", business_date=DAY) as post:
            written = [post.put(location_id=place.id, product_id=flour.id, qty=D("10"), kind=MoveKind.RECEIPT),
                       post.put(location_id=place.id, product_id=sugar.id, qty=D("4"), kind=MoveKind.RECEIPT,
                                unit_cost=D("150.00")),
                       *post.take(location_id=place.id, product_id=flour.id, qty=D("2.5"),
                                  kind=MoveKind.CONSUMPTION).moves]
            appended = tx.session.exec(select(StockMove).where(StockMove.document == "GR-1")).all()
            assert appended == []  # the moves go in together when the posting closes
        assert stock.locked_balances(tx, [(place.id, flour.id)]) == {(place.id, flour.id): D("7.5")}
    stored = _moves("GR-1")
    assert [m.id for m in written] == [m.id for m in stored] and all(m.id for m in written)
    assert [(m.product_id, m.qty, m.balance_after, m.unit_cost) for m in stored] == [
        (flour.id, D("10"), D("10"), flour.standard_cost), (sugar.id, D("4"), D("4"), D("150.00")),
        (flour.id, D("-2.5"), D("7.5"), flour.standard_cost)]
    assert [(m.qty, m.balance_after, m.kind, m.actor_id) for m in written] == [
        (m.qty, m.balance_after, m.kind, m.actor_id) for m in stored]
    with reading() as session:
        assert stock_q.mismatched_balances(session) == []


def test_a_refused_line_writes_nothing_of_the_document(factories, place):
    flour = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=place.id, product_id=flour.id, qty=D("5"), kind=MoveKind.RECEIPT,
                  document="GR-1", business_date=DAY)
    with pytest.raises(InsufficientStock, match="Not enough Wheat Flour at Nakuru Factory: 6 kg needed, 3 kg"):
        with transaction(SYSTEM) as tx, stock.posting(tx, document="TR-1", business_date=DAY) as post:
            post.take(location_id=place.id, product_id=flour.id, qty=D("2"), kind=MoveKind.TRANSFER_OUT)
            post.take(location_id=place.id, product_id=flour.id, qty=D("6"), kind=MoveKind.TRANSFER_OUT)
    assert _moves("TR-1") == []
    with reading() as session:
        assert stock_q.balance(session, place.id, flour.id) == D("5")
        assert stock_q.mismatched_balances(session) == []


def test_first_expiring_batches_cover_exactly_what_is_taken(factories, place):
    bread = factories.product(name="White Bread 400g", shelf_life_days=4)
    with transaction(SYSTEM) as tx, stock.posting(tx, document="PL-0", business_date=DAY) as post:
        for batch_no, day, qty in [("C", 19, "5"), ("A", 17, "3"), ("B", 18, "4"), ("D", 20, "9")]:
            made = date(2026, 11, day)
            post.put(location_id=place.id, product_id=bread.id, qty=D(qty), kind=MoveKind.PRODUCTION,
                     batch=stock.BatchInfo(batch_no, made, date(2026, 11, day + 4)))
    with transaction(SYSTEM) as tx:
        taken = stock.take(tx, location_id=place.id, product_id=bread.id, qty=D("8"), kind=MoveKind.DISPATCH,
                           document="DO-1", business_date=DAY)
    assert [(b.batch_no, q) for b, q in taken.batches] == [("A", D("3")), ("B", D("4")), ("C", D("1"))]
    assert [m.balance_after for m in taken.moves] == [D("18"), D("14"), D("13")]
    assert [m.id for m in taken.moves] == [m.id for m in _moves("DO-1")]
    assert _batches(place.id, bread.id) == {"A": D("0"), "B": D("0"), "C": D("4"), "D": D("9")}
    with transaction(SYSTEM) as tx:
        only_d = stock.take(tx, location_id=place.id, product_id=bread.id, qty=D("2"), kind=MoveKind.WASTE,
                            document="WO-1", business_date=DAY, batch_no="D")
    assert [(b.batch_no, q) for b, q in only_d.batches] == [("D", D("2"))]
    with pytest.raises(InsufficientStock, match="Not enough White Bread 400g at Nakuru Factory in batch C: 5 loaf"):
        with transaction(SYSTEM) as tx:
            stock.take(tx, location_id=place.id, product_id=bread.id, qty=D("5"), kind=MoveKind.WASTE,
                       document="WO-2", business_date=DAY, batch_no="C")
    assert _batches(place.id, bread.id) == {"A": D("0"), "B": D("0"), "C": D("4"), "D": D("7")}
    with reading() as session:
        assert stock_q.mismatched_balances(session) == []


def test_a_batch_number_with_other_dates_leaves_the_held_batch_alone(factories, place):
    bread = factories.product(name="White Bread 400g", shelf_life_days=4)
    first = stock.BatchInfo("X1", date(2026, 11, 17), date(2026, 11, 21))
    with transaction(SYSTEM) as tx:
        made = stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("10"), kind=MoveKind.TRANSFER_IN,
                         document="TR-1", business_date=DAY, batch=first)
        again = stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("2"), kind=MoveKind.TRANSFER_IN,
                          document="TR-2", business_date=DAY, batch=first)
    assert again.batch_id == made.batch_id is not None and again.balance_after == D("12")
    with pytest.raises(RuntimeError, match="roll back"), transaction(SYSTEM) as tx:
        with pytest.raises(Conflict, match="already holds a batch X1 of White Bread 400g made on 2026-11-17"):
            stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("5"), kind=MoveKind.TRANSFER_IN,
                      document="TR-3", business_date=DAY,
                      batch=stock.BatchInfo("X1", date(2026, 11, 18), date(2026, 11, 22)))
        held = tx.session.exec(select(StockBatch.batch_no, StockBatch.qty).where(
            StockBatch.location_id == place.id, StockBatch.product_id == bread.id)).all()
        assert dict(held) == {"X1": D("12")}  # not merged, not even for a moment
        raise RuntimeError("roll back")
    assert _batches(place.id, bread.id) == {"X1": D("12")}
    assert _moves("TR-3") == []


def test_moves_not_read_back_can_skip_their_ids(factories, place):
    flour = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    with transaction(SYSTEM) as tx:
        with stock.posting(tx, document="GR-1", business_date=DAY, with_ids=False) as post:
            move = post.put(location_id=place.id, product_id=flour.id, qty=D("3"), kind=MoveKind.RECEIPT)
    assert move.id is None
    assert [(m.qty, m.balance_after) for m in _moves("GR-1")] == [(D("3"), D("3"))]
