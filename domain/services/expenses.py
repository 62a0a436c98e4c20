"""Expenses: recorded by finance against a factory and a category, then approved (or rejected) by someone holding
`expenses.approve` — never by the person who recorded it. Only approved expenses count in the P&L.

Each call is one transaction with its audit row; `expense.recorded` / `expense.approved` / `expense.rejected` are
published after commit (in the factory's area).
"""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator

from domain import inputs
from domain.access import Actor
from domain.db import Tx, snapshot, transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.jsonsafe import json_safe
from domain.models import PartyKind
from domain.models.finance import Expense, ExpenseCategory, ExpenseStatus
from domain.queries import expenses as expenses_q
from domain.queries import parties as parties_q
from domain.queries.sequences import next_number
from domain.tables import Column, TableSource
from domain.types import MONEY_PLACES, utcnow
from domain.validation import parse

LABELS = {"category": "Category", "factory_id": "Factory", "spent_on": "Date", "amount": "Amount",
          "description": "Description"}


def _category(value: Any) -> ExpenseCategory:
    if inputs.blank(value):
        raise ValueError("is required")
    try:
        return ExpenseCategory(str(getattr(value, "value", value)).strip().lower())
    except ValueError:
        raise ValueError(f"must be one of {', '.join(c.label.lower() for c in ExpenseCategory)}") from None


class ExpenseIn(BaseModel):
    category: Annotated[ExpenseCategory, BeforeValidator(_category)]
    factory_id: Annotated[int, BeforeValidator(inputs.chosen_id)]
    spent_on: Annotated[date, BeforeValidator(inputs.past_day)]
    amount: Annotated[Decimal, BeforeValidator(inputs.number(MONEY_PLACES))]
    description: Annotated[str, BeforeValidator(inputs.text(200, required=True))]


def _emit(tx: Tx, name: str, expense: Expense) -> None:
    tx.emit(DomainEvent(name, scope_path=expense.territory_path, data=json_safe({
        "id": expense.id, "number": expense.number, "factory_id": expense.factory_id, "category": expense.category,
        "spent_on": expense.spent_on, "amount": expense.amount, "status": expense.status})))


def record_expense(actor: Actor, *, category: ExpenseCategory | str, factory_id: int | str, spent_on: date | str,
                   amount: Decimal | str, description: str) -> Expense:
    """Record an expense at a factory (pending until approved)."""
    actor.require("expenses.record")
    data = parse(ExpenseIn, {"category": category, "factory_id": factory_id, "spent_on": spent_on,
                             "amount": amount, "description": description}, LABELS)
    with transaction(actor) as tx:
        factory = parties_q.party_by_id(tx.session, data.factory_id)
        if factory is None or factory.kind is not PartyKind.FACTORY:
            raise ValidationFailed.field("Factory", "must be a factory")
        actor.ensure_sees(factory.territory_path, factory.name)
        assert factory.id is not None
        expense = Expense(number=next_number(tx.session, "EXP"), category=data.category, factory_id=factory.id,
                          territory_path=factory.territory_path, spent_on=data.spent_on, amount=data.amount,
                          description=data.description, recorded_by=actor.user_id)
        tx.session.add(expense)
        tx.audit("expense.record", expense, scope_path=expense.territory_path)
        _emit(tx, "expense.recorded", expense)
    return expense


def _decide(actor: Actor, expense_id: int, status: ExpenseStatus, note: str | None) -> Expense:
    actor.require("expenses.approve")
    with transaction(actor) as tx:
        expense = expenses_q.by_id(tx.session, expense_id, for_update=True)
        if expense is None:
            raise NotFound("There is no such expense.")
        actor.ensure_sees(expense.territory_path, expense.number)
        if expense.status is not ExpenseStatus.PENDING:
            raise Conflict(f"{expense.number} is already {expense.status.label.lower()}.")
        if expense.recorded_by is not None and expense.recorded_by == actor.user_id:
            raise PermissionDenied(f"{expense.number} was recorded by you: someone else must approve or reject it.")
        before = snapshot(expense)
        expense.status, expense.decided_by, expense.decided_at = status, actor.user_id, utcnow()
        expense.decision_note = note
        tx.audit(f"expense.{'approve' if status is ExpenseStatus.APPROVED else 'reject'}", expense, before=before,
                 scope_path=expense.territory_path)
        _emit(tx, f"expense.{status.value}", expense)
    return expense


def approve_expense(actor: Actor, *, expense_id: int, note: str | None = None) -> Expense:
    try:
        cleaned = inputs.text(200, required=False)(note)
    except ValueError as exc:
        raise ValidationFailed.field("Note", str(exc)) from None
    return _decide(actor, expense_id, ExpenseStatus.APPROVED, cleaned)


def reject_expense(actor: Actor, *, expense_id: int, reason: str) -> Expense:
    try:
        cleaned = inputs.text(200, required=True)(reason)
    except ValueError as exc:
        raise ValidationFailed.field("Reason", str(exc)) from None
    return _decide(actor, expense_id, ExpenseStatus.REJECTED, cleaned)


EXPENSE_COLUMNS = [
    Column("number", "Number", "text", filter="text"),
    Column("spent_on", "Date", "date", filter="date_range"),
    Column("category", "Category", "choice", filter="choice", choices=[c.value for c in ExpenseCategory]),
    Column("factory", "Factory", "text", filter="text"),
    Column("region", "Region", "text", filter="text"),
    Column("description", "Description", "text", filter="text"),
    Column("amount", "Amount", "money", summable=True, filter="range"),
    Column("status", "Status", "choice", filter="choice", choices=[s.value for s in ExpenseStatus]),
    Column("recorded_by", "Recorded by", "text"),
    Column("decided_by", "Approved / rejected by", "text"),
]


def expenses_table(actor: Actor) -> TableSource:
    """Expenses inside the actor's area (by factory), newest first, with the total of what the filters select."""
    actor.require("finance.view")
    return TableSource(name="expenses", title="Expenses", columns=EXPENSE_COLUMNS, build=expenses_q.table_select,
                       permission="finance.view", row_key="id", default_sort="spent_on", default_descending=True)
