"""Orders in three tiers and their lifecycle: submit, confirm (credit check), dispatch (stock leaves the seller),
deliver (stock reaches the buyer, the invoice is issued) or cancel before dispatch.

Rules kept here:
- Who: entering an order needs the tier's permission (`orders.<tier>.create`); each transition its own
  (`orders.confirm`, `orders.dispatch`, `orders.deliver`, `orders.cancel`). An order is inside an actor's area
  when its territory (the buyer's place; the retailer's for tertiary sales) or its seller's place is.
- Who sells: primary orders name the factory; a secondary order's seller is the retailer's supplying distributor;
  a tertiary order records a retailer's sell-out, so the retailer is the seller and there is no buyer party.
- Prices: each line takes the tier's price of the product; another price needs `orders.price_override` and is
  audited line by line (`order.price_override`).
- Credit (on confirm): outstanding invoices + confirmed or dispatched orders not yet invoiced − unallocated
  payments + this order must stay within the buyer's credit limit, unless an actor holding `credit.override`
  confirms with `override_credit=True` (audited as `order.credit_override`).
- Idempotent submit: an order is identified by its `client_reference`; submitting it again returns the order
  already written (even when two submits race: the unique index decides, the loser reads the winner).
- Tertiary sales are recorded as delivered at once; their stock leaves the retailer as SALE moves.
Every transition is one transaction: the order row is locked, the status history row, the stock moves, the
invoice, the audit rows; `order.<status>` is published after commit.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain import inputs
from domain.access import Actor
from domain.db import Tx, reading, snapshot, transaction
from domain.errors import Conflict, CreditLimitExceeded, NotFound, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date, format_money
from domain.jsonsafe import json_safe
from domain.models import MoveKind, Order, OrderLine, OrderStatus, OrderTier, Party, PartyKind, Product, ProductKind
from domain.queries import orders as orders_q
from domain.queries import parties as parties_q
from domain.queries import products as products_q
from domain.queries.sequences import next_number
from domain.services import stock
from domain.services.invoicing import issue_invoice
from domain.types import MONEY_PLACES, QUANTITY_PLACES, utcnow
from domain.validation import parse

LABELS = {"tier": "Tier", "customer_id": "Customer", "seller_id": "Factory", "order_date": "Date",
          "client_reference": "Reference", "note": "Note"}
MAX_LINES = 100
CENT = Decimal("0.01")
BUYER_KIND = {OrderTier.PRIMARY: PartyKind.DISTRIBUTOR, OrderTier.SECONDARY: PartyKind.RETAILER,
              OrderTier.TERTIARY: PartyKind.RETAILER}


def _tier(value: Any) -> OrderTier:
    if inputs.blank(value):
        raise ValueError("is required")
    try:
        return OrderTier(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        raise ValueError("must be primary, secondary or tertiary") from None


class OrderIn(BaseModel):
    tier: Annotated[OrderTier, BeforeValidator(_tier)]
    customer_id: Annotated[int, BeforeValidator(inputs.chosen_id)]
    seller_id: Annotated[int | None, BeforeValidator(lambda v: None if inputs.blank(v) else inputs.chosen_id(v))] = None
    order_date: Annotated[date, BeforeValidator(inputs.past_day)]
    client_reference: Annotated[str, BeforeValidator(inputs.text(64, required=True))]
    note: Annotated[str | None, BeforeValidator(inputs.text(200, required=False))] = None


@dataclass(frozen=True)
class LineIn:
    number: int
    product_id: int
    qty: Decimal
    unit_price: Decimal | None  # None: the tier's price


def parse_lines(raw: Sequence[Mapping[str, Any]] | None) -> tuple[list[LineIn], dict[str, str]]:
    """Each line's product, quantity and optional price, with errors labelled "Line N product|quantity|price"."""
    if not raw:
        return [], {"Lines": "add at least one product"}
    if len(raw) > MAX_LINES:
        return [], {"Lines": f"at most {MAX_LINES} lines in one order"}
    quantity, price = inputs.number(QUANTITY_PLACES), inputs.number(MONEY_PLACES, zero=True)
    lines: list[LineIn] = []
    errors: dict[str, str] = {}
    for number, line in enumerate(raw, start=1):
        values = line if isinstance(line, Mapping) else {}
        checked: dict[str, Any] = {}
        for key, label, check in (("product_id", "product", inputs.chosen_id), ("qty", "quantity", quantity)):
            try:
                checked[key] = check(values.get(key))
            except ValueError as exc:
                errors[f"Line {number} {label}"] = str(exc)
        unit_price = None
        if not inputs.blank(values.get("unit_price")):
            try:
                unit_price = price(values.get("unit_price"))
            except ValueError as exc:
                errors[f"Line {number} price"] = str(exc)
        if len(checked) == 2:
            lines.append(LineIn(number, checked["product_id"], checked["qty"], unit_price))
    return lines, errors


# ---- submitting --------------------------------------------------------------------------------------------------


def submit_order(
    actor: Actor, *, tier: OrderTier | str, customer_id: int | str, lines: Sequence[Mapping[str, Any]],
    client_reference: str, seller_id: int | str | None = None, order_date: date | str | None = None,
    note: str | None = None,
) -> Order:
    """Write a new order (draft; tertiary: delivered, stock out of the retailer) — or return the order already
    written under `client_reference`."""
    try:
        wanted = _tier(tier)
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
            order = _write_order(tx, data, parsed)
    except IntegrityError as exc:
        if "client_reference" in str(exc.orig) and (existing := _already_submitted(actor, client_reference)):
            return existing
        raise
    return order


def _already_submitted(actor: Actor, client_reference: str) -> Order | None:
    reference = " ".join(str(client_reference or "").split())
    if not reference:
        return None
    with reading() as session:
        order = orders_q.by_client_reference(session, reference)
    if order is not None and order.created_by != actor.user_id:
        raise Conflict("This order reference was already used by someone else: start a new order.")
    return order


def _customer(session: Session, actor: Actor, data: OrderIn) -> Party:
    customer = parties_q.party_by_id(session, data.customer_id)
    kind = BUYER_KIND[data.tier]
    if customer is None or customer.kind is not kind:
        raise ValidationFailed.field("Customer", f"must be a {kind.value}")
    actor.ensure_sees(customer.territory_path, customer.name)
    if not customer.is_active:
        raise ValidationFailed.field("Customer", f"{customer.name} is inactive")
    return customer


def _seller(session: Session, data: OrderIn, customer: Party) -> Party:
    if data.tier is OrderTier.TERTIARY:
        return customer
    if data.tier is OrderTier.SECONDARY:
        seller = parties_q.party_by_id(session, customer.parent_distributor_id or 0)
        if seller is None:
            raise ValidationFailed.field("Customer", f"{customer.name} has no supplying distributor")
        if not seller.is_active:
            raise ValidationFailed.field("Customer", f"{customer.name}'s distributor {seller.name} is inactive")
        return seller
    seller = parties_q.party_by_id(session, data.seller_id or 0)
    if data.seller_id is None:
        raise ValidationFailed.field("Factory", "is required")
    if seller is None or seller.kind is not PartyKind.FACTORY:
        raise ValidationFailed.field("Factory", "must be a factory")
    if not seller.is_active:
        raise ValidationFailed.field("Factory", f"{seller.name} is inactive")
    return seller


def _priced_lines(session: Session, actor: Actor, tier: OrderTier, lines: list[LineIn]
                  ) -> list[tuple[LineIn, Product, Decimal]]:
    """Each line with its product and tier (list) price; unknown, unsold or repeated products are line errors."""
    products = products_q.by_ids(session, [line.product_id for line in lines], for_share=True)
    errors: dict[str, str] = {}
    first: dict[int, int] = {}
    priced = []
    for line in lines:
        label = f"Line {line.number} product"
        product = products.get(line.product_id)
        list_price = getattr(product, tier.price_field, Decimal(0)) if product else Decimal(0)
        if product is None or product.kind is not ProductKind.FINISHED:
            errors[label] = "is not a product we sell"
        elif not product.is_active:
            errors[label] = f"{product.name} is no longer sold"
        elif list_price <= 0:
            errors[label] = f"{product.name} has no {tier.value} price"
        elif line.product_id in first:
            errors[label] = f"{product.name} is already on line {first[line.product_id]}: change that quantity"
        else:
            first[line.product_id] = line.number
            priced.append((line, product, list_price))
    if errors:
        raise ValidationFailed(errors)
    overridden = any(line.unit_price is not None and line.unit_price != price for line, _, price in priced)
    if overridden and not actor.can("orders.price_override"):
        raise PermissionDenied(f"Your role ({actor.role_name}) may not override a {tier.value} price.")
    return priced


def _write_order(tx: Tx, data: OrderIn, lines: list[LineIn]) -> Order:
    session, actor = tx.session, tx.actor
    customer = _customer(session, actor, data)
    seller = _seller(session, data, customer)
    priced = _priced_lines(session, actor, data.tier, lines)
    assert customer.id is not None and seller.id is not None
    order = Order(
        number=next_number(session, data.tier.prefix), tier=data.tier, seller_id=seller.id,
        buyer_id=None if data.tier is OrderTier.TERTIARY else customer.id, territory_path=customer.territory_path,
        order_date=data.order_date, client_reference=data.client_reference, note=data.note, created_by=actor.user_id)
    session.add(order)
    session.flush()
    assert order.id is not None
    written = []
    for line, product, list_price in priced:
        price = list_price if line.unit_price is None else line.unit_price
        row = OrderLine(order_id=order.id, line_no=line.number, product_id=line.product_id, qty=line.qty,
                        list_price=list_price, unit_price=price,
                        amount=(line.qty * price).quantize(CENT, rounding=ROUND_HALF_UP))
        session.add(row)
        written.append((row, product))
    order.total = sum((row.amount for row, _ in written), Decimal("0.00"))
    orders_q.add_status(session, order, actor.user_id)
    for row, product in written:
        if row.unit_price != row.list_price:
            tx.audit("order.price_override", entity="order", entity_id=order.id, scope_path=order.territory_path,
                     before={"number": order.number, "sku": product.sku, "unit_price": str(row.list_price)},
                     after={"number": order.number, "sku": product.sku, "unit_price": str(row.unit_price)})
    if data.tier is OrderTier.TERTIARY:
        _record_sale(tx, order, [row for row, _ in written])
    tx.audit("order.submit", order, after=_with_lines(order, written), scope_path=order.territory_path)
    _emit(tx, "order.submitted", order, [row for row, _ in written])
    return order


def _record_sale(tx: Tx, order: Order, lines: list[OrderLine]) -> None:
    """A retailer's sell-out happened: its stock leaves now and the order is delivered."""
    stock.lock(tx, [(order.seller_id, line.product_id) for line in lines])
    for line in sorted(lines, key=lambda row: row.product_id):
        stock.take(tx, location_id=order.seller_id, product_id=line.product_id, qty=line.qty, kind=MoveKind.SALE,
                   document=order.number, business_date=order.order_date)
    order.status = OrderStatus.DELIVERED
    order.delivered_at = utcnow()
    orders_q.add_status(tx.session, order, tx.actor.user_id)


def _with_lines(order: Order, lines: list[tuple[OrderLine, Product]]) -> dict[str, Any]:
    return {**snapshot(order), "lines": [
        {"line": row.line_no, "sku": product.sku, "qty": str(row.qty), "unit_price": str(row.unit_price),
         "amount": str(row.amount)} for row, product in lines]}


def _emit(tx: Tx, name: str, order: Order, lines: list[OrderLine]) -> None:
    tx.emit(DomainEvent(name, scope_path=order.territory_path, data=json_safe({
        "id": order.id, "number": order.number, "tier": order.tier, "status": order.status,
        "seller_id": order.seller_id, "buyer_id": order.buyer_id, "order_date": order.order_date,
        "total": order.total, "lines": [{"product_id": ln.product_id, "qty": ln.qty, "amount": ln.amount}
                                        for ln in lines]})))


# ---- the lifecycle -----------------------------------------------------------------------------------------------


def _order_to_change(tx: Tx, order_id: int, *, expected: tuple[OrderStatus, ...], doing: str) -> Order:
    order = orders_q.by_id(tx.session, order_id, for_update=True)
    if order is None:
        raise NotFound("There is no such order.")
    seller = parties_q.party_by_id(tx.session, order.seller_id)
    if not (tx.actor.sees(order.territory_path) or (seller is not None and tx.actor.sees(seller.territory_path))):
        raise PermissionDenied(f"{order.number} is outside your area.")
    if order.status not in expected:
        wanted = " or ".join(s.value for s in expected)
        raise Conflict(f"{order.number} is {order.status.value}: only a {wanted} order can be {doing}.")
    return order


def _transition_day(order: Order, business_date: date | str | None) -> date:
    if business_date is None:
        return max(order.order_date, inputs.business_today())
    try:
        day = inputs.past_day(business_date)
    except ValueError as exc:
        raise ValidationFailed.field("Date", str(exc)) from None
    if day < order.order_date:
        raise ValidationFailed.field("Date", f"cannot be before the order date ({format_date(order.order_date)})")
    return day


def _moved(tx: Tx, order: Order, action: str, *, before: dict[str, Any], note: str | None = None,
           **extra: Any) -> Order:
    orders_q.add_status(tx.session, order, tx.actor.user_id, note)
    tx.audit(action, order, before=before, after={**snapshot(order), **json_safe(extra)},
             scope_path=order.territory_path)
    assert order.id is not None
    _emit(tx, f"order.{order.status.value}", order, orders_q.lines_of(tx.session, order.id))
    return order


def confirm_order(actor: Actor, *, order_id: int, override_credit: bool = False) -> Order:
    """Confirm a draft order after checking the buyer's credit (tertiary sales are recorded, not confirmed)."""
    actor.require("orders.confirm")
    if override_credit:
        actor.require("credit.override")
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, expected=(OrderStatus.DRAFT,), doing="confirmed")
        before = snapshot(order)
        extra = _check_credit(tx.session, order, override=override_credit)
        if extra:
            order.credit_override_by = actor.user_id
            tx.audit("order.credit_override", entity="order", entity_id=order.id, after=extra,
                     scope_path=order.territory_path)
        order.status, order.confirmed_at = OrderStatus.CONFIRMED, utcnow()
        return _moved(tx, order, "order.confirm", before=before)


def _check_credit(session: Session, order: Order, *, override: bool) -> dict[str, Any]:
    """Refuse (CreditLimitExceeded, with the figures) unless within the limit; with `override`, return the figures
    that were overridden instead."""
    buyer = parties_q.party_by_id(session, order.buyer_id or 0, for_update=True)
    assert buyer is not None and order.id is not None
    outstanding, open_orders, credit = orders_q.credit_exposure(session, buyer.id or 0, excluding_order_id=order.id)
    exposure = outstanding + open_orders - credit + order.total
    if exposure <= buyer.credit_limit:
        return {}
    figures = {"customer": buyer.name, "credit_limit": buyer.credit_limit, "outstanding_invoices": outstanding,
               "open_orders": open_orders, "unallocated_payments": credit, "this_order": order.total,
               "exposure": exposure}
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
        order = _order_to_change(tx, order_id, expected=(OrderStatus.CONFIRMED,), doing="dispatched")
        day = _transition_day(order, business_date)
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
    at the price the buyer paid, and the invoice is issued."""
    actor.require("orders.deliver")
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, expected=(OrderStatus.DISPATCHED,), doing="delivered")
        day = _transition_day(order, business_date)
        before = snapshot(order)
        buyer = parties_q.party_by_id(tx.session, order.buyer_id or 0)
        assert order.id is not None and buyer is not None and buyer.id is not None
        prices = {line.product_id: line.unit_price for line in orders_q.lines_of(tx.session, order.id)}
        portions = orders_q.dispatched_portions(tx.session, order.number)
        stock.lock(tx, [(buyer.id, product_id) for product_id, _, _ in portions])
        for product_id, qty, batch in portions:
            info = stock.BatchInfo(batch.batch_no, batch.produced_on, batch.expires_on) if batch else None
            stock.put(tx, location_id=buyer.id, product_id=product_id, qty=qty, kind=MoveKind.DELIVERY,
                      document=order.number, business_date=day, unit_cost=prices[product_id], batch=info)
        order.status, order.delivered_at = OrderStatus.DELIVERED, utcnow()
        invoice = issue_invoice(tx, order=order, customer=buyer, issue_date=day)
        return _moved(tx, order, "order.deliver", before=before, business_date=day, invoice=invoice.number)


def cancel_order(actor: Actor, *, order_id: int, reason: str) -> Order:
    """Cancel a draft or confirmed order (nothing has moved yet). A reason is required."""
    actor.require("orders.cancel")
    try:
        why = inputs.text(200, required=True)(reason)
    except ValueError as exc:
        raise ValidationFailed.field("Reason", str(exc)) from None
    with transaction(actor) as tx:
        order = _order_to_change(tx, order_id, expected=(OrderStatus.DRAFT, OrderStatus.CONFIRMED),
                                 doing="cancelled")
        before = snapshot(order)
        order.status, order.cancelled_at, order.cancel_reason = OrderStatus.CANCELLED, utcnow(), why
        return _moved(tx, order, "order.cancel", before=before, note=why)
