"""Stock movements — goods received from suppliers, transfers between locations, adjustments — and (re-exported from
domain.services.stock_views) the stock views: levels with low stock and days of cover, and the ledger.

Each movement is one document (GR-, TR-, ADJ-) written in one transaction through `domain.services.stock`: the
balance rows are locked first, every line is moved, the document is audited with its lines, and `stock.moved` is
published after commit. Any refusal — permission, area, bad input, too little stock — writes nothing.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from domain.access import Actor
from domain.db import Tx, transaction
from domain.errors import ValidationFailed
from domain.events import DomainEvent
from domain.jsonsafe import json_safe
from domain.models import MoveKind, PartyKind, ProductKind, StockMove
from domain.queries import inventory as inventory_q
from domain.queries.inventory import Place
from domain.queries.sequences import next_number
from domain.queries.stock import Item
from domain.services import stock
from domain.services.inventory_input import (
    LABELS,
    AdjustmentIn,
    Line,
    ReceiptIn,
    TransferIn,
    header,
    parse_lines,
)
from domain.services.stock_views import (
    StockPosition,
    ledger_table,
    location_choices,
    position_of,
    stock_levels_table,
    stock_position,
    today,
)
from domain.validation import parse

# ---- resolving what a document names, inside its transaction -----------------------------------------------------


def _place(actor: Actor, found: dict[int, Place], location_id: int, label: str, errors: dict[str, str], *,
           active: bool = True) -> Place | None:
    party = found.get(location_id)
    if party is None:
        errors[label] = f"is unknown: no location with id {location_id}"
        return None
    actor.ensure_sees(party.territory_path, party.name)
    if active and not party.is_active:
        errors[label] = f"is {party.name}, which is inactive"
    return party


def _products(session: Session, lines: Sequence[Line], errors: dict[str, str], *,
              receipt: bool = False) -> dict[int, Item]:
    """Each line's product by line number, locked against change; unknown, repeated and (receipts) finished or
    inactive products are errors of their line."""
    found = inventory_q.goods(session, ids=[line.ref for line in lines if isinstance(line.ref, int)],
                              skus=[line.ref for line in lines if isinstance(line.ref, str)])
    by_id, by_sku = {p.id: p for p in found}, {p.sku.upper(): p for p in found}
    chosen: dict[int, Item] = {}
    first: dict[int, int] = {}
    for line in lines:
        label = f"Line {line.number} product"
        product = by_sku.get(line.ref.upper()) if isinstance(line.ref, str) else by_id.get(line.ref)
        if product is None:
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


def _where(party: Place) -> dict[str, Any]:
    return {"id": party.id, "code": party.code, "name": party.name}


def _finish(tx: Tx, action: str, doc: StockDocument, header: dict[str, Any], places: Iterable[Place]) -> None:
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


def _line(product: Item, qty: Decimal, cost: Decimal, batches: tuple[tuple[str, Decimal], ...] = ()) -> DocumentLine:
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
    data, errors = header(ReceiptIn, {"location_id": location_id, "supplier_name": supplier_name,
                                      "reference": reference, "business_date": business_date})
    parsed, line_errors = parse_lines(lines, costed=True)
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
        stock.lock(tx, [(data.location_id, p.id) for p in products.values()])
        number = next_number(session, "GR")
        note = _note(f"From {data.supplier_name}" + (f" · ref {data.reference}" if data.reference else ""))
        moves, doc_lines = [], []
        with stock.posting(tx, document=number, business_date=data.business_date,
                           products=products.values()) as post:
            for line in parsed:
                product = products[line.number]
                assert line.unit_cost is not None
                moves.append(post.put(location_id=data.location_id, product_id=product.id, qty=line.qty,
                                      kind=MoveKind.RECEIPT, unit_cost=line.unit_cost, note=note))
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
    data, errors = header(TransferIn, {"from_id": from_id, "to_id": to_id, "business_date": business_date,
                                       "note": note})
    parsed, line_errors = parse_lines(lines, costed=False)
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
        ids = [p.id for p in products.values()]
        stock.lock(tx, [(loc, p) for loc in (data.from_id, data.to_id) for p in ids])
        number = next_number(session, "TR")
        extra = f": {data.note}" if data.note else ""
        out_note, in_note = _note(f"To {target.name}{extra}"), _note(f"From {source.name}{extra}")
        moves: list[StockMove] = []
        doc_lines = []
        with stock.posting(tx, document=number, business_date=data.business_date,
                           products=products.values()) as post:
            for line in parsed:
                product = products[line.number]
                taken = post.take(location_id=data.from_id, product_id=product.id, qty=line.qty,
                                  kind=MoveKind.TRANSFER_OUT, note=out_note)
                moves.extend(taken.moves)
                cost = taken.moves[0].unit_cost
                for batch, qty in taken.batches:
                    moves.append(post.put(location_id=data.to_id, product_id=product.id, qty=qty,
                                          kind=MoveKind.TRANSFER_IN, unit_cost=cost, batch=batch, note=in_note))
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
        product = next(iter(inventory_q.goods(session, ids=[data.product_id], skus=[])), None)
        if product is None:
            errors["Product"] = f"is unknown: no product with id {data.product_id}"
        if errors or place is None or product is None:
            raise ValidationFailed(errors)
        stock.lock(tx, [(data.location_id, data.product_id)])
        number = next_number(session, "ADJ")
        common: dict[str, Any] = {"location_id": data.location_id, "product_id": data.product_id,
                                  "kind": MoveKind.ADJUSTMENT, "note": data.reason}
        with stock.posting(tx, document=number, business_date=data.business_date, products=[product]) as post:
            if data.qty_change > 0:
                moves = [post.put(qty=data.qty_change, **common)]
            else:
                moves = post.take(qty=-data.qty_change, **common).moves
        doc = StockDocument(number, "adjustment", data.business_date, data.location_id, place.name,
                            (_line(product, data.qty_change, moves[0].unit_cost),), tuple(moves))
        _finish(tx, "stock.adjust", doc, {"location": _where(place), "reason": data.reason,
                                          "balance_after": moves[-1].balance_after}, [place])
    return doc


__all__ = [
    "LABELS", "DocumentLine", "StockDocument", "StockPosition", "adjust_stock", "ledger_table", "location_choices",
    "position_of", "receive_goods", "stock_levels_table", "stock_position", "today", "transfer_stock",
]
