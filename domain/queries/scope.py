"""Geographic scope in SQL: a record is visible when its geography path starts with the actor's scope path."""

from typing import Any

from sqlalchemy import ColumnElement, true

from domain.access import Actor


def within(path_column: Any, actor: Actor) -> ColumnElement[bool]:
    """WHERE clause for "inside the actor's area" on a materialised-path column (company-wide: no filter)."""
    if actor.scope_path is None:
        return true()
    return path_column.startswith(actor.scope_path, autoescape=True)
