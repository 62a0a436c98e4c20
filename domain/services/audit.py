"""Reading the audit trail (auditors and admins)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.access import Actor
from domain.db import reading
from domain.errors import NotFound
from domain.models import AuditKind, AuditLog
from domain.queries import audit as audit_q
from domain.tables import Column, TableSource


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_name: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    source_ip: str | None
    kind: str


def audit_trail(
    actor: Actor, *, action: str | None = None, entity: str | None = None, entity_id: str | None = None,
    actor_name: str | None = None, limit: int = 200, offset: int = 0,
) -> list[AuditEntry]:
    """Newest first; needs audit.view. A scoped actor sees only rows recorded inside their area."""
    actor.require("audit.view")
    with reading() as session:
        rows = audit_q.rows(session, action=action, entity=entity, entity_id=entity_id,
                            actor_name=actor_name, scope_path=actor.scope_path, limit=min(limit, 1000),
                            offset=offset)
        return [_entry(r) for r in rows]


def audit_entry(actor: Actor, *, entry_id: int) -> AuditEntry:
    """One audit row with its before and after, for the detail view."""
    actor.require("audit.view")
    with reading() as session:
        row = audit_q.by_id(session, entry_id)
        if row is None:
            raise NotFound(f"No audit entry {entry_id}.")
        actor.ensure_sees(row.scope_path, "This audit entry")
        return _entry(row)


def _entry(r: AuditLog) -> AuditEntry:
    return AuditEntry(id=r.id or 0, at=r.at, actor_name=r.actor_name, action=r.action, entity=r.entity,
                      entity_id=r.entity_id, before=r.before, after=r.after, source_ip=r.source_ip,
                      kind=r.kind.value)


AUDIT_COLUMNS = [
    Column("at", "When", "datetime", filter="date_range"),
    Column("who", "Who", "text", filter="text"),
    Column("action", "Action", "text", filter="text"),
    Column("entity", "Entity", "text", filter="text"),
    Column("entity_id", "ID", "text", filter="text"),
    Column("source_ip", "Source IP", "text", filter="text"),
    Column("kind", "Kind", "choice", filter="choice", choices=[k.value for k in AuditKind]),
]


def audit_table(actor: Actor) -> TableSource:
    """The audit trail as a filterable, exportable list (newest first). Needs audit.view; a scoped actor sees
    only the rows recorded inside their area."""
    actor.require("audit.view")
    return TableSource(
        name="audit-trail", title="Audit trail", columns=AUDIT_COLUMNS, build=audit_q.table_select,
        permission="audit.view", row_key="row_id", default_sort="at", default_descending=True,
    )
