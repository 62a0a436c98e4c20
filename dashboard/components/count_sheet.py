"""The pieces of a stock count on screen: the count sheet (one large input per product, no system figures, so the
count is blind) and the variance review (system vs counted, the variance and its value, with totals)."""

from decimal import Decimal
from typing import Any

from nicegui import ui

from domain.formatting import format_date, format_datetime, format_money, format_quantity
from domain.models import CountStatus
from domain.services.counts import CountLineView, CountSheet

STATUS_COLORS = {CountStatus.DRAFT: "orange-8", CountStatus.POSTED: "positive", CountStatus.CANCELLED: "grey-7"}

_SHEET_CSS = """
.count-qty input { font-size: 1.35rem; text-align: right; }
.count-qty { width: 9.5rem; }
.count-line + .count-line { border-top: 1px solid rgba(0, 0, 0, 0.08); }
.body--dark .count-line + .count-line { border-top-color: rgba(255, 255, 255, 0.12); }
.count-actions { position: sticky; bottom: 0; z-index: 2; background: #fafafa; padding: 8px 0;
                 box-shadow: 0 -6px 6px -6px rgba(0, 0, 0, 0.25); }
.body--dark .count-actions { background: var(--q-dark-page); }
.variance-neg { color: var(--q-negative); font-weight: 500; }
.variance-pos { color: var(--q-positive); font-weight: 500; }
@media (max-width: 599px) {
  .count-line { padding-left: 12px !important; padding-right: 12px !important; }
  .count-qty { width: 8.5rem; }
  .variance-table .q-table th, .variance-table .q-table td { padding: 6px 4px; font-size: 12px; }
  .variance-table .q-table th:first-child, .variance-table .q-table td:first-child { padding-left: 10px; }
}
"""

_VARIANCE_CELL = """
<q-td :props="props" :class="props.row.tone" style="white-space: nowrap">{{ props.value }}</q-td>
"""

_TOTALS_ROW = """
<q-tr class="bg-grey-2 text-weight-bold">
  <q-td v-for="col in props.cols" :key="col.name" :class="'text-' + col.align">{{ col.total }}</q-td>
</q-tr>
"""


def add_css() -> None:
    ui.add_css(_SHEET_CSS)


def signed_quantity(qty: Decimal | None) -> str:
    if qty is None:
        return "—"
    return ("+" if qty > 0 else "") + format_quantity(qty)


def count_header(sheet: CountSheet) -> None:
    """Number, status, place and date; who started and posted it."""
    with ui.row(wrap=True, align_items="center").classes("gap-2"):
        ui.label(sheet.number).classes("text-h5").mark("count-number")
        ui.badge(sheet.status.value.capitalize(), color=STATUS_COLORS[sheet.status]).props("rounded") \
            .mark("count-status")
    facts = [("Location", sheet.location_name), ("Business date", format_date(sheet.business_date)),
             ("Started by", sheet.started_by or "—")]
    if sheet.status is CountStatus.POSTED:
        facts.append(("Posted", f"{format_datetime(sheet.posted_at)} by {sheet.posted_by or '—'}"))
    if sheet.note:
        facts.append(("Note", sheet.note))
    with ui.column().classes("gap-1"):
        for label, value in facts:
            with ui.row().classes("gap-3 no-wrap"):
                ui.label(label).classes("text-grey-7 w-28 shrink-0")
                ui.label(value).classes("break-words min-w-0")


def count_entry(sheet: CountSheet) -> dict[int, ui.input]:
    """One row per product with a large decimal input for what was counted; returns the inputs by product id."""
    inputs: dict[int, ui.input] = {}
    with ui.card().classes("w-full max-w-3xl q-pa-none gap-0").mark("count-sheet"):
        for line in sheet.lines:
            with ui.row(wrap=False, align_items="center").classes("count-line w-full q-px-md q-py-sm gap-3"):
                with ui.column().classes("gap-0 grow min-w-0"):
                    ui.label(line.name).classes("text-body1 font-medium break-words")
                    ui.label(line.sku).classes("text-caption text-grey-7 break-all")
                field = ui.input(value="" if line.counted_qty is None else format_quantity(line.counted_qty)) \
                    .props(f"outlined inputmode=decimal autocomplete=off suffix='{line.unit}' "
                           f"aria-label='Counted {line.name}'") \
                    .classes("count-qty shrink-0").mark(f"counted-{line.sku}")
                inputs[line.product_id] = field
    return inputs


def entered(inputs: dict[int, ui.input]) -> dict[int, str]:
    """What the sheet holds now, {product id: text} (blank: not counted). The service parses the text, so
    "1,250.5" (thousands grouped) is read as 1250.5 and "2,5" is refused rather than taken for 25."""
    return {product_id: str(field.value or "").strip() for product_id, field in inputs.items()}


def _row(line: CountLineView, counted_only: bool) -> dict[str, Any]:
    tone = ""
    if line.variance:
        tone = "variance-neg" if line.variance < 0 else "variance-pos"
    return {
        "id": line.product_id, "product": line.name, "unit": line.unit,
        "system": "" if counted_only else format_quantity(line.system_qty),
        "counted": "—" if line.counted_qty is None else format_quantity(line.counted_qty),
        "variance": "" if counted_only else signed_quantity(line.variance),
        "value": "" if counted_only or not line.variance_value else format_money(line.variance_value),
        "tone": tone,
    }


def variance_table(sheet: CountSheet) -> ui.table:
    """System vs counted per product, the variance and its value at standard cost, and a totals row. A draft shows
    the stock now; a posted count the stock it was posted against; a cancelled one only what was counted."""
    counted_only = sheet.status is CountStatus.CANCELLED
    shown = sheet.lines if counted_only else sorted(
        sheet.lines, key=lambda line: (line.variance_value is None or line.variance_value == 0,
                                       line.variance_value or 0, line.name))
    columns = [
        {"name": "product", "label": "Product", "field": "product", "align": "left",
         "total": f"{sheet.lines_with_variance} of {len(sheet.lines)} differ"},
        {"name": "unit", "label": "Unit", "field": "unit", "align": "left", "total": "",
         "classes": "gt-xs", "headerClasses": "gt-xs"},
        {"name": "system", "label": "System", "field": "system", "align": "right", "total": ""},
        {"name": "counted", "label": "Counted", "field": "counted", "align": "right", "total": ""},
        {"name": "variance", "label": "Variance", "field": "variance", "align": "right", "total": ""},
        {"name": "value", "label": "Value", "field": "value", "align": "right",
         "total": "" if counted_only else format_money(sheet.variance_value)},
    ]
    if counted_only:
        columns = [c for c in columns if c["name"] in ("product", "unit", "counted")]
        columns[0]["total"] = ""
    table = ui.table(columns=columns, rows=[_row(line, counted_only) for line in shown], row_key="id",
                     pagination=0).props("flat bordered dense wrap-cells hide-bottom") \
        .classes("variance-table w-full max-w-4xl").mark("variance-table")
    table.add_slot("body-cell-variance", _VARIANCE_CELL)
    table.add_slot("body-cell-value", _VARIANCE_CELL)
    if not counted_only:
        table.add_slot("bottom-row", _TOTALS_ROW)
    return table
