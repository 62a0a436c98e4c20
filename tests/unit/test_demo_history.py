"""The demo's history: every factory makes something every day and its output is traded on through primary,
secondary and tertiary orders; customers pay their invoices, some late and some in part; every change went through
a service (so the ledger, the batches, the orders, the invoices, the payments and the audit trail agree); no place
ever holds less than nothing; retailers stay within their credit; the trade follows the week; and a second run adds
nothing. Short spans here; `chesanto seed` makes 90 days."""

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from random import Random
from statistics import mean

from sqlalchemy import func, select

from domain.db import reading
from domain.demo.catalogue import FINISHED, ensure_catalogue
from domain.demo.collections import mpesa_code
from domain.demo.geography import REGIONS, ensure_geography
from domain.demo.history import FACTORY_RUNS, SUPPLIERS, counts, ensure_history
from domain.demo.parties import FACTORIES, ensure_parties, plan_parties
from domain.demo.reads import credit_left
from domain.demo.sales_history import DROPS, SUPPLY
from domain.demo.users import ensure_demo_users
from domain.models import AuditLog, MoveKind, Party, PartyKind, Product, ProductKind, StockMove
from domain.models.finance import Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod
from domain.models.inventory import StockBalance, StockBatch
from domain.models.production import ProductionLog, RejectReason
from domain.models.sales import Order, OrderLine, OrderStatus, OrderTier
from domain.queries import users as users_q
from domain.services.integrity import run_checks
from domain.services.production import today

DAYS = 14  # two weeks: the first invoices fall due and are paid; the weekly comparison leaves out days 1, 2 and 14
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


def test_two_weeks_of_trade_follow_the_stock_credit_and_the_week_customers_pay_and_a_second_run_adds_nothing(
    db,
) -> None:
    the_company()
    created = ensure_history(seed=2026, days=DAYS)  # ~15-35 s on SQLite, ~45-120 s on PostgreSQL (machine load)
    assert all(present == 0 for _, present in created.values())
    for what in ("production logs", "goods receipts", "primary orders", "secondary orders", "tertiary orders",
                 "order lines", "invoices", "payments", "stock moves"):
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
        payments = list(s.execute(select(Payment).order_by(Payment.id)).scalars())
        allocations = list(s.execute(select(PaymentAllocation)).scalars())
        finance = users_q.user_by_username(s, "finance")
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

    # credit: no retailer or distributor is over its limit (payments free credit, orders never go beyond it)
    for party in parties.values():
        if party.kind is not PartyKind.FACTORY and party.id is not None:
            assert credit_left(party.id, party.credit_limit) >= 0, party.name

    # payments: recorded by finance through the payment service, dated within the span, from customers only
    assert payments and audits["payment.record"] == len(payments)
    assert finance is not None and {p.recorded_by for p in payments} == {finance.id}
    assert all(days[0] <= p.received_on <= days[-1] for p in payments)
    assert all(kind[p.customer_id] in (PartyKind.DISTRIBUTOR, PartyKind.RETAILER) for p in payments)
    # each allocation to one of the payer's invoices issued by then; invoices and payments hold their allocations'
    # sums, never more than their amounts, and an invoice's status follows its balance
    by_id = {i.id: i for i in invoices.values()}
    paid_in: dict = defaultdict(Decimal)
    allocated: dict = defaultdict(Decimal)
    of_payment = {p.id: p for p in payments}
    for a in allocations:
        payment, invoice = of_payment[a.payment_id], by_id[a.invoice_id]
        assert invoice.customer_id == payment.customer_id and invoice.issue_date <= payment.received_on
        paid_in[a.invoice_id] += a.amount
        allocated[a.payment_id] += a.amount
    for invoice in by_id.values():
        assert invoice.paid == paid_in[invoice.id] <= invoice.amount, invoice.number
        expected = (InvoiceStatus.OPEN if invoice.paid == 0 else InvoiceStatus.PAID if invoice.paid == invoice.amount
                    else InvoiceStatus.PARTIALLY_PAID)
        assert invoice.status is expected, invoice.number
    assert all(p.allocated == allocated[p.id] <= p.amount for p in payments)
    # paid, part paid and still open invoices, some of them overdue; a payment now and then more than was owed
    assert {i.status for i in by_id.values()} == {InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID}
    assert any(i.status is not InvoiceStatus.PAID and i.due_date < today() for i in by_id.values())
    assert any(p.amount % 1000 == 0 and p.allocated < p.amount for p in payments)
    # M-Pesa most of all from retailers, each code ten capitals and digits that begin with its date, never used twice
    methods = Counter(p.method for p in payments if kind[p.customer_id] is PartyKind.RETAILER)
    assert methods.most_common(1)[0][0] is PaymentMethod.MPESA and len(methods) >= 3
    codes = [p.reference or "" for p in payments if p.method is PaymentMethod.MPESA]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z0-9]{10}", code) for code in codes)
    assert all(p.reference is not None for p in payments if p.method is not PaymentMethod.CASH)

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


def test_an_m_pesa_code_begins_with_the_year_month_and_day_of_its_payment() -> None:
    rng = Random(1)
    assert mpesa_code(date(2026, 11, 21), rng)[:3] == "UKL"  # 2026 (A = 2006), November, the 21st (A = 10th)
    assert mpesa_code(date(2025, 1, 9), rng)[:3] == "TA9"
    codes = {mpesa_code(date(2026, 3, 31), rng) for _ in range(1000)}
    assert len(codes) == 1000 and all(re.fullmatch(r"UCV[A-Z0-9]{7}", code) for code in codes)
