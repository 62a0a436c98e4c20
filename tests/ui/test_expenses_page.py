"""/finance/expenses in a simulated browser: a finance user records an expense and sees it in the table with the
total updated; a bad amount is shown next to Amount and writes nothing; another finance user approves it; the
recorder gets no Approve button on their own expense; a storekeeper cannot open the page."""

from decimal import Decimal

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import func, select

from dashboard.components.data_table import DataTable
from dashboard.components.expense_form import ExpenseDialog
from domain.db import reading
from domain.inputs import business_today
from domain.models import PartyKind
from domain.models.finance import Expense, ExpenseStatus
from domain.services.access import load_actor
from domain.services.expenses import record_expense
from tests.records import audit_rows
from tests.ui.helpers import eventually, present, sign_in, the

PATH = "/finance/expenses"
TODAY = business_today()


@pytest.fixture
def plant(factories) -> dict:
    """Nakuru Factory (Rift); Fay and Finn are finance (company-wide), Sam a storekeeper."""
    geo = factories.geography()
    factory = factories.party(PartyKind.FACTORY, geo["nakuru_town"], code="NKR-F1", name="Nakuru Factory")
    fay = load_actor(factories.user("finance", username="fay", full_name="Fay Wanjiru").id)
    finn = load_actor(factories.user("finance", username="finn", full_name="Finn Otieno").id)
    factories.user("storekeeper", username="sam")
    assert fay is not None and finn is not None
    return {"factory": factory, "fay": fay, "finn": finn}


def expenses() -> list[Expense]:
    with reading() as s:
        return list(s.exec(select(Expense).order_by(Expense.id)))


def expense_count() -> int:
    with reading() as s:
        return s.exec(select(func.count()).select_from(Expense)).one()


async def open_list(user: User, username: str) -> DataTable:
    await sign_in(user, username, PATH)
    await eventually(lambda: present(user, kind=DataTable), "the expenses list")
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the first page")
    return table


async def open_form(user: User, factory_id: int) -> None:
    user.find(marker="expense-record").click()
    await eventually(lambda: present(user, "expense-form"), "the form")
    factory = the(user, "expense-factory", kind=ui.select)
    await eventually(lambda: factory.value == factory_id, "the only factory chosen")


def fill(user: User, **values: str) -> None:
    for key, value in values.items():
        the(user, f"expense-{key}").value = value  # type: ignore[attr-defined]


async def test_a_finance_user_records_an_expense_and_sees_it_in_the_total(user: User, plant) -> None:
    record_expense(plant["finn"], category="fuel", factory_id=plant["factory"].id, spent_on=TODAY, amount="1000",
                   description="Diesel")
    table = await open_list(user, "fay")
    assert table.totals["amount"] == "KES 1,000.00"

    await open_form(user, plant["factory"].id)
    fill(user, category="wages", amount="12,500.50", description="Casual bakers, week 47")
    user.find(marker="expense-save").click()
    await eventually(lambda: len(table.table.rows) == 2, "the new row")
    assert table.totals["amount"] == "KES 13,500.50"
    new = next(r for r in table.table.rows if r["number"] == "EXP-000002")
    assert (new["category"], new["factory"], new["amount"], new["status"], new["recorded_by"]) == (
        "Wages", "Nakuru Factory", "KES 12,500.50", "Pending", "Fay Wanjiru")
    [_, stored] = expenses()
    assert (stored.amount, stored.status, stored.recorded_by) == (Decimal("12500.50"), ExpenseStatus.PENDING,
                                                                  plant["fay"].user_id)
    assert all(not dialog.value for dialog in user.find(kind=ExpenseDialog).elements)  # the form has closed


async def test_a_bad_amount_is_shown_next_to_amount_and_nothing_is_written(user: User, plant) -> None:
    await open_list(user, "fay")
    await open_form(user, plant["factory"].id)
    fill(user, category="fuel", amount="12.345", description="Diesel")
    user.find(marker="expense-save").click()
    amount = the(user, "expense-amount")
    await eventually(lambda: amount.error, "the Amount error")  # type: ignore[attr-defined]
    assert amount.error.startswith("Amount ") and "2 decimal places" in amount.error  # type: ignore[attr-defined]
    assert not the(user, "expense-description").error  # type: ignore[attr-defined]
    assert present(user, "expense-form")  # still open, with what was typed
    assert expense_count() == 0 and audit_rows("expense.") == []


async def test_another_finance_user_approves_an_expense(user: User, plant) -> None:
    expense = record_expense(plant["fay"], category="fuel", factory_id=plant["factory"].id, spent_on=TODAY,
                             amount="2500", description="Diesel for the ovens")
    table = await open_list(user, "finn")
    user.find(ui.table).trigger("rowClick", [{}, table.table.rows[0], 0])
    await eventually(lambda: present(user, "expense-approve"), "the Approve button")
    assert the(user, "expense-detail-recorder").text == "Fay Wanjiru"  # type: ignore[attr-defined]
    user.find(marker="expense-approve").click()
    await eventually(lambda: table.table.rows and table.table.rows[0]["status"] == "Approved", "the approved row")
    assert table.table.rows[0]["decided_by"] == "Finn Otieno"
    [stored] = expenses()
    assert (stored.id, stored.status, stored.decided_by) == (expense.id, ExpenseStatus.APPROVED,
                                                             plant["finn"].user_id)
    assert [r.entity_id for r in audit_rows("expense.approve")] == [str(expense.id)]


async def test_rejecting_needs_a_reason_next_to_it(user: User, plant) -> None:
    record_expense(plant["fay"], category="other", factory_id=plant["factory"].id, spent_on=TODAY, amount="90",
                   description="Flowers")
    table = await open_list(user, "finn")
    user.find(ui.table).trigger("rowClick", [{}, table.table.rows[0], 0])
    await eventually(lambda: present(user, "expense-reject"), "the Reject button")
    user.find(marker="expense-reject").click()
    reason = the(user, "expense-reason")
    await eventually(lambda: reason.error, "the Reason error")  # type: ignore[attr-defined]
    assert reason.error == "Reason is required"  # type: ignore[attr-defined]
    assert expenses()[0].status is ExpenseStatus.PENDING and audit_rows("expense.reject") == []

    user.find(marker="expense-reason").type("Not a business cost")
    user.find(marker="expense-reject").click()
    await eventually(lambda: table.table.rows[0]["status"] == "Rejected", "the rejected row")
    assert expenses()[0].decision_note == "Not a business cost"


async def test_the_recorder_sees_no_approve_button_on_their_own_expense(user: User, plant) -> None:
    record_expense(plant["fay"], category="fuel", factory_id=plant["factory"].id, spent_on=TODAY, amount="2500",
                   description="Diesel")
    table = await open_list(user, "fay")
    user.find(ui.table).trigger("rowClick", [{}, table.table.rows[0], 0])
    await eventually(lambda: present(user, "expense-detail"), "the expense")
    assert present(user, "expense-own")
    assert not present(user, "expense-approve") and not present(user, "expense-reject")
    assert expenses()[0].status is ExpenseStatus.PENDING


async def test_a_storekeeper_cannot_open_the_expenses(user: User, plant) -> None:
    record_expense(plant["fay"], category="fuel", factory_id=plant["factory"].id, spent_on=TODAY, amount="2500",
                   description="Diesel")
    await sign_in(user, "sam", PATH)
    await user.should_see("Not permitted", retries=100)
    assert not present(user, kind=DataTable) and not present(user, "expense-record")
    assert [r.entity_id for r in audit_rows("access.denied")] == [PATH]  # the refused visit is recorded
