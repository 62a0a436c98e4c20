"""Perishables: the expiry list shows expired and near-expiry batches of the actor's area with days left and value;
writing off takes an expired batch out as WASTE under a WO- document, and refuses anything else, writing nothing."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import func, select

from domain.access import SYSTEM
from domain.config import get_settings
from domain.db import reading, transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.models import AuditLog, MoveKind, StockBatch, StockMove
from domain.queries import stock as stock_q
from domain.services import expiry, stock
from domain.services.integrity import ledger_balances
from domain.services.stock import BatchInfo
from domain.services.tables import fetch_page
from domain.tables import TableQuery

D = Decimal
TODAY = datetime.now(get_settings().tz).date()


def day(offset: int):
    return TODAY + timedelta(days=offset)


@pytest.fixture
def shelves(factories):
    """Nakuru Factory: bread PL-1 expired 2 days ago (12), PL-2 expiring tomorrow (2.5), PL-3 in 5 days (40);
    Westlands Depot (Nairobi): bread PL-1 expired yesterday (6)."""
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], name="Nakuru Factory")
    depot = factories.party("distributor", geo["westlands"], name="Westlands Depot")
    bread = factories.product(name="White Bread 400g", shelf_life_days=5, standard_cost="28.50")
    with transaction(SYSTEM) as tx:
        for place, batch_no, made, expires, qty in [
            (factory, "PL-1", -7, -2, "12"), (factory, "PL-2", -4, 1, "2.5"), (factory, "PL-3", 0, 5, "40"),
            (depot, "PL-1", -6, -1, "6"),
        ]:
            stock.put(tx, location_id=place.id, product_id=bread.id, qty=D(qty), kind=MoveKind.PRODUCTION,
                      document=batch_no, business_date=day(made), batch=BatchInfo(batch_no, day(made), day(expires)))
    return {"factory": factory, "depot": depot, "bread": bread}


def written() -> tuple[int, int, list[Decimal]]:
    with reading() as s:
        return (s.exec(select(func.count()).select_from(StockMove)).one(),
                s.exec(select(func.count()).select_from(AuditLog)).one(),
                [b.qty for b in s.exec(select(StockBatch).order_by(StockBatch.id))])


def test_the_expiry_list_shows_the_areas_expired_and_near_expiry_batches(shelves, factories):
    keeper = factories.actor("storekeeper", scope_code="RFT")
    page = fetch_page(keeper, expiry.expiry_table(keeper), TableQuery())
    rows = [(r["location"], r["product"], r["batch_no"], r["expires_on"], r["days_left"], r["qty"], r["value"],
             r["status"]) for r in page.rows]
    assert rows == [
        ("Nakuru Factory", "White Bread 400g", "PL-1", day(-2), -2, D("12"), D("342.00"), "expired"),
        ("Nakuru Factory", "White Bread 400g", "PL-2", day(1), 1, D("2.5"), D("71.25"), "near_expiry"),
    ]
    assert page.rows[0]["produced_on"] == day(-7)
    assert page.totals == {"value": D("413.25")}

    expired_only = fetch_page(keeper, expiry.expiry_table(keeper), TableQuery(filters={"status": "expired"}))
    assert [r["batch_no"] for r in expired_only.rows] == ["PL-1"]
    week = fetch_page(SYSTEM, expiry.expiry_table(SYSTEM, within_days=7), TableQuery(sort="days_left"))
    assert [(r["location"], r["batch_no"]) for r in week.rows] == [
        ("Nakuru Factory", "PL-1"), ("Westlands Depot", "PL-1"), ("Nakuru Factory", "PL-2"),
        ("Nakuru Factory", "PL-3")]
    with pytest.raises(ValidationFailed, match="Within days"):
        expiry.expiry_table(keeper, within_days=-1)
    with pytest.raises(PermissionDenied):
        expiry.expiry_table(factories.actor("finance"))


def test_writing_off_an_expired_batch_takes_what_is_left_as_waste(shelves, factories):
    keeper = factories.actor("storekeeper", scope_code="RFT")
    f, bread = shelves["factory"], shelves["bread"]
    done = expiry.write_off_expired(keeper, location_id=f.id, product_id=bread.id, batch_no="PL-1",
                                    business_date=TODAY)
    assert (done.document, done.qty, done.value, done.batch_no) == ("WO-000001", D("12"), D("342.00"), "PL-1")
    with reading() as s:
        [move] = s.exec(select(StockMove).where(StockMove.document == "WO-000001")).all()
        assert (move.kind, move.qty, move.note, move.business_date) == (MoveKind.WASTE, D("-12"), "expired", TODAY)
        assert stock_q.balance(s, f.id, bread.id) == D("42.5")
        batch = s.get(StockBatch, move.batch_id)
        assert batch is not None and (batch.batch_no, batch.qty) == ("PL-1", D("0"))
        [audit] = s.exec(select(AuditLog).where(AuditLog.action == "stock.writeoff")).all()
        assert audit.entity == "stock_batch" and audit.after["document"] == "WO-000001"
        assert audit.after["written_off"] == "12.000" and audit.scope_path == f.territory_path
        assert ledger_balances(s) == []
    page = fetch_page(keeper, expiry.expiry_table(keeper), TableQuery())
    assert [r["batch_no"] for r in page.rows] == ["PL-2"]


def test_write_off_refusals_write_nothing(shelves, factories):
    f, depot, bread = shelves["factory"], shelves["depot"], shelves["bread"]
    keeper = factories.actor("storekeeper", scope_code="RFT")
    manager = factories.actor("production_manager")  # sees stock, may not write it off
    unchanged = written()
    batch = {"location_id": f.id, "product_id": bread.id}

    with pytest.raises(Conflict, match="PL-2 of White Bread 400g at Nakuru Factory has not expired"):
        expiry.write_off_expired(keeper, batch_no="PL-2", business_date=TODAY, **batch)
    with pytest.raises(Conflict, match="has not expired"):  # not yet expired on the day it is dated
        expiry.write_off_expired(keeper, batch_no="PL-1", business_date=day(-3), **batch)
    with pytest.raises(PermissionDenied, match="may not write off"):
        expiry.write_off_expired(manager, batch_no="PL-1", business_date=TODAY, **batch)
    with pytest.raises(PermissionDenied, match="outside your area"):
        expiry.write_off_expired(keeper, location_id=depot.id, product_id=bread.id, batch_no="PL-1",
                                 business_date=TODAY)
    with pytest.raises(NotFound, match="No batch PL-9"):
        expiry.write_off_expired(keeper, batch_no="PL-9", business_date=TODAY, **batch)
    with pytest.raises(ValidationFailed, match="future"):
        expiry.write_off_expired(keeper, batch_no="PL-1", business_date=day(1), **batch)
    assert written() == unchanged

    expiry.write_off_expired(keeper, batch_no="PL-1", business_date=TODAY, **batch)
    unchanged = written()
    with pytest.raises(Conflict, match="already empty"):
        expiry.write_off_expired(keeper, batch_no="PL-1", business_date=TODAY, **batch)
    assert written() == unchanged


def test_one_batch_for_the_write_off_dialog(shelves, factories):
    keeper = factories.actor("storekeeper", scope_code="RFT")
    page = fetch_page(keeper, expiry.expiry_table(keeper), TableQuery())
    found = expiry.expiring_batch(keeper, batch_id=page.rows[0]["id"])
    assert (found.location_name, found.product_name, found.batch_no, found.qty, found.days_left, found.expired) == (
        "Nakuru Factory", "White Bread 400g", "PL-1", D("12"), -2, True)
    nairobi = fetch_page(SYSTEM, expiry.expiry_table(SYSTEM), TableQuery(filters={"location": "Westlands"}))
    with pytest.raises(PermissionDenied):
        expiry.expiring_batch(keeper, batch_id=nairobi.rows[0]["id"])
