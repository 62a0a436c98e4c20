"""The ledger core: every take is guarded, every move appended, perishables leave first-expiring-first."""

from datetime import date
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.errors import InsufficientStock
from domain.models import MoveKind, ProductKind
from domain.queries import stock as stock_q
from domain.services import stock

D = Decimal
DAY = date(2026, 11, 20)


@pytest.fixture
def place(factories):
    geo = factories.geography()
    return factories.party("factory", geo["nakuru_town"], name="Nakuru Factory")


def _balance(location_id: int, product_id: int) -> Decimal:
    with reading() as session:
        return stock_q.balance(session, location_id, product_id)


def test_take_refuses_more_than_there_is_naming_product_place_and_figures(factories, place):
    flour = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=place.id, product_id=flour.id, qty=D("10"), kind=MoveKind.RECEIPT,
                  document="GR-1", business_date=DAY)
    with pytest.raises(InsufficientStock, match=r"Not enough Wheat Flour at Nakuru Factory: 12 kg needed, 10 kg"):
        with transaction(SYSTEM) as tx:
            stock.take(tx, location_id=place.id, product_id=flour.id, qty=D("12"), kind=MoveKind.CONSUMPTION,
                       document="PL-1", business_date=DAY)
    assert _balance(place.id, flour.id) == D("10")
    with reading() as session:
        assert stock_q.mismatched_balances(session) == []


def test_perishables_leave_first_expiring_first_and_batches_add_up(factories, place):
    bread = factories.product(name="White Bread 400g", shelf_life_days=4)
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("30"), kind=MoveKind.PRODUCTION,
                  document="PL-2", business_date=date(2026, 11, 19))
        stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("20"), kind=MoveKind.PRODUCTION,
                  document="PL-1", business_date=date(2026, 11, 18))
    with transaction(SYSTEM) as tx:
        taken = stock.take(tx, location_id=place.id, product_id=bread.id, qty=D("25"), kind=MoveKind.DISPATCH,
                           document="PO-1", business_date=DAY)
    assert [(b.batch_no, q) for b, q in taken.batches] == [("PL-1", D("20")), ("PL-2", D("5"))]
    assert [m.balance_after for m in taken.moves] == [D("30"), D("25")]
    assert _balance(place.id, bread.id) == D("25")


def test_document_numbers_count_up_per_prefix_and_roll_back_with_their_transaction(db):
    from domain.queries.sequences import next_number

    with transaction(SYSTEM) as tx:
        assert [next_number(tx.session, "TR"), next_number(tx.session, "TR")] == ["TR-000001", "TR-000002"]
        assert next_number(tx.session, "PL") == "PL-000001"
    with pytest.raises(RuntimeError), transaction(SYSTEM) as tx:
        next_number(tx.session, "TR")
        raise RuntimeError("abandoned")
    with transaction(SYSTEM) as tx:
        assert next_number(tx.session, "TR") == "TR-000003"


def test_a_batch_number_reused_with_other_dates_is_refused_rather_than_merged(factories, place):
    """Two factories typing the same batch number on different days must not merge at a depot under one expiry."""
    from domain.errors import Conflict
    from domain.services.stock import BatchInfo

    bread = factories.product(name="White Bread 400g", shelf_life_days=4)
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("10"), kind=MoveKind.TRANSFER_IN,
                  document="TR-1", business_date=DAY, batch=BatchInfo("X1", date(2026, 11, 17), date(2026, 11, 21)))
    with pytest.raises(Conflict, match="already holds a batch X1 of White Bread 400g made on 2026-11-17"):
        with transaction(SYSTEM) as tx:
            stock.put(tx, location_id=place.id, product_id=bread.id, qty=D("10"), kind=MoveKind.TRANSFER_IN,
                      document="TR-2", business_date=DAY,
                      batch=BatchInfo("X1", date(2026, 11, 20), date(2026, 11, 24)))
    assert _balance(place.id, bread.id) == D("10")
