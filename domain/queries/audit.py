"""SQL for the audit trail: append rows, read them back."""

from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, func, select

from domain.access import Actor
from domain.models import AuditKind, AuditLog, User
from domain.queries import scope


def append(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    kind: AuditKind,
    source_ip: str | None,
    scope_path: str | None,
) -> AuditLog:
    row = AuditLog(
        actor_id=actor.user_id, actor_name=actor.username, action=action, entity=entity,
        entity_id=entity_id, before=before, after=after, kind=kind, source_ip=source_ip,
        scope_path=scope_path,
    )
    session.add(row)
    session.flush()
    return row


def rows(
    session: Session,
    *,
    action: str | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
    actor_name: str | None = None,
    since: datetime | None = None,
    scope_path: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[AuditLog]:
    query = select(AuditLog)
    if action:
        query = query.where(col(AuditLog.action).startswith(action))
    if entity:
        query = query.where(AuditLog.entity == entity)
    if entity_id is not None:
        query = query.where(AuditLog.entity_id == entity_id)
    if actor_name:
        query = query.where(AuditLog.actor_name == actor_name)
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if scope_path is not None:
        query = query.where(col(AuditLog.scope_path).startswith(scope_path, autoescape=True))
    query = query.order_by(col(AuditLog.id).desc()).limit(limit).offset(offset)
    return list(session.exec(query))


def by_id(session: Session, entry_id: int) -> AuditLog | None:
    return session.get(AuditLog, entry_id)


def count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditLog)).one())


def table_select(actor: Actor) -> Select[Any]:
    """The audit trail as a list: who by name (the username when the user is gone), limited to the actor's area
    (a scoped actor sees the rows recorded inside it; company-wide rows are head office's)."""
    return (
        select(
            col(AuditLog.id).label("row_id"),
            col(AuditLog.at).label("at"),
            func.coalesce(User.full_name, AuditLog.actor_name).label("who"),
            col(AuditLog.action).label("action"),
            col(AuditLog.entity).label("entity"),
            col(AuditLog.entity_id).label("entity_id"),
            col(AuditLog.source_ip).label("source_ip"),
            col(AuditLog.kind).label("kind"),
        )
        .select_from(AuditLog)
        .outerjoin(User, col(User.id) == col(AuditLog.actor_id))
        .where(scope.within(col(AuditLog.scope_path), actor))
    )
