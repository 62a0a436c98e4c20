"""/reports/pnl: the profit & loss statement for a period and an area (a place inside the user's area) or a factory,
beside the period of the same length just before it. The choices are in the URL
(?from=2026-11-01&to=2026-11-22&area=12&factory=7), so a view can be bookmarked; it opens on this month to date.
Roles with exports.run download the statement shown as PDF or XLSX (each download is audited)."""

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import client_ip, signed_in
from dashboard.components.expense_form import factory_options
from dashboard.components.finance_nav import message_card
from dashboard.components.pnl_statement import pnl_statement
from dashboard.components.search_select import SearchSelect
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.inputs import business_today
from domain.services.access import record_refusal
from domain.services.geography import geo_choices
from domain.services.profit_and_loss import PnlFormat, pnl_file, profit_and_loss

PATH = "/reports/pnl"
TITLE = "Profit & loss"
CHOICES_LIMIT = 200
FOLLOWS = ("order.", "production.", "expense.")


def quick_periods(today: date) -> dict[str, tuple[date, date]]:
    """The usual periods, each ending today at the latest."""
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return {"This month": (month, today), "Last month": (last_month_end.replace(day=1), last_month_end),
            "This quarter": (quarter, today), "Last 30 days": (today - timedelta(days=29), today)}


def area_options(actor: Actor, search: str | None) -> dict[Any, str]:
    """Places inside the actor's area (zones to territories) whose name or code holds `search`."""
    return {n.id: f"{n.name} · {n.level.value.title()}"
            for n in geo_choices(actor, search=search, limit=CHOICES_LIMIT)}


def _id(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 18 else None


async def pnl_page(request: Request) -> RedirectResponse | None:
    actor = await signed_in("reports.view", path=PATH)
    if not isinstance(actor, Actor):
        return actor
    query = request.query_params
    start, end = quick_periods(business_today())["This month"]
    with frame(TITLE, actor):
        with ui.row(wrap=True, align_items="center").classes("w-full gap-2"):
            ui.label(f"Revenue, costs and margins for {actor.scope_name or 'the whole company'} or a place or "
                     "factory in it, compared with the period just before.").classes("text-grey-7")
            ui.space()
            downloads = ui.row(wrap=False).classes("gap-2")
        with ui.row(wrap=True).classes("gap-2").mark("pnl-quick"):
            quick = {label: ui.button(label).props("outline dense no-caps padding='4px 12px'")
                     .mark(f"pnl-quick-{label.lower().replace(' ', '-')}") for label in quick_periods(end)}
        with ui.row(wrap=True, align_items="end").classes("w-full gap-2"):
            date_from = ui.date_input("From", value=query.get("from") or start.isoformat()) \
                .props("outlined dense").classes("w-full sm:w-40").mark("pnl-from")
            date_to = ui.date_input("To", value=query.get("to") or end.isoformat()) \
                .props("outlined dense").classes("w-full sm:w-40").mark("pnl-to")
            area = factory = None
            if actor.can("masterdata.view"):  # the pickers list places and factories (master data)
                area = SearchSelect("Area", load=lambda s: area_options(actor, s), limit=CHOICES_LIMIT,
                                    value=_id(query.get("area")), value_label=query.get("area")) \
                    .props("outlined dense").classes("w-full sm:w-64").mark("pnl-area")
                factory = SearchSelect("Factory", load=lambda s: factory_options(actor, s), limit=50,
                                       value=_id(query.get("factory")), value_label=query.get("factory")) \
                    .props("outlined dense").classes("w-full sm:w-64").mark("pnl-factory")
            show = ui.button("Show", icon="refresh").props("unelevated no-caps").mark("pnl-show")
        holder = ui.column().classes("w-full gap-3").mark("pnl")
        with holder:
            ui.spinner(size="lg")
    view = PnlView(actor, holder, date_from, date_to, area, factory)
    if actor.can("exports.run"):
        with downloads:
            for fmt in ("pdf", "xlsx"):
                ui.button(f"Download {fmt.upper()}", icon="download", on_click=lambda f=fmt: view.download(f)) \
                    .props("outline dense no-caps padding='4px 12px'").mark(f"pnl-{fmt}")
    show.on_click(view.load)
    for label, button in quick.items():
        button.on_click(lambda _e, chosen=label: view.choose(chosen))
    await ui.context.client.connected()
    for picker in (area, factory):
        if picker is not None:
            await picker.load()
    live.follow(actor, FOLLOWS, view.heard, delay=1.0)
    await view.load()
    return None


class PnlView:
    def __init__(self, actor: Actor, holder: ui.column, date_from: ui.date_input, date_to: ui.date_input,
                 area: SearchSelect | None, factory: SearchSelect | None) -> None:
        self.actor, self.holder = actor, holder
        self.date_from, self.date_to, self.area, self.factory = date_from, date_to, area, factory
        self.shown: dict[str, Any] | None = None  # the choices of the statement on the page: what a download holds

    @staticmethod
    def _chosen(picker: SearchSelect | None) -> int | None:
        return int(picker.value) if picker is not None and picker.value is not None else None

    async def choose(self, label: str) -> None:
        start, end = quick_periods(business_today())[label]
        self.date_from.value, self.date_to.value = start.isoformat(), end.isoformat()
        await self.load()

    async def heard(self, _events: list[DomainEvent]) -> None:
        if not self.holder.is_deleted:
            await self.load(quiet=True)

    def _dates(self) -> tuple[date, date]:
        parsed = []
        for label, field in (("From", self.date_from), ("To", self.date_to)):
            try:
                parsed.append(date.fromisoformat(str(field.value or "").strip()))
            except ValueError:
                raise ValidationFailed.field(label, "must be a date such as 2026-11-21") from None
        return parsed[0], parsed[1]

    async def load(self, *, quiet: bool = False) -> None:
        self.date_from.error = self.date_to.error = None
        for picker in (self.area, self.factory):
            if picker is not None:
                picker.error = None
        area_id, factory_id = self._chosen(self.area), self._chosen(self.factory)
        try:
            date_from, date_to = self._dates()
            pnl = await run.io_bound(profit_and_loss, self.actor, date_from=date_from, date_to=date_to,
                                     area_id=area_id, factory_id=factory_id)
        except ValidationFailed as exc:
            self._field_errors(exc)
            return
        except PermissionDenied as exc:
            self.shown = None
            if not quiet:
                await run.io_bound(record_refusal, self.actor, what=PATH, source_ip=client_ip())
            message_card(self.holder, "block", "Not permitted", exc.message, "pnl-message")
            return
        except DomainError as exc:
            self.shown = None
            message_card(self.holder, "search_off", "Nothing to show", exc.message, "pnl-message")
            return
        if pnl is None or self.holder.is_deleted:  # None: the app is stopping
            return
        wanted = {"from": date_from.isoformat(), "to": date_to.isoformat(), "area": area_id, "factory": factory_id}
        ui.navigate.history.replace(f"{PATH}?{urlencode({k: v for k, v in wanted.items() if v is not None})}")
        self.shown = {"date_from": date_from, "date_to": date_to, "area_id": area_id, "factory_id": factory_id}
        self.holder.clear()
        with self.holder:
            pnl_statement(pnl)

    async def download(self, fmt: PnlFormat) -> None:
        """The statement on the page (not choices changed since) as a file."""
        if self.shown is None:
            with self.holder:
                ui.notify("Show a P&L first, then download it.", type="warning")
            return
        try:
            made = await run.io_bound(pnl_file, self.actor, fmt=fmt, **self.shown)
        except DomainError as exc:
            with self.holder:
                ui.notify(exc.message, type="negative")
            return
        if made is not None and not self.holder.is_deleted:
            with self.holder:
                ui.download.content(made.content, made.filename, made.media_type)

    def _field_errors(self, exc: ValidationFailed) -> None:
        fields: dict[str, Any] = {"From": self.date_from, "To": self.date_to, "Factory": self.factory,
                                  "Area": self.area}
        for label, text in exc.errors.items():
            field = fields.get(label)
            if field is not None:
                field.error = f"{label} {text}"
            else:
                with self.holder:
                    ui.notify(f"{label}: {text}", type="negative")


PAGES = [Page(PATH, pnl_page, TITLE, "query_stats", "reports.view", order=42)]
