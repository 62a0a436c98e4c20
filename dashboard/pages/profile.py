"""/profile: who I am, and changing my own password."""

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.forms import clear_errors, show_errors
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.services.auth import change_password


async def profile_page() -> RedirectResponse | None:
    actor = await signed_in(path="/profile")
    if not isinstance(actor, Actor):
        return actor
    with frame("My profile", actor):
        if actor.must_change_password:
            with ui.card().classes("bg-orange-1 w-full"):
                ui.label("An administrator reset your password. Choose a new one to continue.").classes(
                    "text-orange-10")
        with ui.card().classes("w-full max-w-lg"):
            ui.label("Account").classes("text-h6")
            for label, value in [
                ("Name", actor.full_name), ("Username", actor.username), ("Role", actor.role_name),
                ("Area", actor.scope_name or "Company-wide"),
            ]:
                with ui.row().classes("gap-4"):
                    ui.label(label).classes("text-grey-7 w-24")
                    ui.label(value)
        with ui.card().classes("w-full max-w-lg gap-2"):
            ui.label("Change password").classes("text-h6")
            fields = {
                "Current password": ui.input("Current password", password=True),
                "New password": ui.input("New password", password=True).props(
                    "hint='At least 10 characters, not your username'"),
                "Confirm new password": ui.input("Confirm new password", password=True),
            }
            for label, field in fields.items():
                field.props("outlined autocomplete=off").classes("w-full").mark(label.lower().replace(" ", "-"))

            async def save() -> None:
                clear_errors(fields)
                try:
                    await run.io_bound(
                        change_password, actor,
                        current_password=fields["Current password"].value or "",
                        new_password=fields["New password"].value or "",
                        confirm_password=fields["Confirm new password"].value or "",
                    )
                except ValidationFailed as exc:
                    show_errors(fields, exc)
                    return
                except DomainError as exc:
                    ui.notify(exc.message, type="negative")
                    return
                for field in fields.values():
                    field.value = ""
                ui.notify("Password changed", type="positive")
                if actor.must_change_password:
                    ui.navigate.to("/")

            ui.button("Change password", on_click=save).props("unelevated")
    return None


PAGES = [Page("/profile", profile_page, "My profile", "person", order=1000)]
