"""The engine, and the one way services touch the database: `transaction()` to change, `reading()` to read."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session, SQLModel

from domain.access import Actor
from domain.config import get_settings, resolve_database_url
from domain.events import DomainEvent, bus
from domain.jsonsafe import json_safe
from domain.models import AuditKind
from domain.queries import audit as audit_q

_lock = threading.Lock()
_engine: Engine | None = None
_read_engine: Engine | None = None

_UNSET: Any = object()

# Audit rows name entities in the business's words where the table name differs.
ENTITY_NAMES = {"app_user": "user", "geo_node": "geography"}


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN itself
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Writers take the write lock up front, so two of them never deadlock upgrading a read lock.
            read_only = connection.get_execution_options().get("chesanto_read_only", False)
            connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def configure(url: str | None = None) -> Engine:
    """Point the process at a database (default: the one the settings resolve to)."""
    global _engine, _read_engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = _make_engine(url or resolve_database_url(get_settings()))
        _read_engine = _engine.execution_options(chesanto_read_only=True)
        return _engine


def get_engine() -> Engine:
    return _engine if _engine is not None else configure()


def dispose() -> None:
    global _engine, _read_engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = _read_engine = None


def create_all() -> None:
    """Create every table directly (tests); real databases are built by `chesanto migrate`."""
    SQLModel.metadata.create_all(get_engine())


@dataclass
class Tx:
    """One unit of work: its session, who acts, the audit rows it writes and the events it will publish."""

    session: Session
    actor: Actor
    source_ip: str | None = None
    events: list[DomainEvent] = field(default_factory=list)

    def audit(
        self,
        action: str,
        record: SQLModel | None = None,
        *,
        entity: str | None = None,
        entity_id: Any = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = _UNSET,
        kind: AuditKind = AuditKind.DATA,
        scope_path: str | None = None,
    ) -> None:
        """Record a change in this same transaction. With `record`, `after` defaults to its current state."""
        if record is not None:
            self.session.flush()
            entity = entity or ENTITY_NAMES.get(str(record.__tablename__), str(record.__tablename__))
            entity_id = entity_id if entity_id is not None else getattr(record, "id", None)
            if after is _UNSET:
                after = snapshot(record)
        audit_q.append(
            self.session,
            actor=self.actor,
            action=action,
            entity=entity or "system",
            entity_id=None if entity_id is None else str(entity_id),
            before=before,
            after=None if after is _UNSET else after,
            kind=kind,
            source_ip=self.source_ip,
            scope_path=scope_path,
        )

    def emit(self, event_: DomainEvent) -> None:
        """Queue an event; it is published only if the transaction commits."""
        self.events.append(event_)


@contextmanager
def transaction(actor: Actor, *, source_ip: str | None = None) -> Iterator[Tx]:
    """Commit on success, roll back everything on any error, then publish the queued events."""
    with Session(get_engine(), expire_on_commit=False) as session:
        tx = Tx(session=session, actor=actor, source_ip=source_ip)
        try:
            yield tx
            if tx.events and session.get_bind().dialect.name == "postgresql":
                _notify(session, tx.events)  # delivered to other processes only if the commit succeeds
            session.commit()
        except BaseException:
            session.rollback()
            raise
    for queued in tx.events:
        bus.publish(queued)


def _notify(session: Session, events: list[DomainEvent]) -> None:
    from domain.events_remote import CHANNEL, payload

    for queued in events:
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload(queued)})


@contextmanager
def reading() -> Iterator[Session]:
    """A read-only session (on SQLite a deferred BEGIN, so readers never wait for the write lock)."""
    global _read_engine
    if _read_engine is None:
        get_engine()
    assert _read_engine is not None
    with Session(_read_engine, expire_on_commit=False) as session:
        # Closing (not rolling back) ends the read transaction and keeps loaded rows readable after the block.
        yield session


def snapshot(record: SQLModel, *, exclude: tuple[str, ...] = ("password_hash",)) -> dict[str, Any]:
    """The record's columns as JSON-safe values, for audit before/after."""
    values = {}
    for column in record.__table__.columns:  # type: ignore[attr-defined]
        if column.key in exclude or column.key in ("created_at", "updated_at"):
            continue
        values[column.key] = json_safe(getattr(record, column.key))
    return values
