"""The fields of the user forms (new user, edit user): role and area pickers, errors next to each field."""

import secrets
from dataclasses import dataclass
from typing import Any

from nicegui import ui

from dashboard.components.forms import clear_errors, show_errors
from domain.access import Actor
from domain.errors import PermissionDenied, ValidationFailed
from domain.services.geography import geo_choices
from domain.services.users_admin import UserRow, role_choices

COMPANY_WIDE = ""  # the Area picker's value for "no scope"
_REQUIRED = ("Username", "Full name", "Role")
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0) in a password read out over the phone


@dataclass(frozen=True)
class FormChoices:
    roles: dict[str, str]  # role code -> name
    areas: dict[str, str]  # scope code ("" for company-wide) -> label


def form_choices(actor: Actor) -> FormChoices:
    """Roles and the places inside the actor's area (company-wide only for company-wide administrators)."""
    roles = role_choices(actor)
    try:
        places = geo_choices(actor, limit=1000)
    except PermissionDenied:  # a user manager without masterdata.view: only company-wide, if anything
        places = []
    areas = {COMPANY_WIDE: "Company-wide"} if actor.company_wide else {}
    areas.update({p.code: f"{p.name} ({p.code}) · {p.level.value}" for p in places})
    return FormChoices(roles=roles, areas=areas)


def suggest_password() -> str:
    """Three groups of four easy-to-read characters: 'k7mq-2xwe-p9ta'."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def _slug(label: str) -> str:
    return label.lower().replace(" ", "-")


class UserFields:
    """Inputs for a user's details in a responsive two-column grid. `fields` maps each label a service names in its
    errors to the input that shows it ("Scope" errors appear under Area)."""

    def __init__(self, choices: FormChoices, *, row: UserRow | None = None, new: bool = False) -> None:
        self.fields: dict[str, Any] = {}
        areas = dict(choices.areas)
        if row is not None and row.scope_code and row.scope_code not in areas:  # an inactive place they sit on
            areas = {row.scope_code: f"{row.scope_name} ({row.scope_code})", **areas}
        current_area = (row.scope_code or COMPANY_WIDE) if row is not None else (
            COMPANY_WIDE if COMPANY_WIDE in areas else None)
        with ui.grid().classes("w-full grid-cols-1 sm:grid-cols-2 gap-x-4 gap-y-1"):
            if new:
                self._text("Username", None, hint="Letters, digits, '.', '_' or '-'; used to log in")
            self._text("Full name", row.full_name if row else None)
            self.fields["Role"] = ui.select(choices.roles, label="Role", value=row.role_code if row else None)
            self.fields["Area"] = ui.select(areas, label="Area", value=current_area, with_input=True).props(
                "options-dense")
            self.fields["Area"].props["hint"] = "What they see; Company-wide sees everything"
            self._text("Email", row.email if row else None)
            self._text("Phone", row.phone if row else None, hint="Such as +254 712 345 678")
            self._text("Employee ID", row.employee_id if row else None)
        for label, field in self.fields.items():
            field.props("outlined").classes("w-full").mark(_slug(label))

    def _text(self, label: str, value: str | None, *, hint: str | None = None) -> ui.input:
        field = ui.input(label, value=value or "")
        if hint:
            field.props["hint"] = hint
        self.fields[label] = field
        return field

    def values(self) -> dict[str, Any]:
        """The details as the services take them (scope_code None for company-wide)."""
        value = self.fields
        return {
            "full_name": value["Full name"].value or "", "role": value["Role"].value or "",
            "scope_code": value["Area"].value or None, "email": value["Email"].value or None,
            "phone": value["Phone"].value or None, "employee_id": value["Employee ID"].value or None,
        }

    def clear_errors(self) -> None:
        clear_errors(self.fields)

    def show_errors(self, exc: ValidationFailed) -> None:
        """Errors under their fields; a left-blank field reads "is required" rather than the parser's words."""
        errors = {}
        for name, text in exc.errors.items():
            label = "Area" if name == "Scope" else name
            field = self.fields.get(label)
            blank = field is not None and label != "Area" and not str(field.value or "").strip()
            if text.startswith("value is not a valid email address"):  # pydantic goes on to explain at length
                text = "is not a valid email address"
            errors[label] = "is required" if blank else text
        for label in _REQUIRED:  # the service stops at the first stage that fails; show every blank at once
            if label in self.fields and not str(self.fields[label].value or "").strip():
                errors[label] = "is required"
        show_errors(self.fields, ValidationFailed(errors))


class Notice(ui.row):
    """A refusal that stays on screen next to what was refused (a notification disappears too soon)."""

    def __init__(self) -> None:
        super().__init__(wrap=False, align_items="start")
        self.classes("w-full gap-2 q-pa-sm rounded-borders bg-red-1 text-red-10").mark("notice")
        with self:
            ui.icon("block").classes("text-negative q-mt-xs")
            self.text = ui.label().classes("text-body2")
        self.set_visibility(False)

    def show(self, message: str) -> None:
        self.text.text = message
        self.set_visibility(True)

    def hide(self) -> None:
        self.set_visibility(False)
