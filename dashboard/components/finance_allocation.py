"""Allocating a payment to a customer's open invoices: oldest first (shown as a preview of what each invoice would
get), or chosen by hand (a tick and an optional amount per invoice: blank means "as much as fits"), with what
stays as credit shown live, in exact decimals. The service decides; this only shows what it will do and collects
the choice as `[{invoice_id, amount}]`.

    picker = AllocationPicker(on_change=...)
    picker.show(open_invoices, available=Decimal("500.00"), mode="oldest")
    picker.wanted()        # None: oldest first; []: nothing chosen; else the chosen invoices
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nicegui import ui

from domain.formatting import format_date, format_money
from domain.inputs import blank, number
from domain.services.invoices import OpenInvoice
from domain.types import MONEY_PLACES

ZERO = Decimal("0.00")
GETS_CLASSES = "text-body2 text-right whitespace-nowrap shrink-0"
_amount = number(MONEY_PLACES)


def parse_amount(text: Any) -> Decimal | None:
    """The amount typed, or None when it is blank or not a positive amount in cents."""
    if blank(text):
        return None
    try:
        return _amount(text)
    except ValueError:
        return None


def oldest_first(invoices: list[OpenInvoice], available: Decimal) -> dict[int, Decimal]:
    """What oldest first gives each invoice (in the service's order: due first)."""
    left, plan = available, {}
    for invoice in invoices:
        if left <= 0:
            break
        share = min(left, invoice.balance)
        if share > 0:
            plan[invoice.id] = share
            left -= share
    return plan


@dataclass
class _Row:
    invoice: OpenInvoice
    tick: ui.checkbox
    amount: ui.input
    gets: ui.label


class AllocationPicker(ui.column):
    def __init__(self, *, on_change: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.classes("w-full gap-1").mark("allocation-picker")
        self.on_change = on_change
        self.invoices: list[OpenInvoice] = []
        self.available: Decimal | None = None
        self.mode = "oldest"
        self.rows: list[_Row] = []
        self.sent: list[_Row] = []  # the rows of the last `wanted()`, in order: "Allocation 2 …" is sent[1]

    def show(self, invoices: list[OpenInvoice], *, available: Decimal | None, mode: str) -> None:
        """(Re)draw the list for these invoices; keeps ticks and amounts of invoices still listed."""
        kept = {row.invoice.id: (row.tick.value, row.amount.value) for row in self.rows}
        self.invoices, self.available, self.mode = invoices, available, mode
        self.clear()
        self.rows = []
        with self:
            if not invoices:
                ui.label("This customer has no open invoices: the payment stays as credit.") \
                    .classes("text-body2 text-grey-7").mark("allocation-none-open")
                return
            total = sum((i.balance for i in invoices), ZERO)
            ui.label(f"Open invoices, due first — {len(invoices)} owing {format_money(total)}") \
                .classes("text-caption text-grey-7")
            with ui.column().classes("w-full gap-0 overflow-y-auto q-pr-xs").style("max-height: 340px"):
                for invoice in invoices:
                    ticked, typed = kept.get(invoice.id, (False, ""))
                    self.rows.append(self._row(invoice, ticked, typed or ""))
        self.refresh()

    def _row(self, invoice: OpenInvoice, ticked: bool, typed: str) -> _Row:
        choosing = self.mode == "choose"
        with ui.row(wrap=False, align_items="center").classes("w-full gap-2 q-py-xs border-b border-gray-200") \
                .mark(f"allocation-{invoice.number}"):
            tick = ui.checkbox(value=ticked, on_change=self.refresh).props("dense").mark(f"pick-{invoice.number}")
            tick.visible = choosing
            with ui.row(wrap=True, align_items="center").classes("grow min-w-0 gap-x-2 gap-y-1"):
                with ui.column().classes("gap-0 grow min-w-[11rem]"):  # on a phone the amount drops below
                    ui.label(f"{invoice.number} · due {format_date(invoice.due_date)}").classes("text-body2")
                    ui.label(f"Balance {format_money(invoice.balance)} of {format_money(invoice.amount)}") \
                        .classes("text-caption text-grey-7")
                with ui.row(wrap=False, align_items="center").classes("gap-2 ml-auto"):
                    amount = ui.input("Amount", value=typed, placeholder="all that fits", on_change=self.refresh) \
                        .props("outlined dense hide-bottom-space inputmode=decimal").classes("w-32 shrink-0") \
                        .mark(f"amount-{invoice.number}")
                    amount.visible = choosing and ticked
                    gets = ui.label().classes(GETS_CLASSES).mark(f"gets-{invoice.number}")
        return _Row(invoice, tick, amount, gets)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        for row in self.rows:
            row.tick.visible = mode == "choose"
            row.amount.visible = mode == "choose" and bool(row.tick.value)
        self.refresh()

    def set_available(self, available: Decimal | None) -> None:
        self.available = available
        self.refresh()

    def plan(self) -> dict[int, Decimal]:
        """What each invoice would get now (as the service would allocate it, when the figures are valid)."""
        available = self.available if self.available is not None else ZERO
        if self.mode == "oldest":
            return oldest_first(self.invoices, available)
        if self.mode != "choose":
            return {}
        left, plan = available, {}
        for row in self.rows:
            if not row.tick.value:
                continue
            if blank(row.amount.value):  # as much as fits
                share = min(row.invoice.balance, max(left, ZERO))
            else:
                share = parse_amount(row.amount.value) or ZERO  # not an amount: the service will say so
            plan[row.invoice.id] = share
            left -= share
        return plan

    @property
    def allocated(self) -> Decimal:
        return sum(self.plan().values(), ZERO)

    def refresh(self) -> None:
        plan = self.plan()
        for row in self.rows:
            row.amount.visible = self.mode == "choose" and bool(row.tick.value)
            share = plan.get(row.invoice.id)
            row.gets.text = f"gets {format_money(share)}" if share else ""
            row.gets.classes(replace=GETS_CLASSES + (" text-negative" if share and share > row.invoice.balance else ""))
        if self.on_change is not None:
            self.on_change()

    def wanted(self) -> list[dict[str, Any]] | None:
        """None for oldest first; else the ticked invoices as the service takes them (amount None: all that fits)."""
        if self.mode == "oldest":
            self.sent = []
            return None
        self.sent = [row for row in self.rows if row.tick.value] if self.mode == "choose" else []
        return [{"invoice_id": row.invoice.id,
                 "amount": None if blank(row.amount.value) else str(row.amount.value).strip()} for row in self.sent]

    def clear_errors(self) -> None:
        for row in self.rows:
            row.amount.error = None

    def show_errors(self, errors: dict[str, str]) -> dict[str, str]:
        """Put "Allocation N …" errors next to the N-th chosen invoice; returns the errors it could not place."""
        rest: dict[str, str] = {}
        for label, text in errors.items():
            words = label.split()
            if len(words) == 3 and words[0] == "Allocation" and words[1].isdigit() and 0 < int(words[1]) <= len(
                    self.sent):
                row = self.sent[int(words[1]) - 1]
                row.amount.visible = True
                row.amount.error = f"{row.invoice.number}: {text}"
            else:
                rest[label] = text
        return rest
