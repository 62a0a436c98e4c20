"""Migrations build exactly the tables the models describe, and go down and up again, on both databases.

These tests build their own databases through Alembic (the `db` fixture creates tables directly instead).
"""

from collections.abc import Iterator
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ForeignKeyConstraint, Table, create_engine, inspect, pool
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table on SQLModel.metadata)
from domain import migrate
from tests.databases import scratch_postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of each kind in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    with scratch_postgres("chesanto_migrations") as url:
        yield url


def _differences(url: str) -> list:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def _table_of(difference: Any) -> str:
    """The table an autogenerate difference is about (modify_* differences come as a list of tuples)."""
    if isinstance(difference, list):
        return _table_of(difference[0])
    kind, *rest = difference
    if kind.startswith("modify_"):
        return rest[1]  # (schema, table, column, ...)
    if kind in ("add_column", "remove_column"):
        return rest[1]  # (schema, table, column)
    obj = rest[0]
    if isinstance(obj, Table):
        return obj.name
    if isinstance(obj, ForeignKeyConstraint):
        return obj.parent.name
    return obj.table.name  # indexes and unique constraints


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _current_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _head() -> str:
    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads {heads}: merge them"
    return heads[0]


def test_migrations_have_a_single_head():
    assert _head()


def test_upgrade_to_head_builds_exactly_what_the_models_describe(empty_url):
    migrate.upgrade(empty_url)

    assert _current_revision(empty_url) == _head()
    differences = _differences(empty_url)
    assert differences == [], "models and migrations differ (autogenerate a revision):\n" + pformat(differences)
    assert _tables(empty_url) == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_tables_the_migrations_create_match_their_models(empty_url):
    """Narrower than the test above: a model with no migration yet shows there, not here."""
    migrate.upgrade(empty_url)
    migrated = _tables(empty_url)

    differences = [d for d in _differences(empty_url) if _table_of(d) in migrated]

    assert differences == [], "migrated tables differ from their models:\n" + pformat(differences)


def test_downgrade_to_base_removes_every_table_and_upgrade_works_again(empty_url):
    migrate.upgrade(empty_url)
    migrated = _tables(empty_url)
    assert len(migrated) > 1

    migrate.downgrade(empty_url, "base")

    assert _tables(empty_url) == {"alembic_version"}
    assert _current_revision(empty_url) is None

    migrate.upgrade(empty_url)

    assert _current_revision(empty_url) == _head()
    assert _tables(empty_url) == migrated


def test_upgrade_is_a_no_op_when_already_at_head(empty_url):
    migrate.upgrade(empty_url)
    tables = _tables(empty_url)
    migrate.upgrade(empty_url)
    assert _tables(empty_url) == tables and _current_revision(empty_url) == _head()


def test_the_url_reaches_alembic_untouched_even_with_a_percent_in_the_password():
    """The URL goes to Alembic through config attributes, so a '%' in it is not read as interpolation."""
    url = "postgresql+psycopg://u:50%25off%40x@h/d"
    config = migrate.alembic_config(url)
    assert config.attributes["url"] == url
    assert config.get_main_option("sqlalchemy.url") is None
