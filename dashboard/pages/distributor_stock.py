"""/orders/distributors: distributor stock — sell-in against sell-through for the distributors in the user's area
over a period (the last 30 days unless chosen): one card per region (and the total), a chart of sell-in against
sell-through by region, every distributor in the shared data table, and a distributor's products when its row is
clicked. The figures come from domain.services.distributor_stock (see there for what each one counts)."""

from decimal import Decimal
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.charts import bar_chart, bar_figure
from dashboard.components.data_table import DataTable, data_table
from dashboard.components.forms import clear_errors, show_errors
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.formatting import format_money, format_quantity
from domain.services.distributor_stock import (
    PERMISSION,
    Period,
    RegionFigures,
    distributor_products_table,
    distributor_stock_table,
    period,
    region_summary,
)

PATH = "/orders/distributors"
TITLE = "Distributor stock"
_CSS = """
.ds-period .q-field--with-bottom { padding-bottom: 0; }
.ds-period .q-field__bottom { position: static; transform: none; padding: 2px 12px 0; min-height: 0; }
"""
_BLANK_IS_DASH = """
<q-td :props="props">{{ props.value === '' ? '—' : props.value }}</q-td>
"""  # no rate without sell-in, no cover without sell-through
_NAME_CELL = """
<q-td :props="props" style="white-space: normal; min-width: 9rem">{{ props.value }}</q-td>
"""  # names wrap; the figures stay on one line each


def _rate(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _cells(table: DataTable, name: str) -> None:
    table.table.add_slot(f"body-cell-{name}", _NAME_CELL)
    for key in ("rate", "days_cover"):
        table.table.add_slot(f"body-cell-{key}", _BLANK_IS_DASH)


def _figure(label: str, value: Decimal, qty: Decimal, marker: str) -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-caption text-grey-7")
        ui.label(format_money(value)).classes("text-subtitle2 text-weight-medium whitespace-nowrap").mark(marker)
        ui.label(f"{format_quantity(qty)} units").classes("text-caption text-grey-7")


def _region_card(figures: RegionFigures, *, total: bool = False) -> None:
    slug = "total" if total else figures.name.lower().replace(" ", "-")
    tone = "bg-primary text-white" if total else ""
    with ui.card().classes("w-full gap-2 q-pa-md").mark(f"region-{slug}"):
        with ui.row(wrap=False, align_items="center").classes("w-full justify-between gap-2"):
            with ui.column().classes("gap-0 min-w-0"):
                ui.label(figures.name).classes("text-subtitle1 text-weight-medium ellipsis")
                noun = "distributor" if figures.distributors == 1 else "distributors"
                ui.label(f"{figures.distributors} {noun}").classes("text-caption text-grey-7")
            with ui.column().classes("gap-0 items-end"):
                ui.badge(_rate(figures.rate), color="primary" if total else "secondary") \
                    .classes(f"text-body2 q-px-sm {tone}").mark(f"rate-{slug}")
                ui.label("sell-through").classes("text-caption text-grey-7")
        with ui.element("div").classes("grid grid-cols-2 gap-x-4 gap-y-2 w-full"):
            _figure("Sell-in", figures.sell_in_value, figures.sell_in_qty, f"sell-in-{slug}")
            _figure("Sell-through", figures.through_value, figures.through_qty, f"through-{slug}")
            _figure("Sell-out", figures.sell_out_value, figures.sell_out_qty, f"sell-out-{slug}")
            _figure("Stock on hand", figures.on_hand_value, figures.on_hand_qty, f"on-hand-{slug}")


def _region_line(figures: RegionFigures, *, total: bool = False) -> None:
    """A region in two lines, for phones: name and rate, then the four values."""
    slug = "total" if total else figures.name.lower().replace(" ", "-")
    with ui.column().classes("w-full gap-0 q-py-sm border-b border-gray-200").mark(f"region-line-{slug}"):
        with ui.row(wrap=False, align_items="baseline").classes("w-full justify-between gap-2"):
            ui.label(figures.name).classes("text-subtitle2 text-weight-medium" + (" text-primary" if total else ""))
            ui.label(f"{_rate(figures.rate)} sell-through").classes("text-body2 text-weight-medium whitespace-nowrap")
        with ui.row(wrap=True).classes("gap-x-3 gap-y-0 text-caption text-grey-8"):
            for label, value in (("Sell-in", figures.sell_in_value), ("sell-through", figures.through_value),
                                 ("sell-out", figures.sell_out_value), ("stock", figures.on_hand_value)):
                ui.label(f"{label} {format_money(value)}").classes("whitespace-nowrap")


def _chart_series(regions: list[RegionFigures], by: str) -> list[tuple[str, list[Decimal]]]:
    if by == "value":
        return [("Sell-in", [r.sell_in_value for r in regions]), ("Sell-through", [r.through_value for r in regions])]
    return [("Sell-in", [r.sell_in_qty for r in regions]), ("Sell-through", [r.through_qty for r in regions])]


class DistributorStockView:
    """The period picker and what it shows; everything reloads from the services when the period changes."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.period: Period = period()
        self.regions: list[RegionFigures] = []
        self.total: RegionFigures | None = None
        self.table: DataTable | None = None
        self.products: DataTable | None = None
        self.chosen: tuple[int, str] | None = None  # the distributor whose products are shown
        self._generation = 0  # a slower answer for an older period never overwrites a newer one
        with ui.row(wrap=True, align_items="start").classes("ds-period w-full gap-2"):
            self.date_from = ui.date_input("From", value=self.period.start.isoformat()) \
                .props("outlined dense").classes("w-36 sm:w-40").mark("ds-from")
            self.date_to = ui.date_input("To", value=self.period.end.isoformat()) \
                .props("outlined dense").classes("w-36 sm:w-40").mark("ds-to")
            self.caption = ui.label().classes("text-caption text-grey-7 self-center w-full sm:w-auto").mark("ds-period")
        self.fields = {"From": self.date_from, "To": self.date_to}
        self.summary = ui.element("div").classes(  # cards; on a phone, one compact list instead
            "grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4 gap-3 w-full gt-xs").mark("ds-regions")
        with self.summary:
            ui.spinner(size="lg")
        self.phone_summary = ui.card().classes("w-full gap-0 q-px-md q-py-xs xs").mark("ds-regions-phone")
        with ui.card().classes("w-full gap-2 q-pa-md") as self.chart_card:
            with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
                ui.label("Sell-in and sell-through by region").classes("text-subtitle1 text-weight-medium")
                self.chart_by = ui.toggle({"value": "Value", "qty": "Quantity"}, value="value",
                                          on_change=self._redraw).props("dense no-caps unelevated").mark("ds-chart-by")
            self.chart = bar_chart([], [])
            ui.label("Values at the order prices: sell-in at distributor prices, sell-through at retailer prices.") \
                .classes("text-caption text-grey-7")
        self.chart_card.visible = False
        ui.label("Distributors").classes("text-h6 q-mt-sm")
        ui.label("Click a distributor for its products.").classes("text-caption text-grey-7 -mt-3")
        self.table_holder = ui.column().classes("w-full gap-2")
        self.breakdown = ui.column().classes("w-full gap-2").mark("ds-breakdown")
        self.date_from.on_value_change(self.load)
        self.date_to.on_value_change(self.load)

    async def load(self) -> None:
        clear_errors(self.fields)
        self._generation += 1
        generation = self._generation
        try:
            summary = await run.io_bound(region_summary, self.actor, date_from=self.date_from.value,
                                         date_to=self.date_to.value)
            if summary is None:  # the app is shutting down
                return
            wanted, regions = summary.period, summary.regions
            source = await run.io_bound(distributor_stock_table, self.actor, date_from=wanted.start,
                                        date_to=wanted.end)
        except ValidationFailed as exc:
            if generation == self._generation:
                show_errors(self.fields, exc)
            return
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        if source is None or self.summary.is_deleted or generation != self._generation:
            return
        self.period, self.regions, self.total = wanted, regions, summary.total
        self.caption.text = f"{wanted.days} days: {wanted.label}"
        self._show_summary()
        self.table_holder.clear()
        with self.table_holder:
            self.table = data_table(self.actor, source, page_size=25, on_row_click=self.open_distributor)
            _cells(self.table, "distributor")
        if self.chosen is not None:
            await self._show_products(*self.chosen)

    def _show_summary(self) -> None:
        self.summary.clear()
        self.phone_summary.clear()
        total = [self.total] if self.total is not None and len(self.regions) > 1 else []
        with self.summary:
            if not self.regions:
                ui.label("There are no distributors in your area.").classes("text-grey-7")
            for figures in total:
                _region_card(figures, total=True)
            for figures in self.regions:
                _region_card(figures)
        with self.phone_summary:
            if not self.regions:
                ui.label("There are no distributors in your area.").classes("text-grey-7 q-py-sm")
            for figures in total:
                _region_line(figures, total=True)
            for figures in self.regions:
                _region_line(figures)
        self.chart_card.visible = bool(self.regions)
        self._redraw()

    def _redraw(self) -> None:
        names = [r.name for r in self.regions]
        by = str(self.chart_by.value)
        self.chart.update_figure(bar_figure(names, _chart_series(self.regions, by), money=by == "value"))

    async def open_distributor(self, row: dict[str, Any]) -> None:
        await self._show_products(int(row["id"]), str(row["distributor"]))
        ui.run_javascript(f"getHtmlElement({self.breakdown.id}).scrollIntoView({{behavior: 'smooth'}})")

    async def _show_products(self, distributor_id: int, name: str) -> None:
        try:
            source = await run.io_bound(distributor_products_table, self.actor, distributor_id=distributor_id,
                                        date_from=self.period.start, date_to=self.period.end)
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        if source is None or self.breakdown.is_deleted:
            return
        self.chosen = (distributor_id, name)
        self.breakdown.clear()
        with self.breakdown:
            with ui.row(wrap=False, align_items="center").classes("w-full justify-between gap-2 q-mt-sm"):
                ui.label(f"{name}: products").classes("text-h6 break-words min-w-0").mark("ds-breakdown-title")
                ui.button(icon="close", on_click=self._close_products) \
                    .props("flat round dense aria-label=Close").tooltip("Close").mark("ds-breakdown-close")
            self.products = data_table(self.actor, source, page_size=25)
            _cells(self.products, "product")

    def _close_products(self) -> None:
        self.chosen, self.products = None, None
        self.breakdown.clear()


async def distributor_stock_page() -> RedirectResponse | None:
    actor = await signed_in(PERMISSION, path=PATH)
    if not isinstance(actor, Actor):
        return actor
    ui.add_css(_CSS)
    with frame(TITLE, actor):
        area = actor.scope_name or "the whole company"
        ui.label(f"What the distributors in {area} bought from the factories (sell-in), sold on to their retailers "
                 "(sell-through) and what those retailers sold (sell-out), with the stock they hold now.") \
            .classes("text-grey-7")
        view = DistributorStockView(actor)
    await ui.context.client.connected()
    await view.load()
    return None


PAGES = [Page(PATH, distributor_stock_page, TITLE, "warehouse", PERMISSION, order=34)]
