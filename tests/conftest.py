"""Shared fixtures. Any test that asks for `db` runs twice: on SQLite and on PostgreSQL."""

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

os.environ.setdefault("CHESANTO_ENV", "test")

from domain import db as domain_db
from domain.config import reload_settings
from domain.events import DomainEvent, bus
from domain.services.access import seed_access
from tests.databases import scratch_postgres
from tests.factories import Factories


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[str]:
    """One PostgreSQL database for the run, tables created once; each test truncates them."""
    with scratch_postgres() as url:
        domain_db.configure(url)
        domain_db.create_all()
        domain_db.dispose()
        yield url


def _truncate_postgres(url: str) -> None:
    """Empty every table. A read the previous test left running in the background (a page's `run.io_bound` that
    outlived its client) can deadlock with the TRUNCATE; PostgreSQL then aborts one of the two, and this tries again."""
    engine = domain_db.configure(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as exc:
            if "deadlock detected" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database with every table, of each kind in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'chesanto-test.db'}"
    return request.getfixturevalue("_postgres_schema")


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A ready database (tables, default roles and permissions), also what the app's settings resolve to."""
    monkeypatch.setenv("CHESANTO_ENV", "test")
    monkeypatch.setenv("CHESANTO_DATABASE_URL", db_url)
    monkeypatch.setenv("CHESANTO_DATA_DIR", str(tmp_path / "data"))
    reload_settings()
    if db_url.startswith("sqlite"):
        domain_db.configure(db_url)
        domain_db.create_all()
    else:
        _truncate_postgres(db_url)
    seed_access()
    bus.clear()
    yield db_url
    bus.clear()
    domain_db.dispose()
    reload_settings()


@pytest.fixture
def factories(db: str) -> Factories:
    return Factories()


@pytest.fixture
def events(db: str) -> Iterator[list[DomainEvent]]:
    """Every domain event published (after commit) while the test runs."""
    seen: list[DomainEvent] = []
    unsubscribe = bus.subscribe(seen.append)
    yield seen
    unsubscribe()


@pytest.fixture
def places(factories: Factories) -> dict:
    """Two regions under one zone, each with a territory (factories.geography())."""
    return factories.geography()
