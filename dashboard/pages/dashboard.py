"""/dashboard: the executive dashboard — KPI cards and charts for the viewer's area, filtered by period, place,
factory and product category (the filters live in the URL, so a view can be bookmarked and shared), drilling down
the geography from the sales chart, and live: when a production log, an order, a payment, an expense, an invoice or
a stock move is committed inside the viewer's area (in any browser, or another app process), the cards and charts
change in place within a second. The figures come from `domain.services.dashboard`, memoised per scope and filters
until the next event, so a burst of postings costs one computation however many people watch.
"""

import asyncio
from collections import OrderedDict
from dataclasses import replace
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import signed_in
from dashboard.components.charts import Plot, bar_figure, serialised, trend_figure
from dashboard.components.kpi_card import KpiCard
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.events import DomainEvent
from domain.services.dashboard import (
    PERIODS,
    Chart,
    DashboardChoices,
    DashboardData,
    DashboardFilters,
    dashboard_choices,
    dashboard_data,
    filters_from_query,
    memoised_dashboard_data,
)

FOLLOWS = ("production.", "order.", "payment.", "expense.", "invoice.", "stock.", "stock_count.posted")
CHART_ORDER = ("regions", "tiers", "production", "products", "stock", "ageing")
TRENDS = {"production", "tiers"}
STACKED = {"ageing"}

_CSS = """
.live-state { font-size: 12px; display: inline-flex; align-items: center; gap: 6px; }
.live-state .live-dot { width: 8px; height: 8px; border-radius: 50%; background: #2f855a; }
.live-state[data-state=reconnecting] .live-dot { background: #c53030; animation: live-blink 1s infinite; }
@keyframes live-blink { 50% { opacity: .3; } }
.dashboard-filters .q-field { min-width: 0; }
"""

# Socket.io tells the browser when the connection to the server drops and comes back; the indicator follows it.
_LIVE_JS = """
const el = document.getElementById('c%d');
if (el && window.socket) {
  const set = (up) => { el.dataset.state = up ? 'live' : 'reconnecting';
                        el.querySelector('.live-text').textContent = up ? 'Live' : 'Reconnecting…'; };
  window.socket.on('connect', () => set(true));
  window.socket.on('disconnect', () => set(false));
  set(window.socket.connected);
}
"""


@lru_cache(maxsize=256)
def _figure(chart: Chart) -> Any:
    """The chart's figure as JSON: viewers of one view share one `Chart` (the service's memo), so one copy each."""
    return serialised(_figure_dict(chart))


def _figure_dict(chart: Chart) -> dict[str, Any]:
    series = [(s.name, s.values) for s in chart.series]
    if chart.key == "stock":  # "Product · Place" on two lines, so a phone keeps both readable
        return bar_figure([c.replace(" · ", "<br>") for c in chart.categories], series, money=chart.money)
    if chart.key in TRENDS:
        return trend_figure(chart.categories, series, money=chart.money)
    return bar_figure(chart.categories, series, money=chart.money, stacked=chart.key in STACKED)


_figures_of: "OrderedDict[int, tuple[DashboardData, dict[str, Any]]]" = OrderedDict()


def _figures(data: DashboardData) -> dict[str, Any]:
    """Each chart's figure (None: nothing to show), made once per computation for all of its viewers — and the very
    same JSON object as before for a chart that did not change, so each page finds what changed by identity instead
    of comparing every figure (a hundred viewers, six charts)."""
    known = _figures_of.get(id(data))
    if known is not None and known[0] is data:
        return known[1]
    figures = {key: None if chart.is_empty else _figure(chart) for key, chart in data.charts.items()}
    _figures_of[id(data)] = (data, figures)
    while len(_figures_of) > 32:
        _figures_of.popitem(last=False)
    return figures


_loading: dict[tuple[str | None, DashboardFilters], "asyncio.Future[DashboardData]"] = {}


async def _dashboard_data(actor: Actor, filters: DashboardFilters) -> DashboardData:
    """The service's figures for the view. When an event reaches a hundred open dashboards at once, the first of a
    view's pages asks the service on a thread and the others wait for that same answer instead of taking a thread
    each (the service memoises per scope and filters, so the answer is the one they would have got); each viewer's
    permission and filters are still checked by the service first."""
    data = memoised_dashboard_data(actor, filters=filters)
    if data is not None:
        return data
    key = (actor.scope_path, filters)
    pending = _loading.get(key)
    if pending is None or pending.done():
        pending = asyncio.ensure_future(run.io_bound(dashboard_data, actor, filters=filters))
        _loading[key] = pending
        pending.add_done_callback(lambda done: _loading.pop(key) if _loading.get(key) is done else None)
    return await asyncio.shield(pending)


class ChartPanel:
    """A chart's card: its title, the Plotly figure (updated in place) or the empty state."""

    def __init__(self, chart: Chart, figure: Any) -> None:
        self.chart: Chart | None = None
        self.figure: Any = None
        with ui.card().props("flat bordered").classes(f"w-full min-w-0 gap-2 chart-{chart.key}") \
                .mark(f"chart-{chart.key}"):
            self.title = ui.label(chart.title).classes("text-subtitle1 text-weight-medium")
            self.plot = Plot(figure if figure is not None else _figure(chart)).classes("w-full") \
                .mark(f"plot-{chart.key}")
            self.empty = ui.label(chart.empty).classes("text-grey-7 q-py-lg").mark(f"empty-{chart.key}")
        self.show(chart, figure)

    def show(self, chart: Chart, figure: Any) -> None:
        """Show `chart` with its `figure` (from `_figures`; None when it is empty): nothing is sent when neither
        changed."""
        before, self.chart = self.chart, chart
        if before is not None and figure is self.figure and (chart.title, chart.empty) == (before.title, before.empty):
            return
        self.figure = figure
        self.title.set_text(chart.title)
        self.empty.set_text(chart.empty)
        self.plot.set_visibility(figure is not None)
        self.empty.set_visibility(figure is None)
        if figure is not None:
            self.plot.update_figure(figure)


class DashboardView:
    def __init__(self, actor: Actor, filters: DashboardFilters) -> None:
        self.actor, self.filters = actor, filters
        self.data: DashboardData | None = None
        self.cards: dict[str, KpiCard] = {}
        self.panels: dict[str, ChartPanel] = {}
        self._syncing = False
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            self.heading = ui.label().classes("text-subtitle1 text-grey-8").mark("dashboard-heading")
            with ui.element("span").classes("live-state text-grey-8").props("data-state=live") \
                    .mark("live-state") as self.live:
                ui.element("span").classes("live-dot")
                ui.label("Live").classes("live-text")
        self.crumbs = ui.row(wrap=True, align_items="center").classes("gap-1 text-body2").mark("dashboard-crumbs")
        with ui.element("div").classes("dashboard-filters w-full grid grid-cols-2 gap-2 sm:flex sm:flex-wrap "
                                       "sm:items-end"):
            self.period = ui.select(dict(PERIODS), label="Period", value=filters.period) \
                .props("outlined dense options-dense").classes("sm:w-40").mark("filter-period")
            self.date_from = ui.date_input("From", value=_iso(filters.date_from)).props("outlined dense") \
                .classes("sm:w-40").mark("filter-from")
            self.date_to = ui.date_input("To", value=_iso(filters.date_to)).props("outlined dense") \
                .classes("sm:w-40").mark("filter-to")
            self.area = ui.select({}, label="Area", with_input=True, clearable=True).props(
                "outlined dense options-dense").classes("sm:w-56").mark("filter-area")
            self.factory = ui.select({}, label="Factory", clearable=True).props("outlined dense options-dense") \
                .classes("sm:w-48").mark("filter-factory")
            self.category = ui.select({}, label="Category", clearable=True).props("outlined dense options-dense") \
                .classes("sm:w-40").mark("filter-category")
        self.problem = ui.label().classes("text-negative").props("role=alert").mark("dashboard-problem")
        self.problem.bind_visibility_from(self.problem, "text", backward=bool)
        self.notes = ui.column().classes("gap-0 text-caption text-grey-7").mark("dashboard-notes")
        self.card_grid = ui.element("div").classes(
            "grid grid-cols-2 md:grid-cols-3 xl:grid-cols-5 gap-2 sm:gap-3 w-full").mark("kpi-cards")
        with self.card_grid:
            ui.spinner(size="lg")
        self.chart_grid = ui.element("div").classes("grid grid-cols-1 lg:grid-cols-2 gap-4 w-full")
        self._custom_dates()

    async def start(self) -> None:
        ui.run_javascript(_LIVE_JS % self.live.id)
        try:
            choices = await run.io_bound(dashboard_choices, self.actor)
        except DomainError as exc:
            self.problem.set_text(exc.message)
            return
        self._offer(choices)
        for element in (self.period, self.date_from, self.date_to, self.area, self.factory, self.category):
            element.on_value_change(self._filters_changed)
        live.follow(self.actor, FOLLOWS, self._heard)
        await self.load()

    def _offer(self, choices: DashboardChoices) -> None:
        self._syncing = True
        self.area.set_options({c.id: c.label for c in choices.places}, value=self.filters.geo_id)
        self.factory.set_options({c.id: c.label for c in choices.factories}, value=self.filters.factory_id)
        self.category.set_options({c: c for c in choices.categories}, value=self.filters.category)
        self._syncing = False

    def _custom_dates(self) -> None:
        custom = self.period.value == "custom"
        self.date_from.set_visibility(custom)
        self.date_to.set_visibility(custom)

    async def _filters_changed(self) -> None:
        if self._syncing:
            return
        self._custom_dates()
        wanted = filters_from_query({k: str(v) for k, v in {
            "period": self.period.value, "from": self.date_from.value, "to": self.date_to.value,
            "area": self.area.value, "factory": self.factory.value, "category": self.category.value}.items()
            if v not in (None, "")})
        if wanted.period == "custom" and (wanted.date_from is None or wanted.date_to is None):
            return  # wait for both dates
        await self.apply(wanted)

    async def apply(self, filters: DashboardFilters) -> None:
        """Show `filters`: the URL follows (no reload), then the figures."""
        self.filters = filters
        query = urlencode(filters.to_query())
        ui.navigate.history.replace("/dashboard" + (f"?{query}" if query else ""))
        self._syncing = True
        self.area.set_value(filters.geo_id)
        self._syncing = False
        await self.load()

    async def drill(self, geo_id: int | None) -> None:
        await self.apply(replace(self.filters, geo_id=geo_id))

    async def _heard(self, _events: list[DomainEvent]) -> None:
        if not self.card_grid.is_deleted:
            await self.load()

    async def load(self) -> None:
        filters = self.filters
        for field in (self.date_from, self.date_to):
            _field_error(field, None)
        try:
            data = await _dashboard_data(self.actor, filters)
        except ValidationFailed as exc:  # a bad From / To: said next to the field
            fields = {"From": self.date_from, "To": self.date_to}
            for label, text in exc.errors.items():
                if label in fields:
                    _field_error(fields[label], f"{label} {text}")
            self.problem.set_text("; ".join(f"{k} {v}" for k, v in exc.errors.items() if k not in fields))
            return
        except DomainError as exc:
            self.problem.set_text(exc.message)
            return
        if data is None or self.card_grid.is_deleted or filters != self.filters:
            return  # the page went away, or the filters changed while this was computed
        self.problem.set_text("")
        self.show(data)

    def show(self, data: DashboardData) -> None:
        before, self.data = self.data, data
        figures = _figures(data)
        place = data.place.name if data.breadcrumb else (self.actor.scope_name or "Whole company")
        self.heading.set_text(f"{place} · {PERIODS[data.filters.period]}: {data.period_text}")
        if before is None or before.breadcrumb != data.breadcrumb:
            self._crumbs(data)
        if before is None or before.notes != data.notes:
            self.notes.clear()
            self.notes.set_visibility(bool(data.notes))
            with self.notes:
                for note in data.notes:
                    ui.label(note)
        if not self.cards:
            self.card_grid.clear()
            with self.card_grid:
                self.cards = {kpi.key: KpiCard(kpi) for kpi in data.kpis}
            with self.chart_grid:
                self.panels = {key: self._panel(data.charts[key], figures[key]) for key in CHART_ORDER}
            return
        for kpi in data.kpis:
            self.cards[kpi.key].update(kpi)
        for key in CHART_ORDER:
            self.panels[key].show(data.charts[key], figures[key])

    def _panel(self, chart: Chart, figure: Any) -> ChartPanel:
        panel = ChartPanel(chart, figure)
        if chart.key == "regions":
            panel.plot.on("plotly_click", self._clicked_region)
            panel.plot.classes("cursor-pointer")
        return panel

    async def _clicked_region(self, event: Any) -> None:
        points = (event.args or {}).get("points") or []
        if not points or self.data is None:
            return
        ids = self.data.charts["regions"].drill_ids
        index = points[0].get("pointIndex", -1)
        if 0 <= index < len(ids) and ids[index] is not None:
            await self.drill(ids[index])

    def _crumbs(self, data: DashboardData) -> None:
        self.crumbs.clear()
        self.crumbs.set_visibility(len(data.breadcrumb) > 1)
        with self.crumbs:
            for n, place in enumerate(data.breadcrumb):
                if n:
                    ui.icon("chevron_right", size="xs").classes("text-grey-6")
                if n == len(data.breadcrumb) - 1:
                    ui.label(place.name).classes("text-weight-medium").mark("crumb-current")
                else:
                    ui.button(place.name, on_click=lambda i=place.id: self.drill(i)) \
                        .props("flat dense no-caps color=primary").classes("q-px-xs").mark(f"crumb-{place.id or 0}")


def _field_error(field: ui.date_input, text: str | None) -> None:
    """Quasar's error state on a date input (which has no `.error` of its own)."""
    if text is None and not field.props.get("error"):
        return  # no error shown, none to clear
    field.props["error"] = text is not None
    field.props["error-message"] = text or ""
    field.update()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def dashboard_page(request: Request) -> RedirectResponse | None:
    actor = await signed_in("dashboard.view", path="/dashboard")
    if not isinstance(actor, Actor):
        return actor
    ui.add_css(_CSS)
    with frame("Dashboard", actor):
        view = DashboardView(actor, filters_from_query(dict(request.query_params)))
    await ui.context.client.connected()
    await view.start()
    return None


PAGES = [Page("/dashboard", dashboard_page, "Dashboard", "insights", "dashboard.view", order=1)]
