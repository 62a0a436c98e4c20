"""/finance/statement/{customer_id}: a customer's statement for a period — opening balance, each invoice (debit),
void and payment (credit) with the running balance, the closing balance — and its download as PDF or XLSX
(roles with exports.run; each download is audited). The period is in the URL (?from=…&to=…), so a statement can
be bookmarked; it defaults to the start of the month before last up to today."""

from datetime import date, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import client_ip, signed_in
from dashboard.components.finance_nav import back_link, fact, message_card
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from domain.formatting import format_date, format_money
from domain.inputs import business_today
from domain.services.access import record_refusal
from domain.services.receivables import Statement, customer_statement
from domain.services.statements import statement_file

KINDS = {"invoice": "Invoice", "void": "Void", "payment": "Payment"}
_WIDE = {"classes": "gt-xs text-no-wrap", "headerClasses": "gt-xs"}
COLUMNS = [  # on a phone: the document (date, amount and detail under it) and the balance
    {"name": "day", "label": "Date", "field": "day", "align": "left", **_WIDE},
    {"name": "number", "label": "Document", "field": "number", "align": "left"},
    {"name": "detail", "label": "Detail", "field": "detail", "align": "left", "classes": "gt-xs",
     "headerClasses": "gt-xs"},
    {"name": "debit", "label": "Debit", "field": "debit", "align": "right", **_WIDE},
    {"name": "credit", "label": "Credit", "field": "credit", "align": "right", **_WIDE},
    {"name": "balance", "label": "Balance", "field": "balance", "align": "right", "classes": "text-no-wrap"},
]
_BOLD = ":class=\"props.row.bold ? 'text-weight-bold bg-grey-2' : ''\""
_NUMBER_CELL = f"""<q-td :props="props" {_BOLD}>
<div class="whitespace-nowrap">{{{{ props.value }}}}
<span v-if="!props.value" class="xs">{{{{ props.row.detail }}}}</span></div>
<div class="xs text-caption text-grey-7 whitespace-normal">{{{{ props.row.day }}}}<span v-if="props.value">
· {{{{ props.row.movement }}}} · {{{{ props.row.detail }}}}</span></div></q-td>"""
_PLAIN_CELL = f"""<q-td :props="props" {_BOLD}>{{{{ props.value }}}}</q-td>"""


def default_period(today: date) -> tuple[date, date]:
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    return (last_month - timedelta(days=1)).replace(day=1), today  # from the start of the month before last


def statement_rows(s: Statement) -> list[dict[str, Any]]:
    """The statement as the table shows it: the opening balance, the lines, the closing balance."""
    rows: list[dict[str, Any]] = [{"key": "opening", "day": format_date(s.date_from), "number": "",
                                   "detail": "Opening balance", "debit": "", "credit": "", "movement": "",
                                   "balance": format_money(s.opening_balance), "bold": True}]
    for n, line in enumerate(s.lines):
        due = f" · due {format_date(line.due_date)}" if line.due_date else ""
        rows.append({"key": f"{n}", "day": format_date(line.day), "number": line.number,
                     "detail": f"{KINDS[line.kind]}: {line.detail}{due}",
                     "debit": format_money(line.debit) if line.debit else "",
                     "credit": format_money(line.credit) if line.credit else "",
                     "movement": f"+{format_money(line.debit)}" if line.debit else f"−{format_money(line.credit)}",
                     "balance": format_money(line.balance), "bold": False})
    rows.append({"key": "closing", "day": format_date(s.date_to), "number": "", "detail": "Closing balance",
                 "debit": format_money(s.total_debit), "credit": format_money(s.total_credit), "movement": "",
                 "balance": format_money(s.closing_balance), "bold": True})
    return rows


async def statement_page(customer_id: str, request: Request) -> RedirectResponse | None:
    path = f"/finance/statement/{customer_id}"
    actor = await signed_in("finance.view", path=path)
    if not isinstance(actor, Actor):
        return actor
    start, end = default_period(business_today())
    query = request.query_params
    with frame("Customer statement", actor):
        back_link("/finance/receivables", "Receivables")
        with ui.row(wrap=True, align_items="end").classes("w-full gap-2"):
            date_from = ui.date_input("From", value=query.get("from") or start.isoformat()) \
                .props("outlined dense").classes("w-40").mark("statement-from")
            date_to = ui.date_input("To", value=query.get("to") or end.isoformat()) \
                .props("outlined dense").classes("w-40").mark("statement-to")
            show = ui.button("Show", icon="refresh").props("unelevated no-caps").mark("statement-show")
            ui.space()
            buttons = ui.row().classes("gap-2")
        holder = ui.column().classes("w-full gap-3").mark("statement")
        with holder:
            ui.spinner(size="lg")
    view = StatementView(actor, customer_id, holder, date_from, date_to)
    if actor.can("exports.run"):
        with buttons:
            for fmt in ("pdf", "xlsx"):
                ui.button(f"Download {fmt.upper()}", icon="download", on_click=lambda f=fmt: view.download(f)) \
                    .props("outline no-caps").mark(f"statement-{fmt}")
    show.on_click(view.load)
    await ui.context.client.connected()
    await view.load()
    return None


class StatementView:
    def __init__(self, actor: Actor, raw_id: str, holder: ui.column, date_from: ui.input, date_to: ui.input) -> None:
        self.actor, self.raw_id, self.holder = actor, raw_id, holder
        self.date_from, self.date_to = date_from, date_to
        self.statement: Statement | None = None

    def _customer_id(self) -> int:
        if not self.raw_id.isdigit() or len(self.raw_id) > 18:
            raise NotFound("There is no such customer.")
        return int(self.raw_id)

    def _period(self) -> dict[str, Any]:
        return {"date_from": self.date_from.value or "", "date_to": self.date_to.value or ""}

    async def load(self) -> None:
        self.date_from.error = self.date_to.error = None
        try:
            statement = await run.io_bound(customer_statement, self.actor, customer_id=self._customer_id(),
                                           **self._period())
        except ValidationFailed as exc:
            self._field_errors(exc)
            return
        except PermissionDenied as exc:
            await run.io_bound(record_refusal, self.actor, what=f"/finance/statement/{self.raw_id}",
                               source_ip=client_ip())
            message_card(self.holder, "block", "Not permitted", exc.message, "statement-message")
            return
        except DomainError as exc:
            message_card(self.holder, "search_off", "No such customer", exc.message, "statement-message")
            return
        if statement is None or self.holder.is_deleted:
            return
        self.statement = statement
        ui.page_title(f"Statement: {statement.customer} · {PRODUCT}")
        ui.navigate.history.replace(f"/finance/statement/{self.raw_id}?from={statement.date_from.isoformat()}"
                                    f"&to={statement.date_to.isoformat()}")
        self.holder.clear()
        with self.holder:
            self._show(statement)

    def _field_errors(self, exc: ValidationFailed) -> None:
        fields = {"From": self.date_from, "To": self.date_to}
        for label, text in exc.errors.items():
            if label in fields:
                fields[label].error = f"{label} {text}"
            else:
                ui.notify(f"{label}: {text}", type="negative")

    @staticmethod
    def _show(s: Statement) -> None:
        with ui.card().classes("w-full gap-3"):
            ui.label(s.customer + (f" ({s.code})" if s.code else "")).classes("text-h6").mark("statement-customer")
            with ui.element("div").classes("grid grid-cols-2 md:grid-cols-5 gap-x-6 gap-y-3 w-full"):
                fact("Period", f"{format_date(s.date_from)} to {format_date(s.date_to)}", "statement-period")
                fact("Opening balance", format_money(s.opening_balance), "statement-opening")
                fact("Invoiced", format_money(s.total_debit), "statement-debit")
                fact("Paid or voided", format_money(s.total_credit), "statement-credit")
                fact("Closing balance", format_money(s.closing_balance), "statement-closing")
            if s.closing_balance < 0:
                ui.label("A negative balance is money held for the customer.").classes("text-caption text-grey-7")
        table = ui.table(columns=COLUMNS, rows=statement_rows(s), row_key="key").classes("w-full") \
            .props('flat bordered dense wrap-cells hide-pagination :rows-per-page-options="[0]"') \
            .mark("statement-lines")
        table.add_slot("body-cell-number", _NUMBER_CELL)
        for name in ("day", "debit", "credit", "balance", "detail"):
            table.add_slot(f"body-cell-{name}", _PLAIN_CELL)
        if not s.lines:
            ui.label("Nothing invoiced, voided or paid in this period.").classes("text-grey-7") \
                .mark("statement-empty")

    async def download(self, fmt: str) -> None:
        try:
            made = await run.io_bound(statement_file, self.actor, customer_id=self._customer_id(), fmt=fmt,
                                      **self._period())
        except ValidationFailed as exc:
            self._field_errors(exc)
            return
        except DomainError as exc:
            with self.holder:
                ui.notify(exc.message, type="negative")
            return
        if made is not None and not self.holder.is_deleted:
            with self.holder:
                ui.download.content(made.content, made.filename, made.media_type)


PAGES = [Page("/finance/statement/{customer_id}", statement_page, permission="finance.view")]
