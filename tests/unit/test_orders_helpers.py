"""Helpers shared by the order tests (this module holds no tests): the people who handle orders, what a refusal
must leave as it was, the ledger check, and events as seen by a listener after commit."""

from decimal import Decimal
from typing import Any

from sqlmodel import func, select

from domain.db import reading
from domain.events import DomainEvent, bus
from domain.models import (
    AuditLog,
    DocumentSequence,
    Invoice,
    Order,
    OrderLine,
    OrderStatusChange,
    StockBalance,
    StockBatch,
    StockMove,
)
from domain.queries import orders as orders_q
from domain.queries import stock as stock_q
from domain.services.integrity import ledger_balances
from tests.factories import Factories


def sales_world(factories: Factories, **chain: Any) -> dict[str, Any]:
    """`factories.sales_chain(**chain)` plus the people, with the default roles: head-office finance, regional
    sales in Rift and in Nairobi, a company-wide storekeeper, one scoped to Nairobi, and an admin."""
    world = factories.sales_chain(**chain)
    world.update(
        finance=factories.actor("finance"), rift_sales=factories.actor("regional_sales", scope_code="RFT"),
        nairobi_sales=factories.actor("regional_sales", scope_code="NRB"), keeper=factories.actor("storekeeper"),
        nairobi_keeper=factories.actor("storekeeper", scope_code="NRB"), admin=factories.actor("admin"))
    return world


def state() -> dict[str, Any]:
    """Every order row, line, history row, move, invoice, audit row, number used, balance and batch: what a
    refusal must leave exactly as it was."""
    with reading() as s:
        def count(table: type) -> int:
            return int(s.exec(select(func.count()).select_from(table)).one())

        return {
            "orders": sorted((o.number, o.status, o.total) for o in s.exec(select(Order))),
            "lines": count(OrderLine), "history": count(OrderStatusChange), "moves": count(StockMove),
            "invoices": count(Invoice), "audit": count(AuditLog),
            "numbers": sorted((q.prefix, q.last_number) for q in s.exec(select(DocumentSequence))),
            "balances": sorted((b.location_id, b.product_id, b.qty) for b in s.exec(select(StockBalance))),
            "batches": sorted((b.location_id, b.product_id, b.batch_no, b.qty) for b in s.exec(select(StockBatch))),
        }


def balance(location_id: int | None, product_id: int | None) -> Decimal:
    with reading() as s:
        return stock_q.balance(s, location_id or 0, product_id or 0)


def ledger_problems() -> list[str]:
    """`chesanto check`'s ledger check: balances equal the sum of their moves, never negative, batches add up."""
    with reading() as s:
        return ledger_balances(s)


def history(order_id: int | None) -> list[tuple[str, int | None, str | None]]:
    with reading() as s:
        return [(h.status.value, h.actor_id, h.note) for h in orders_q.history_of(s, order_id or 0)]


def lines_of(order_id: int | None) -> list[OrderLine]:
    with reading() as s:
        return orders_q.lines_of(s, order_id or 0)


def moves_of(document: str) -> list[StockMove]:
    with reading() as s:
        return list(s.exec(select(StockMove).where(StockMove.document == document).order_by(StockMove.id)))


def stored_order(order_id: int | None) -> Order:
    with reading() as s:
        order = orders_q.by_id(s, order_id or 0)
        assert order is not None
        return order


def invoice_of(order_id: int | None) -> Invoice | None:
    with reading() as s:
        return orders_q.invoice_of(s, order_id or 0)


def audit_of(order_id: int | None, action: str) -> list[AuditLog]:
    """The audit rows of one order for `action` exactly (entity "order"), oldest first."""
    with reading() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.entity == "order", AuditLog.entity_id == str(order_id),
                                                  AuditLog.action == action).order_by(AuditLog.id)))


def committed_events() -> list[tuple[DomainEvent, str | None]]:
    """Collect order and invoice events as they are published, each with what a reader saw at that moment (the
    order's status, or the invoice's number): None would mean the event came before the commit."""
    seen: list[tuple[DomainEvent, str | None]] = []

    def listen(event: DomainEvent) -> None:
        if event.name.startswith("order."):
            with reading() as s:
                order = orders_q.by_id(s, event.data["id"])
            seen.append((event, order.status.value if order else None))
        elif event.name.startswith("invoice."):
            with reading() as s:
                invoice = s.get(Invoice, event.data["id"])
            seen.append((event, invoice.number if invoice else None))

    bus.subscribe(listen)  # the `db` fixture clears the bus after each test
    return seen
