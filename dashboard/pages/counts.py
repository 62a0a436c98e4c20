"""/inventory/counts: stock counts — the list, starting one, the count sheet, the variance review, posting.

The sheet is blind (it shows what to count, not what the ledger holds); "Review variances" saves what was entered and
shows system vs counted with the value of each difference; "Post" writes the differences to the ledger.
"""

from datetime import datetime

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.count_sheet import (
    add_css,
    count_entry,
    count_header,
    entered,
    variance_table,
)
from dashboard.components.data_table import data_table
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.search_select import SearchSelect
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.config import get_settings
from domain.errors import DomainError, NotFound, ValidationFailed
from domain.formatting import format_money
from domain.models import CountStatus
from domain.services.counts import (
    CountSheet,
    cancel_count,
    count_locations,
    count_variances,
    counts_table,
    enter_counts,
    post_count,
    start_count,
)

TITLE = "Stock counts"
LIST = "/inventory/counts"
LOCATION_LIMIT = 50


def _back_link() -> None:
    with ui.link(target=LIST).classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label(TITLE)


def _message(icon: str, text: str) -> None:
    with ui.card().classes("q-pa-lg"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon, size="md").classes("text-grey-7")
            ui.label(text).mark("count-message")


async def _confirm(question: str, action: str, color: str = "primary") -> bool:
    with ui.dialog() as dialog, ui.card().classes("q-pa-md gap-3 max-w-md"):
        ui.label(question).classes("text-body1")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Back", on_click=lambda: dialog.submit(False)).props("flat no-caps").mark("confirm-cancel")
            ui.button(action, on_click=lambda: dialog.submit(True)).props(f"unelevated no-caps color={color}") \
                .mark("confirm-yes")
    answer = await dialog
    dialog.delete()
    return bool(answer)


# --- /inventory/counts ---------------------------------------------------------------------------------------


async def counts_page() -> RedirectResponse | None:
    actor = await signed_in("stock.count", path=LIST)
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            ui.label("Count what is on the shelves; posting writes each difference to the stock ledger. "
                     "Open a count by clicking its row.").classes("text-grey-7")
            new = ui.button("New count", icon="add").props("unelevated no-caps").mark("count-new")
    new.on_click(lambda: _new_count(actor))
    await ui.context.client.connected()
    source = await run.io_bound(counts_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        data_table(actor, source, page_size=25, on_row_click=lambda row: ui.navigate.to(f"{LIST}/{row['id']}"))
    return None


async def _new_count(actor: Actor) -> None:
    """Pick a location (and the business date): a draft count of everything it holds opens."""
    today = datetime.now(get_settings().tz).date().isoformat()
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
        ui.label("New stock count").classes("text-h6")
        location = SearchSelect("Location", load=lambda text: _locations(actor, text), limit=LOCATION_LIMIT) \
            .props("outlined").classes("w-full").mark("count-location")
        day = ui.input("Business date", value=today).props("outlined type=date").classes("w-full") \
            .mark("count-date")
        ui.label("The sheet lists every product the location holds; counts start blank.").classes(
            "text-caption text-grey-7")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=dialog.close).props("flat no-caps")
            start = ui.button("Start count", icon="fact_check").props("unelevated no-caps").mark("count-start")
    fields = {"Location": location, "Business date": day, "Products": location}

    async def go() -> None:
        clear_errors(fields)
        if not location.value:
            show_errors(fields, ValidationFailed.field("Location", "is required"))
            return
        start.props("loading")
        try:
            count = await run.io_bound(start_count, actor, location_id=int(location.value),
                                       business_date=day.value or "")
        except ValidationFailed as exc:
            show_errors(fields, exc)
            return
        except DomainError as exc:
            ui.notify(exc.message, type="negative", multi_line=True)
            return
        finally:
            start.props(remove="loading")
        dialog.close()
        ui.navigate.to(f"{LIST}/{count.id}")

    start.on_click(go)
    dialog.open()
    await location.load()


def _locations(actor: Actor, search: str | None) -> dict[str, str]:
    return {str(key): label for key, label in count_locations(actor, search=search, limit=LOCATION_LIMIT).items()}


# --- /inventory/counts/{count_id} ----------------------------------------------------------------------------


async def count_page(count_id: str) -> RedirectResponse | None:
    actor = await signed_in("stock.count", path=f"{LIST}/{count_id}")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor):
        _back_link()
        holder = ui.column().classes("w-full gap-4")
    await ui.context.client.connected()
    view = CountView(actor, holder)
    try:
        await view.load(_as_id(count_id))
    except DomainError as exc:
        holder.clear()
        with holder:
            _message("search_off" if isinstance(exc, NotFound) else "block", exc.message)
    return None


def _as_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"No stock count {text[:40]}.")
    return int(text)


class CountView:
    """One count inside `holder`: the sheet while it is a draft, the review on request, the result once posted."""

    def __init__(self, actor: Actor, holder: ui.column) -> None:
        self.actor, self.holder = actor, holder
        self.sheet: CountSheet | None = None
        self.inputs: dict[int, ui.input] = {}
        add_css()

    async def load(self, count_id: int, *, review: bool = False) -> None:
        self.sheet = await run.io_bound(count_variances, self.actor, count_id=count_id)
        if self.sheet is None:  # the app is shutting down
            return
        ui.page_title(f"{self.sheet.number} · {PRODUCT}")
        self.show(review=review)

    def show(self, *, review: bool) -> None:
        sheet = self.sheet
        assert sheet is not None
        self.holder.clear()
        self.inputs = {}
        with self.holder:
            count_header(sheet)
            draft = sheet.status is CountStatus.DRAFT
            if draft and not review:
                self._sheet(sheet)
            else:
                self._review(sheet, draft)

    def _sheet(self, sheet: CountSheet) -> None:
        done = len(sheet.lines) - len(sheet.uncounted)
        ui.label(f"Count each product and type what you find ({done} of {len(sheet.lines)} counted). "
                 f"Leave a line blank until it is counted.").classes("text-grey-8").mark("count-progress")
        self.inputs = count_entry(sheet)
        with ui.row(wrap=True, align_items="center").classes("count-actions w-full max-w-3xl gap-2"):
            review = ui.button("Review variances", icon="rule").props("unelevated no-caps").mark("count-review")
            review.on_click(lambda: self._save(review, then_review=True))
            save = ui.button("Save", icon="save").props("outline no-caps").mark("count-save")
            save.on_click(lambda: self._save(save, then_review=False))
        ui.button("Cancel count", icon="close", on_click=self._cancel) \
            .props("flat no-caps color=negative").mark("count-cancel")

    def _review(self, sheet: CountSheet, draft: bool) -> None:
        if draft:
            ui.label("The system quantities are the stock now; posting compares with the stock at that moment.") \
                .classes("text-grey-8")
        elif sheet.status is CountStatus.POSTED:
            ui.label("The system quantities are the stock the count was posted against.").classes("text-grey-8")
        variance_table(sheet)
        if draft:
            with ui.row(wrap=True, align_items="center").classes("count-actions w-full max-w-4xl gap-2"):
                ui.button("Back to the sheet", icon="edit", on_click=lambda: self.show(review=False)) \
                    .props("outline no-caps").mark("count-edit")
                ui.space()
                post = ui.button("Post", icon="done_all").props("unelevated no-caps").mark("count-post")
                post.on_click(lambda: self._post(post))
                if sheet.uncounted:
                    post.disable()
                    ui.label(f"Not counted yet: {', '.join(sheet.uncounted[:5])}"
                             f"{' …' if len(sheet.uncounted) > 5 else ''}").classes("text-caption text-negative") \
                        .mark("count-uncounted")

    def _notify(self, message: str, kind: str) -> None:
        with self.holder:
            ui.notify(message, type=kind, multi_line=True)

    async def _save(self, button: ui.button, *, then_review: bool) -> None:
        sheet = self.sheet
        assert sheet is not None
        fields = {line.name: self.inputs[line.product_id] for line in sheet.lines}
        clear_errors(fields)
        button.props("loading")
        try:
            await run.io_bound(enter_counts, self.actor, count_id=sheet.id, counted=entered(self.inputs))
            await self.load(sheet.id, review=then_review)
        except ValidationFailed as exc:
            show_errors(fields, exc)
            self._notify("Some quantities need correcting.", "warning")
            return
        except DomainError as exc:
            self._notify(exc.message, "negative")
            return
        finally:
            if not button.is_deleted:
                button.props(remove="loading")
        if not then_review:
            self._notify("Counts saved", "positive")

    async def _post(self, button: ui.button) -> None:
        sheet = self.sheet
        assert sheet is not None
        differ = sheet.lines_with_variance
        what = (f"{differ} {'difference' if differ == 1 else 'differences'} worth "
                f"{format_money(sheet.variance_value)}" if differ else "no differences")
        if not await _confirm(f"Post {sheet.number} at {sheet.location_name}? It writes {what} to the stock "
                              f"ledger, compared with the stock at the moment of posting. It cannot be undone.",
                              "Post"):
            return
        button.props("loading")
        try:
            await run.io_bound(post_count, self.actor, count_id=sheet.id)
            await self.load(sheet.id)
        except DomainError as exc:
            self._notify(exc.message, "negative")
            return
        finally:
            if not button.is_deleted:
                button.props(remove="loading")
        self._notify(f"{sheet.number} posted", "positive")

    async def _cancel(self) -> None:
        sheet = self.sheet
        assert sheet is not None
        if not await _confirm(f"Cancel {sheet.number}? What was counted stays on record; nothing reaches the "
                              f"ledger.", "Cancel count", "negative"):
            return
        try:
            await run.io_bound(cancel_count, self.actor, count_id=sheet.id)
            await self.load(sheet.id)
        except DomainError as exc:
            self._notify(exc.message, "negative")
            return
        self._notify(f"{sheet.number} cancelled", "positive")


PAGES = [
    Page(LIST, counts_page, TITLE, "fact_check", "stock.count", order=25),
    Page(f"{LIST}/{{count_id}}", count_page, permission="stock.count"),
]
