"""The P&L as a statement: each line this period and the previous one, the change (green when it helps the margin,
red when it hurts: more revenue is good, more cost is bad), each line as a % of revenue, totals bold, the tertiary
sell-out as a memo line, and what the figures count in a sentence each."""

from decimal import Decimal
from typing import Any

from nicegui import ui

from domain.formatting import format_date, format_money, format_percent
from domain.services.profit_and_loss import EXPLAINED, PnlLine, ProfitAndLoss, margin

INCOME = {"Revenue", "Gross margin", "Net margin"}  # and the "… sales" lines: more is better
COLUMNS = [
    {"name": "label", "label": "", "field": "label", "align": "left"},
    {"name": "amount", "label": "This period", "field": "amount", "align": "right", "classes": "text-no-wrap"},
    {"name": "previous", "label": "Previous period", "field": "previous", "align": "right",
     "classes": "text-no-wrap gt-xs", "headerClasses": "gt-xs"},
    {"name": "change", "label": "Change", "field": "change", "align": "right", "classes": "text-no-wrap"},
    {"name": "share", "label": "% of revenue", "field": "share", "align": "right", "classes": "text-no-wrap gt-xs",
     "headerClasses": "gt-xs"},
]
_ROW = """
<q-tr :props="props" :class="props.row.total ? 'text-weight-bold bg-grey-2' : (props.row.memo ? 'text-italic' : '')"
      :data-line="props.row.label">
  <q-td key="label" :props="props" :class="props.row.total ? '' : 'q-pl-lg'" style="white-space: normal">
    {{ props.row.label }}
    <div class="xs text-caption text-grey-7 text-weight-regular">
      Previous: <span class="text-no-wrap">{{ props.row.previous }}</span></div>
  </q-td>
  <q-td key="amount" :props="props">{{ props.row.amount }}</q-td>
  <q-td key="previous" :props="props">{{ props.row.previous }}</q-td>
  <q-td key="change" :props="props" :class="props.row.tone">{{ props.row.change }}</q-td>
  <q-td key="share" :props="props">{{ props.row.share }}</q-td>
</q-tr>
"""


def good_when_up(label: str) -> bool:
    return label in INCOME or label.endswith(" sales")


def tone(label: str, moved: Decimal | None) -> str:
    """The change's colour: green when it helps the net margin, red when it hurts, grey when flat or unknown."""
    if moved is None or moved == 0:
        return "text-grey-7"
    return "text-positive" if (moved > 0) == good_when_up(label) else "text-negative"


def _row(pnl: ProfitAndLoss, line: PnlLine, *, memo: bool = False) -> dict[str, Any]:
    return {"key": line.label, "label": line.label, "amount": format_money(line.amount),
            "previous": format_money(line.previous), "change": format_percent(line.change, signed=True),
            "tone": tone(line.label, line.change), "share": "" if memo else format_percent(pnl.share(line)),
            "total": line.level == 0, "memo": memo}


def statement_rows(pnl: ProfitAndLoss) -> list[dict[str, Any]]:
    """The statement's lines as the table shows them, then the memo line."""
    return [*(_row(pnl, line) for line in pnl.lines()), _row(pnl, pnl.memo(), memo=True)]


def pnl_statement(pnl: ProfitAndLoss) -> None:
    """Headline facts, the statement table and the explanation, in the current container."""
    now = pnl.current
    with ui.element("div").classes("grid grid-cols-2 lg:grid-cols-4 gap-3 w-full").mark("pnl-headline"):
        _headline("Revenue", format_money(now.revenue), f"{format_date(pnl.date_from)} to {format_date(pnl.date_to)}",
                  "pnl-revenue")
        _headline("Gross margin", format_money(now.gross_margin),
                  f"{format_percent(margin(now.gross_margin, now.revenue))} of revenue", "pnl-gross")
        _headline("Net margin", format_money(now.net_margin),
                  f"{format_percent(margin(now.net_margin, now.revenue))} of revenue", "pnl-net")
        _headline("Expenses", format_money(now.total_expenses), "approved only", "pnl-expenses")
    area = pnl.area[:1].upper() + pnl.area[1:]
    ui.label(f"{area} · {format_date(pnl.date_from)} to {format_date(pnl.date_to)}, compared with "
             f"{format_date(pnl.previous_from)} to {format_date(pnl.previous_to)}") \
        .classes("text-body2 text-grey-8").mark("pnl-period")
    table = ui.table(columns=COLUMNS, rows=statement_rows(pnl), row_key="key").classes("w-full") \
        .props('flat bordered dense wrap-cells hide-pagination :rows-per-page-options="[0]"').mark("pnl-lines")
    table.add_slot("body", _ROW)
    with ui.expansion("What these figures count", icon="info").classes("w-full text-body2") \
            .props("dense").mark("pnl-explained"):
        with ui.column().classes("gap-1"):
            for text in EXPLAINED:
                ui.label(f"• {text}").classes("text-body2 text-grey-8")


def _headline(title: str, value: str, note: str, marker: str) -> None:
    with ui.card().props("flat bordered").classes("gap-0 q-pa-sm min-w-0"):
        ui.label(title).classes("text-caption text-grey-7")
        ui.label(value).classes("text-base sm:text-xl text-weight-medium break-words").mark(marker)
        ui.label(note).classes("text-caption text-grey-7")
