"""The `large` scale's bulk history, run short over the demo company's parties: what it writes passes every
`chesanto check` (ledger, batches, rollups), holds every kind of document the dashboard reads, and leaves the
document numbers and ids where the services carry on from."""

from collections import Counter
from datetime import timedelta

from sqlmodel import col, func, select

from domain.access import SYSTEM
from domain.db import reading
from domain.demo import seed
from domain.demo.large import ensure_large_history
from domain.demo.large_money import mpesa_code
from domain.models import AuditLog, Order, OrderLine, Party, PartyKind, ProductionLog, StockBalance, StockMove
from domain.models.finance import Invoice, InvoiceStatus, Payment, PaymentAllocation
from domain.services.integrity import run_checks
from domain.services.orders import submit_order
from domain.services.production import today

DAYS = 9


def large_history() -> dict[str, tuple[int, int]]:
    seed(scale="demo", history_days=0)
    return ensure_large_history(seed=7, days=DAYS)


def test_bulk_history_passes_the_checks_holds_every_kind_of_document_and_services_carry_on(db: str) -> None:
    """One history per database (each costs ~25 s): the checks, what it holds, the allocations, then a sale through
    the services numbered and stored after it."""
    written = large_history()
    assert written["orders"][0] > 1000 and written["stock moves"][0] > 5000
    checks = run_checks()
    assert checks["ledger_balances"] == [] and checks["rollups"] == []  # ("schema": tests build tables directly)
    holds_every_tier_status_and_invoice_state()
    payments_are_allocated_within_their_invoices()
    services_carry_on_after_the_bulk_history()


def holds_every_tier_status_and_invoice_state() -> None:
    with reading() as session:
        tiers = Counter(tier for tier, in session.execute(select(Order.tier)))
        statuses = set(session.execute(select(Order.status).distinct()).scalars())
        invoice_states = set(session.execute(select(Invoice.status).distinct()).scalars())
        days = session.execute(select(func.min(Order.order_date), func.max(Order.order_date))).one()
        lines = session.execute(select(func.count()).select_from(OrderLine)).scalar_one()
        kinds = set(session.execute(select(StockMove.kind).distinct()).scalars())
        logs = session.execute(select(func.count()).select_from(ProductionLog)).scalar_one()
    assert set(tiers) == {"primary", "secondary", "tertiary"}
    assert {s.value for s in statuses} == {"draft", "confirmed", "dispatched", "delivered", "cancelled"}
    assert InvoiceStatus.PAID in invoice_states and InvoiceStatus.OPEN in invoice_states
    assert days == (today() - timedelta(days=DAYS), today() - timedelta(days=1))
    assert lines > 3 * sum(tiers.values()) and logs > 0
    assert {"production", "consumption", "receipt", "dispatch", "delivery", "sale"} <= {k.value for k in kinds}


def payments_are_allocated_within_their_invoices() -> None:
    with reading() as session:
        over = session.execute(
            select(func.count()).select_from(Invoice)
            .where(col(Invoice.paid) != select(func.coalesce(func.sum(PaymentAllocation.amount), 0))
                   .where(PaymentAllocation.invoice_id == Invoice.id).scalar_subquery())).scalar_one()
        unallocated = session.execute(
            select(func.count()).select_from(Payment).where(col(Payment.allocated) > col(Payment.amount))
        ).scalar_one()
        wrong_status = [
            (inv.number, inv.status) for inv in session.exec(select(Invoice))
            if inv.status != (InvoiceStatus.PAID if inv.paid == inv.amount else
                              InvoiceStatus.PARTIALLY_PAID if inv.paid > 0 else InvoiceStatus.OPEN)]
    assert over == 0 and unallocated == 0 and wrong_status == []


def services_carry_on_after_the_bulk_history() -> None:
    with reading() as session:
        last = session.execute(select(Order).where(col(Order.tier) == "tertiary").order_by(col(Order.id).desc())
                               .limit(1)).scalar_one()
        held = session.execute(
            select(StockBalance.location_id, StockBalance.product_id)
            .join(Party, col(Party.id) == col(StockBalance.location_id))
            .where(Party.kind == PartyKind.RETAILER, col(StockBalance.qty) >= 1).limit(1)).one()
        audit = session.execute(select(func.count()).select_from(AuditLog)
                                .where(AuditLog.action == "demo.large_history")).scalar_one()
    order = submit_order(SYSTEM, tier="tertiary", customer_id=held[0], client_reference="after-the-bulk-history",
                         lines=[{"product_id": held[1], "qty": "1"}])
    assert order.number == f"TO-{int(last.number.split('-')[1]) + 1:06d}"
    assert order.id is not None and last.id is not None and order.id > last.id
    assert run_checks()["ledger_balances"] == [] and run_checks()["rollups"] == []
    assert audit == 1


def test_mpesa_codes_are_unique_and_look_like_mpesa() -> None:
    codes = [mpesa_code(n) for n in range(1, 200_001)]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 10 and code.isalnum() and code.isupper() for code in codes[:1000])
