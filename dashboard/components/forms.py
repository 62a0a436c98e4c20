"""Form helpers: show a service's field-named validation errors next to the fields."""

from collections.abc import Mapping

from nicegui import ui

from domain.errors import ValidationFailed


def clear_errors(fields: Mapping[str, ui.input]) -> None:
    for field in fields.values():
        field.error = None


def show_errors(fields: Mapping[str, ui.input], exc: ValidationFailed) -> None:
    """Put each error under its field; errors for fields not on the form become a notification."""
    unplaced = []
    for name, text in exc.errors.items():
        field = fields.get(name)
        if field is None:
            unplaced.append(f"{name}: {text}")
            continue
        field.error = f"{name} {text}"
    if unplaced:
        ui.notify("; ".join(unplaced), type="negative")
