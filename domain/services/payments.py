"""Customer payments: recording money received (cash, M-Pesa, bank transfer, cheque) and allocating it to the
customer's invoices.

Rules kept here:
- Who: recording needs `payments.record`; allocating (also at recording time) and releasing allocations need
  `payments.allocate`. The customer (a distributor or retailer) must be inside the actor's area.
- Input, each error named by its field: Date (today or earlier), Amount (more than 0, whole cents), Method, and a
  Reference — required for M-Pesa (the 10-character transaction code, used once), cheques (the cheque number) and
  bank transfers (the bank's reference); optional for cash (a receipt number).
- Allocation: oldest due first by default, or chosen by hand ([{invoice_id, amount}], amount optional: as much as
  fits). Each allocation is at most the invoice's balance and together at most what the payment has left; only the
  same customer's open or partially paid invoices take allocations (never a void one). What is not allocated
  stays on the payment as the customer's credit, to allocate later.
- `Invoice.paid` and `Payment.allocated` always equal the sums of their allocations (same transaction), and an
  invoice's status follows its balance (`status_for`): the credit check on confirming orders relies on both.
- Concurrency: the payment row, then the invoices in id order, are locked (FOR UPDATE on PostgreSQL; SQLite
  serialises writers) before their balances are read; a refused allocation writes nothing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator
from sqlalchemy.exc import IntegrityError

from domain import inputs
from domain.access import Actor
from domain.db import Tx, reading, snapshot, transaction
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date, format_money
from domain.jsonsafe import json_safe
from domain.models import Invoice, InvoiceStatus, Party, PartyKind, Payment, PaymentAllocation, PaymentMethod
from domain.queries import parties as parties_q
from domain.queries import payments as payments_q
from domain.queries.sequences import next_number
from domain.services import rollups
from domain.types import MONEY_PLACES
from domain.validation import parse

LABELS = {"customer_id": "Customer", "received_on": "Date", "amount": "Amount", "method": "Method",
          "reference": "Reference", "note": "Note"}
CUSTOMER_KINDS = (PartyKind.DISTRIBUTOR, PartyKind.RETAILER)
REFERENCE_NEEDED = {PaymentMethod.MPESA: "the M-Pesa transaction code", PaymentMethod.CHEQUE: "the cheque number",
                    PaymentMethod.BANK_TRANSFER: "the bank's reference"}
MPESA_CODE_LENGTH = 10
MAX_ALLOCATIONS = 200
Allocate = Literal["oldest", "none"] | Sequence[Mapping[str, Any]]
Plan = list[tuple[Invoice, Decimal]]  # (invoice, amount allocated to it)


def status_for(amount: Decimal, paid: Decimal) -> InvoiceStatus:
    """An unvoided invoice's status from its balance: nothing paid → open, some → partially paid, all → paid."""
    if paid >= amount:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIALLY_PAID if paid > 0 else InvoiceStatus.OPEN


def _method(value: Any) -> PaymentMethod:
    if inputs.blank(value):
        raise ValueError("is required")
    text = str(getattr(value, "value", value)).strip().lower().replace("-", "").replace(" ", "_")
    try:
        return PaymentMethod(text)
    except ValueError:
        raise ValueError("must be cash, M-Pesa, bank transfer or cheque") from None


class PaymentIn(BaseModel):
    customer_id: Annotated[int, BeforeValidator(inputs.chosen_id)]
    received_on: Annotated[date, BeforeValidator(inputs.past_day)]
    amount: Annotated[Decimal, BeforeValidator(inputs.number(MONEY_PLACES))]
    method: Annotated[PaymentMethod, BeforeValidator(_method)]
    reference: Annotated[str | None, BeforeValidator(inputs.text(40, required=False))] = None
    note: Annotated[str | None, BeforeValidator(inputs.text(200, required=False))] = None


def clean_reference(method: PaymentMethod, reference: str | None) -> str | None:
    """The reference as stored (M-Pesa codes in capitals, without spaces); ValueError says what is wrong."""
    if reference is None:
        if method in REFERENCE_NEEDED:
            raise ValueError(f"is required: {REFERENCE_NEEDED[method]}")
        return None
    if method is PaymentMethod.MPESA:
        code = reference.replace(" ", "").upper()
        if len(code) != MPESA_CODE_LENGTH or not code.isascii() or not code.isalnum():
            raise ValueError(f"must be the {MPESA_CODE_LENGTH}-character M-Pesa code, letters and digits, "
                             "such as QJK3XY7Z1A")
        return code
    return reference


@dataclass(frozen=True)
class Wanted:
    """One hand-chosen allocation: `line` is its place in the list (for "Allocation 2 amount")."""

    line: int
    invoice_id: int
    amount: Decimal | None  # None: as much as fits


def parse_allocations(raw: Sequence[Mapping[str, Any]]) -> list[Wanted]:
    """Hand-chosen allocations: an invoice each (once) and an optional amount, errors named "Allocation N …"."""
    if len(raw) > MAX_ALLOCATIONS:
        raise ValidationFailed.field("Allocations", f"at most {MAX_ALLOCATIONS} invoices at a time")
    amount = inputs.number(MONEY_PLACES)
    wanted: list[Wanted] = []
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for line, item in enumerate(raw, start=1):
        values = item if isinstance(item, Mapping) else {}
        try:
            invoice_id = inputs.chosen_id(values.get("invoice_id"))
        except ValueError as exc:
            errors[f"Allocation {line} invoice"] = str(exc)
            continue
        if invoice_id in seen:
            errors[f"Allocation {line} invoice"] = "is listed twice"
            continue
        seen.add(invoice_id)
        try:
            given = None if inputs.blank(values.get("amount")) else amount(values.get("amount"))
        except ValueError as exc:
            errors[f"Allocation {line} amount"] = str(exc)
            continue
        wanted.append(Wanted(line, invoice_id, given))
    if errors:
        raise ValidationFailed(errors)
    return wanted


def _wanted(allocate: Allocate) -> list[Wanted] | None:
    """None: oldest first; []: nothing; else the hand-chosen allocations."""
    if isinstance(allocate, str):
        if allocate not in ("oldest", "none"):
            raise ValidationFailed.field("Allocation", "must be oldest first, none, or chosen invoices")
        return None if allocate == "oldest" else []
    return parse_allocations(allocate)


# ---- allocating (inside a transaction) ---------------------------------------------------------------------------


def _allocate(tx: Tx, payment: Payment, wanted: list[Wanted] | None, *, new: bool = False) -> Plan:
    """Apply the payment's credit to invoices (the payment row is already locked or new): oldest due first when
    `wanted` is None. Refuses, naming the allocation, anything beyond an invoice's balance or the payment's credit."""
    assert payment.id is not None
    left = payment.amount - payment.allocated
    plan: Plan = []
    if wanted is None:
        for invoice in payments_q.lock_open_invoices(tx.session, payment.customer_id):
            if left == 0:
                break
            share = min(left, invoice.amount - invoice.paid)
            if share <= 0:
                continue
            plan.append((invoice, share))
            left -= share
    else:
        plan = _check_by_hand(tx, payment, wanted, left, "this payment" if new else payment.number)
    for invoice, share in plan:
        payments_q.add_allocation(tx.session, PaymentAllocation(
            payment_id=payment.id, invoice_id=invoice.id or 0, amount=share, allocated_by=tx.actor.user_id))
        invoice.paid += share
        invoice.status = status_for(invoice.amount, invoice.paid)
        payment.allocated += share
        tx.session.add(invoice)
        rollups.receivable_changed(tx, invoice, -share)
    tx.session.add(payment)
    tx.session.flush()
    return plan


def _check_by_hand(tx: Tx, payment: Payment, wanted: list[Wanted], left: Decimal, name: str) -> Plan:
    invoices = payments_q.lock_invoices(tx.session, [w.invoice_id for w in wanted])
    errors: dict[str, str] = {}
    plan: Plan = []
    for w in wanted:
        invoice = invoices.get(w.invoice_id)
        problem = _unallocatable(invoice, payment)
        if problem:
            errors[f"Allocation {w.line} invoice"] = problem
            continue
        assert invoice is not None
        balance = invoice.amount - invoice.paid
        share = w.amount if w.amount is not None else min(balance, max(left, Decimal("0.00")))
        label = f"Allocation {w.line} amount"
        if share == 0:
            errors[label] = f"nothing is left of {name} to allocate"
        elif share > balance:
            errors[label] = (f"{format_money(share)} is more than the balance of {invoice.number} "
                             f"({format_money(balance)})")
        elif share > left:
            errors[label] = (f"{format_money(share)} is more than what is left of {name} "
                             f"({format_money(max(left, Decimal('0.00')))})")
        left -= share
        plan.append((invoice, share))
    if errors:
        raise ValidationFailed(errors)
    return plan


def _unallocatable(invoice: Invoice | None, payment: Payment) -> str | None:
    if invoice is None:
        return "there is no such invoice"
    if invoice.customer_id != payment.customer_id:
        return f"{invoice.number} is another customer's invoice"
    if invoice.status is InvoiceStatus.VOID:
        return f"{invoice.number} is void"
    if invoice.status is InvoiceStatus.PAID:
        return f"{invoice.number} is already paid"
    return None


def _lines(plan: Plan) -> list[dict[str, Any]]:
    return json_safe([{"invoice_id": i.id, "invoice": i.number, "amount": share, "invoice_paid": i.paid,
                       "invoice_status": i.status} for i, share in plan])


def _event(name: str, payment: Payment, plan: Plan, **extra: Any) -> DomainEvent:
    return DomainEvent(name, scope_path=payment.territory_path, data=json_safe({
        "id": payment.id, "number": payment.number, "customer_id": payment.customer_id, "amount": payment.amount,
        "allocated": payment.allocated, "method": payment.method, "received_on": payment.received_on,
        "allocations": _lines(plan), **extra}))


# ---- recording ---------------------------------------------------------------------------------------------------


def record_payment(
    actor: Actor, *, customer_id: int | str, received_on: date | str, amount: Decimal | str,
    method: PaymentMethod | str, reference: str | None = None, note: str | None = None,
    allocate: Allocate = "oldest",
) -> Payment:
    """Record money received from a customer (PAY-…) and allocate it: to the invoices due first ("oldest", the
    default), not at all ("none", all of it stays as credit) or to invoices chosen by hand."""
    actor.require("payments.record")
    errors: dict[str, str] = {}
    try:
        data: PaymentIn | None = parse(PaymentIn, {
            "customer_id": customer_id, "received_on": received_on, "amount": amount, "method": method,
            "reference": reference, "note": note}, LABELS)
    except ValidationFailed as exc:
        data, errors = None, exc.errors
    wanted: list[Wanted] | None = []
    try:
        wanted = _wanted(allocate)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if data is not None:
        try:
            data.reference = clean_reference(data.method, data.reference)
        except ValueError as exc:
            errors["Reference"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    assert data is not None
    if wanted != []:
        actor.require("payments.allocate")
    try:
        with transaction(actor) as tx:
            return _write_payment(tx, data, wanted)
    except IntegrityError:
        if data.method is PaymentMethod.MPESA and data.reference:  # a concurrent payment took the code first
            with reading() as session:
                holder = payments_q.mpesa_payment(session, data.reference)
            if holder is not None:
                raise _duplicate(holder) from None
        raise


def _duplicate(holder: Payment) -> ValidationFailed:
    return ValidationFailed.field("Reference", f"M-Pesa code {holder.reference} is already recorded as "
                                               f"{holder.number} ({format_date(holder.received_on)})")


def _write_payment(tx: Tx, data: PaymentIn, wanted: list[Wanted] | None) -> Payment:
    customer = parties_q.party_by_id(tx.session, data.customer_id)
    if customer is None:
        raise ValidationFailed.field("Customer", "must be chosen from the list")
    tx.actor.ensure_sees(customer.territory_path, customer.name)
    if customer.kind not in CUSTOMER_KINDS:
        raise ValidationFailed.field("Customer", f"{customer.name} is a {customer.kind.value}, not a customer")
    holder = payments_q.mpesa_payment(tx.session, data.reference) if data.method is PaymentMethod.MPESA else None
    if holder is not None:
        raise _duplicate(holder)
    payment = Payment(
        number=next_number(tx.session, "PAY"), customer_id=data.customer_id, territory_path=customer.territory_path,
        received_on=data.received_on, amount=data.amount, method=data.method, reference=data.reference,
        note=data.note, recorded_by=tx.actor.user_id)
    tx.session.add(payment)
    tx.session.flush()
    plan = _allocate(tx, payment, wanted, new=True) if wanted != [] else []
    rollups.payment_received(tx, payment)
    tx.audit("payment.record", payment, after={**snapshot(payment), "allocations": _lines(plan)},
             scope_path=payment.territory_path)
    tx.emit(_event("payment.recorded", payment, plan, customer=customer.name))
    return payment


def _payment_to_change(tx: Tx, payment_id: int) -> Payment:
    payment = payments_q.payment_by_id(tx.session, payment_id, for_update=True)
    if payment is None:
        raise NotFound("There is no such payment.")
    tx.actor.ensure_sees(payment.territory_path, payment.number)
    return payment


def allocate_payment(
    actor: Actor, *, payment_id: int, allocations: Sequence[Mapping[str, Any]] | None = None,
) -> Payment:
    """Allocate what a payment still holds as credit: to the invoices due first (no `allocations`), or to invoices
    chosen by hand ([{invoice_id, amount}], amount optional)."""
    actor.require("payments.allocate")
    wanted = None if allocations is None else parse_allocations(allocations)
    if wanted == []:
        raise ValidationFailed.field("Allocations", "choose at least one invoice")
    with transaction(actor) as tx:
        payment = _payment_to_change(tx, payment_id)
        if payment.allocated >= payment.amount:
            raise Conflict(f"{payment.number} is fully allocated: nothing is left to allocate.")
        before = snapshot(payment)
        plan = _allocate(tx, payment, wanted)
        if not plan:
            raise Conflict(f"The customer has no open invoices: {payment.number} stays as credit.")
        tx.audit("payment.allocate", payment, before=before, after={**snapshot(payment), "allocations": _lines(plan)},
                 scope_path=payment.territory_path)
        tx.emit(_event("payment.allocated", payment, plan))
        return payment


def release_allocations(actor: Actor, *, payment_id: int, reason: str, invoice_id: int | None = None) -> Payment:
    """Take back a payment's allocations (all, or those to one invoice) for a correction: the money returns to the
    payment as credit and each invoice's balance and status are restored. A reason is required."""
    actor.require("payments.allocate")
    try:
        why = inputs.text(200, required=True)(reason)
    except ValueError as exc:
        raise ValidationFailed.field("Reason", str(exc)) from None
    with transaction(actor) as tx:
        payment = _payment_to_change(tx, payment_id)
        allocations = payments_q.allocations_of(tx.session, payment.id or 0, invoice_id)
        if not allocations:
            raise Conflict(f"{payment.number} has no allocations to release"
                           + (" on that invoice." if invoice_id is not None else "."))
        before = snapshot(payment)
        invoices = payments_q.lock_invoices(tx.session, [a.invoice_id for a in allocations])
        plan: Plan = []
        for allocation in allocations:
            invoice = invoices[allocation.invoice_id]
            invoice.paid -= allocation.amount
            invoice.status = status_for(invoice.amount, invoice.paid)
            payment.allocated -= allocation.amount
            tx.session.add(invoice)
            rollups.receivable_changed(tx, invoice, allocation.amount)
            plan.append((invoice, allocation.amount))
        payments_q.delete_allocations(tx.session, allocations)
        tx.session.add(payment)
        tx.audit("payment.release", payment, before=before,
                 after={**snapshot(payment), "released": _lines(plan), "reason": why},
                 scope_path=payment.territory_path)
        tx.emit(_event("payment.released", payment, plan, reason=why))
        return payment


# ---- reading -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationRow:
    invoice_id: int
    invoice: str
    amount: Decimal
    invoice_balance: Decimal
    invoice_status: InvoiceStatus


@dataclass(frozen=True)
class PaymentDetail:
    payment: Payment
    customer: str
    allocations: list[AllocationRow]

    @property
    def unallocated(self) -> Decimal:
        return self.payment.amount - self.payment.allocated


def get_payment(actor: Actor, *, payment_id: int) -> PaymentDetail:
    """A payment inside the actor's area with its customer's name and its allocations."""
    actor.require("finance.view")
    with reading() as session:
        payment = payments_q.payment_by_id(session, payment_id)
        if payment is None:
            raise NotFound("There is no such payment.")
        actor.ensure_sees(payment.territory_path, payment.number)
        customer: Party | None = parties_q.party_by_id(session, payment.customer_id)
        rows = [AllocationRow(i.id or 0, i.number, a.amount, i.amount - i.paid, i.status)
                for a, i in payments_q.allocation_lines(session, payment_id)]
    return PaymentDetail(payment, customer.name if customer else "", rows)
