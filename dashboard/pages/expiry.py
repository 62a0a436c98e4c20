"""/inventory/expiry: perishable stock that has expired or is about to, per location, and writing off what expired.

Click a row for the batch; people with stock.writeoff write an expired batch off from there (damaged stock goes
through an adjustment instead).
"""

from datetime import datetime

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.data_table import DataTable, data_table
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.config import get_settings
from domain.errors import DomainError
from domain.formatting import format_date, format_money, format_quantity
from domain.services.expiry import ExpiringBatch, expiring_batch, expiry_table, write_off_expired

TITLE = "Expiry"
_STATUS_CELL = """
<q-td :props="props">
  <q-badge rounded :color="props.value == 'Expired' ? 'negative' : 'orange-8'" :label="props.value" />
</q-td>
"""
_DAYS_CELL = """
<q-td :props="props" :class="String(props.value).startsWith('-') ? 'text-negative text-weight-bold' : ''">
  {{ props.value }}
</q-td>
"""
_VALUE_CELL = """
<q-td :props="props" style="white-space: nowrap">{{ props.value }}</q-td>
"""
HORIZONS = {2: "Expired or expiring within 2 days", 7: "Within a week", 14: "Within two weeks"}


async def expiry_page() -> RedirectResponse | None:
    actor = await signed_in("stock.view", path="/inventory/expiry")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        hint = "Click a row for the batch" + (" and to write off an expired one" if actor.can("stock.writeoff") else "")
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            ui.label(f"Perishable stock in {actor.scope_name or 'the whole company'} that has expired or is about "
                     f"to, soonest first (negative days left: expired). {hint}.").classes("text-grey-7")
            horizon = ui.select(HORIZONS, value=2, label="Show").props("outlined dense options-dense") \
                .classes("w-full sm:w-72").mark("expiry-horizon")
        holder = ui.column().classes("w-full gap-2")
    await ui.context.client.connected()
    state: dict[str, DataTable | None] = {"table": None}

    async def show(within_days: int) -> None:
        try:
            source = await run.io_bound(expiry_table, actor, within_days=within_days)
        except DomainError as exc:
            with body:
                ui.notify(exc.message, type="negative")
            return
        if source is None:  # the app is shutting down
            return
        holder.clear()
        with holder:
            table = data_table(actor, source, page_size=25, on_row_click=open_batch)
            table.table.props("wrap-cells")  # on a phone, names wrap so the days left stay in view
            table.table.add_slot("body-cell-status", _STATUS_CELL)
            table.table.add_slot("body-cell-value", _VALUE_CELL)
            table.table.add_slot("body-cell-days_left", _DAYS_CELL)
            state["table"] = table

    async def open_batch(row: dict) -> None:
        try:
            batch = await run.io_bound(expiring_batch, actor, batch_id=int(row["id"]))
        except DomainError as exc:
            with body:
                ui.notify(exc.message, type="negative")
            return
        if batch is None:
            return
        with body:
            written = await _batch_dialog(actor, batch)
        if written and state["table"] is not None:
            await state["table"].refresh()

    horizon.on_value_change(lambda e: show(int(e.value)))
    await show(2)
    return None


async def _batch_dialog(actor: Actor, batch: ExpiringBatch) -> bool:
    """The batch's facts; a Write off button when it has expired and the actor may. True after a write-off."""
    may_write_off = actor.can("stock.writeoff") and batch.expired and batch.qty > 0
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
        ui.label(f"{batch.product_name} · batch {batch.batch_no}").classes("text-h6").mark("batch-title")
        if batch.days_left is None:
            status = "No expiry date"
        elif batch.days_left < 0:
            status = f"Expired {-batch.days_left} {'day' if batch.days_left == -1 else 'days'} ago"
        else:
            status = "Expires today" if batch.days_left == 0 else f"Expires in {batch.days_left} " \
                f"{'day' if batch.days_left == 1 else 'days'}"
        facts = [("Location", batch.location_name), ("Produced", format_date(batch.produced_on)),
                 ("Expires", format_date(batch.expires_on)), ("Status", status),
                 ("Quantity", f"{format_quantity(batch.qty)} {batch.unit}"), ("Value", format_money(batch.value))]
        for label, value in facts:
            with ui.row().classes("gap-3 no-wrap"):
                ui.label(label).classes("text-grey-7 w-24 shrink-0")
                ui.label(value).classes("break-words min-w-0").mark(f"batch-{label.lower()}")
        if may_write_off:
            ui.label(f"Writing off takes all {format_quantity(batch.qty)} {batch.unit} out of stock as waste "
                     f"(reason: expired), dated today.").classes("text-caption text-grey-8")
        elif batch.expired is False and actor.can("stock.writeoff"):
            ui.label("Only expired stock is written off here; damaged stock goes through an adjustment.") \
                .classes("text-caption text-grey-7")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Close", on_click=lambda: dialog.submit(False)).props("flat no-caps").mark("batch-close")
            if may_write_off:
                button = ui.button("Write off", icon="delete_sweep").props("unelevated no-caps color=negative") \
                    .mark("batch-write-off")

                async def write_off() -> None:
                    button.props("loading")
                    today = datetime.now(get_settings().tz).date()
                    try:
                        done = await run.io_bound(
                            write_off_expired, actor, location_id=batch.location_id, product_id=batch.product_id,
                            batch_no=batch.batch_no, business_date=today)
                    except DomainError as exc:
                        button.props(remove="loading")
                        ui.notify(exc.message, type="negative", multi_line=True)
                        return
                    if done is None:
                        return
                    ui.notify(f"{done.document}: {format_quantity(done.qty)} {done.unit} of {done.product_name} "
                              f"written off ({format_money(done.value)})", type="positive", multi_line=True)
                    dialog.submit(True)

                button.on_click(write_off)
    answer = await dialog
    dialog.delete()
    return bool(answer)


PAGES = [Page("/inventory/expiry", expiry_page, TITLE, "event_busy", "stock.view", order=26)]
