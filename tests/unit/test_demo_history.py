"""The demo's production history: every factory makes something every day, every change went through a service (so
the ledger, the batches and the audit trail agree), the factories end holding about a day of bread, and a second
run adds nothing. Short spans here; `chesanto seed` makes 90 days."""

import re
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from domain.db import reading
from domain.demo.catalogue import FINISHED, ensure_catalogue
from domain.demo.geography import ensure_geography
from domain.demo.history import FACTORY_RUNS, SELL_THROUGH_KEEP_DAYS, SUPPLIERS, counts, ensure_history, older_stock
from domain.demo.parties import FACTORIES, ensure_parties, plan_parties
from domain.demo.users import ensure_demo_users
from domain.models import AuditLog, MoveKind, Party, PartyKind, Product, ProductKind, StockMove
from domain.models.inventory import StockBalance, StockBatch
from domain.models.production import ProductionLog, RejectReason
from domain.services.integrity import run_checks
from domain.services.production import today

DAYS = 7
BATCH = re.compile(r"^(FAC-[A-Z]{3})-(\d{8})-([MN])-([A-Z0-9-]+)$")


def the_company_without_retailers() -> None:
    """What the history needs (places, catalogue, factories, distributors, demo logins), without the 600
    retailers, to keep the test short."""
    ensure_geography()
    ensure_catalogue()
    ensure_parties([spec for spec in plan_parties(blocks=1, seed=2026) if spec.kind is not PartyKind.RETAILER])
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


def test_a_week_of_history_is_consistent_with_the_ledger_and_a_second_run_adds_nothing(db) -> None:
    the_company_without_retailers()
    created = ensure_history(seed=2026, days=DAYS)  # ~6-20 s a database
    assert all(present == 0 for _, present in created.values())
    for what in ("production logs", "stock moves", "goods receipts", "transfers", "write-offs"):
        assert created[what][0] > 0, what

    yesterday = today() - timedelta(days=1)
    days = {yesterday - timedelta(days=n) for n in range(DAYS)}
    with reading() as s:
        factories = {p.id: p for p in s.execute(select(Party).where(Party.kind == PartyKind.FACTORY)).scalars()}
        distributors = {p.id: p for p in s.execute(select(Party).where(Party.kind == PartyKind.DISTRIBUTOR))
                        .scalars()}
        logs = list(s.execute(select(ProductionLog)).scalars())
        finished = {p.id for p in s.execute(select(Product).where(Product.kind == ProductKind.FINISHED)).scalars()}
        held = s.execute(select(StockBalance.location_id, func.sum(StockBalance.qty))
                         .where(StockBalance.product_id.in_(finished)).group_by(StockBalance.location_id)).all()
        stale = s.execute(select(func.count()).select_from(StockBatch).where(
            StockBatch.location_id.in_(factories), StockBatch.qty > 0, StockBatch.expires_on < today())).scalar_one()
        moves = list(s.execute(select(StockMove)).scalars())
        audits = dict(s.execute(select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())

    # a log for every factory on every day, dated in the past, batch numbered by factory, date, shift and SKU
    assert {(log.factory_id, log.business_date) for log in logs} == {(f, d) for f in factories for d in days}
    codes = {f.id: f.code for f in factories.values()}
    for log in logs:
        factory, day, shift, _ = BATCH.match(log.batch_no).groups()  # type: ignore[union-attr]
        assert (factory, day, shift) == (codes[log.factory_id], f"{log.business_date:%Y%m%d}",
                                         log.shift.value[0].upper())
        assert Decimal("0.92") <= log.good_qty / log.planned_qty <= Decimal("0.995")
        assert (log.reject_reason is None) == (log.rejected_qty == 0)
        assert log.reject_reason is not RejectReason.OTHER or log.note
    assert audits["production.post"] == len(logs)
    assert audits["stock.receive"] == created["goods receipts"][0]
    assert audits["stock.transfer"] == created["transfers"][0]

    # the ledger: balances are the sum of their moves, batches add up, nothing negative
    checks = run_checks()  # (the schema check needs migrations, which these test databases skip)
    assert checks["ledger_balances"] == [] and checks["permissions"] == []
    assert all(move.actor_id is not None for move in moves)  # the demo production manager and storekeeper
    suppliers = {supplier.name for supplier in SUPPLIERS}
    for move in moves:
        if move.kind is MoveKind.RECEIPT:
            assert move.location_id in factories and move.note.removeprefix("From ").split(" · ")[0] in suppliers
        if move.kind is MoveKind.TRANSFER_IN:  # to a distributor of the factory's region
            assert move.location_id in distributors
            source = move.note.removeprefix("From ").split(":")[0]
            region = next(spec.region for spec in FACTORIES if spec.name == source)
            assert distributors[move.location_id].code.startswith(f"DST-{region}-")

    # factories keep about a day of finished goods; nothing expired is left there
    made: dict[int, Decimal] = defaultdict(Decimal)
    for log in logs:
        made[log.factory_id] += log.good_qty
    for location_id, qty in held:
        if location_id in factories:
            assert qty <= 2 * made[location_id] / DAYS, factories[location_id].name
    assert stale == 0
    # depots keep only their last few days' deliveries: older stock was sold on (one adjustment per product)
    last = max(log.business_date for log in logs)
    for depot_id in distributors:
        assert older_stock(depot_id, last - timedelta(days=SELL_THROUGH_KEEP_DAYS)) == {}, distributors[depot_id].name

    before, audit = counts(), audit_count()
    again = ensure_history(seed=2026, days=DAYS)
    assert all(n == 0 for n, _ in again.values())
    assert {what: present for what, (_, present) in again.items()} == before == counts()
    assert audit_count() == audit
