"""Stock movements (goods received, transfers, adjustments) and the stock views, on SQLite and PostgreSQL: exact
quantities, balances that equal the sum of their moves, batches carried by transfers, refusals that write nothing,
low stock and days of cover, and each view limited to the actor's area."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, func, select

from domain.access import SYSTEM, Actor
from domain.db import reading, transaction
from domain.errors import InsufficientStock, NotFound, PermissionDenied, ValidationFailed
from domain.models import AuditLog, MoveKind, Party, PartyKind, Product, ProductKind, StockBalance, StockMove
from domain.queries import stock as stock_q
from domain.services import stock
from domain.services.inventory import (
    adjust_stock,
    ledger_table,
    location_choices,
    position_of,
    receive_goods,
    stock_levels_table,
    stock_position,
    today,
    transfer_stock,
)
from domain.services.tables import fetch_page
from domain.tables import TablePage, TableQuery

D = Decimal


@dataclass
class Bakery:
    factory: Party
    depot: Party  # a distributor's depot in the same region (Rift)
    nairobi: Party  # a distributor in another region
    flour: Product
    bags: Product
    bread: Product
    keeper: Actor  # storekeeper of the Rift region
    boss: Actor  # company-wide admin


@pytest.fixture
def bakery(factories) -> Bakery:
    geo = factories.geography()
    return Bakery(
        factory=factories.party("factory", geo["nakuru_town"], code="FAC-NKR", name="Nakuru Factory"),
        depot=factories.party("distributor", geo["nakuru_town"], code="D-NKR", name="Nakuru Wholesalers"),
        nairobi=factories.party("distributor", geo["westlands"], code="D-WST", name="Westlands Depot"),
        flour=factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg",
                                reorder_level="120"),
        bags=factories.product("BAG-1", kind=ProductKind.PACKAGING, name="Bread Bag"),
        bread=factories.product("WB-400", name="White Bread 400g", shelf_life_days=4),
        keeper=factories.actor("storekeeper", scope_code="RFT"),
        boss=factories.actor("admin"),
    )



def balance(place: Party, product: Product) -> Decimal:
    with reading() as session:
        return stock_q.balance(session, place.id, product.id)


def written() -> tuple[int, int, int]:
    """(moves, stock audit rows, balance rows): what a refused document must leave unchanged."""
    with reading() as s:
        return (s.exec(select(func.count()).select_from(StockMove)).one(),
                s.exec(select(func.count()).select_from(AuditLog)
                       .where(col(AuditLog.action).startswith("stock."))).one(),
                s.exec(select(func.count()).select_from(StockBalance)).one())


def ledger_is_consistent() -> bool:
    with reading() as session:
        return stock_q.mismatched_balances(session) == []


def audit_of(document: str) -> AuditLog:
    with reading() as s:
        return s.exec(select(AuditLog).where(AuditLog.entity == "stock_document", AuditLog.entity_id == document)).one()


def moves_of(document: str) -> list[StockMove]:
    with reading() as s:
        return list(s.exec(select(StockMove).where(StockMove.document == document).order_by(col(StockMove.id))))


def yesterday() -> Any:
    return today() - timedelta(days=1)


def receive(b: Bakery, *lines: tuple[Product, str, str], actor: Actor | None = None, **extra: Any) -> Any:
    fields = {"location_id": b.factory.id, "supplier_name": "Unga Millers", "business_date": yesterday(), **extra}
    return receive_goods(actor or b.keeper, lines=[{"product": p.id, "qty": q, "unit_cost": c} for p, q, c in lines],
                         **fields)


def bake(place: Party, bread: Product, *batches: tuple[str, int, str]) -> None:
    """Finished bread into `place` in batches (no, days ago produced, qty), as production would post it."""
    with transaction(SYSTEM) as tx:
        stock.lock(tx, [(place.id, bread.id)])
        for batch_no, days_ago, qty in batches:
            stock.put(tx, location_id=place.id, product_id=bread.id, qty=D(qty), kind=MoveKind.PRODUCTION,
                      document=batch_no, business_date=today() - timedelta(days=days_ago))


# ---- receiving ---------------------------------------------------------------------------------------------------


def test_receiving_adds_exact_quantities_at_the_delivery_cost(bakery, events) -> None:
    b = bakery
    doc = receive(b, (b.flour, "250.125", "94.75"), (b.bags, "1000", "2.40"), reference="DN 4471")
    assert (doc.number, doc.kind, doc.location_name) == ("GR-000001", "receipt", "Nakuru Factory")
    assert balance(b.factory, b.flour) == D("250.125") and balance(b.factory, b.bags) == D("1000")
    moves = moves_of("GR-000001")
    assert [(m.kind, m.qty, m.unit_cost, m.balance_after) for m in moves] == [
        (MoveKind.RECEIPT, D("250.125"), D("94.75"), D("250.125")), (MoveKind.RECEIPT, D("1000"), D("2.40"), D("1000"))]
    assert moves[0].note == "From Unga Millers · ref DN 4471" and moves[0].actor_id == b.keeper.user_id
    row = audit_of("GR-000001")
    assert row.action == "stock.receive" and row.scope_path == b.factory.territory_path
    assert row.after["supplier"] == "Unga Millers" and row.after["location"]["name"] == "Nakuru Factory"
    assert [(ln["sku"], ln["qty"], ln["unit_cost"]) for ln in row.after["lines"]] == [
        ("FLR-1", "250.125", "94.75"), ("BAG-1", "1000.000", "2.40")]
    assert [(e.name, e.data["document"], e.scope_path) for e in events] == [
        ("stock.moved", "GR-000001", b.factory.territory_path)]
    assert receive(b, (b.flour, "10", "95")).number == "GR-000002"
    assert balance(b.factory, b.flour) == D("260.125") and ledger_is_consistent()


def test_lines_may_name_products_by_sku_and_dates_as_text(bakery) -> None:
    b = bakery
    doc = receive_goods(b.keeper, location_id=b.factory.id, supplier_name="  Unga   Millers ",
                        business_date=yesterday().isoformat(), lines=[{"product": "flr-1", "qty": "1,250.5",
                                                                       "unit_cost": "95"}])
    assert doc.lines[0].product_id == b.flour.id and balance(b.factory, b.flour) == D("1250.5")
    assert audit_of(doc.number).after["supplier"] == "Unga Millers"


# ---- transfers ---------------------------------------------------------------------------------------------------


def test_a_transfer_moves_stock_out_and_in_and_carries_perishable_batches(bakery, events) -> None:
    b = bakery
    bake(b.factory, b.bread, ("PL-000002", 1, "30"), ("PL-000001", 2, "20"))
    receive(b, (b.flour, "100", "95.00"))
    events.clear()
    doc = transfer_stock(b.keeper, from_id=b.factory.id, to_id=b.depot.id, business_date=today(), note="Van KCA 123",
                         lines=[{"product": b.bread.id, "qty": "25"}, {"product": b.flour.id, "qty": "40.5"}])
    assert (doc.number, doc.to_location_name) == ("TR-000001", "Nakuru Wholesalers")
    assert balance(b.factory, b.bread) == D("25") and balance(b.depot, b.bread) == D("25")
    assert balance(b.factory, b.flour) == D("59.5") and balance(b.depot, b.flour) == D("40.5")
    moves = moves_of("TR-000001")
    assert [(m.location_id, m.kind, m.qty) for m in moves] == [
        (b.factory.id, MoveKind.TRANSFER_OUT, D("-20")), (b.factory.id, MoveKind.TRANSFER_OUT, D("-5")),
        (b.depot.id, MoveKind.TRANSFER_IN, D("20")), (b.depot.id, MoveKind.TRANSFER_IN, D("5")),
        (b.factory.id, MoveKind.TRANSFER_OUT, D("-40.5")), (b.depot.id, MoveKind.TRANSFER_IN, D("40.5"))]
    assert moves[0].note == "To Nakuru Wholesalers: Van KCA 123" and moves[2].note == "From Nakuru Factory: Van KCA 123"
    assert doc.lines[0].batches == (("PL-000001", D("20")), ("PL-000002", D("5")))
    with reading() as s:
        source, arrived = ({x.batch_no: (x.expires_on, x.qty) for x in stock_q.batches_first_expiring(s, p, b.bread.id)}
                           for p in (b.factory.id, b.depot.id))
    day = today()
    assert arrived == {"PL-000001": (day + timedelta(days=2), D("20")), "PL-000002": (day + timedelta(days=3), D("5"))}
    assert source == {"PL-000002": (day + timedelta(days=3), D("25"))}
    assert audit_of("TR-000001").after["lines"][0]["batches"] == [{"batch_no": "PL-000001", "qty": "20.000"},
                                                                  {"batch_no": "PL-000002", "qty": "5.000"}]
    assert sorted(e.data["location_id"] for e in events) == sorted([b.factory.id, b.depot.id])
    assert ledger_is_consistent()


# ---- adjustments -------------------------------------------------------------------------------------------------


def test_adjustments_add_and_remove_with_their_reason(bakery) -> None:
    b = bakery
    receive(b, (b.flour, "100", "95.00"))
    up = adjust_stock(b.keeper, location_id=b.factory.id, product_id=b.flour.id, qty_change="2.5",
                      reason="Found a sack behind the mixer", business_date=today())
    down = adjust_stock(b.keeper, location_id=b.factory.id, product_id=b.flour.id, qty_change=D("-10"),
                        reason="Spilt", business_date=today())
    assert (up.number, down.number) == ("ADJ-000001", "ADJ-000002")
    assert balance(b.factory, b.flour) == D("92.5")
    [move] = moves_of("ADJ-000002")
    assert (move.kind, move.qty, move.balance_after, move.note) == (MoveKind.ADJUSTMENT, D("-10"), D("92.5"), "Spilt")
    row = audit_of("ADJ-000002")
    assert row.action == "stock.adjust" and row.after["reason"] == "Spilt" and row.after["balance_after"] == "92.500"
    assert ledger_is_consistent()


# ---- refusals write nothing --------------------------------------------------------------------------------------


def _refusals(b: Bakery, factories: Any) -> dict[str, tuple[type[Exception], str, Callable[[], Any]]]:
    sales = factories.actor("regional_sales", scope_code="RFT")
    nairobi_keeper = factories.actor("storekeeper", scope_code="NRB")
    good = [{"product": b.flour.id, "qty": "5", "unit_cost": "95.00"}]

    def rcv(actor: Actor = b.keeper, lines: Any = good, **fields: Any) -> Callable[[], Any]:
        values = {"location_id": b.factory.id, "supplier_name": "Unga", "business_date": today(), **fields}
        return lambda: receive_goods(actor, lines=lines, **values)

    def tr(actor: Actor = b.keeper, lines: Any = None, **fields: Any) -> Callable[[], Any]:
        values = {"from_id": b.factory.id, "to_id": b.depot.id, "business_date": today(), **fields}
        return lambda: transfer_stock(actor, lines=lines or [{"product": b.flour.id, "qty": "5"}], **values)

    def adj(actor: Actor = b.keeper, **fields: Any) -> Callable[[], Any]:
        values = {"location_id": b.factory.id, "product_id": b.flour.id, "qty_change": "-5", "reason": "Spilt",
                  "business_date": today(), **fields}
        return lambda: adjust_stock(actor, **values)

    return {
        "receive without permission": (PermissionDenied, "may not receive", rcv(sales)),
        "transfer without permission": (PermissionDenied, "may not transfer", tr(sales)),
        "adjust without permission": (PermissionDenied, "may not adjust", adj(sales)),
        "receive outside one's area": (PermissionDenied, "outside your area", rcv(nairobi_keeper)),
        "transfer into another area": (PermissionDenied, "Westlands Depot is outside", tr(to_id=b.nairobi.id)),
        "adjust outside one's area": (PermissionDenied, "outside your area", adj(location_id=b.nairobi.id)),
        "receipt without lines": (ValidationFailed, "Lines: add at least one line", rcv(lines=[])),
        "blank supplier": (ValidationFailed, "Supplier: is required", rcv(supplier_name="  ")),
        "future date": (ValidationFailed, "Date: cannot be in the future", rcv(business_date=today() + timedelta(1))),
        "not a date": (ValidationFailed, "Date: must be a date", rcv(business_date="next tuesday")),
        "zero quantity": (ValidationFailed, "Line 2 quantity: must be more than 0",
                          rcv(lines=[*good, {"product": b.bags.id, "qty": "0", "unit_cost": "1"}])),
        "too many decimals": (ValidationFailed, "Line 1 unit cost: has more than 2 decimal places",
                              rcv(lines=[{"product": b.flour.id, "qty": "5", "unit_cost": "95.001"}])),
        "negative cost": (ValidationFailed, "Line 1 unit cost: must not be negative",
                          rcv(lines=[{"product": b.flour.id, "qty": "5", "unit_cost": "-1"}])),
        "no product": (ValidationFailed, "Line 1 product: is required",
                       rcv(lines=[{"product": None, "qty": "5", "unit_cost": "1"}])),
        "unknown product": (ValidationFailed, "Line 2 product: is unknown: no product with SKU NOPE",
                            rcv(lines=[*good, {"product": "NOPE", "qty": "5", "unit_cost": "1"}])),
        "finished goods from a supplier": (ValidationFailed, "finished goods come from production",
                                           rcv(lines=[{"product": b.bread.id, "qty": "5", "unit_cost": "1"}])),
        "a product twice": (ValidationFailed, "Line 2 product: repeats line 1 (Wheat Flour)", rcv(lines=good * 2)),
        "receipt at a distributor": (ValidationFailed, "suppliers deliver to factories", rcv(location_id=b.depot.id)),
        "unknown location": (ValidationFailed, "Location: is unknown", rcv(location_id=999999)),
        "same location": (ValidationFailed, "To: must be another location than From", tr(to_id=b.factory.id)),
        "transfer more than there is": (InsufficientStock, "Not enough Wheat Flour at Nakuru Factory: 500 kg needed",
                                        tr(lines=[{"product": b.flour.id, "qty": "500"}])),
        "second line short": (InsufficientStock, "Not enough Bread Bag",
                              tr(lines=[{"product": b.flour.id, "qty": "5"}, {"product": b.bags.id, "qty": "1"}])),
        "blank reason": (ValidationFailed, "Reason: is required", adj(reason=" ")),
        "zero adjustment": (ValidationFailed, "Quantity: must not be zero", adj(qty_change="0")),
        "adjust below zero": (InsufficientStock, "Not enough Wheat Flour at Nakuru Factory: 500 kg needed",
                              adj(qty_change="-500")),
        "unknown product to adjust": (ValidationFailed, "Product: is unknown", adj(product_id=999999)),
    }


REFUSALS = [
    "receive without permission", "transfer without permission", "adjust without permission",
    "receive outside one's area", "transfer into another area", "adjust outside one's area", "receipt without lines",
    "blank supplier", "future date", "not a date", "zero quantity", "too many decimals", "negative cost", "no product",
    "unknown product", "finished goods from a supplier", "a product twice", "receipt at a distributor",
    "unknown location", "same location", "transfer more than there is", "second line short", "blank reason",
    "zero adjustment", "adjust below zero", "unknown product to adjust",
]


@pytest.mark.parametrize("case", REFUSALS)
def test_every_refusal_writes_nothing(bakery, factories, events, case: str) -> None:
    receive(bakery, (bakery.flour, "100", "95.00"))
    error, message, attempt = _refusals(bakery, factories)[case]
    before, events_before = written(), len(events)
    with pytest.raises(error, match=re.escape(message)):
        attempt()
    assert written() == before and len(events) == events_before
    assert balance(bakery.factory, bakery.flour) == D("100") and balance(bakery.depot, bakery.flour) == D("0")
    assert receive(bakery, (bakery.flour, "1", "95")).number == "GR-000002"  # no number was used up
    assert ledger_is_consistent()


def test_bad_input_names_every_bad_field_at_once(bakery) -> None:
    with pytest.raises(ValidationFailed) as caught:
        receive_goods(bakery.keeper, location_id="", supplier_name="", business_date="",
                      lines=[{"product": bakery.flour.id, "qty": "x", "unit_cost": ""}])
    assert caught.value.errors == {"Location": "is required", "Supplier": "is required", "Date": "is required",
                                   "Line 1 quantity": "must be a number", "Line 1 unit cost": "is required"}


# ---- stock levels ------------------------------------------------------------------------------------------------


def page(actor: Actor, source: Any, **filters: Any) -> TablePage:
    return fetch_page(actor, source, TableQuery(filters=filters, page_size=200))


def levels(actor: Actor, **filters: Any) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["location"], r["product"]): r for r in page(actor, stock_levels_table(actor), **filters).rows}


def test_stock_levels_show_low_stock_days_of_cover_and_value(bakery) -> None:
    b = bakery
    day = today()
    receive(b, (b.flour, "200", "90.00"), (b.bags, "1000", "2.40"), business_date=day - timedelta(days=40))
    for days_ago, qty in [(28, "28"), (27, "56")]:  # 28 days ago is outside the window of the last 28 days
        transfer_stock(b.keeper, from_id=b.factory.id, to_id=b.depot.id, business_date=day - timedelta(days=days_ago),
                       lines=[{"product": b.flour.id, "qty": qty}])
    transfer_stock(b.keeper, from_id=b.factory.id, to_id=b.depot.id, business_date=day,
                   lines=[{"product": b.bags.id, "qty": "300"}])
    rows = levels(b.keeper)
    flour = rows[("Nakuru Factory", "Wheat Flour")]
    assert (flour["qty"], flour["reorder_level"], flour["low"]) == (D("116"), D("120"), True)
    assert flour["days_cover"] == D("58.0")  # 116 kg / (56 kg / 28 days)
    assert flour["stock_value"] == D("11020.00")  # at the standard cost (95.00), not the delivery's
    assert rows[("Nakuru Factory", "Bread Bag")]["days_cover"] == D("65.3")  # 700 / (300 / 28), tenths rounded down
    assert rows[("Nakuru Factory", "Bread Bag")]["low"] is False
    depot = rows[("Nakuru Wholesalers", "Wheat Flour")]
    assert (depot["qty"], depot["days_cover"], depot["low"]) == (D("84"), None, True)  # nothing left the depot
    low = {("Nakuru Factory", "Wheat Flour"), ("Nakuru Wholesalers", "Wheat Flour")}
    assert set(levels(b.keeper, low="yes")) == low
    totals = page(b.keeper, stock_levels_table(b.keeper)).totals  # 116 + 84 kg at 95.00, 700 + 300 bags at 2.50
    assert totals["stock_value"] == D("11020.00") + D("7980.00") + D("1750.00") + D("750.00")
    assert position_of(flour["key"]) == (b.factory.id, b.flour.id)


def test_stock_views_show_only_the_actors_area(bakery, factories) -> None:
    b = bakery
    receive(b, (b.flour, "50", "95.00"))
    transfer_stock(b.boss, from_id=b.factory.id, to_id=b.nairobi.id, business_date=today(),
                   lines=[{"product": b.flour.id, "qty": "20"}])
    nairobi = factories.actor("storekeeper", scope_code="NRB")
    assert set(levels(nairobi)) == {("Westlands Depot", "Wheat Flour")}
    assert set(levels(b.keeper)) == {("Nakuru Factory", "Wheat Flour")}
    assert len(levels(b.boss)) == 2
    ledger = page(nairobi, ledger_table(nairobi)).rows
    assert [(r["location"], r["kind"], r["qty_in"]) for r in ledger] == [
        ("Westlands Depot", MoveKind.TRANSFER_IN, D("20"))]
    assert {r["location"] for r in page(b.keeper, ledger_table(b.keeper)).rows} == {"Nakuru Factory"}
    with pytest.raises(PermissionDenied, match="Nakuru Factory is outside your area"):
        ledger_table(nairobi, location_id=b.factory.id)
    with pytest.raises(PermissionDenied):
        stock_position(nairobi, location_id=b.factory.id, product_id=b.flour.id)
    with pytest.raises(NotFound):
        ledger_table(b.boss, location_id=b.factory.id, product_id=999999)
    assert location_choices(nairobi) == {b.nairobi.id: "Westlands Depot (D-WST)"}
    assert location_choices(b.keeper, kind=PartyKind.FACTORY) == {b.factory.id: "Nakuru Factory (FAC-NKR)"}


def test_the_ledger_of_one_product_at_one_place_runs_its_balance(bakery) -> None:
    b = bakery
    receive(b, (b.flour, "100", "94.00"))
    transfer_stock(b.keeper, from_id=b.factory.id, to_id=b.depot.id, business_date=today(),
                   lines=[{"product": b.flour.id, "qty": "30"}])
    adjust_stock(b.keeper, location_id=b.factory.id, product_id=b.flour.id, qty_change="-0.5", reason="Spilt",
                 business_date=today())
    source = ledger_table(b.keeper, location_id=b.factory.id, product_id=b.flour.id)
    assert source.title == "Stock ledger · Nakuru Factory · Wheat Flour"
    assert "location" not in [c.key for c in source.columns] and "product" not in [c.key for c in source.columns]
    result = page(b.keeper, source)
    assert [(r["document"], r["qty_in"], r["qty_out"], r["balance"], r["unit_cost"]) for r in result.rows] == [
        ("ADJ-000001", None, D("0.5"), D("69.5"), D("95.00")), ("TR-000001", None, D("30"), D("70"), D("95.00")),
        ("GR-000001", D("100"), None, D("100"), D("94.00"))]
    assert result.rows[0]["who"] == b.keeper.full_name
    assert result.totals == {"qty_in": D("100"), "qty_out": D("30.5")}
    assert [r["document"] for r in page(b.keeper, source, kind="transfer_out").rows] == ["TR-000001"]
    position = stock_position(b.keeper, location_id=b.factory.id, product_id=b.flour.id)
    assert (position.qty, position.low, position.unit) == (D("69.5"), True, "kg")
