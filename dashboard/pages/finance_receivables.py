"""/finance/receivables: what customers in the user's area owe at an as-of date (today unless chosen) — per region
(outstanding, overdue, the ageing buckets, credit limit, headroom, last payment, with totals) and, per customer, the
shared table (filter, totals, export). A customer's row opens their statement."""

from datetime import date
from decimal import Decimal

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import signed_in
from dashboard.components.data_table import DataTable, data_table
from dashboard.components.finance_nav import finance_tabs
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError
from domain.events import DomainEvent
from domain.formatting import format_date, format_money
from domain.inputs import business_today
from domain.services.receivables import AGEING, RegionReceivables, receivables_by_region, receivables_table

FOLLOWS = ("payment.", "invoice.", "order.")
_WIDE = {"classes": "gt-sm", "headerClasses": "gt-sm"}  # on a phone: region, outstanding, overdue
REGION_COLUMNS = [
    {"name": "region", "label": "Region", "field": "region", "align": "left"},
    {"name": "owing", "label": "Customers owing", "field": "owing", "align": "right", **_WIDE},
    {"name": "outstanding", "label": "Outstanding", "field": "outstanding", "align": "right"},
    {"name": "overdue", "label": "Overdue", "field": "overdue", "align": "right"},
    *({"name": b.key, "label": b.label, "field": b.key, "align": "right", **_WIDE} for b in AGEING),
    {"name": "credit_limit", "label": "Credit limit", "field": "credit_limit", "align": "right", **_WIDE},
    {"name": "headroom", "label": "Headroom", "field": "headroom", "align": "right", **_WIDE},
    {"name": "last_payment", "label": "Last payment", "field": "last_payment", "align": "left", **_WIDE},
]
_TOTAL_ROW = """<q-tr class="bg-grey-2 text-weight-bold"><q-td v-for="col in props.cols" :key="col.name"
:class="[col.__thClass, col.align === 'right' ? 'text-right' : '']">{{ col.total }}</q-td></q-tr>"""
SUMMED = ("outstanding", "overdue", *(b.key for b in AGEING), "credit_limit", "headroom")


def region_rows(regions: list[RegionReceivables]) -> list[dict[str, str]]:
    return [{"key": str(r.region_id), "region": r.region, "owing": f"{r.owing:,} of {r.customers:,}",
             "outstanding": format_money(r.outstanding), "overdue": format_money(r.overdue),
             **{b.key: format_money(r.buckets[b.key]) for b in AGEING},
             "credit_limit": format_money(r.credit_limit), "headroom": format_money(r.headroom),
             "last_payment": format_date(r.last_payment) if r.last_payment else "—"} for r in regions]


def region_columns(regions: list[RegionReceivables]) -> list[dict[str, object]]:
    """The columns with each figure's total over the regions shown (exact: Decimal sums)."""
    totals: dict[str, str] = {"region": "Total"}
    for key in SUMMED:
        values = [r.buckets[key] if key in r.buckets else getattr(r, key) for r in regions]
        totals[key] = format_money(sum(values, Decimal("0.00")))
    totals["owing"] = f"{sum(r.owing for r in regions):,} of {sum(r.customers for r in regions):,}"
    return [{**c, "total": totals.get(str(c["name"]), "")} for c in REGION_COLUMNS]


def region_table(regions: list[RegionReceivables]) -> ui.table:
    table = ui.table(columns=region_columns(regions), rows=region_rows(regions), row_key="key").classes("w-full") \
        .props('flat bordered dense hide-pagination :rows-per-page-options="[0]"').mark("receivables-regions")
    table.add_slot("bottom-row", _TOTAL_ROW)
    return table


async def receivables_page(as_of: str = "") -> RedirectResponse | None:
    actor = await signed_in("finance.view", path="/finance/receivables")
    if not isinstance(actor, Actor):
        return actor
    try:
        day = date.fromisoformat(as_of) if as_of else business_today()
    except ValueError:
        day = business_today()
    with frame("Receivables", actor) as body:
        finance_tabs("/finance/receivables")
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"What customers in {area} owe and how late, per region and per customer. Open a customer for "
                     "their statement.").classes("text-grey-7")
            picker = ui.date_input("As of", value=day.isoformat()).props("outlined dense hide-bottom-space") \
                .classes("w-44").mark("receivables-as-of")
        ui.label("Per region").classes("text-subtitle1 text-weight-medium")
        regions = ui.column().classes("w-full")
        with regions:
            ui.spinner(size="lg")
        customers = ui.column().classes("w-full gap-2")
    await ui.context.client.connected()
    state: dict[str, DataTable | None] = {"table": None}

    async def load(*, rebuild: bool) -> None:
        chosen = str(picker.value or "")
        try:
            found = await run.io_bound(receivables_by_region, actor, as_of=chosen or None)
            source = await run.io_bound(receivables_table, actor, as_of=chosen or None) if rebuild else None
        except DomainError as exc:
            picker.error = exc.message
            return
        if found is None or regions.is_deleted:  # None: the app is stopping
            return
        picker.error = None
        regions.clear()
        with regions:
            region_table(found)
        if source is not None:
            customers.clear()
            with customers:
                ui.label(source.title).classes("text-subtitle1 text-weight-medium").mark("receivables-title")
                state["table"] = data_table(
                    actor, source, page_size=25,
                    on_row_click=lambda row: ui.navigate.to(f"/finance/statement/{row['id']}"))
        elif state["table"] is not None:
            await state["table"].refresh()

    async def heard(_events: list[DomainEvent]) -> None:
        await load(rebuild=False)

    picker.on_value_change(lambda: load(rebuild=True))
    with body:
        live.follow(actor, FOLLOWS, heard)
    await load(rebuild=True)
    return None


PAGES = [Page("/finance/receivables", receivables_page, permission="finance.view")]
