"""/finance/expenses: every expense at the factories in the user's area in the shared table (filters by date,
category, factory, region and status; the total of the filtered rows; exports), "Record expense" for roles holding
expenses.record, and a click on a row opens the expense with Approve / Reject for roles holding expenses.approve —
while it is pending, and never on one's own expense (the service refuses that too)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import signed_in
from dashboard.components.data_table import DataTable, data_table
from dashboard.components.expense_form import ExpenseDialog
from dashboard.components.finance_nav import fact, finance_tabs
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.formatting import format_date, format_money
from domain.models.finance import Expense, ExpenseCategory, ExpenseStatus
from domain.services.expenses import approve_expense, expenses_table, reject_expense

PATH = "/finance/expenses"
TITLE = "Expenses"
STATUS_COLORS = {ExpenseStatus.PENDING: "orange-9", ExpenseStatus.APPROVED: "positive",
                 ExpenseStatus.REJECTED: "grey-7"}
Done = Callable[[str], Awaitable[None]]


def may_decide(actor: Actor, row: dict[str, Any]) -> bool:
    """Whether to offer Approve / Reject: the right permission, a pending expense, someone else's. The list names
    the recorder, not their id, so a namesake's expense may offer the buttons: the service then refuses."""
    return (actor.can("expenses.approve") and str(row.get("status")) == ExpenseStatus.PENDING.value
            and row.get("recorded_by") != actor.full_name)


async def expenses_page() -> RedirectResponse | None:
    actor = await signed_in("finance.view", path=PATH)
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        finance_tabs(PATH)
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"Expenses at the factories in {area}, newest first. Only approved expenses count in the P&L; "
                     "open one by clicking its row.").classes("text-grey-7").mark("expenses-area")
            record = ui.button("Record expense", icon="add").props("unelevated no-caps").mark("expense-record")
            record.visible = actor.can("expenses.record")
    await ui.context.client.connected()
    source = await run.io_bound(expenses_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        table = data_table(actor, source, page_size=25,
                           on_row_click=lambda row: open_expense(actor, row, body, lambda m: done(table, body, m)))
        live.follow(actor, ("expense.",), lambda _events: table.refresh())

    async def recorded(expense: Expense) -> None:
        await done(table, body, f"{expense.number} recorded: {format_money(expense.amount)}, pending approval")

    async def open_form() -> None:
        with body:
            await ExpenseDialog(actor, on_saved=recorded).start()

    record.on_click(open_form)
    return None


async def done(table: DataTable, holder: ui.element, message: str) -> None:
    with holder:
        ui.notify(message, type="positive")
    await table.refresh()


def _label(value: Any, kind: type[ExpenseCategory] | type[ExpenseStatus]) -> str:
    try:
        return kind(str(value)).label
    except ValueError:
        return str(value or "")


def open_expense(actor: Actor, row: dict[str, Any], holder: ui.element, done: Done) -> None:
    """The expense as the list holds it, with Approve / Reject (and the reason) when the user may decide."""
    status = ExpenseStatus(str(row["status"]))
    with holder, ui.dialog() as dialog, ui.card().classes("w-full max-w-lg gap-3").mark("expense-detail"):
        with ui.row(align_items="center").classes("w-full gap-2"):
            ui.label(str(row["number"])).classes("text-h6").mark("expense-number")
            ui.badge(status.label, color=STATUS_COLORS[status]).props("rounded").mark("expense-status")
            ui.space()
            ui.button(icon="close", on_click=dialog.close).props("flat round dense aria-label=Close")
        with ui.element("div").classes("grid grid-cols-2 gap-x-6 gap-y-3 w-full"):
            fact("Amount", format_money(row["amount"]), "expense-detail-amount")
            fact("Category", _label(row["category"], ExpenseCategory), "expense-detail-category")
            fact("Factory", str(row["factory"]), "expense-detail-factory")
            fact("Date", format_date(row["spent_on"]), "expense-detail-date")
            fact("Region", str(row.get("region") or "—"))
            fact("Recorded by", str(row.get("recorded_by") or "—"), "expense-detail-recorder")
            if row.get("decided_by"):
                fact(f"{status.label} by", str(row["decided_by"]), "expense-detail-decider")
        fact("Description", str(row["description"]), "expense-detail-description")
        if not may_decide(actor, row):
            if status is ExpenseStatus.PENDING and actor.can("expenses.approve"):
                ui.label("You recorded this expense: someone else must approve or reject it.") \
                    .classes("text-body2 text-grey-7").mark("expense-own")
        else:
            _decision(actor, row, dialog, done)
    dialog.on("hide", dialog.delete)
    dialog.open()


def _decision(actor: Actor, row: dict[str, Any], dialog: ui.dialog, done: Done) -> None:
    expense_id, number = int(row["id"]), str(row["number"])
    reason = ui.input("Reason (needed to reject)").props("outlined hide-bottom-space maxlength=200") \
        .classes("w-full").mark("expense-reason")
    problem = ui.label().classes("w-full text-negative text-body2 break-words").props("role=alert") \
        .mark("expense-decision-problem")
    problem.visible = False
    with ui.row().classes("w-full justify-end gap-2"):
        reject = ui.button("Reject", icon="block", color="negative").props("outline no-caps").mark("expense-reject")
        approve = ui.button("Approve", icon="check").props("unelevated no-caps").mark("expense-approve")

    async def decide(approving: bool) -> None:
        reason.error, problem.visible = None, False
        for button in (approve, reject):
            button.disable()
        try:
            if approving:
                await run.io_bound(approve_expense, actor, expense_id=expense_id)
            else:
                await run.io_bound(reject_expense, actor, expense_id=expense_id, reason=reason.value or "")
        except ValidationFailed as exc:
            reason.error = f"Reason {exc.errors.get('Reason', exc.message)}"
            return
        except DomainError as exc:
            problem.text, problem.visible = exc.message, True
            return
        finally:
            for button in (approve, reject):
                button.enable()
        dialog.close()
        await done(f"{number} {'approved' if approving else 'rejected'}")

    approve.on_click(lambda: decide(True))
    reject.on_click(lambda: decide(False))


PAGES = [Page(PATH, expenses_page, TITLE, "receipt", "finance.view", order=41)]
