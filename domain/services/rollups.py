"""Keeping the daily rollups (domain/models/rollups.py) in step with the documents, inside the documents' own
transactions, and checking or rebuilding them from the documents.

Called by the services that write the documents: orders (ordered on submit, taken back out on cancel; delivered
on delivery or, for tertiary sales, when recorded), production (posted, reversed), payments (recorded) and
invoices (issued, allocated to, released, voided: what is owed per due date).
"""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from domain.access import SYSTEM, Actor
from domain.db import Tx, transaction
from domain.models import Order, OrderLine, ProductionLog
from domain.models.finance import Invoice, Payment
from domain.queries import rollups as rollups_q


def _sales_rows(order: Order, lines: Sequence[OrderLine], *, day: date, sign: int, delivered: bool
                ) -> list[dict[str, Any]]:
    rows = []
    for line in lines:
        row: dict[str, Any] = {"day": day, "territory_path": order.territory_path, "product_id": line.product_id,
                               "tier": order.tier, "orders": 0, "ordered_qty": 0, "ordered_amount": 0,
                               "delivered_qty": 0, "delivered_amount": 0}
        if delivered:
            row |= {"delivered_qty": sign * line.qty, "delivered_amount": sign * line.amount}
        else:
            row |= {"orders": sign, "ordered_qty": sign * line.qty, "ordered_amount": sign * line.amount}
        rows.append(row)
    return rows


def _add_sales(tx: Tx, rows: list[dict[str, Any]]) -> None:
    """The detailed sales rollup, and the same rows summed without the product and without the place."""
    rollups_q.add(tx.session, rollups_q.SALES, rows)
    for rollup in (rollups_q.SALES_PLACE, rollups_q.SALES_PRODUCT):
        summed: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows:
            key = tuple(row[k] for k in rollup.keys)
            target = summed.setdefault(key, {**dict(zip(rollup.keys, key, strict=True)),
                                             **dict.fromkeys(rollup.sums, 0)})
            for name in rollup.sums:
                target[name] += row[name]
        if rollup is rollups_q.SALES_PLACE:  # counts the order once, not each of its lines
            for target in summed.values():
                target["orders"] = rows[0]["orders"]
        rollups_q.add(tx.session, rollup, list(summed.values()))


def order_placed(tx: Tx, order: Order, lines: Sequence[OrderLine]) -> None:
    """A new order counts as ordered on its order date."""
    _add_sales(tx, _sales_rows(order, lines, day=order.order_date, sign=1, delivered=False))


def order_cancelled(tx: Tx, order: Order, lines: Sequence[OrderLine]) -> None:
    _add_sales(tx, _sales_rows(order, lines, day=order.order_date, sign=-1, delivered=False))


def order_delivered(tx: Tx, order: Order, lines: Sequence[OrderLine], *, day: date) -> None:
    _add_sales(tx, _sales_rows(order, lines, day=day, sign=1, delivered=True))


def receivable_changed(tx: Tx, invoice: Invoice, change: Decimal) -> None:
    """What the invoice's customer owes changed by `change` (issued: +amount; allocated: −share; released: +share;
    voided: −balance)."""
    if change:
        rollups_q.add(tx.session, rollups_q.RECEIVABLES, [{
            "due_date": invoice.due_date, "territory_path": invoice.territory_path, "balance": change}])


def production_changed(tx: Tx, log: ProductionLog, *, sign: int) -> None:
    """A log posted (sign 1) or reversed (sign -1)."""
    rollups_q.add(tx.session, rollups_q.PRODUCTION, [{
        "day": log.business_date, "factory_id": log.factory_id, "product_id": log.product_id,
        "territory_path": log.territory_path, "logs": sign, "planned_qty": sign * log.planned_qty,
        "good_qty": sign * log.good_qty, "rejected_qty": sign * log.rejected_qty,
        "waste_cost": sign * log.waste_cost}], extra=("territory_path",))


def payment_received(tx: Tx, payment: Payment, *, sign: int = 1) -> None:
    rollups_q.add(tx.session, rollups_q.PAYMENTS, [{
        "day": payment.received_on, "territory_path": payment.territory_path, "method": payment.method.value,
        "payments": sign, "amount": sign * payment.amount}])


def _expected(session: Session) -> dict[str, rollups_q.Figures]:
    sales = rollups_q.sales_from_orders(session)
    return {rollups_q.SALES.name: sales,
            rollups_q.SALES_PLACE.name: rollups_q.with_order_counts(
                rollups_q.coarser(sales, rollups_q.SALES_PLACE), rollups_q.orders_placed(session)),
            rollups_q.SALES_PRODUCT.name: rollups_q.coarser(sales, rollups_q.SALES_PRODUCT),
            rollups_q.PRODUCTION.name: rollups_q.production_from_logs(session),
            rollups_q.PAYMENTS.name: rollups_q.payments_from_documents(session),
            rollups_q.RECEIVABLES.name: rollups_q.receivables_from_invoices(session)}


def rollup_mismatches(session: Session, *, limit: int = 20) -> list[str]:
    """Every rollup row that differs from the documents (at most `limit` per rollup), in words (a `chesanto check`
    check)."""
    problems: list[str] = []
    expected = _expected(session)
    for rollup in rollups_q.ALL:
        want, have = expected[rollup.name], rollups_q.stored(session, rollup)
        wrong = [key for key in sorted(set(want) | set(have), key=str) if want.get(key) != have.get(key)]
        for key in wrong[:limit]:
            where = dict(zip(rollup.keys, key, strict=True))
            problems.append(f"{rollup.name} {where}: documents say {want.get(key) or 'nothing'}, "
                            f"rollup holds {have.get(key) or 'nothing'}")
        if len(wrong) > limit:
            problems.append(f"{rollup.name}: {len(wrong) - limit} more rows differ")
    return problems


def rebuild_rollups(actor: Actor = SYSTEM) -> dict[str, int]:
    """Recompute every rollup from the documents, in one transaction (rows written per rollup)."""
    actor.require("system.check")
    with transaction(actor) as tx:
        expected = _expected(tx.session)
        paths = rollups_q.factory_paths(tx.session)
        production_extra = {key: {"territory_path": paths.get(key[1], "/")}
                            for key in expected[rollups_q.PRODUCTION.name]}
        written = {rollup.name: rollups_q.replace(tx.session, rollup, expected[rollup.name],
                                                  extra=production_extra if rollup is rollups_q.PRODUCTION else None)
                   for rollup in rollups_q.ALL}
        tx.audit("rollups.rebuild", entity="system", after=written)
    return written
