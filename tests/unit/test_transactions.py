"""One transaction per service call: all or nothing, audit rows inside it, events only after commit."""

import pytest
from sqlmodel import func, select

from domain.db import reading, transaction
from domain.errors import Conflict, ValidationFailed
from domain.events import DomainEvent, bus
from domain.models import AuditLog, GeoLevel, GeoNode, User
from domain.services.users import create_user
from tests.factories import PASSWORD


class Boom(Exception):
    pass


def _node(code: str) -> GeoNode | None:
    with reading() as session:
        return session.exec(select(GeoNode).where(GeoNode.code == code)).first()


def _audit_count(action: str) -> int:
    with reading() as session:
        return session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)).one()


def _user_count() -> int:
    with reading() as session:
        return session.exec(select(func.count()).select_from(User)).one()


@pytest.fixture
def published() -> list[DomainEvent]:
    events: list[DomainEvent] = []
    unsubscribe = bus.subscribe(events.append)
    yield events
    unsubscribe()


def test_a_failing_block_writes_nothing_and_publishes_nothing(factories, published):
    actor = factories.actor("admin")
    published.clear()
    with pytest.raises(Boom), transaction(actor) as tx:
        node = GeoNode(code="KSM", name="Kisumu", level=GeoLevel.REGION, path="/9/")
        tx.session.add(node)
        tx.audit("geo.create", node)  # flushes: the row and its audit row reach the database
        tx.emit(DomainEvent("geo.created", scope_path="/9/", data={"code": "KSM"}))
        raise Boom("half way")

    assert _node("KSM") is None
    assert _audit_count("geo.create") == 0
    assert published == []


def test_events_are_published_only_after_commit_and_see_the_committed_row(factories, published):
    actor = factories.actor("admin")
    published.clear()
    seen_by_listener: list[tuple[str, bool, int]] = []

    def listener(event: DomainEvent) -> None:
        node = _node(event.data["code"])
        seen_by_listener.append((event.name, node is not None, _audit_count("geo.create")))

    unsubscribe = bus.subscribe(listener)
    try:
        with transaction(actor) as tx:
            node = GeoNode(code="KSM", name="Kisumu", level=GeoLevel.REGION, path="/9/")
            tx.session.add(node)
            tx.audit("geo.create", node)
            tx.emit(DomainEvent("geo.created", scope_path="/9/", data={"code": "KSM"}))
            assert published == []  # queued, not yet published
    finally:
        unsubscribe()

    assert seen_by_listener == [("geo.created", True, 1)]
    assert [e.name for e in published] == ["geo.created"]
    stored = _node("KSM")
    assert stored is not None and stored.name == "Kisumu"
    with reading() as session:
        row = session.exec(select(AuditLog).where(AuditLog.action == "geo.create")).one()
    assert row.actor_id == actor.user_id and row.entity == "geography" and row.entity_id == str(stored.id)
    assert row.after is not None and row.after["code"] == "KSM" and "created_at" not in row.after


def test_a_broken_listener_does_not_undo_a_committed_change(factories, published, caplog):
    actor = factories.actor("admin")
    published.clear()

    def broken(_event: DomainEvent) -> None:
        raise RuntimeError("listener bug")

    unsubscribe = bus.subscribe(broken)
    try:
        with transaction(actor) as tx:
            tx.session.add(GeoNode(code="MSA", name="Mombasa", level=GeoLevel.REGION, path="/8/"))
            tx.emit(DomainEvent("geo.created", data={"code": "MSA"}))
    finally:
        unsubscribe()
    assert _node("MSA") is not None
    assert [e.name for e in published] == ["geo.created"]
    assert "listener failed" in caplog.text
    caplog.clear()  # the bus logs at ERROR on purpose; this test expects it


def test_rows_read_in_a_reading_block_stay_readable_after_it(factories):
    factories.geography()
    with reading() as session:
        node = session.exec(select(GeoNode).where(GeoNode.code == "RFT")).one()
    assert node.name == "Rift" and node.path.endswith("/")


# --- create_user refusals write nothing ----------------------------------------------------------

def _refused_create(factories, published, error: type[Exception], **fields: object) -> Exception:
    admin = factories.actor("admin")
    users_before, audits_before = _user_count(), _audit_count("user.create")
    published.clear()
    with pytest.raises(error) as refused:
        create_user(admin, **fields)
    assert _user_count() == users_before
    assert _audit_count("user.create") == audits_before
    assert published == []
    return refused.value


def test_create_user_refuses_a_duplicate_username(factories, published):
    factories.user("storekeeper", username="akinyi")
    refused = _refused_create(factories, published, Conflict, username="Akinyi", full_name="Another Akinyi",
                              role="storekeeper", password=PASSWORD)
    assert "Akinyi already exists" in str(refused)


def test_create_user_refuses_an_unknown_role(factories, published):
    refused = _refused_create(factories, published, ValidationFailed, username="baraka", full_name="Baraka",
                              role="baker", password=PASSWORD)
    assert "unknown role" in refused.errors["Role"]


def test_create_user_refuses_an_unknown_scope_code(factories, published):
    factories.geography()
    refused = _refused_create(factories, published, ValidationFailed, username="chebet", full_name="Chebet",
                              role="regional_sales", password=PASSWORD, scope_code="NOPE")
    assert "NOPE" in refused.errors["Scope"]


def test_create_user_refuses_a_short_password(factories, published):
    refused = _refused_create(factories, published, ValidationFailed, username="daudi", full_name="Daudi",
                              role="storekeeper", password="short")
    assert "at least 10 characters" in refused.errors["Password"]


def test_create_user_succeeds_with_an_audit_row_and_an_event(factories, published):
    factories.geography()
    admin = factories.actor("admin")
    published.clear()
    user = create_user(admin, username="esther", full_name="Esther N.", role="regional_sales",
                       password=PASSWORD, scope_code="rft")
    with reading() as session:
        row = session.exec(
            select(AuditLog).where(AuditLog.action == "user.create", AuditLog.entity_id == str(user.id))
        ).one()
    assert row.actor_id == admin.user_id and "password_hash" not in (row.after or {})
    assert row.scope_path is not None and row.scope_path.endswith("/")
    assert [(e.name, e.data) for e in published] == [("user.created", {"username": "esther"})]
