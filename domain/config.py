"""Settings from the environment (and `.env`), and the database URL they resolve to."""

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL, make_url


class ConfigError(RuntimeError):
    """The configuration cannot work; the message names the variable to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="CHESANTO_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    railway_database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    pghost: str | None = Field(default=None, validation_alias="PGHOST")
    pgport: int | None = Field(default=None, validation_alias="PGPORT")
    pguser: str | None = Field(default=None, validation_alias="PGUSER")
    pgpassword: str | None = Field(default=None, validation_alias="PGPASSWORD")
    pgdatabase: str | None = Field(default=None, validation_alias="PGDATABASE")
    secret_key: str | None = None
    host: str = Field(default="0.0.0.0", validation_alias=AliasChoices("HOST", "CHESANTO_HOST"))
    port: int = Field(default=8080, validation_alias=AliasChoices("PORT", "CHESANTO_PORT"))
    timezone: str = "Africa/Nairobi"
    currency: str = "KES"
    session_idle_hours: float = 8.0
    login_max_failures: int = 5
    login_lock_minutes: int = 15

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def normalise_database_url(url: str) -> str:
    """Accept Railway's `postgres://` and plain `postgresql://`; always drive PostgreSQL with psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def resolve_database_url(settings: Settings) -> str:
    """CHESANTO_DATABASE_URL, else DATABASE_URL, else the PG* variables, else SQLite under the data folder."""
    if settings.database_url:
        return normalise_database_url(settings.database_url)
    if settings.railway_database_url:
        return normalise_database_url(settings.railway_database_url)
    if settings.pghost or settings.pgdatabase:
        url = URL.create(
            "postgresql+psycopg",
            username=settings.pguser,
            password=settings.pgpassword,
            host=settings.pghost,
            port=settings.pgport,
            database=settings.pgdatabase,
        )
        return url.render_as_string(hide_password=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(settings.data_dir / 'chesanto.db').resolve()}"


def database_label(url: str) -> str:
    """The URL without its password, for logs and the CLI."""
    return make_url(url).render_as_string(hide_password=True)


def resolve_secret_key(settings: Settings) -> str:
    """Production must be given CHESANTO_SECRET_KEY; development keeps a generated one under the data folder."""
    if settings.secret_key:
        return settings.secret_key
    if settings.is_production:
        raise ConfigError("CHESANTO_SECRET_KEY must be set in production (CHESANTO_ENV=production).")
    if settings.env == "test":
        return secrets.token_urlsafe(32)
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reload_settings() -> Settings:
    """Forget cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
    return get_settings()
