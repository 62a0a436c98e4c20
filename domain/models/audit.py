import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

import domain.models.base  # noqa: F401  (naming convention before any table)
from domain.types import UTCDateTime, enum_type, utcnow

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class AuditKind(enum.StrEnum):
    DATA = "data_change"
    USER = "user_action"
    SYSTEM = "system"


class AuditLog(SQLModel, table=True):
    """Who did what, when, with the record before and after; written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    actor_name: str = Field(max_length=60, nullable=False)
    action: str = Field(max_length=60, nullable=False, index=True)
    entity: str = Field(max_length=40, nullable=False)
    entity_id: str | None = Field(default=None, max_length=40)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    source_ip: str | None = Field(default=None, max_length=45)
    kind: AuditKind = Field(sa_type=enum_type(AuditKind), nullable=False)
    scope_path: str | None = Field(default=None, max_length=255, index=True)

    __table_args__ = (sa.Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)
