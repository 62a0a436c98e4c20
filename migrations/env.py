"""Alembic environment: the URL comes from `config.attributes` (chesanto migrate, tests) or the settings."""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers every table on the metadata)
from domain.config import get_settings, resolve_database_url
from domain.types import FixedPoint, UTCDateTime

config = context.config
if config.config_file_name is not None and not config.attributes.get("keep_loggers"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("url") or resolve_database_url(get_settings())


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write the project's column types so migrations rebuild them exactly (scale included)."""
    if type_ == "type" and isinstance(obj, FixedPoint):
        autogen_context.imports.add("import domain.types")  # type: ignore[attr-defined]
        return f"domain.types.FixedPoint({obj.scale})"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import domain.types")  # type: ignore[attr-defined]
        return "domain.types.UTCDateTime()"
    return False


def _configure(**kwargs: object) -> None:
    url = _url()
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        render_as_batch=url.startswith("sqlite"),
        **kwargs,  # type: ignore[arg-type]
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
