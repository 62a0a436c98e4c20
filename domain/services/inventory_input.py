"""Input of the stock documents (receipts, transfers, adjustments): the header models and the lines, parsed before
anything is read or written. Messages continue the field's label: "Line 2 quantity must be more than 0"."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from domain import inputs
from domain.errors import ValidationFailed
from domain.types import MONEY_PLACES, QUANTITY_PLACES
from domain.validation import parse

LABELS = {
    "location_id": "Location", "from_id": "From", "to_id": "To", "product_id": "Product", "supplier_name": "Supplier",
    "reference": "Reference", "business_date": "Date", "qty_change": "Quantity", "reason": "Reason", "note": "Note",
}
MAX_LINES = 200
Id = Annotated[int, BeforeValidator(inputs.chosen_id)]
Day = Annotated[date, BeforeValidator(inputs.past_day)]


class ReceiptIn(BaseModel):
    location_id: Id
    supplier_name: Annotated[str, BeforeValidator(inputs.text(120, required=True))]
    reference: Annotated[str | None, BeforeValidator(inputs.text(40, required=False))] = None
    business_date: Day


class TransferIn(BaseModel):
    from_id: Id
    to_id: Id
    business_date: Day
    note: Annotated[str | None, BeforeValidator(inputs.text(200, required=False))] = None


class AdjustmentIn(BaseModel):
    location_id: Id
    product_id: Id
    qty_change: Annotated[Decimal, BeforeValidator(inputs.number(QUANTITY_PLACES, signed=True))]
    reason: Annotated[str, BeforeValidator(inputs.text(200, required=True))]
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
    quantity, cost = inputs.number(QUANTITY_PLACES), inputs.number(MONEY_PLACES, zero=True)
    for number, line in enumerate(raw, start=1):
        values = line if isinstance(line, Mapping) else {}
        ref: int | str | None = values.get("product")
        if isinstance(ref, str) and ref.strip() and not ref.strip().isdigit():
            ref = ref.strip()  # a SKU
        else:
            try:
                ref = inputs.chosen_id(ref)
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
