"""What a user sees on opening a page their role may not see (the refusal itself is audited by the caller)."""

from nicegui import ui

from dashboard.layout import frame
from dashboard.navigation import landing_path
from domain.access import Actor


def show_not_permitted(actor: Actor, path: str) -> None:
    with frame("Not permitted", actor):
        with ui.card().classes("q-pa-lg gap-2"):
            with ui.row().classes("items-center gap-2"):
                ui.icon("block", size="md").classes("text-negative")
                ui.label("Not permitted").classes("text-h6")
            ui.label(f"Your role ({actor.role_name}) may not open {path or 'this page'}.")
            ui.label("The attempt has been recorded. Ask an administrator if you need access.").classes(
                "text-grey-7")
            ui.link("Go to your start page", landing_path(actor))
