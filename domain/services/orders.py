"""Orders in three tiers and their lifecycle: submit, confirm (credit check), dispatch (stock leaves the seller),
deliver (stock reaches the buyer, the invoice is issued) or cancel before dispatch.

Rules kept here (what an order is made of and how it is priced: `order_input`):
- Who: entering an order needs the tier's permission (`orders.<tier>.create`); each transition its own
  (`orders.confirm`, `orders.dispatch`, `orders.deliver`, `orders.cancel`). Confirming and cancelling are the
  customer side's decisions: the order's territory (the buyer's place) must be inside the actor's area. Dispatch
  and delivery are the warehouse's: the order's territory or the seller's place must be.
- Who sells: primary orders name the factory; a secondary order's seller is the retailer's supplying distributor;
  a tertiary order records a retailer's sell-out, so the retailer is the seller and there is no buyer party.
- Credit (on confirm): outstanding invoices + confirmed or dispatched orders not yet invoiced − unallocated
  payments + this order must stay within the buyer's credit limit, unless an actor holding `credit.override`
  confirms with `override_credit=True` (audited as `order.credit_override`, with the figures).
- Idempotent submit: an order is identified by its `client_reference`; submitting it again returns the order
  already written (even when two submits race: the unique index decides, the loser reads the winner). Another
  user's reference is a Conflict.
- Tertiary sales are recorded as delivered at once; their stock leaves the retailer as SALE moves.
Every change is one transaction: the order row is locked, then the status history row, the stock moves, the
invoice and the audit rows (entity "order") are written; `order.submitted` / `order.<status>` is published
after commit. A refused order uses no number.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain import inputs
from domain.access import PERMISSIONS, Actor
from domain.db import Tx, reading, snapshot, transaction
from domain.errors import Conflict, CreditLimitExceeded, NotFound, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date, format_money
from domain.jsonsafe import json_safe
from domain.models import MoveKind, Order, OrderLine, OrderStatus, OrderTier
from domain.queries import orders as orders_q
from domain.queries import parties as parties_q
from domain.queries.sequences import next_number
from domain.services import rollups, stock
from domain.services.invoicing import issue_invoice
from domain.services.order_input import (
    LABELS,
    MAX_LINES,
    CheckedOrder,
    LineIn,
    OrderIn,
    PricedLine,
    check_order,
    parse_lines,
    parse_tier,
)
from domain.types import utcnow
from domain.validation import parse

__all__ = ["LABELS", "MAX_LINES", "LineIn", "OrderIn", "actions_for", "cancel_order", "confirm_order",
           "deliver_order", "dispatch_order", "parse_lines", "submit_order"]

# ---- submitting --------------------------------------------------------------------------------------------------


def submit_order(
    actor: Actor, *, tier: OrderTier | str, customer_id: int | str, lines: Sequence[Mapping[str, Any]],
    client_reference: str, seller_id: int | str | None = None, order_date: date | str | None = None,
    note: str | None = None,
) -> Order:
    """Write a new order (draft; tertiary: delivered, stock out of the retailer) — or return the order already
    written under `client_reference`."""
    try:
        wanted = parse_tier(tier)
    except ValueError as exc:
        raise ValidationFailed.field("Tier", str(exc)) from None
    actor.require(wanted.permission)
    if (existing := _already_submitted(actor, client_reference)) is not None:
        return existing
    try:
        data = parse(OrderIn, {
            "tier": wanted, "customer_id": customer_id, "seller_id": seller_id, "client_reference": client_reference,
            "order_date": inputs.business_today() if order_date is None else order_date, "note": note}, LABELS)
        errors: dict[str, str] = {}
    except ValidationFailed as exc:
        data, errors = None, exc.errors
    parsed, line_errors = parse_lines(lines)
    if errors or line_errors:
        raise ValidationFailed({**errors, **line_errors})
    assert data is not None
    try:
        with transaction(actor) as tx:
            order = _write_order(tx, check_order(tx.session, actor, data, parsed))
    except IntegrityError as exc:
        if "client_reference" in str(exc.orig) and (existing := _already_submitted(actor, client_reference)):
            return existing
        raise
    return order


def _already_submitted(actor: Actor, client_reference: Any) -> Order | None:
    reference = " ".join(client_reference.split()) if isinstance(client_reference, str) else ""
    if not reference:
        return None
    with reading() as session:
        order = orders_q.by_client_reference(session, reference)
    if order is not None and order.created_by != actor.user_id:
        raise Conflict("This order reference was already used by someone else: start a new order.")
    return order


def _write_order(tx: Tx, checked: CheckedOrder) -> Order:
    session, actor, data = tx.session, tx.actor, checked.data
    tertiary = data.tier is OrderTier.TERTIARY
    assert checked.customer.id is not None and checked.seller.id is not None
    order = Order(
        number=next_number(session, data.tier.prefix), tier=data.tier, seller_id=checked.seller.id,
        buyer_id=None if tertiary else checked.customer.id, territory_path=checked.customer.territory_path,
        order_date=data.order_date, client_reference=data.client_reference, note=data.note, created_by=actor.user_id,
        total=checked.total, status=OrderStatus.DELIVERED if tertiary else OrderStatus.DRAFT,
        delivered_at=utcnow() if tertiary else None, delivered_on=data.order_date if tertiary else None)
    session.add(order)
    session.flush()
    assert order.id is not None
    rows = [OrderLine(order_id=order.id, line_no=p.line.number, product_id=p.product.id or 0, qty=p.line.qty,
                      list_price=p.list_price, unit_price=p.unit_price, amount=p.amount) for p in checked.lines]
    session.add_all(rows)
    orders_q.add_status(session, order, actor.user_id, "sale recorded" if tertiary else None)
    for priced in checked.lines:
        if priced.overridden:
            tx.audit("order.price_override", entity="order", entity_id=order.id, scope_path=order.territory_path,
                     before={"number": order.number, "sku": priced.product.sku, "unit_price": str(priced.list_price)},
                     after={"number": order.number, "sku": priced.product.sku, "unit_price": str(priced.unit_price)})
    rollups.order_placed(tx, order, rows)
    if tertiary:
        _record_sale(tx, order, rows)
        rollups.order_delivered(tx, order, rows, day=order.order_date)
    tx.audit("order.submit", order, entity="order", after=_with_lines(order, checked.lines),
             scope_path=order.territory_path)
    _emit(tx, "order.submitted", order, rows)
    return order


def _record_sale(tx: Tx, order: Order, lines: list[OrderLine]) -> None:
    """A retailer's sell-out happened: its stock leaves now (refused, naming the product, if it holds too little)."""
    stock.lock(tx, [(order.seller_id, line.product_id) for line in lines])
    for line in sorted(lines, key=lambda row: row.product_id):
        stock.take(tx, location_id=order.seller_id, product_id=line.product_id, qty=line.qty, kind=MoveKind.SALE,
                   document=order.number, business_date=order.order_date)


def _with_lines(order: Order, lines: list[PricedLine]) -> dict[str, Any]:
    return {**snapshot(order), "lines": [
        {"line": p.line.number, "sku": p.product.sku, "qty": str(p.line.qty), "unit_price": str(p.unit_price),
         "amount": str(p.amount)} for p in lines]}


def _emit(tx: Tx, name: str, order: Order, lines: list[OrderLine]) -> None:
    seller = parties_q.party_by_id(tx.session, order.seller_id)
    tx.emit(DomainEvent(name, scope_path=order.territory_path, data=json_safe({
        "seller_path": seller.territory_path if seller else None,
        "id": order.id, "number": order.number, "tier": order.tier, "status": order.status,
        "seller_id": order.seller_id, "buyer_id": order.buyer_id, "order_date": order.order_date,
        "total": order.total, "lines": [{"product_id": ln.product_id, "qty": ln.qty, "amount": ln.amount}
                                        for ln in lines]})))


# ---- who may move an order -----------------------------------------------------------------------------------------

# Each transition: the statuses it starts from and the word for it done.
ACTIONS: dict[str, tuple[tuple[OrderStatus, ...], str]] = {
    "confirm": ((OrderStatus.DRAFT,), "confirmed"),
    "dispatch": ((OrderStatus.CONFIRMED,), "dispatched"),
    "deliver": ((OrderStatus.DISPATCHED,), "delivered"),
    "cancel": ((OrderStatus.DRAFT, OrderStatus.CONFIRMED), "cancelled"),
}
_CUSTOMER_SIDE = ("confirm", "cancel")


def _refusal(actor: Actor, order: Order, action: str, seller_path: str | None) -> str | None:
    """Why `actor` may not `action` this order (permission, area), or None when they may."""
    if not actor.can(code := f"orders.{action}"):
        return f"Your role ({actor.role_name}) may not {PERMISSIONS[code].lower()}."
    inside = actor.sees(order.territory_path) or (action not in _CUSTOMER_SIDE and actor.sees(seller_path))
    return None if inside else f"{order.number} is outside your area ({actor.scope_name})."


def actions_for(actor: Actor, order: Order, *, seller_path: str | None = None) -> list[str]:
    """The transitions ("confirm", "dispatch", "deliver", "cancel") `actor` may apply to `order` now, for pages
    deciding which buttons to show. Pass the seller's territory path to count a warehouse's own dispatches."""
    return [action for action, (start, _) in ACTIONS.items()
            if order.status in start and _refusal(actor, order, action, seller_path) is None]


def _order_to_change(tx: Tx, order_id: int, action: str) -> Order:
    order = orders_q.by_id(tx.session, order_id, for_update=True)
    if order is None:
        raise NotFound("There is no such order.")
    seller = parties_q.party_by_id(tx.session, order.seller_id)
    if (refusal := _refusal(tx.actor, order, action, seller.territory_path if seller else None)) is not None:
        raise PermissionDenied(refusal)
    start, done = ACTIONS[action]
    if order.status not in start:
        wanted = " or ".join(s.value for s in start)
        raise Conflict(f"{order.number} is {order.status.value}: only a {wanted} order can be {done}.")
    return order


def _transition_day(order: Order, business_date: date | str | None, *, not_before: date, after: str) -> date:
    """The business date of a dispatch or delivery: given (today or earlier), or today; never before `not_before`."""
    if business_date is None:
        return max(not_before, inputs.business_today())
    try:
        day = inputs.past_day(business_date)
    except ValueError as exc:
        raise ValidationFailed.field("Date", str(exc)) from None
    if day < not_before:
        raise ValidationFailed.field("Date", f"cannot be before the {after} of {order.number} "
                                             f"({format_date(not_before)})")
    return day


def _moved(tx: Tx, order: Order, action: str, *, before: dict[str, Any], note: str | None = None,
           **extra: Any) -> Order:
    orders_q.add_status(tx.session, order, tx.actor.user_id, note)
    tx.audit(action, order, entity="order", before=before, after={**snapshot(order), **json_safe(extra)},
             scope_path=order.territory_path)
    assert order.id is not None
    _emit(tx, f"order.{order.status.value}", order, orders_q.lines_of(tx.session, order.id))
    return order


# ---- the lifecycle -------------------------------------------------------------------------------------------------


def confirm_order(actor: Actor, *, order_id: int, override_credit: bool = False) -> Order:
    """Confirm a draft order after checking the buyer's credit (tertiary sales are recorded, not confirmed)."""
    actor.require("orders.confirm")
    if override_credit:
        actor.require("credit.override")
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, "confirm")
        before = snapshot(order)
        overridden = _check_credit(tx.session, order, override=override_credit)
        if overridden:
            order.credit_override_by = actor.user_id
            tx.audit("order.credit_override", entity="order", entity_id=order.id, after=overridden,
                     scope_path=order.territory_path)
        order.status, order.confirmed_at = OrderStatus.CONFIRMED, utcnow()
        return _moved(tx, order, "order.confirm", before=before)


def _check_credit(session: Session, order: Order, *, override: bool) -> dict[str, Any]:
    """Refuse (CreditLimitExceeded, with the figures) unless within the limit; with `override`, return the figures
    that were overridden instead. The buyer's row is locked, so two confirmations for one buyer take turns."""
    buyer = parties_q.party_by_id(session, order.buyer_id or 0, for_update=True)
    assert buyer is not None and buyer.id is not None and order.id is not None
    if not buyer.is_active:
        raise Conflict(f"{buyer.name} is inactive: {order.number} cannot be confirmed.")
    outstanding, open_orders, credit = orders_q.credit_exposure(session, buyer.id, excluding_order_id=order.id)
    exposure = outstanding + open_orders - credit + order.total
    if exposure <= buyer.credit_limit:
        return {}
    figures = {"number": order.number, "customer": buyer.name, "credit_limit": buyer.credit_limit,
               "outstanding_invoices": outstanding, "open_orders": open_orders, "unallocated_payments": credit,
               "this_order": order.total, "exposure": exposure}
    if override:
        return json_safe(figures)
    unallocated = f" − unallocated payments {format_money(credit)}" if credit else ""
    raise CreditLimitExceeded(
        f"{order.number} would take {buyer.name} over their credit limit of {format_money(buyer.credit_limit)}: "
        f"outstanding invoices {format_money(outstanding)} + open orders {format_money(open_orders)}{unallocated} "
        f"+ this order {format_money(order.total)} = {format_money(exposure)}, "
        f"{format_money(exposure - buyer.credit_limit)} over.")


def dispatch_order(actor: Actor, *, order_id: int, business_date: date | str | None = None) -> Order:
    """Ship a confirmed order: its stock leaves the seller (refused, naming the product, if short)."""
    actor.require("orders.dispatch")
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, "dispatch")
        day = _transition_day(order, business_date, not_before=order.order_date, after="order date")
        before = snapshot(order)
        assert order.id is not None
        lines = orders_q.lines_of(tx.session, order.id)
        stock.lock(tx, [(order.seller_id, line.product_id) for line in lines])
        for line in sorted(lines, key=lambda row: row.product_id):
            stock.take(tx, location_id=order.seller_id, product_id=line.product_id, qty=line.qty,
                       kind=MoveKind.DISPATCH, document=order.number, business_date=day)
        order.status, order.dispatched_at = OrderStatus.DISPATCHED, utcnow()
        return _moved(tx, order, "order.dispatch", before=before, business_date=day)


def deliver_order(actor: Actor, *, order_id: int, business_date: date | str | None = None) -> Order:
    """Record the delivery of a dispatched order: the stock reaches the buyer in the batches that left the seller,
    at the price the buyer paid, and the invoice is issued (due after the buyer's payment terms)."""
    actor.require("orders.deliver")
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, "deliver")
        portions = orders_q.dispatched_portions(tx.session, order.number)
        dispatched_on = max((p.business_date for p in portions), default=order.order_date)
        day = _transition_day(order, business_date, not_before=dispatched_on, after="dispatch date")
        before = snapshot(order)
        buyer = parties_q.party_by_id(tx.session, order.buyer_id or 0)
        assert order.id is not None and buyer is not None and buyer.id is not None
        prices = {line.product_id: line.unit_price for line in orders_q.lines_of(tx.session, order.id)}
        stock.lock(tx, [(buyer.id, p.product_id) for p in portions])
        for p in portions:
            info = stock.BatchInfo(p.batch.batch_no, p.batch.produced_on, p.batch.expires_on) if p.batch else None
            stock.put(tx, location_id=buyer.id, product_id=p.product_id, qty=p.qty, kind=MoveKind.DELIVERY,
                      document=order.number, business_date=day, unit_cost=prices[p.product_id], batch=info)
        order.status, order.delivered_at, order.delivered_on = OrderStatus.DELIVERED, utcnow(), day
        invoice = issue_invoice(tx, order=order, customer=buyer, issue_date=day)
        rollups.order_delivered(tx, order, orders_q.lines_of(tx.session, order.id), day=day)
        return _moved(tx, order, "order.deliver", before=before, business_date=day, invoice=invoice.number)


def cancel_order(actor: Actor, *, order_id: int, reason: str) -> Order:
    """Cancel a draft or confirmed order (nothing has moved yet; its credit is released). A reason is required."""
    actor.require("orders.cancel")
    try:
        why = inputs.text(200, required=True)(reason)
    except ValueError as exc:
        raise ValidationFailed.field("Reason", str(exc)) from None
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, "cancel")
        before = snapshot(order)
        order.status, order.cancelled_at, order.cancel_reason = OrderStatus.CANCELLED, utcnow(), why
        assert order.id is not None
        rollups.order_cancelled(tx, order, orders_q.lines_of(tx.session, order.id))
        return _moved(tx, order, "order.cancel", before=before, note=why)
