"""Input of the stock documents (receipts, transfers, adjustments): the header models and the lines, parsed before
anything is read or written. Messages continue the field's label: "Line 2 quantity must be more than 0"."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from domain.errors import ValidationFailed
from domain.services.stock_views import today
from domain.types import MONEY_PLACES, QUANTITY_PLACES, to_decimal
from domain.validation import parse

LABELS = {
    "location_id": "Location", "from_id": "From", "to_id": "To", "product_id": "Product", "supplier_name": "Supplier",
    "reference": "Reference", "business_date": "Date", "qty_change": "Quantity", "reason": "Reason", "note": "Note",
}
MAX_LINES = 200
_LIMIT = Decimal("1000000000")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _id(value: Any) -> int:
    if _blank(value):
        raise ValueError("is required")
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise ValueError("must be chosen from the list")
    if not 0 < int(value) < 2**62:
        raise ValueError("must be chosen from the list")
    return int(value)


def _day(value: Any) -> date:
    if _blank(value):
        raise ValueError("is required")
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise ValueError("must be a date")
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise ValueError("must be a date such as 2026-11-21") from None
    if day > today():
        raise ValueError("cannot be in the future")
    return day


def _text(limit: int, *, required: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if _blank(value):
            if required:
                raise ValueError("is required")
            return None
        if not isinstance(value, str):
            raise ValueError("must be text")
        text = " ".join(value.split())
        if len(text) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return text

    return check


def _number(places: int, *, signed: bool = False, zero: bool = False) -> Callable[[Any], Decimal]:
    def check(value: Any) -> Decimal:
        if _blank(value):
            raise ValueError("is required")
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = to_decimal(value, places=places, field="value")
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("value ")) from None
        if number == 0 and not zero:
            raise ValueError("must not be zero" if signed else "must be more than 0")
        if number < 0 and not signed:
            raise ValueError("must not be negative" if zero else "must be more than 0")
        if abs(number) >= _LIMIT:
            raise ValueError("is too large")
        return number + 0  # no "-0"

    return check


Id = Annotated[int, BeforeValidator(_id)]
Day = Annotated[date, BeforeValidator(_day)]


class ReceiptIn(BaseModel):
    location_id: Id
    supplier_name: Annotated[str, BeforeValidator(_text(120, required=True))]
    reference: Annotated[str | None, BeforeValidator(_text(40, required=False))] = None
    business_date: Day


class TransferIn(BaseModel):
    from_id: Id
    to_id: Id
    business_date: Day
    note: Annotated[str | None, BeforeValidator(_text(200, required=False))] = None


class AdjustmentIn(BaseModel):
    location_id: Id
    product_id: Id
    qty_change: Annotated[Decimal, BeforeValidator(_number(QUANTITY_PLACES, signed=True))]
    reason: Annotated[str, BeforeValidator(_text(200, required=True))]
    business_date: Day


@dataclass(frozen=True)
class Line:
    number: int
    ref: int | str
    qty: Decimal
    unit_cost: Decimal | None


def header(model: type[BaseModel], fields: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    try:
        return parse(model, fields, LABELS), {}
    except ValidationFailed as exc:
        return None, exc.errors


def parse_lines(raw: Sequence[Mapping[str, Any]] | None, *, costed: bool) -> tuple[list[Line], dict[str, str]]:
    """Each line's product (id or SKU), quantity and (receipts) unit cost, with errors per "Line N …" label."""
    if not raw:
        return [], {"Lines": "add at least one line"}
    if len(raw) > MAX_LINES:
        return [], {"Lines": f"at most {MAX_LINES} lines in one document"}
    lines, errors = [], {}
    quantity, cost = _number(QUANTITY_PLACES), _number(MONEY_PLACES, zero=True)
    for number, line in enumerate(raw, start=1):
        values = line if isinstance(line, Mapping) else {}
        ref: int | str | None = values.get("product")
        if isinstance(ref, str) and ref.strip() and not ref.strip().isdigit():
            ref = ref.strip()  # a SKU
        else:
            try:
                ref = _id(ref)
            except ValueError as exc:
                errors[f"Line {number} product"], ref = str(exc), None
        parsed: dict[str, Decimal | None] = {"qty": None, "unit_cost": None}
        checks = [("qty", "quantity", quantity)] + ([("unit_cost", "unit cost", cost)] if costed else [])
        for key, label, check in checks:
            try:
                parsed[key] = check(values.get(key))
            except ValueError as exc:
                errors[f"Line {number} {label}"] = str(exc)
        if ref is not None and parsed["qty"] is not None:
            lines.append(Line(number, ref, parsed["qty"], parsed["unit_cost"]))
    return lines, errors
