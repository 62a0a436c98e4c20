"""/admin/users: everyone who can log in; /admin/users/new: add someone; /admin/users/{id}: edit details,
deactivate or reactivate, reset a password, unlock. Every refusal is a message next to what was refused."""

from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.data_table import data_table
from dashboard.components.dialogs import Confirm
from dashboard.components.user_form import FormChoices, Notice, UserFields, form_choices, suggest_password
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from domain.formatting import format_datetime
from domain.services.users import create_user
from domain.services.users_admin import (
    UserRow,
    deactivate_user,
    get_user,
    reactivate_user,
    reset_password,
    unlock_user,
    update_user,
    users_table,
)
from domain.types import utcnow

LIST = "/admin/users"


def _back_link() -> None:
    with ui.link(target=LIST).classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label("All users")


def _failure(body: ui.column, message: str) -> None:
    with body:
        Notice().show(message)


async def users_page() -> RedirectResponse | None:
    actor = await signed_in("users.manage", path=LIST)
    if not isinstance(actor, Actor):
        return actor
    with frame("Users", actor) as body:
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            ui.label("Everyone who can log in, with their role and area. Click a row to edit it.").classes(
                "text-grey-7")
            ui.button("New user", icon="person_add", on_click=lambda: ui.navigate.to(f"{LIST}/new")).props(
                "unelevated").mark("new-user")
    await ui.context.client.connected()
    try:
        source = await run.io_bound(users_table, actor)
    except DomainError as exc:
        _failure(body, exc.message)
        return None
    if source is None:  # the app is stopping
        return None
    with body:
        data_table(actor, source, page_size=25, on_row_click=lambda row: ui.navigate.to(f"{LIST}/{row['id']}"))
    return None


async def new_user_page() -> RedirectResponse | None:
    actor = await signed_in("users.manage", path=f"{LIST}/new")
    if not isinstance(actor, Actor):
        return actor
    with frame("New user", actor) as body:
        _back_link()
    await ui.context.client.connected()
    try:
        choices = await run.io_bound(form_choices, actor)
    except DomainError as exc:
        _failure(body, exc.message)
        return None
    if choices is None:  # the app is stopping
        return None
    with body, ui.card().classes("w-full max-w-3xl gap-3"):
        ui.label("Details").classes("text-h6")
        form = UserFields(choices, new=True)
        ui.separator()
        ui.label("Initial password").classes("text-subtitle1 font-medium")
        ui.label("Give it to them privately; nobody can read it back later.").classes("text-body2 text-grey-7")
        with ui.row(wrap=False, align_items="start").classes("w-full max-w-md gap-2"):
            password = ui.input("Initial password", value=suggest_password()).props(
                "outlined autocomplete=off").classes("grow").mark("password")
            password.props["hint"] = "At least 10 characters, not the username"
            ui.button(icon="casino", on_click=lambda: password.set_value(suggest_password())).props(
                "flat round aria-label='Suggest another'").classes("q-mt-sm").tooltip("Suggest another")
        form.fields["Password"] = password
        must_change = ui.checkbox("Must change it at next login", value=True).mark("must-change")
        notice = Notice()

        async def create() -> None:
            form.clear_errors()
            notice.hide()
            fields: dict[str, Any] = {**form.values(), "username": form.fields["Username"].value or "",
                                      "password": password.value or "", "must_change_password": must_change.value}
            if not actor.company_wide and not fields["scope_code"]:  # only head office creates company-wide users
                form.fields["Area"].error = f"Area is required: choose a place inside {actor.scope_name}"
                return
            try:
                user = await run.io_bound(lambda: create_user(actor, **fields))
            except ValidationFailed as exc:
                form.show_errors(exc)
                return
            except Conflict as exc:  # the username is taken
                form.fields["Username"].error = exc.message
                return
            except DomainError as exc:
                notice.show(exc.message)
                return
            if user is not None:  # None: the app is stopping
                ui.navigate.to(f"{LIST}/{user.id}?created=1")

        with ui.row().classes("gap-2"):
            ui.button("Create user", icon="person_add", on_click=create).props("unelevated").mark("create-user")
            ui.button("Cancel", on_click=lambda: ui.navigate.to(LIST)).props("flat")
    return None


class UserDetail:
    """Details form on the left (on top on phones), the account's state and actions beside it."""

    def __init__(self, actor: Actor, row: UserRow, choices: FormChoices) -> None:
        self.actor, self.row = actor, row
        self.confirm = Confirm()
        self._build_reset_dialog()
        self.heading = ui.column().classes("gap-0")
        with ui.grid().classes("w-full grid-cols-1 md:grid-cols-3 gap-4 items-start"):
            with ui.card().classes("md:col-span-2 gap-3"):
                ui.label("Details").classes("text-h6")
                with ui.row().classes("items-baseline gap-2"):
                    ui.label("Username").classes("text-grey-7")
                    ui.label(row.username).classes("font-medium")
                self.form = UserFields(choices, row=row)
                self.details_notice = Notice()
                ui.button("Save changes", icon="save", on_click=self.save).props("unelevated").mark("save")
            with ui.card().classes("gap-3"):
                ui.label("Account").classes("text-h6")
                self.account = ui.column().classes("w-full gap-3")
                self.account_notice = Notice()
        self.render()

    @property
    def locked(self) -> bool:
        return self.row.locked_until is not None and self.row.locked_until > utcnow()

    def render(self) -> None:
        row = self.row
        self.heading.clear()
        with self.heading:
            ui.label(row.full_name).classes("text-h6").mark("user-name")
            ui.label(f"{row.role_name} · {row.scope_name or 'Company-wide'}").classes("text-body2 text-grey-7")
        self.account.clear()
        with self.account:
            with ui.row().classes("gap-1"):
                if row.is_active:
                    ui.chip("Active", icon="check_circle", color="positive").props("outline dense").mark("status")
                else:
                    ui.chip("Deactivated", icon="person_off", color="grey-8").props("outline dense").mark("status")
                if self.locked:
                    ui.chip(f"Locked until {format_datetime(row.locked_until)}", icon="lock", color="orange-9") \
                        .props("outline dense")
                if row.must_change_password:
                    ui.chip("Must change password", icon="password", color="blue-9").props("outline dense")
            last = f"Last login {format_datetime(row.last_login_at)}" if row.last_login_at else "Never logged in"
            ui.label(last).classes("text-body2 text-grey-8")
            with ui.column().classes("w-full gap-2"):
                ui.button("Reset password", icon="key", on_click=self.open_reset).props(
                    "outline no-caps").classes("w-full").mark("reset-password")
                if self.locked:
                    ui.button("Unlock", icon="lock_open", on_click=self.unlock).props(
                        "outline no-caps").classes("w-full").mark("unlock")
                if row.is_active:
                    ui.button("Deactivate", icon="person_off", on_click=self.deactivate).props(
                        "outline no-caps color=negative").classes("w-full").mark("deactivate")
                else:
                    ui.button("Reactivate", icon="person_add", on_click=self.reactivate).props(
                        "outline no-caps color=positive").classes("w-full").mark("reactivate")

    async def _act(self, call: Any, done: str) -> bool:
        """Run an account action; a refusal stays on screen under the buttons."""
        self.account_notice.hide()
        try:
            row = await run.io_bound(call)
        except DomainError as exc:
            self.account_notice.show(exc.message)
            return False
        if row is None:  # the app is stopping
            return False
        self.row = row
        self.render()
        ui.notify(done, type="positive")
        return True

    async def save(self) -> None:
        self.form.clear_errors()
        self.details_notice.hide()
        values = self.form.values()
        try:
            row = await run.io_bound(lambda: update_user(self.actor, user_id=self.row.id, **values))
        except ValidationFailed as exc:
            self.form.show_errors(exc)
            return
        except DomainError as exc:
            self.details_notice.show(exc.message)
            return
        if row is None:  # the app is stopping
            return
        self.row = row
        self.render()
        ui.notify("Saved", type="positive")

    async def deactivate(self) -> None:
        name = self.row.full_name
        if await self.confirm.ask(f"Deactivate {name}?", f"{name} will no longer be able to log in. Their name stays "
                                  "on everything they recorded, and you can reactivate them later.",
                                  "Deactivate", color="negative"):
            await self._act(lambda: deactivate_user(self.actor, user_id=self.row.id), f"{name} is deactivated")

    async def reactivate(self) -> None:
        name = self.row.full_name
        if await self.confirm.ask(f"Reactivate {name}?", f"{name} will be able to log in again with their "
                                  f"current password, as {self.row.role_name}.", "Reactivate", color="positive"):
            await self._act(lambda: reactivate_user(self.actor, user_id=self.row.id), f"{name} is active again")

    async def unlock(self) -> None:
        await self._act(lambda: unlock_user(self.actor, user_id=self.row.id), f"{self.row.full_name} is unlocked")

    def _build_reset_dialog(self) -> None:
        with ui.dialog() as self.reset_dialog, ui.card().classes("w-full max-w-md gap-3"):
            self.reset_title = ui.label().classes("text-h6")
            ui.label("They log in with this password once and must then choose their own. "
                     "Any lockout is cleared.").classes("text-body2")
            with ui.row(wrap=False, align_items="start").classes("w-full gap-2"):
                self.new_password = ui.input("New password").props("outlined autocomplete=off").classes(
                    "grow").mark("new-password")
                ui.button(icon="casino", on_click=lambda: self.new_password.set_value(suggest_password())).props(
                    "flat round aria-label='Suggest another'").classes("q-mt-sm").tooltip("Suggest another")
            self.reset_notice = Notice()
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.reset_dialog.close).props("flat")
                ui.button("Set password", on_click=self.reset).props("unelevated").mark("set-password")

    def open_reset(self) -> None:
        self.reset_title.text = f"Reset the password of {self.row.full_name}"
        self.new_password.value = suggest_password()
        self.new_password.error = None
        self.reset_notice.hide()
        self.reset_dialog.open()

    async def reset(self) -> None:
        self.new_password.error = None
        self.reset_notice.hide()
        password = self.new_password.value or ""
        try:
            row = await run.io_bound(lambda: reset_password(self.actor, user_id=self.row.id, new_password=password))
        except ValidationFailed as exc:
            self.new_password.error = "; ".join(f"{name} {text}" for name, text in exc.errors.items())
            return
        except DomainError as exc:
            self.reset_notice.show(exc.message)
            return
        if row is None:  # the app is stopping
            return
        self.row = row
        self.reset_dialog.close()
        self.render()
        ui.notify(f"Password reset: {self.row.full_name} must choose a new one at next login", type="positive")


async def user_page(user_id: str, created: bool = False) -> RedirectResponse | None:
    path = f"{LIST}/{user_id}"
    actor = await signed_in("users.manage", path=path)
    if not isinstance(actor, Actor):
        return actor
    with frame("User", actor) as body:
        _back_link()
        if created:
            with ui.row(wrap=False).classes("w-full gap-2 q-pa-sm rounded-borders bg-green-1 text-green-10"):
                ui.icon("check_circle").classes("q-mt-xs")
                ui.label("User created. Give them their initial password privately.")
    await ui.context.client.connected()
    try:
        if not user_id.isdigit():
            raise NotFound(f"No user with id {user_id[:20]}.")
        row = await run.io_bound(lambda: get_user(actor, user_id=int(user_id)))
        choices = await run.io_bound(form_choices, actor)
    except DomainError as exc:
        _failure(body, exc.message)
        return None
    if row is None or choices is None:  # the app is stopping
        return None
    with body:
        UserDetail(actor, row, choices)
    return None


PAGES = [
    Page(LIST, users_page, "Users", "group", "users.manage", order=80),
    Page(f"{LIST}/new", new_user_page),  # before /{user_id}, which would otherwise take "new"
    Page(f"{LIST}/{{user_id}}", user_page),
]
