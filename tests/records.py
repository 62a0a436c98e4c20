"""Reading back what tests wrote: audit rows by action."""

from domain.db import reading
from domain.models import AuditLog
from domain.queries import audit as audit_q


def audit_rows(action: str, entity_id: int | None = None) -> list[AuditLog]:
    """Audit rows whose action starts with `action` (newest first), optionally for one record."""
    with reading() as s:
        return audit_q.rows(s, action=action, entity_id=None if entity_id is None else str(entity_id))
