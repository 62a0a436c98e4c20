"""Production logs: posting moves exact quantities in one transaction, every refusal writes nothing (even one that
fails half-way), a reversal restores the stock, and the day's totals and the history add up."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import func, select

from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.errors import Conflict, InsufficientStock, PermissionDenied, ValidationFailed
from domain.events import bus
from domain.models import AuditLog, MoveKind, ProductKind, StockBatch, StockMove
from domain.models.production import ProductionLog, ProductionStatus, RejectReason, Shift
from domain.queries import stock as stock_q
from domain.services import production, stock
from domain.services.tables import fetch_page
from domain.tables import TableQuery

D = Decimal
TODAY = production.today()


@pytest.fixture
def plant(factories):
    """Nakuru Factory (Rift) with flour, yeast and bags in stock for White Bread; a Nairobi factory too."""
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], code="NKR-F1", name="Nakuru Factory")
    other = factories.party("factory", geo["westlands"], code="WST-F1", name="Westlands Factory")
    flour = factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    yeast = factories.product("YEAST", kind=ProductKind.RAW_MATERIAL, name="Yeast", unit="kg",
                              standard_cost="400.00")
    bag = factories.product("BAG", kind=ProductKind.PACKAGING, name="Bread Bag", unit="piece")
    bread = factories.finished_good_with_recipe(
        "WB-400", name="White Bread 400g", shelf_life_days=4,
        recipe={"FLOUR": "0.250", "YEAST": "0.005", "BAG": "1"})
    stock_up(factory.id, {flour.id: "500", yeast.id: "10", bag.id: "1000"})
    return {"factory": factory, "other": other, "flour": flour, "yeast": yeast, "bag": bag, "bread": bread,
            "geo": geo}


def stock_up(location_id: int, quantities: dict[int, str], document: str = "GR-1") -> None:
    with transaction(SYSTEM) as tx:
        for product_id, qty in quantities.items():
            stock.put(tx, location_id=location_id, product_id=product_id, qty=D(qty), kind=MoveKind.RECEIPT,
                      document=document, business_date=TODAY)


def balance(location_id: int, product_id: int) -> Decimal:
    with reading() as session:
        return stock_q.balance(session, location_id, product_id)


def state() -> tuple[int, int, int, list[tuple[int, int, Decimal]]]:
    """Logs, moves, production audit rows and every balance: what a refusal must leave as it was."""
    with reading() as s:
        logs = s.exec(select(func.count()).select_from(ProductionLog)).one()
        moves = s.exec(select(func.count()).select_from(StockMove)).one()
        audits = s.exec(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action.startswith("production."))).one()
        balances = [(r.location_id, r.product_id, r.qty) for r in s.exec(select(stock_q.StockBalance))]
        return logs, moves, audits, sorted(balances)


def post(plant, actor=SYSTEM, **overrides):
    fields = {"factory_id": plant["factory"].id, "business_date": TODAY, "shift": "morning",
              "product_id": plant["bread"].id, "batch_no": "NKR-F1-M1", "planned_qty": "500", "good_qty": "480",
              "rejected_qty": "20", "reject_reason": "burnt"}
    return production.post_production_log(actor, **{**fields, **overrides})


@pytest.fixture
def events():
    seen: list = []

    def listen(event):
        if not event.name.startswith("production."):
            return
        with reading() as s:  # published after commit: the log is already there for anyone to read
            committed = s.exec(select(ProductionLog).where(ProductionLog.id == event.data.get("id"))).first()
        seen.append((event, committed is not None))

    bus.subscribe(listen)
    return seen


def test_posting_moves_exact_quantities_records_waste_cost_audit_and_event(plant, factories, events):
    manager = factories.actor("production_manager", scope_code="RFT")
    f, bread = plant["factory"], plant["bread"]
    log = post(plant, manager)
    assert log.number == "PL-000001" and log.status is ProductionStatus.POSTED
    assert (log.planned_qty, log.good_qty, log.rejected_qty) == (D("500"), D("480"), D("20"))
    assert log.reject_reason is RejectReason.BURNT and log.territory_path == f.territory_path
    # 500 units made: 125 kg flour, 2.5 kg yeast, 500 bags out; 480 loaves in
    assert balance(f.id, plant["flour"].id) == D("375.000")
    assert balance(f.id, plant["yeast"].id) == D("7.500")
    assert balance(f.id, plant["bag"].id) == D("500.000")
    assert balance(f.id, bread.id) == D("480.000")
    # rejects: 20 × (0.25 × 95.00 + 0.005 × 400.00 + 1 × 2.50) = 20 × 28.25
    assert log.waste_cost == D("565.00")
    with reading() as s:
        moves = s.exec(select(StockMove).where(StockMove.document == "PL-000001").order_by(StockMove.id)).all()
        batch = s.exec(select(StockBatch).where(StockBatch.product_id == bread.id)).one()
        assert stock_q.mismatched_balances(s) == []
        [audit] = s.exec(select(AuditLog).where(AuditLog.action == "production.post")).all()
    used = MoveKind.CONSUMPTION
    assert [(m.product_id, m.qty, m.kind) for m in moves] == [
        (plant["flour"].id, D("-125.000"), used), (plant["yeast"].id, D("-2.500"), used),
        (plant["bag"].id, D("-500.000"), used), (bread.id, D("480.000"), MoveKind.PRODUCTION)]
    assert (batch.batch_no, batch.qty, batch.produced_on, batch.expires_on) == (
        "NKR-F1-M1", D("480.000"), TODAY, TODAY + timedelta(days=4))
    assert (audit.entity, audit.entity_id, audit.actor_id, audit.scope_path) == (
        "production_log", str(log.id), manager.user_id, f.territory_path)
    assert audit.after["waste_cost"] == "565.00" and audit.after["consumed"] == {
        "FLOUR": "125.000", "YEAST": "2.500", "BAG": "500.000"}
    [(event, committed)] = events
    assert committed and event.name == "production.posted" and event.scope_path == f.territory_path
    assert event.data["good_qty"] == "480.000" and event.data["waste_cost"] == "565.00"


def test_consumption_rounds_up_to_the_thousandth_and_waste_cost_half_up_to_the_cent(plant, factories):
    dough = factories.finished_good_with_recipe("DOUGH", name="Dough", unit="kg", shelf_life_days=1,
                                                recipe={"YEAST": "0.005", "FLOUR": "0.333"})
    log = post(plant, product_id=dough.id, good_qty="2", rejected_qty="0.5", planned_qty="3")
    f = plant["factory"]
    # 2.5 kg × 0.005 = 0.0125 → 0.013 kg yeast; 2.5 × 0.333 = 0.8325 → 0.833 kg flour
    assert balance(f.id, plant["yeast"].id) == D("10") - D("0.013")
    assert balance(f.id, plant["flour"].id) == D("500") - D("0.833")
    # 0.5 × (0.005 × 400 + 0.333 × 95) = 0.5 × 33.635 = 16.8175 → 16.82
    assert log.waste_cost == D("16.82")
    with reading() as s:
        assert stock_q.mismatched_balances(s) == []


def test_each_refusal_writes_nothing(plant, factories):
    keeper = factories.actor("storekeeper")
    nairobi_manager = factories.actor("production_manager", scope_code="NRB")
    distributor = factories.party("distributor", plant["geo"]["nakuru_town"], code="D-NKR")
    scone = factories.product("SCONE", name="Scone")  # a finished good without a recipe
    post(plant, batch_no="TAKEN")
    before = state()
    refusals = [
        (PermissionDenied, "may not post production logs", dict(actor=keeper)),
        (PermissionDenied, "outside your area", dict(actor=nairobi_manager)),
        (ValidationFailed, "Factory: is not a factory", dict(factory_id=distributor.id)),
        (ValidationFailed, "Date: cannot be in the future", dict(business_date=TODAY + timedelta(days=1))),
        (ValidationFailed, "Reason: is required when units were rejected", dict(reject_reason=None)),
        (ValidationFailed, "Note: is required when the reason is Other", dict(reject_reason="other")),
        (ValidationFailed, "Product: Scone has no recipe", dict(product_id=scone.id)),
        (ValidationFailed, "Batch: TAKEN is already on PL-000001", dict(batch_no="taken")),
        (ValidationFailed, "Good: must be more than 0", dict(good_qty="0", rejected_qty="0")),
    ]
    for error, message, overrides in refusals:
        with pytest.raises(error, match=message):
            post(plant, **overrides)
        assert state() == before, message
    with pytest.raises(ValidationFailed) as bad:
        post(plant, shift="evening", planned_qty="lots", good_qty="-1", rejected_qty="1.2345", batch_no=" ")
    assert bad.value.errors == {"Shift": "must be morning, afternoon, night", "Batch": "is required",
                                "Planned": "must be a number", "Rejected": "has more than 3 decimal places",
                                "Good": "must not be negative"}
    assert state() == before


def test_a_short_material_on_the_third_recipe_line_is_named_and_nothing_is_written(plant):
    f = plant["factory"]
    with transaction(SYSTEM) as tx:  # leave 300 bags: enough flour and yeast, not enough bags
        stock.take(tx, location_id=f.id, product_id=plant["bag"].id, qty=D("700"), kind=MoveKind.ADJUSTMENT,
                   document="ADJ-1", business_date=TODAY)
    before = state()
    with pytest.raises(InsufficientStock) as refused:
        post(plant)
    assert refused.value.message == (
        "Not enough Bread Bag at Nakuru Factory for this log — Bread Bag: 500 piece needed, 300 piece available.")
    assert state() == before


def test_a_failure_half_way_through_posting_leaves_no_log_no_move_no_audit_row(plant, monkeypatch):
    """Without the up-front check, the guarded take of the third line fails after the log and two moves were
    written: the transaction takes them all back (and the document number too)."""
    f = plant["factory"]
    with transaction(SYSTEM) as tx:
        stock.take(tx, location_id=f.id, product_id=plant["bag"].id, qty=D("700"), kind=MoveKind.ADJUSTMENT,
                   document="ADJ-1", business_date=TODAY)
    before = state()
    monkeypatch.setattr(production, "_refuse_shortages", lambda *args: None)
    with pytest.raises(InsufficientStock, match="Not enough Bread Bag at Nakuru Factory: 500 piece needed, 300"):
        post(plant)
    assert state() == before
    with reading() as s:
        assert stock_q.mismatched_balances(s) == []
    assert post(plant, good_qty="290", rejected_qty="10").number == "PL-000001"


def test_a_reversal_restores_the_stock_and_frees_the_batch_number_for_the_correction(plant, factories, events):
    manager = factories.actor("production_manager", scope_code="RFT")
    f, bread = plant["factory"], plant["bread"]
    before = state()[3]
    log = post(plant, manager)
    with pytest.raises(ValidationFailed, match="Reason: is required"):
        production.reverse_production_log(manager, log_id=log.id, reason="  ")
    reversed_ = production.reverse_production_log(manager, log_id=log.id, reason="Good count was wrong")
    assert reversed_.status is ProductionStatus.REVERSED and reversed_.reversal_reason == "Good count was wrong"
    assert state()[3] == sorted([*before, (f.id, bread.id, D(0))])  # every material back, the loaves gone
    with reading() as s:
        assert stock_q.mismatched_balances(s) == []
        kinds = s.exec(select(StockMove.kind).where(StockMove.document == log.number,
                                                    StockMove.kind == MoveKind.REVERSAL)).all()
        assert len(kinds) == 4
        assert s.exec(select(AuditLog).where(AuditLog.action == "production.reverse")).one().before["status"] == \
            "posted"
    assert [e.name for e, _ in events] == ["production.posted", "production.reversed"]
    with pytest.raises(Conflict, match="already reversed"):
        production.reverse_production_log(manager, log_id=log.id, reason="again")
    corrected = post(plant, manager, good_qty="470", rejected_qty="30", corrects_id=log.id)
    assert (corrected.number, corrected.batch_no, corrected.corrects_id) == ("PL-000002", "NKR-F1-M1", log.id)
    assert balance(f.id, bread.id) == D("470")


def test_reversing_is_refused_when_the_batch_has_left_the_factory(plant, factories):
    f, bread = plant["factory"], plant["bread"]
    log = post(plant)
    with transaction(SYSTEM) as tx:
        stock.take(tx, location_id=f.id, product_id=bread.id, qty=D("100"), kind=MoveKind.DISPATCH,
                   document="PO-1", business_date=TODAY)
    before = state()
    with pytest.raises(InsufficientStock, match="Cannot reverse PL-000001: only 380 of the 480 loaf of White Bread "
                                                "400g in batch NKR-F1-M1 are still at Nakuru Factory"):
        production.reverse_production_log(SYSTEM, log_id=log.id, reason="wrong count")
    assert state() == before
    with pytest.raises(PermissionDenied):
        production.reverse_production_log(factories.actor("storekeeper"), log_id=log.id, reason="wrong count")
    with pytest.raises(PermissionDenied, match="outside your area"):
        production.reverse_production_log(factories.actor("production_manager", scope_code="NRB"), log_id=log.id,
                                          reason="wrong count")


def test_perishable_materials_go_back_to_the_batch_they_came_from(plant, factories):
    f = plant["factory"]
    milk = factories.product("MILK", kind=ProductKind.RAW_MATERIAL, name="Milk", unit="litre", shelf_life_days=3)
    bun = factories.finished_good_with_recipe("BUN", name="Milk Bun", recipe={"MILK": "0.1", "FLOUR": "0.05"})
    stock_up(f.id, {milk.id: "5"}, document="GR-MILK")
    log = post(plant, product_id=bun.id, batch_no="B1", good_qty="40", rejected_qty="0", planned_qty="40")
    assert balance(f.id, milk.id) == D("1")
    production.reverse_production_log(SYSTEM, log_id=log.id, reason="posted twice")
    with reading() as s:
        batches = s.exec(select(StockBatch.batch_no, StockBatch.qty).where(StockBatch.product_id == milk.id)).all()
    assert batches == [("GR-MILK", D("5.000"))]


def test_the_day_per_factory_totals_attainment_and_waste_rate_within_scope(plant, factories):
    stock_up(plant["factory"].id, {plant["bag"].id: "1000"}, document="GR-2")
    post(plant, planned_qty="500", good_qty="480", rejected_qty="20")
    post(plant, shift="afternoon", batch_no="NKR-F1-A1", planned_qty="300", good_qty="240", rejected_qty="0")
    gone = post(plant, shift="night", batch_no="NKR-F1-N1", planned_qty="100", good_qty="100", rejected_qty="0")
    production.reverse_production_log(SYSTEM, log_id=gone.id, reason="test batch")
    post(plant, business_date=TODAY - timedelta(days=1), batch_no="YESTERDAY")
    manager = factories.actor("production_manager", scope_code="RFT")
    [nakuru] = production.production_day(manager, business_date=TODAY)
    assert (nakuru.name, [r.number for r in nakuru.logs]) == ("Nakuru Factory", ["PL-000001", "PL-000002",
                                                                                 "PL-000003"])
    assert (nakuru.planned, nakuru.good, nakuru.rejected, nakuru.waste_cost) == (D(800), D(720), D(20), D("565.00"))
    assert nakuru.attainment == D("90.0")  # 720 / 800
    assert nakuru.waste_rate == D("2.7")  # 20 / 740 = 2.70 %
    everyone = production.production_day(SYSTEM, business_date=TODAY)
    assert [(d.name, len(d.logs), d.attainment, d.waste_rate) for d in everyone] == [
        ("Nakuru Factory", 3, D("90.0"), D("2.7")), ("Westlands Factory", 0, None, None)]
    assert production.stock_on_hand(manager, location_id=plant["factory"].id, product_id=plant["bread"].id) == \
        D("1200")  # 480 + 240 today, 480 yesterday
    with pytest.raises(PermissionDenied):
        production.stock_on_hand(manager, location_id=plant["other"].id, product_id=plant["bread"].id)
    assert [c.code for c in production.factory_choices(manager)] == ["NKR-F1"]
    base = f"NKR-F1-{TODAY:%Y%m%d}-A"
    post(plant, shift="afternoon", batch_no=base, good_qty="1", rejected_qty="0")
    assert production.next_batch_no(manager, factory_id=plant["factory"].id, business_date=TODAY, shift="afternoon",
                                    product_id=plant["bread"].id) == f"{base}-2"
    assert production.next_batch_no(manager, factory_id=plant["factory"].id, business_date=TODAY,
                                    shift=Shift.AFTERNOON) == base
    assert [c.code for c in production.product_choices(manager)] == ["WB-400"]


def test_the_history_list_is_scoped_filtered_and_totalled(plant, factories):
    post(plant, reject_reason="misshapen")
    post(plant, batch_no="B2", good_qty="100", rejected_qty="0", planned_qty="100", shift=Shift.NIGHT)
    other = dict(factory_id=plant["other"].id, batch_no="W1")
    stock_up(plant["other"].id, {plant["flour"].id: "500", plant["yeast"].id: "10", plant["bag"].id: "1000"})
    post(plant, **other)
    manager = factories.actor("production_manager", scope_code="RFT")
    source = production.production_table(manager)
    page = fetch_page(manager, source, TableQuery())
    assert page.total_rows == 2 and {r["factory"] for r in page.rows} == {"Nakuru Factory"}
    assert page.totals == {"planned_qty": D("600.000"), "good_qty": D("580.000"), "rejected_qty": D("20.000"),
                           "waste_cost": D("565.00")}
    night = fetch_page(manager, source, TableQuery(filters={"shift": "night"}))
    assert [(r["batch_no"], r["recorded_by"], r["status"]) for r in night.rows] == [("B2", None, "posted")]
    assert fetch_page(SYSTEM, production.production_table(SYSTEM), TableQuery()).total_rows == 3
    with pytest.raises(PermissionDenied):
        production.production_table(factories.actor("finance"))


def test_the_database_keeps_a_batch_number_on_one_posted_log_even_when_two_posts_race(plant, monkeypatch):
    """Two people posting the same batch at once both pass the look-up; the partial unique index stops the second."""
    post(plant, batch_no="RACE")
    before = state()
    monkeypatch.setattr(production.production_q, "posted_with_batch", lambda *args: None)
    with pytest.raises(ValidationFailed, match="Batch: RACE was just posted by someone else"):
        post(plant, batch_no="RACE")
    assert state() == before
