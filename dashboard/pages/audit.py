"""/audit: the audit trail, for auditors and admins — filter, page and export every recorded change."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.audit_detail import show_audit_entry
from dashboard.components.data_table import data_table
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError
from domain.services.audit import audit_entry, audit_table


async def audit_page() -> RedirectResponse | None:
    actor = await signed_in("audit.view", path="/audit")
    if not isinstance(actor, Actor):
        return actor
    with frame("Audit trail", actor) as body:
        ui.label("Every change, login and refusal, newest first. Click a row for its before and after; "
                 "filter, then export exactly what you see.").classes("text-grey-7")
    await ui.context.client.connected()
    source = await run.io_bound(audit_table, actor)
    if source is None:
        return None

    async def open_entry(row: dict) -> None:
        try:
            entry = await run.io_bound(audit_entry, actor, entry_id=int(row["row_id"]))
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        if entry is not None:
            show_audit_entry(entry)

    with body:
        data_table(actor, source, page_size=25, on_row_click=open_entry)
    return None


PAGES = [Page("/audit", audit_page, "Audit trail", "policy", "audit.view", order=90)]
