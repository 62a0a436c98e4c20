"""/login and /logout."""

from fastapi.responses import RedirectResponse
from nicegui import app, run, ui

from dashboard.auth import USER_ID, client_ip, end_session, session_user_id, start_session
from dashboard.layout import PRODUCT, apply_theme
from dashboard.navigation import Page
from domain.errors import DomainError
from domain.services.access import load_actor
from domain.services.auth import login, logout


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


async def login_page(next: str | None = None) -> RedirectResponse | None:
    if session_user_id() is not None:
        return RedirectResponse(_safe_next(next))
    expired = app.storage.user.pop("expired", False)
    apply_theme()
    with ui.column().classes("absolute-center items-stretch w-full q-pa-md").style("max-width: 380px"):
        with ui.card().classes("w-full q-pa-lg gap-3"):
            ui.label(PRODUCT).classes("text-h5 font-bold text-primary")
            ui.label("Sign in to continue").classes("text-grey-7")
            if expired:
                ui.label("Your session expired. Please log in again.").classes("text-orange-9")
            username = ui.input("Username").props("outlined autofocus autocomplete=username").classes("w-full")
            password = ui.input("Password", password=True, password_toggle_button=True).props(
                "outlined autocomplete=current-password").classes("w-full")
            message = ui.label("").classes("text-negative").props("role=alert")
            message.set_visibility(False)
            button = ui.button("Log in").props("unelevated size=lg").classes("w-full")

            async def submit() -> None:
                if not username.value or not password.value:
                    message.text = "Enter your username and password."
                    message.set_visibility(True)
                    return
                button.props("loading")
                try:
                    actor = await run.io_bound(login, username=username.value, password=password.value,
                                               source_ip=client_ip())
                except DomainError as exc:
                    message.text = exc.message
                    message.set_visibility(True)
                    password.value = ""
                    return
                finally:
                    button.props(remove="loading")
                if actor is None:  # the app is shutting down
                    return
                start_session(actor)
                ui.navigate.to(_safe_next(next))

            button.on_click(submit)
            password.on("keydown.enter", submit)
    return None


async def logout_page() -> RedirectResponse:
    user_id = app.storage.user.get(USER_ID)
    if user_id is not None:
        actor = await run.io_bound(load_actor, int(user_id))
        if actor is not None:
            await run.io_bound(logout, actor, source_ip=client_ip())
    end_session()
    return RedirectResponse("/login")


PAGES = [Page("/login", login_page), Page("/logout", logout_page)]
