"""/audit: the audit trail, for auditors and admins — filter, page and export every recorded change."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.data_table import data_table
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.services.audit import audit_table


async def audit_page() -> RedirectResponse | None:
    actor = await signed_in("audit.view", path="/audit")
    if not isinstance(actor, Actor):
        return actor
    with frame("Audit trail", actor) as body:
        ui.label("Every change, login and refusal, newest first. Filter, then export exactly what you see.").classes(
            "text-grey-7")
    await ui.context.client.connected()
    source = await run.io_bound(audit_table, actor)
    if source is None:
        return None
    with body:
        data_table(actor, source, page_size=25)
    return None


PAGES = [Page("/audit", audit_page, "Audit trail", "policy", "audit.view", order=90)]
