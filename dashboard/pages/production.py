"""/production: a day's production per factory (totals, plan attainment, waste rate), posting a log and reversing
one; /production/history: every log in the user's area in the shared data table.

The day's cards follow other people's postings live: the domain bus reports `production.*` events after commit,
and each open page reloads (once, debounced) when one lands on the day and inside the area it shows.
"""

from datetime import date
from decimal import Decimal

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import signed_in
from dashboard.components.data_table import data_table
from dashboard.components.production_form import ProductionForm
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_date, format_money, format_quantity
from domain.models.production import ProductionLog, ProductionStatus
from domain.services.production import (
    FactoryDay,
    LogRow,
    factory_choices,
    product_choices,
    production_day,
    production_table,
    reverse_production_log,
    today,
)

_CSS = """
.production-form .q-field--with-bottom { padding-bottom: 0; }
.production-form .q-field__bottom { position: static; transform: none; padding: 4px 12px 0; min-height: 20px; }
.log-reversed .log-figures { text-decoration: line-through; }
"""


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _kpi(label: str, value: str, marker: str, *, tone: str = "") -> None:
    with ui.column().classes("gap-0 min-w-0"):
        ui.label(label).classes("text-caption text-grey-7")
        ui.label(value).classes(f"text-subtitle1 text-weight-medium {tone}").mark(marker)


def _waste_tone(rate: Decimal | None) -> str:
    if rate is None:
        return ""
    return "text-negative" if rate > 5 else "text-warning" if rate > 2 else "text-positive"


class DayView:
    """The cards of one day, one per factory, reloaded from the service whenever something changes."""

    def __init__(self, actor: Actor, holder: ui.column, day: date) -> None:
        self.actor, self.holder, self.day = actor, holder, day
        self._dialog: ui.dialog | None = None

    async def load(self) -> None:
        try:
            days = await run.io_bound(production_day, self.actor, business_date=self.day)
        except DomainError as exc:
            with self.holder:
                ui.notify(exc.message, type="negative")
            return
        if days is None or self.holder.is_deleted:
            return
        self.holder.clear()
        with self.holder:
            if not days:
                ui.label("There are no factories in your area.").classes("text-grey-7")
            for factory_day in days:
                self._card(factory_day)

    def _card(self, day: FactoryDay) -> None:
        with ui.card().classes("w-full gap-3").mark(f"factory-{day.code}"):
            with ui.row(wrap=True, align_items="baseline").classes("w-full justify-between gap-1"):
                ui.label(day.name).classes("text-h6")
                ui.label(f"{day.code} · {format_date(self.day)}").classes("text-caption text-grey-7")
            with ui.element("div").classes("grid grid-cols-2 sm:grid-cols-3 gap-x-4 gap-y-2 w-full"):
                _kpi("Planned", format_quantity(day.planned), f"planned-{day.code}")
                _kpi("Good", format_quantity(day.good), f"good-{day.code}")
                _kpi("Rejected", format_quantity(day.rejected), f"rejected-{day.code}")
                _kpi("Plan attainment", _percent(day.attainment), f"attainment-{day.code}")
                _kpi("Waste rate", _percent(day.waste_rate), f"waste-rate-{day.code}",
                     tone=_waste_tone(day.waste_rate))
                _kpi("Waste cost", format_money(day.waste_cost), f"waste-cost-{day.code}")
            if not day.logs:
                ui.label("Nothing posted for this day yet.").classes("text-grey-7 text-body2")
            with ui.column().classes("w-full gap-0"):
                for row in day.logs:
                    self._log(row)

    def _log(self, row: LogRow) -> None:
        reversed_ = row.status is ProductionStatus.REVERSED
        with ui.row(wrap=False, align_items="center").classes(
                "w-full gap-2 q-py-sm border-t border-gray-200" + (" log-reversed text-grey-6" if reversed_ else "")) \
                .mark(f"log-{row.number}"):
            with ui.column().classes("gap-0 grow min-w-0"):
                with ui.row(wrap=True, align_items="center").classes("gap-x-2 gap-y-0"):
                    ui.label(row.number).classes("text-weight-medium")
                    ui.label(f"{row.shift.label} · {row.product}").classes("text-body2")
                    if reversed_:
                        ui.badge("Reversed", color="grey-7").props("outline")
                rejects = f" · rejected {format_quantity(row.rejected_qty)}" + (
                    f" ({row.reject_reason.label.lower()}, {format_money(row.waste_cost)})" if row.reject_reason
                    else "")
                ui.label(f"Batch {row.batch_no} · planned {format_quantity(row.planned_qty)} · good "
                         f"{format_quantity(row.good_qty)} {row.unit}{rejects}") \
                    .classes("log-figures text-caption text-grey-8 break-words")
                extra = f"Reversed: {row.reversal_reason}" if reversed_ else (row.note or "")
                if extra:
                    ui.label(extra).classes("text-caption text-grey-7 break-words")
            if not reversed_ and self.actor.can("production.reverse"):
                ui.button(icon="undo", on_click=lambda r=row: self.ask_reverse(r)) \
                    .props("flat round dense color=negative aria-label=Reverse").tooltip("Reverse") \
                    .mark(f"reverse-{row.number}")

    async def ask_reverse(self, row: LogRow) -> None:
        with self.holder, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Reverse {row.number}?").classes("text-h6")
            ui.label(f"{row.product}, batch {row.batch_no}: the {format_quantity(row.good_qty)} {row.unit} leave the "
                     "factory's stock and the materials go back. Post the corrected log afterwards.") \
                .classes("text-body2")
            reason = ui.input("Reason").props("outlined autofocus maxlength=200").classes("w-full") \
                .mark("reverse-reason")
            problem = ui.label().classes("text-negative text-body2").props("role=alert").mark("reverse-problem")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=dialog.close).props("flat no-caps")
                confirm = ui.button("Reverse", color="negative").props("unelevated no-caps").mark("reverse-confirm")

        async def reverse() -> None:
            reason.error, problem.text = None, ""
            try:
                log = await run.io_bound(reverse_production_log, self.actor, log_id=row.id, reason=reason.value)
            except ValidationFailed as exc:
                reason.error = f"Reason {exc.errors.get('Reason', exc.message)}"
                return
            except DomainError as exc:
                problem.text = exc.message
                return
            dialog.close()
            if isinstance(log, ProductionLog):
                ui.notify(f"{log.number} reversed", type="positive")
            await self.load()

        confirm.on_click(reverse)
        dialog.on("hide", dialog.delete)
        dialog.open()

    # --- live: other people's postings ---------------------------------------------------------------------------

    def follow(self) -> None:
        """Reload when a production event lands on this day inside the area shown (once per burst)."""
        live.follow(self.actor, ("production.",), self._heard)

    async def _heard(self, events: list[DomainEvent]) -> None:
        if any(e.data.get("business_date") == self.day.isoformat() for e in events) and not self.holder.is_deleted:
            await self.load()


async def production_page() -> RedirectResponse | None:
    actor = await signed_in("production.view", path="/production")
    if not isinstance(actor, Actor):
        return actor
    ui.add_css(_CSS)
    with frame("Production", actor):
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"What the factories in {area} made, shift by shift.").classes("text-grey-7")
            with ui.row(wrap=False, align_items="center").classes("gap-2"):
                picker = ui.date_input("Day", value=today().isoformat()).props("outlined dense") \
                    .classes("w-44").mark("production-day")
                ui.button("History", icon="history", on_click=lambda: ui.navigate.to("/production/history")) \
                    .props("outline no-caps").mark("production-history")
        with ui.element("div").classes("grid grid-cols-1 lg:grid-cols-[minmax(0,420px)_minmax(0,1fr)] gap-4 w-full "
                                       "items-start"):
            form_holder = ui.column().classes("w-full gap-4")
            cards = ui.column().classes("w-full gap-4 min-w-0").mark("production-cards")
            with cards:
                ui.spinner(size="lg")
    await ui.context.client.connected()
    view = DayView(actor, cards, today())
    view.follow()

    async def show_day() -> None:
        try:
            view.day = date.fromisoformat(str(picker.value))
        except ValueError:
            return
        await view.load()

    picker.on_value_change(show_day)
    if actor.can("production.post"):
        factories = await run.io_bound(factory_choices, actor)
        products = await run.io_bound(product_choices, actor)
        if factories is None or products is None:
            return None

        async def posted(log: ProductionLog) -> None:
            if log.business_date == view.day:
                await view.load()

        with form_holder:
            form = ProductionForm(actor, factories=factories, products=products, on_posted=posted)
        await form.start()
    else:
        form_holder.delete()
    await view.load()
    return None


async def history_page() -> RedirectResponse | None:
    actor = await signed_in("production.view", path="/production/history")
    if not isinstance(actor, Actor):
        return actor
    with frame("Production history", actor) as body:
        with ui.link(target="/production").classes("no-underline text-primary"):
            with ui.row().classes("items-center gap-1"):
                ui.icon("arrow_back", size="xs")
                ui.label("Today's production")
        ui.label("Every production log in your area, newest first. Reversed logs stay on the record; filter Status "
                 "for what was really made.").classes("text-grey-7")
    await ui.context.client.connected()
    source = await run.io_bound(production_table, actor)
    if source is None:
        return None
    with body:
        data_table(actor, source, page_size=25)
    return None


PAGES = [
    Page("/production", production_page, "Production", "factory", "production.view", order=10),
    Page("/production/history", history_page, permission="production.view"),
]
