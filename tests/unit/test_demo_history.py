"""The demo's history: every factory makes something every day and its output is traded on through primary,
secondary and tertiary orders; every change went through a service (so the ledger, the batches, the orders, the
invoices and the audit trail agree); no place ever holds less than nothing; retailers stay within their credit;
the trade follows the week; and a second run adds nothing. Short spans here; `chesanto seed` makes 90 days."""

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from statistics import mean

from sqlalchemy import func, select

from domain.db import reading
from domain.demo.catalogue import FINISHED, ensure_catalogue
from domain.demo.geography import REGIONS, ensure_geography
from domain.demo.history import FACTORY_RUNS, SUPPLIERS, counts, ensure_history
from domain.demo.parties import FACTORIES, ensure_parties, plan_parties
from domain.demo.reads import credit_left
from domain.demo.sales_history import DROPS, SUPPLY
from domain.demo.users import ensure_demo_users
from domain.models import AuditLog, MoveKind, Party, PartyKind, Product, ProductKind, StockMove
from domain.models.finance import Invoice
from domain.models.inventory import StockBalance, StockBatch
from domain.models.production import ProductionLog, RejectReason
from domain.models.sales import Order, OrderLine, OrderStatus, OrderTier
from domain.services.integrity import run_checks
from domain.services.production import today

DAYS = 10  # the first two and the last are left out of the weekly comparison: a full week remains
BATCH = re.compile(r"^(FAC-[A-Z]{3})-(\d{8})-([MN])-([A-Z0-9-]+)$")
NUMBER = {OrderTier.PRIMARY: "PO", OrderTier.SECONDARY: "SO", OrderTier.TERTIARY: "TO"}
WEEKEND = {4, 5, 6}  # Friday to Sunday


def the_company() -> None:
    """Places, catalogue, factories, distributors, the 600 retailers (written in bulk, to keep the test short) and
    the demo logins."""
    ensure_geography()
    ensure_catalogue()
    ensure_parties(plan_parties(blocks=1, seed=2026), bulk=True)
    ensure_demo_users()


def audit_count() -> int:
    with reading() as session:
        return session.execute(select(func.count()).select_from(AuditLog)).scalar_one()


def test_every_factory_makes_8_to_12_products_every_good_is_made_somewhere_and_every_material_has_a_supplier(
) -> None:
    recipes = {good.sku: good.recipe for good in FINISHED}
    supplied = {sku for supplier in SUPPLIERS for sku in supplier.skus}
    made = set()
    for spec in FACTORIES:
        runs = FACTORY_RUNS[spec.code]
        assert 8 <= len(runs) <= 12, spec.code
        assert len({run.sku for run in runs}) == len(runs)
        for run in runs:
            made.add(run.sku)
            assert {sku for sku, _ in recipes[run.sku]} <= supplied, run.sku
            assert len(f"{spec.code}-20261121-M-{run.sku}") <= 40  # fits a batch number
    assert made == set(recipes)


def test_every_region_is_supplied_by_one_factory_its_own_region_among_them() -> None:
    served = [region for regions in SUPPLY.values() for region in regions]
    assert sorted(served) == sorted(region.code for region in REGIONS)
    for spec in FACTORIES:
        assert spec.region in SUPPLY[spec.code] and DROPS[spec.code] >= 1


def test_ten_days_of_trade_follow_the_stock_the_credit_limits_and_the_week_and_a_second_run_adds_nothing(
    db,
) -> None:
    the_company()
    created = ensure_history(seed=2026, days=DAYS)  # ~10 s on SQLite, ~25 s on PostgreSQL
    assert all(present == 0 for _, present in created.values())
    for what in ("production logs", "goods receipts", "primary orders", "secondary orders", "tertiary orders",
                 "order lines", "invoices", "stock moves"):
        assert created[what][0] > 0, what

    yesterday = today() - timedelta(days=1)
    days = [yesterday - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    with reading() as s:
        parties = {p.id: p for p in s.execute(select(Party)).scalars()}
        logs = list(s.execute(select(ProductionLog)).scalars())
        orders = list(s.execute(select(Order).order_by(Order.id)).scalars())
        lines = list(s.execute(select(OrderLine)).scalars())
        invoices = {i.order_id: i for i in s.execute(select(Invoice)).scalars()}
        moves = list(s.execute(select(StockMove).order_by(StockMove.id)).scalars())
        finished = {p.id for p in s.execute(select(Product).where(Product.kind == ProductKind.FINISHED)).scalars()}
        balances = list(s.execute(select(StockBalance)).scalars())
        stale = s.execute(select(func.count()).select_from(StockBatch).where(
            StockBatch.qty > 0, StockBatch.expires_on < yesterday)).scalar_one()
        audits = dict(s.execute(select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())
    kind = {pid: p.kind for pid, p in parties.items()}
    factories = {pid for pid, k in kind.items() if k is PartyKind.FACTORY}

    # production: a log for every factory on every day, batch numbered by factory, date, shift and SKU
    assert {(log.factory_id, log.business_date) for log in logs} == {(f, d) for f in factories for d in days}
    for log in logs:
        factory, day, shift, _ = BATCH.match(log.batch_no).groups()  # type: ignore[union-attr]
        assert (factory, day, shift) == (parties[log.factory_id].code, f"{log.business_date:%Y%m%d}",
                                         log.shift.value[0].upper())
        assert Decimal("0.92") <= log.good_qty / log.planned_qty <= Decimal("0.995")
        assert (log.reject_reason is None) == (log.rejected_qty == 0)
        assert log.reject_reason is not RejectReason.OTHER or log.note
    assert audits["production.post"] == len(logs)

    # orders of each tier, numbered PO-/SO-/TO- from 000001 without gaps, dated within the span
    by_tier: dict[OrderTier, list[Order]] = defaultdict(list)
    for order in orders:
        by_tier[order.tier].append(order)
    for tier, prefix in NUMBER.items():
        numbers = sorted(order.number for order in by_tier[tier])
        assert numbers == [f"{prefix}-{n:06d}" for n in range(1, len(numbers) + 1)], tier
        assert all(days[0] <= order.order_date <= days[-1] for order in by_tier[tier])
    assert audits["order.submit"] == len(orders)

    # every status shows; an invoice for exactly the delivered primary and secondary orders
    statuses = {tier: {order.status for order in by_tier[tier]} for tier in NUMBER}
    assert statuses[OrderTier.PRIMARY] >= {OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.DISPATCHED,
                                           OrderStatus.DELIVERED}
    assert statuses[OrderTier.SECONDARY] >= {OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.DISPATCHED,
                                             OrderStatus.DELIVERED, OrderStatus.CANCELLED}
    assert statuses[OrderTier.TERTIARY] == {OrderStatus.DELIVERED}
    invoiced = {o.id for o in orders if o.tier is not OrderTier.TERTIARY and o.status is OrderStatus.DELIVERED}
    assert set(invoices) == invoiced
    assert all(invoices[o.id].amount == o.total for o in orders if o.id in invoiced)

    # who trades with whom: a factory with a distributor of a region it supplies; a retailer with its own
    # distributor; a retailer's sell-out with no buyer
    supplies = {f.id: SUPPLY[f.code] for f in parties.values() if f.id in factories}
    for order in orders:
        seller, buyer = parties[order.seller_id], parties.get(order.buyer_id or 0)
        if order.tier is OrderTier.PRIMARY:
            assert seller.id in factories and buyer is not None and buyer.kind is PartyKind.DISTRIBUTOR
            assert buyer.code.split("-")[1] in supplies[seller.id]
        elif order.tier is OrderTier.SECONDARY:
            assert buyer is not None and buyer.kind is PartyKind.RETAILER
            assert seller.id == buyer.parent_distributor_id
        else:
            assert seller.kind is PartyKind.RETAILER and buyer is None
        assert order.credit_override_by is None

    # the stock: balances are the sum of their moves, no place ever held less than nothing, sales left retailers
    checks = run_checks()  # (the schema check needs migrations, which these test databases skip)
    assert checks["ledger_balances"] == [] and checks["permissions"] == []
    assert all(move.balance_after >= 0 for move in moves)
    assert all(balance.qty >= 0 for balance in balances)
    sold = {m.document for m in moves if m.kind is MoveKind.SALE}
    assert sold == {o.number for o in by_tier[OrderTier.TERTIARY]}
    assert all(kind[m.location_id] is PartyKind.RETAILER for m in moves if m.kind is MoveKind.SALE)
    assert not any(m.kind in (MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN) for m in moves)  # orders, not transfers
    assert stale == 0  # whatever expired was written off

    # sell-through: little expires anywhere, and the factories keep about a day of finished goods
    made = sum(log.good_qty for log in logs)
    wasted = -sum((m.qty for m in moves if m.kind is MoveKind.WASTE), Decimal(0))
    assert wasted <= made * Decimal("0.03")
    at_factories = sum(b.qty for b in balances if b.location_id in factories and b.product_id in finished)
    assert at_factories <= 2 * made / DAYS

    # credit: no retailer or distributor is over its limit (the history records no payments)
    for party in parties.values():
        if party.kind is not PartyKind.FACTORY and party.id is not None:
            assert credit_left(party.id, party.credit_limit) >= 0, party.name

    # the week: retailers order more from Friday to Sunday than from Monday to Thursday
    volume: dict = defaultdict(Decimal)
    moved = {o.id: o for o in by_tier[OrderTier.SECONDARY] if o.status is not OrderStatus.CANCELLED}
    for line in lines:
        if line.order_id in moved:
            volume[moved[line.order_id].order_date] += line.qty
    weekdays = defaultdict(list)
    for day in days[2:-1]:
        weekdays[day.weekday() in WEEKEND].append(volume[day])
    assert mean(weekdays[True]) > mean(weekdays[False])

    before, audit = counts(), audit_count()
    again = ensure_history(seed=2026, days=DAYS)
    assert all(n == 0 for n, _ in again.values())
    assert {what: present for what, (_, present) in again.items()} == before == counts()
    assert audit_count() == audit
