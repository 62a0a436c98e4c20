"""Where a benchmark runs: a fresh SQLite file in a temporary folder, or a scratch PostgreSQL database that is
created for the run and dropped afterwards (as tests/databases.py does for the tests; kept separate on purpose,
benchmarks do not import the test suite).

The PostgreSQL server comes from CHESANTO_BENCH_PG_URL, else CHESANTO_TEST_PG_URL, else the local server
(user postgres, trust auth). The URL names a database to connect to for CREATE / DROP DATABASE.
"""

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

PG_ADMIN_URL = os.environ.get("CHESANTO_BENCH_PG_URL") or os.environ.get(
    "CHESANTO_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_problem(admin_url: str = PG_ADMIN_URL) -> str | None:
    """None when the server answers; otherwise why not, for the report."""
    engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return f"PostgreSQL is not reachable at {make_url(admin_url).render_as_string()}: {type(exc).__name__}"
    finally:
        engine.dispose()


@contextmanager
def scratch_sqlite() -> Iterator[str]:
    """The URL of a new SQLite file in a temporary folder, removed with the folder afterwards."""
    with tempfile.TemporaryDirectory(prefix="chesanto-bench-") as folder:
        try:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        finally:
            from domain import db

            db.dispose()


@contextmanager
def scratch_postgres(admin_url: str = PG_ADMIN_URL, prefix: str = "chesanto_bench") -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database for the duration of the block; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        from domain import db

        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
