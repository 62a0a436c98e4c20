"""Test databases: a fresh SQLite file per test, and scratch PostgreSQL databases on the local server.

PostgreSQL comes from CHESANTO_TEST_PG_URL (default: the local server, user postgres, trust auth).
Where it is missing the PostgreSQL variants skip, except with CI=true, where they fail.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url, text

PG_ADMIN_URL = os.environ.get("CHESANTO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

_pg_ok: bool | None = None


def postgres_available() -> bool:
    global _pg_ok
    if _pg_ok is None:
        try:
            engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            _pg_ok = True
        except Exception:
            _pg_ok = False
    return _pg_ok


def require_postgres() -> None:
    if not postgres_available():
        message = f"PostgreSQL is not reachable at {make_url(PG_ADMIN_URL).render_as_string()}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL is required)", pytrace=False)
        pytest.skip(message)


@contextmanager
def scratch_postgres(prefix: str = "chesanto_test") -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block; dropped afterwards."""
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        from domain import db

        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
