"""Run Alembic from inside the app (`chesanto migrate`, tests) with the URL passed directly, not via the ini."""

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

SCRIPTS = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    config = Config(str(SCRIPTS / "alembic.ini"))
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["url"] = url  # not set_main_option: a '%' in a password would break interpolation
    config.attributes["keep_loggers"] = True
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)
