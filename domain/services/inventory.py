"""Stock movements — goods received from suppliers, transfers between locations, adjustments — and (re-exported from
domain.services.stock_views) the stock views: levels with low stock and days of cover, and the ledger.

Each movement is one document (GR-, TR-, ADJ-) written in one transaction through `domain.services.stock`: the
balance rows are locked first, every line is moved, the document is audited with its lines, and `stock.moved` is
published after commit. Any refusal — permission, area, bad input, too little stock — writes nothing.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator
from sqlmodel import Session

from domain.access import Actor
from domain.db import Tx, transaction
from domain.errors import ValidationFailed
from domain.events import DomainEvent
from domain.jsonsafe import json_safe
from domain.models import MoveKind, Party, PartyKind, Product, ProductKind, StockMove
from domain.queries import inventory as inventory_q
from domain.queries import products as products_q
from domain.queries.sequences import next_number
from domain.services import stock
from domain.services.stock_views import (
    StockPosition,
    ledger_table,
    location_choices,
    position_of,
    stock_levels_table,
    stock_position,
    today,
)
from domain.types import MONEY_PLACES, QUANTITY_PLACES, to_decimal
from domain.validation import parse

LABELS = {
    "location_id": "Location", "from_id": "From", "to_id": "To", "product_id": "Product", "supplier_name": "Supplier",
    "reference": "Reference", "business_date": "Date", "qty_change": "Quantity", "reason": "Reason", "note": "Note",
}
MAX_LINES = 200
_LIMIT = Decimal("1000000000")

# ---- input -------------------------------------------------------------------------------------------------------
# Messages continue the field's label: "Line 2 quantity must be more than 0".


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
class _Line:
    number: int
    ref: int | str
    qty: Decimal
    unit_cost: Decimal | None


def _header(model: type[BaseModel], fields: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    try:
        return parse(model, fields, LABELS), {}
    except ValidationFailed as exc:
        return None, exc.errors


def _lines(raw: Sequence[Mapping[str, Any]] | None, *, costed: bool) -> tuple[list[_Line], dict[str, str]]:
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
            lines.append(_Line(number, ref, parsed["qty"], parsed["unit_cost"]))
    return lines, errors


# ---- resolving what a document names, inside its transaction -----------------------------------------------------


def _place(actor: Actor, found: dict[int, Party], location_id: int, label: str, errors: dict[str, str], *,
           active: bool = True) -> Party | None:
    party = found.get(location_id)
    if party is None:
        errors[label] = f"is unknown: no location with id {location_id}"
        return None
    actor.ensure_sees(party.territory_path, party.name)
    if active and not party.is_active:
        errors[label] = f"is {party.name}, which is inactive"
    return party


def _products(session: Session, lines: Sequence[_Line], errors: dict[str, str], *,
              receipt: bool = False) -> dict[int, Product]:
    """Each line's product by line number, locked against change; unknown, repeated and (receipts) finished or
    inactive products are errors of their line."""
    by_sku = products_q.by_skus(session, [line.ref for line in lines if isinstance(line.ref, str)])
    ids = {line.ref for line in lines if isinstance(line.ref, int)} | {p.id for p in by_sku.values() if p.id}
    locked = products_q.by_ids(session, ids, for_share=True)
    chosen: dict[int, Product] = {}
    first: dict[int, int] = {}
    for line in lines:
        label = f"Line {line.number} product"
        found = by_sku.get(line.ref.upper()) if isinstance(line.ref, str) else locked.get(line.ref)
        product = locked.get(found.id) if found is not None and found.id is not None else None
        if product is None or product.id is None:
            errors[label] = f"is unknown: no product with {'SKU' if isinstance(line.ref, str) else 'id'} {line.ref}"
        elif receipt and product.kind is ProductKind.FINISHED:
            errors[label] = f"is {product.name}, a finished good: finished goods come from production"
        elif receipt and not product.is_active:
            errors[label] = f"is {product.name}, which is inactive"
        elif product.id in first:
            errors[label] = f"repeats line {first[product.id]} ({product.name})"
        else:
            first[product.id] = line.number
            chosen[line.number] = product
    return chosen


@dataclass(frozen=True)
class DocumentLine:
    product_id: int
    sku: str
    name: str
    unit: str
    qty: Decimal  # signed for adjustments
    unit_cost: Decimal
    batches: tuple[tuple[str, Decimal], ...] = ()  # (batch no, qty) of perishables carried by a transfer


@dataclass(frozen=True)
class StockDocument:
    """A posted receipt, transfer or adjustment: its number, where, and what moved."""

    number: str
    kind: str  # receipt, transfer or adjustment
    business_date: date
    location_id: int  # the source of a transfer
    location_name: str
    lines: tuple[DocumentLine, ...]
    moves: tuple[StockMove, ...]
    to_location_id: int | None = None
    to_location_name: str | None = None


def _where(party: Party) -> dict[str, Any]:
    return {"id": party.id, "code": party.code, "name": party.name}


def _finish(tx: Tx, action: str, doc: StockDocument, header: dict[str, Any], places: Iterable[Party]) -> None:
    """Audit the document with its lines (in the source's area) and queue one `stock.moved` per location."""
    lines = [{"product_id": ln.product_id, "sku": ln.sku, "name": ln.name, "qty": ln.qty, "unit_cost": ln.unit_cost,
              **({"batches": [{"batch_no": b, "qty": q} for b, q in ln.batches]} if ln.batches else {})}
             for ln in doc.lines]
    places = list(places)
    after = json_safe({"document": doc.number, "kind": doc.kind, "business_date": doc.business_date, **header,
                       "lines": lines})
    tx.audit(action, entity="stock_document", entity_id=doc.number, after=after, scope_path=places[0].territory_path)
    for place in places:
        tx.emit(DomainEvent("stock.moved", scope_path=place.territory_path, data={
            "document": doc.number, "kind": doc.kind, "location_id": place.id,
            "product_ids": sorted({ln.product_id for ln in doc.lines})}))


def _line(product: Product, qty: Decimal, cost: Decimal, batches: tuple[tuple[str, Decimal], ...] = ()) -> DocumentLine:
    assert product.id is not None
    return DocumentLine(product.id, product.sku, product.name, product.unit, qty, cost, batches)


def _note(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


# ---- the three movements -----------------------------------------------------------------------------------------


def receive_goods(
    actor: Actor, *, location_id: int, supplier_name: str, business_date: date | str,
    lines: Sequence[Mapping[str, Any]], reference: str | None = None,
) -> StockDocument:
    """Raw materials and packaging received at a factory from a supplier, at the unit cost on the delivery:
    one RECEIPT move per line, document GR-000001. Lines: {"product": id or SKU, "qty": …, "unit_cost": …}."""
    actor.require("stock.receive")
    data, errors = _header(ReceiptIn, {"location_id": location_id, "supplier_name": supplier_name,
                                       "reference": reference, "business_date": business_date})
    parsed, line_errors = _lines(lines, costed=True)
    if errors or line_errors:
        raise ValidationFailed({**errors, **line_errors})
    with transaction(actor) as tx:
        session = tx.session
        place = _place(actor, inventory_q.locations(session, [data.location_id]), data.location_id, "Location",
                       errors)
        if place is not None and place.kind is not PartyKind.FACTORY and "Location" not in errors:
            errors["Location"] = f"is {place.name}, a {place.kind.value}: suppliers deliver to factories"
        products = _products(session, parsed, errors, receipt=True)
        if errors or place is None:
            raise ValidationFailed(errors)
        stock.lock(tx, [(data.location_id, p.id) for p in products.values() if p.id is not None])
        number = next_number(session, "GR")
        note = _note(f"From {data.supplier_name}" + (f" · ref {data.reference}" if data.reference else ""))
        moves, doc_lines = [], []
        for line in parsed:
            product = products[line.number]
            assert product.id is not None and line.unit_cost is not None
            moves.append(stock.put(tx, location_id=data.location_id, product_id=product.id, qty=line.qty,
                                   kind=MoveKind.RECEIPT, document=number, business_date=data.business_date,
                                   unit_cost=line.unit_cost, note=note))
            doc_lines.append(_line(product, line.qty, line.unit_cost))
        doc = StockDocument(number, "receipt", data.business_date, data.location_id, place.name,
                            tuple(doc_lines), tuple(moves))
        _finish(tx, "stock.receive", doc, {"location": _where(place), "supplier": data.supplier_name,
                                           "reference": data.reference}, [place])
    return doc


def transfer_stock(
    actor: Actor, *, from_id: int, to_id: int, business_date: date | str, lines: Sequence[Mapping[str, Any]],
    note: str | None = None,
) -> StockDocument:
    """Move stock between two locations of the actor's area (a factory to a distributor's depot, say): a
    TRANSFER_OUT at the source and a TRANSFER_IN at the destination per line, document TR-000001. Perishables
    leave first-expiring-first and arrive in the same batches. Lines: {"product": id or SKU, "qty": …}."""
    actor.require("stock.transfer")
    data, errors = _header(TransferIn, {"from_id": from_id, "to_id": to_id, "business_date": business_date,
                                        "note": note})
    parsed, line_errors = _lines(lines, costed=False)
    if data is not None and data.from_id == data.to_id:
        errors["To"] = "must be another location than From"
    if errors or line_errors:
        raise ValidationFailed({**errors, **line_errors})
    with transaction(actor) as tx:
        session = tx.session
        found = inventory_q.locations(session, [data.from_id, data.to_id])
        source = _place(actor, found, data.from_id, "From", errors)
        target = _place(actor, found, data.to_id, "To", errors)
        products = _products(session, parsed, errors)
        if errors or source is None or target is None:
            raise ValidationFailed(errors)
        ids = [p.id for p in products.values() if p.id is not None]
        stock.lock(tx, [(loc, p) for loc in (data.from_id, data.to_id) for p in ids])
        number = next_number(session, "TR")
        extra = f": {data.note}" if data.note else ""
        out_note, in_note = _note(f"To {target.name}{extra}"), _note(f"From {source.name}{extra}")
        moves: list[StockMove] = []
        doc_lines = []
        for line in parsed:
            product = products[line.number]
            assert product.id is not None
            taken = stock.take(tx, location_id=data.from_id, product_id=product.id, qty=line.qty,
                               kind=MoveKind.TRANSFER_OUT, document=number, business_date=data.business_date,
                               note=out_note)
            moves.extend(taken.moves)
            cost = taken.moves[0].unit_cost
            for batch, qty in taken.batches:
                moves.append(stock.put(tx, location_id=data.to_id, product_id=product.id, qty=qty,
                                       kind=MoveKind.TRANSFER_IN, document=number, business_date=data.business_date,
                                       unit_cost=cost, batch=batch, note=in_note))
            carried = tuple((b.batch_no, q) for b, q in taken.batches if b is not None)
            doc_lines.append(_line(product, line.qty, cost, carried))
        doc = StockDocument(number, "transfer", data.business_date, data.from_id, source.name,
                            tuple(doc_lines), tuple(moves), data.to_id, target.name)
        _finish(tx, "stock.transfer", doc, {"from": _where(source), "to": _where(target), "note": data.note},
                [source, target])
    return doc


def adjust_stock(
    actor: Actor, *, location_id: int, product_id: int, qty_change: Decimal | str, reason: str,
    business_date: date | str,
) -> StockDocument:
    """Correct a location's stock of one product by a signed quantity, with a reason: document ADJ-000001. Taking
    away more than there is refuses with InsufficientStock. Inactive locations and products may be corrected."""
    actor.require("stock.adjust")
    data = parse(AdjustmentIn, {"location_id": location_id, "product_id": product_id, "qty_change": qty_change,
                                "reason": reason, "business_date": business_date}, LABELS)
    with transaction(actor) as tx:
        session = tx.session
        errors: dict[str, str] = {}
        place = _place(actor, inventory_q.locations(session, [data.location_id]), data.location_id, "Location",
                       errors, active=False)
        product = products_q.by_ids(session, [data.product_id], for_share=True).get(data.product_id)
        if product is None:
            errors["Product"] = f"is unknown: no product with id {data.product_id}"
        if errors or place is None or product is None:
            raise ValidationFailed(errors)
        stock.lock(tx, [(data.location_id, data.product_id)])
        number = next_number(session, "ADJ")
        common = {"location_id": data.location_id, "product_id": data.product_id, "kind": MoveKind.ADJUSTMENT,
                  "document": number, "business_date": data.business_date, "note": data.reason}
        if data.qty_change > 0:
            moves = [stock.put(tx, qty=data.qty_change, **common)]
        else:
            moves = stock.take(tx, qty=-data.qty_change, **common).moves
        doc = StockDocument(number, "adjustment", data.business_date, data.location_id, place.name,
                            (_line(product, data.qty_change, moves[0].unit_cost),), tuple(moves))
        _finish(tx, "stock.adjust", doc, {"location": _where(place), "reason": data.reason,
                                          "balance_after": moves[-1].balance_after}, [place])
    return doc


__all__ = [
    "LABELS", "DocumentLine", "StockDocument", "StockPosition", "adjust_stock", "ledger_table", "location_choices",
    "position_of", "receive_goods", "stock_levels_table", "stock_position", "today", "transfer_stock",
]
