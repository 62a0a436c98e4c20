"""What an order is made of, checked before anything is written: the header (tier, customer, factory, date,
reference), the lines, who buys and who sells, and each line's price for the tier.

Errors name the field by its label ("Customer", "Factory", "Line 2 quantity") so a form can show them in place,
and they are gathered: one submission reports every bad field at once. Two refusals are not input errors: a
customer outside the actor's area and a price other than the tier's without `orders.price_override` are
`PermissionDenied`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator
from sqlmodel import Session

from domain import inputs
from domain.access import Actor
from domain.errors import PermissionDenied, ValidationFailed
from domain.models import OrderTier, Party, PartyKind, Product, ProductKind
from domain.queries import parties as parties_q
from domain.queries import products as products_q
from domain.types import MONEY_PLACES, QUANTITY_PLACES

LABELS = {"tier": "Tier", "customer_id": "Customer", "seller_id": "Factory", "order_date": "Date",
          "client_reference": "Reference", "note": "Note"}
MAX_LINES = 100
CENT = Decimal("0.01")
BUYER_KIND = {OrderTier.PRIMARY: PartyKind.DISTRIBUTOR, OrderTier.SECONDARY: PartyKind.RETAILER,
              OrderTier.TERTIARY: PartyKind.RETAILER}


def parse_tier(value: Any) -> OrderTier:
    if inputs.blank(value):
        raise ValueError("is required")
    try:
        return OrderTier(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        raise ValueError("must be primary, secondary or tertiary") from None


def _optional_id(value: Any) -> int | None:
    return None if inputs.blank(value) else inputs.chosen_id(value)


class OrderIn(BaseModel):
    tier: Annotated[OrderTier, BeforeValidator(parse_tier)]
    customer_id: Annotated[int, BeforeValidator(inputs.chosen_id)]
    seller_id: Annotated[int | None, BeforeValidator(_optional_id)] = None
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


@dataclass(frozen=True)
class PricedLine:
    """A line with its product and the tier's (list) price; the amount is quantity × price, half up to the cent."""

    line: LineIn
    product: Product
    list_price: Decimal

    @property
    def unit_price(self) -> Decimal:
        return self.list_price if self.line.unit_price is None else self.line.unit_price

    @property
    def overridden(self) -> bool:
        return self.unit_price != self.list_price

    @property
    def amount(self) -> Decimal:
        return (self.line.qty * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CheckedOrder:
    """Everything an order needs, checked: the customer (the retailer itself for tertiary sales), the seller and
    the priced lines."""

    data: OrderIn
    customer: Party
    seller: Party
    lines: list[PricedLine]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def check_order(session: Session, actor: Actor, data: OrderIn, lines: list[LineIn]) -> CheckedOrder:
    """Resolve the parties and price the lines, inside the writing transaction (products are share-locked)."""
    errors: dict[str, str] = {}
    customer = _customer(session, actor, data, errors)
    seller = _seller(session, data, customer, errors)
    priced = _priced_lines(session, data.tier, lines, errors)
    if errors:
        raise ValidationFailed(errors)
    assert customer is not None and seller is not None
    if any(line.overridden for line in priced) and not actor.can("orders.price_override"):
        raise PermissionDenied(f"Your role ({actor.role_name}) may not override a {data.tier.value} price.")
    return CheckedOrder(data, customer, seller, priced)


def _customer(session: Session, actor: Actor, data: OrderIn, errors: dict[str, str]) -> Party | None:
    customer = parties_q.party_by_id(session, data.customer_id)
    kind = BUYER_KIND[data.tier]
    if customer is None or customer.kind is not kind:
        errors["Customer"] = f"must be a {kind.value}"
        return None
    actor.ensure_sees(customer.territory_path, customer.name)
    if not customer.is_active:
        errors["Customer"] = f"{customer.name} is inactive"
        return None
    return customer


def _seller(session: Session, data: OrderIn, customer: Party | None, errors: dict[str, str]) -> Party | None:
    """Primary: the factory named; secondary: the retailer's supplying distributor; tertiary: the retailer."""
    if data.tier is OrderTier.TERTIARY:
        return customer
    if data.tier is OrderTier.SECONDARY:
        if customer is None:
            return None
        seller = parties_q.party_by_id(session, customer.parent_distributor_id or 0)
        if seller is None or seller.kind is not PartyKind.DISTRIBUTOR:
            errors["Customer"] = f"{customer.name} has no supplying distributor"
        elif not seller.is_active:
            errors["Customer"] = f"{customer.name}'s distributor {seller.name} is inactive"
        else:
            return seller
        return None
    if data.seller_id is None:
        errors["Factory"] = "is required"
        return None
    seller = parties_q.party_by_id(session, data.seller_id)
    if seller is None or seller.kind is not PartyKind.FACTORY:
        errors["Factory"] = "must be a factory"
    elif not seller.is_active:
        errors["Factory"] = f"{seller.name} is inactive"
    else:
        return seller
    return None


def _priced_lines(session: Session, tier: OrderTier, lines: list[LineIn], errors: dict[str, str]
                  ) -> list[PricedLine]:
    """Each line with its product and tier price; unknown, unsold, unpriced or repeated products are line errors."""
    products = products_q.by_ids(session, [line.product_id for line in lines], for_share=True)
    first: dict[int, int] = {}
    priced = []
    for line in lines:
        label = f"Line {line.number} product"
        product = products.get(line.product_id)
        list_price = getattr(product, tier.price_field) if product is not None else Decimal(0)
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
            priced.append(PricedLine(line, product, list_price))
    return priced
