"""What the finance pages share: the row of links between them, a message card for a refusal, a label/value fact,
and the invoice status badge colours."""

from typing import Any

from nicegui import ui

from domain.models import InvoiceStatus

SECTIONS = [  # (path, label, icon)
    ("/finance", "Overview", "account_balance_wallet"),
    ("/finance/invoices", "Invoices", "request_quote"),
    ("/finance/payments", "Payments", "payments"),
    ("/finance/receivables", "Receivables", "hourglass_bottom"),
    ("/finance/expenses", "Expenses", "receipt"),  # dashboard/pages/finance_expenses.py
]
STATUS_COLORS = {InvoiceStatus.OPEN: "primary", InvoiceStatus.PARTIALLY_PAID: "orange-9",
                 InvoiceStatus.PAID: "positive", InvoiceStatus.VOID: "grey-7"}


def finance_tabs(current: str) -> None:
    """Tabs between the finance pages (scrolling sideways on a phone); the one open now is selected."""

    def go(event: Any) -> None:
        if event.value != current:
            ui.navigate.to(event.value)

    with ui.tabs(value=current, on_change=go) \
            .props("dense inline-label no-caps outside-arrows mobile-arrows align=left active-color=primary "
                   "indicator-color=primary").classes("w-full text-grey-8 border-b border-gray-300") \
            .mark("finance-tabs"):
        for path, label, icon in SECTIONS:
            ui.tab(path, label, icon=icon).mark(f"tab-{path.rsplit('/', 1)[1]}")


def back_link(target: str, text: str) -> None:
    with ui.link(target=target).classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label(text)


def message_card(holder: ui.element, icon: str, title: str, text: str, marker: str) -> None:
    """Replace what `holder` shows with a refusal or "not found" message."""
    holder.clear()
    with holder, ui.card().classes("q-pa-lg gap-2"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon, size="md").classes("text-negative" if icon == "block" else "text-grey-7")
            ui.label(title).classes("text-h6")
        ui.label(text).classes("break-words").mark(marker)


def fact(label: str, value: str, marker: str | None = None) -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-caption text-grey-7")
        shown = ui.label(value).classes("text-body1 break-words")
        if marker:
            shown.mark(marker)


def status_badge(status: InvoiceStatus, marker: str | None = None) -> ui.badge:
    badge = ui.badge(status.label, color=STATUS_COLORS[status]).props("rounded")
    if marker:
        badge.mark(marker)
    return badge
