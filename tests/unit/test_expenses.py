"""Expenses: recording checks each field, approval is someone else's, and the list is scoped with exact totals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import func, select

from domain.db import reading
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import PartyKind
from domain.models.finance import Expense, ExpenseStatus
from domain.services.expenses import approve_expense, expenses_table, record_expense, reject_expense
from domain.services.tables import fetch_page
from domain.tables import TableQuery
from tests.records import audit_rows

TODAY = business_today()


@pytest.fixture
def plants(factories):
    geo = factories.geography()
    nakuru = factories.party(PartyKind.FACTORY, geo["nakuru_town"], name="Nakuru Factory")
    nairobi = factories.party(PartyKind.FACTORY, geo["westlands"], name="Nairobi Factory")
    return {"nakuru": nakuru, "nairobi": nairobi}


def expense_count() -> int:
    with reading() as s:
        return s.exec(select(func.count()).select_from(Expense)).one()


def test_recording_an_expense_writes_it_pending_audited_and_announced(plants, factories, events):
    finance = factories.actor("finance")
    expense = record_expense(finance, category="fuel", factory_id=plants["nakuru"].id, spent_on=TODAY,
                             amount="12,500.50", description="Diesel for the  ovens")
    assert expense.number == "EXP-000001" and expense.amount == Decimal("12500.50")
    assert expense.status is ExpenseStatus.PENDING and expense.description == "Diesel for the ovens"
    assert expense.territory_path == plants["nakuru"].territory_path
    assert [r.entity_id for r in audit_rows("expense.record")] == [str(expense.id)]
    assert [(e.name, e.scope_path) for e in events if e.name.startswith("expense.")] == [
        ("expense.recorded", plants["nakuru"].territory_path)]


@pytest.mark.parametrize(("field", "value", "label", "message"), [
    ("amount", "0", "Amount", "must be more than 0"),
    ("amount", "12.345", "Amount", "more than 2 decimal places"),
    ("category", "party", "Category", "must be one of"),
    ("spent_on", (TODAY + timedelta(days=1)).isoformat(), "Date", "cannot be in the future"),
    ("description", "  ", "Description", "is required"),
])
def test_bad_input_names_the_field_and_writes_nothing(plants, factories, field, value, label, message):
    fields = {"category": "fuel", "factory_id": plants["nakuru"].id, "spent_on": TODAY, "amount": "100",
              "description": "Diesel", field: value}
    with pytest.raises(ValidationFailed) as refused:
        record_expense(factories.actor("finance"), **fields)
    assert message in refused.value.errors[label]
    assert expense_count() == 0 and audit_rows("expense.") == []


def test_an_expense_must_be_at_a_factory_inside_the_users_area(plants, factories):
    geo_shop = factories.party(PartyKind.DISTRIBUTOR, factories.geo("X1", "Somewhere", "territory"))
    with pytest.raises(ValidationFailed, match="Factory"):
        record_expense(factories.actor("finance"), category="fuel", factory_id=geo_shop.id, spent_on=TODAY,
                       amount="1", description="x")
    regional = factories.actor("finance", scope_code="RFT")
    with pytest.raises(PermissionDenied):
        record_expense(regional, category="fuel", factory_id=plants["nairobi"].id, spent_on=TODAY, amount="1",
                       description="Diesel")
    assert expense_count() == 0


def test_approval_is_by_someone_else_once(plants, factories, events):
    recorder, approver = factories.actor("finance"), factories.actor("finance")
    expense = record_expense(recorder, category="wages", factory_id=plants["nakuru"].id, spent_on=TODAY,
                             amount="50000", description="Casuals, week 47")
    with pytest.raises(PermissionDenied, match="someone else"):
        approve_expense(recorder, expense_id=expense.id)
    approved = approve_expense(approver, expense_id=expense.id, note="ok")
    assert approved.status is ExpenseStatus.APPROVED and approved.decided_by == approver.user_id
    with pytest.raises(Conflict, match="already approved"):
        reject_expense(approver, expense_id=expense.id, reason="late")
    (row,) = audit_rows("expense.approve")
    assert row.before["status"] == "pending" and row.after["status"] == "approved"
    assert [e.name for e in events][-1] == "expense.approved"


def test_rejecting_needs_a_reason_and_the_permission(plants, factories):
    expense = record_expense(factories.actor("finance"), category="other", factory_id=plants["nakuru"].id,
                             spent_on=TODAY, amount="10", description="Tea")
    with pytest.raises(PermissionDenied):
        reject_expense(factories.actor("storekeeper"), expense_id=expense.id, reason="no")
    with pytest.raises(ValidationFailed, match="Reason"):
        reject_expense(factories.actor("finance"), expense_id=expense.id, reason=" ")
    rejected = reject_expense(factories.actor("finance"), expense_id=expense.id, reason="Not ours")
    assert rejected.status is ExpenseStatus.REJECTED and rejected.decision_note == "Not ours"


def test_the_list_is_scoped_and_totals_follow_the_filters(plants, factories):
    finance = factories.actor("finance")
    for factory, amount, category in [("nakuru", "100.10", "fuel"), ("nakuru", "200.20", "wages"),
                                      ("nairobi", "1000.00", "fuel")]:
        record_expense(finance, category=category, factory_id=plants[factory].id, spent_on=TODAY, amount=amount,
                       description="x")
    everything = fetch_page(finance, expenses_table(finance), TableQuery())
    assert everything.total_rows == 3 and everything.totals["amount"] == Decimal("1300.30")
    fuel = fetch_page(finance, expenses_table(finance), TableQuery(filters={"category": "fuel"}))
    assert fuel.totals["amount"] == Decimal("1100.10")
    regional = factories.actor("finance", scope_code="RFT")
    mine = fetch_page(regional, expenses_table(regional), TableQuery())
    assert {r["factory"] for r in mine.rows} == {"Nakuru Factory"} and mine.totals["amount"] == Decimal("300.30")
    assert {r["region"] for r in mine.rows} == {"Rift"}
