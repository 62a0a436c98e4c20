"""The "Record expense" dialog: category, factory (inside the user's area), date, amount in KES and what it was for.
Errors appear under their fields and nothing is written until the service accepts the whole expense; the expense
is then pending until someone else approves it."""

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.search_select import SearchSelect
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.inputs import business_today
from domain.models import PartyKind
from domain.models.finance import Expense, ExpenseCategory
from domain.services.expenses import record_expense
from domain.services.parties import party_choices

FIELD_PROPS = "outlined hide-bottom-space"
CHOICES_LIMIT = 50
Saved = Callable[[Expense], Awaitable[None] | None]


def factory_options(actor: Actor, search: str | None) -> dict[Any, str]:
    """Active factories inside the actor's area whose name or code holds `search`, by name."""
    return {p.id: p.label for p in party_choices(actor, kind=PartyKind.FACTORY, search=search, limit=CHOICES_LIMIT)}


class ExpenseDialog(ui.dialog):
    """`await ExpenseDialog(actor, on_saved=...).start()` opens the dialog and loads the factories."""

    def __init__(self, actor: Actor, *, on_saved: Saved) -> None:
        super().__init__()
        self.actor, self.on_saved = actor, on_saved
        with self, ui.card().classes("w-full max-w-lg gap-3").mark("expense-form"):
            ui.label("Record expense").classes("text-h6")
            ui.label("It stays pending until someone else with approval rights approves it; only approved expenses "
                     "count in the P&L.").classes("text-body2 text-grey-8")
            self.category = ui.select({c.value: c.label for c in ExpenseCategory}, label="Category") \
                .props(FIELD_PROPS).classes("w-full").mark("expense-category")
            self.factory = SearchSelect("Factory", load=lambda s: factory_options(actor, s), limit=CHOICES_LIMIT) \
                .props(FIELD_PROPS).classes("w-full").mark("expense-factory")
            with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-3 w-full"):
                self.date = ui.date_input("Date", value=business_today().isoformat()).props(FIELD_PROPS) \
                    .classes("w-full").mark("expense-date")
                self.amount = ui.input("Amount (KES)").props(f"{FIELD_PROPS} inputmode=decimal") \
                    .classes("w-full").mark("expense-amount")
            self.description = ui.input("Description").props(f"{FIELD_PROPS} maxlength=200 counter") \
                .classes("w-full").mark("expense-description")
            self.problem = ui.label().classes("w-full q-pa-sm rounded-borders bg-red-1 text-red-10 text-body2") \
                .props("role=alert").mark("expense-problem")
            self.problem.visible = False
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.close).props("flat no-caps").mark("expense-cancel")
                self.button = ui.button("Record expense", icon="save", on_click=self.submit) \
                    .props("unelevated no-caps").mark("expense-save")
        self.fields: dict[str, Any] = {"Category": self.category, "Factory": self.factory, "Date": self.date,
                                       "Amount": self.amount, "Description": self.description}
        self.on("hide", self.delete)

    async def start(self) -> None:
        self.open()
        await self.factory.load()
        options = self.factory.options
        if isinstance(options, dict) and len(options) == 1 and self.factory.value is None:
            self.factory.value = next(iter(options))  # the only factory in the user's area

    def _problem(self, text: str | None) -> None:
        self.problem.text = text or ""
        self.problem.visible = bool(text)

    async def submit(self) -> None:
        clear_errors(self.fields)
        self._problem(None)
        self.button.props("loading")
        try:
            expense = await run.io_bound(
                record_expense, self.actor, category=self.category.value or "", factory_id=self.factory.value or "",
                spent_on=self.date.value or "", amount=self.amount.value or "",
                description=self.description.value or "")
        except ValidationFailed as exc:
            show_errors(self.fields, exc)
            return
        except DomainError as exc:
            self._problem(exc.message)
            return
        finally:
            self.button.props(remove="loading")
        if expense is None:  # the app is stopping
            return
        self.close()
        result = self.on_saved(expense)
        if result is not None:
            await result
