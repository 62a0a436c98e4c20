"""Domain events across processes, on PostgreSQL: `LISTEN/NOTIFY`.

The committing transaction itself sends `pg_notify` (PostgreSQL delivers notifications only when, and only if, the
transaction commits), so another `chesanto serve` process on the same database hears exactly the committed
changes. Each process listens on one dedicated connection in a daemon thread and republishes what other processes
sent on its own in-process bus; its own notifications are recognised by the process token and skipped (they were
already published locally after commit).

SQLite has no NOTIFY: with SQLite the product runs as one process, and the in-process bus is all there is.
"""

import json
import logging
import os
import threading
import uuid
from typing import Any

from domain.events import DomainEvent, bus

log = logging.getLogger(__name__)

CHANNEL = "chesanto_events"
MAX_PAYLOAD = 7900  # PostgreSQL refuses payloads of 8000 bytes or more
PROCESS_TOKEN = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def payload(event: DomainEvent) -> str:
    """The event as NOTIFY text; data too large for a notification is cut down to its identifying keys."""
    body = {"origin": PROCESS_TOKEN, "name": event.name, "scope_path": event.scope_path, "data": event.data}
    text = json.dumps(body, separators=(",", ":"), default=str)
    if len(text.encode()) > MAX_PAYLOAD:
        body["data"] = {k: v for k, v in event.data.items() if not isinstance(v, list | dict)} | {"truncated": True}
        text = json.dumps(body, separators=(",", ":"), default=str)
    return text


def event_from(text: str) -> DomainEvent | None:
    """A notification from another process as a DomainEvent (None for our own or for anything malformed)."""
    try:
        body: dict[str, Any] = json.loads(text)
        if body.get("origin") == PROCESS_TOKEN:
            return None
        return DomainEvent(str(body["name"]), scope_path=body.get("scope_path"), data=dict(body.get("data") or {}))
    except (ValueError, KeyError, TypeError):
        log.warning("ignored a malformed event notification")
        return None


class RemoteListener:
    """LISTENs on `CHANNEL` and republishes other processes' events on this process's bus (a daemon thread)."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()

    def start(self) -> "RemoteListener":
        self._thread = threading.Thread(target=self._run, name="chesanto-listen", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)

    def _run(self) -> None:
        import psycopg  # only PostgreSQL deployments need it loaded

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            if (event := event_from(note.payload)) is not None:
                                bus.publish(event)
            except Exception:  # the database went away: say so, wait, listen again
                self.connected.clear()
                log.warning("event listener lost its connection; retrying in 2 s", exc_info=True)
                self._stop.wait(2)
        self.connected.clear()


_listener: RemoteListener | None = None


def start_listening(url: str) -> RemoteListener | None:
    """Start this process's listener for a PostgreSQL URL (idempotent); None for SQLite."""
    global _listener
    if not url.startswith("postgresql"):
        return None
    if _listener is None:
        from sqlalchemy import make_url

        u = make_url(url)
        conninfo = " ".join(f"{k}={v}" for k, v in {
            "host": u.host, "port": u.port, "dbname": u.database, "user": u.username, "password": u.password,
        }.items() if v is not None)
        _listener = RemoteListener(conninfo).start()
    return _listener


def stop_listening() -> None:
    global _listener
    if _listener is not None:
        _listener.stop()
        _listener = None
