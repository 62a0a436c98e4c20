"""Events reach other processes on PostgreSQL through LISTEN/NOTIFY — only committed ones, never our own twice."""

import subprocess
import sys
import threading

import pytest

from domain import db as domain_db
from domain import events_remote
from domain.access import SYSTEM
from domain.events import DomainEvent, bus

COMMIT_IN_ANOTHER_PROCESS = """
import sys
from domain import db
from domain.access import SYSTEM
from domain.events import DomainEvent
db.configure(sys.argv[1])
with db.transaction(SYSTEM) as tx:
    tx.emit(DomainEvent("order.confirmed", scope_path="/1/4/", data={"number": "SO-000042", "total": "450.00"}))
try:
    with db.transaction(SYSTEM) as tx:
        tx.emit(DomainEvent("order.cancelled", scope_path="/1/4/", data={"number": "SO-000043"}))
        raise RuntimeError("rolled back")
except RuntimeError:
    pass
"""


@pytest.fixture
def listening(_postgres_schema: str):
    heard: list[DomainEvent] = []
    arrived = threading.Event()

    def record(event: DomainEvent) -> None:
        heard.append(event)
        arrived.set()

    unsubscribe = bus.subscribe(record)
    listener = events_remote.start_listening(_postgres_schema)
    assert listener is not None and listener.connected.wait(10), "the listener did not connect"
    yield _postgres_schema, heard, arrived
    unsubscribe()
    events_remote.stop_listening()
    domain_db.dispose()


def test_a_committed_event_in_another_process_is_published_here(listening):
    url, heard, arrived = listening
    subprocess.run([sys.executable, "-c", COMMIT_IN_ANOTHER_PROCESS, url], check=True, timeout=60)
    assert arrived.wait(10)
    assert [(e.name, e.scope_path, e.data) for e in heard] == [
        ("order.confirmed", "/1/4/", {"number": "SO-000042", "total": "450.00"})]  # the rolled-back one never came


def test_our_own_events_are_not_published_twice(listening):
    url, heard, arrived = listening
    domain_db.configure(url)
    with domain_db.transaction(SYSTEM) as tx:
        tx.emit(DomainEvent("payment.recorded", scope_path=None, data={"number": "PAY-1"}))
    assert arrived.wait(5)
    subprocess.run([sys.executable, "-c", COMMIT_IN_ANOTHER_PROCESS, url], check=True, timeout=60)
    assert [e.name for e in heard].count("payment.recorded") == 1  # once, locally, after commit


def test_a_payload_too_large_for_notify_keeps_its_identifying_keys():
    event = DomainEvent("order.submitted", data={"id": 7, "number": "SO-7", "lines": [{"x": "y" * 100}] * 200})
    text = events_remote.payload(event)
    assert len(text.encode()) < 8000
    assert '"number":"SO-7"' in text and '"truncated":true' in text and "lines" not in text


def test_malformed_or_own_notifications_are_ignored():
    assert events_remote.event_from("not json") is None
    assert events_remote.event_from(events_remote.payload(DomainEvent("x"))) is None  # our own token
