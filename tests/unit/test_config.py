"""Settings: which database URL each environment resolves to, and where the secret key comes from."""

from pathlib import Path

import pytest
from sqlalchemy import make_url

from domain.config import ConfigError, Settings, resolve_database_url, resolve_secret_key

_VARIABLES = (
    "CHESANTO_DATABASE_URL", "DATABASE_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
    "CHESANTO_DATA_DIR", "CHESANTO_ENV", "CHESANTO_SECRET_KEY",
)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No relevant variable set, and no `.env` file in the working directory."""
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_chesanto_database_url_wins_over_database_url_and_pg_variables(env):
    env.setenv("CHESANTO_DATABASE_URL", "postgres://app:pw@db.internal:5432/chesanto")
    env.setenv("DATABASE_URL", "postgresql://other:pw@railway:5432/railway")
    env.setenv("PGHOST", "pg.example")
    env.setenv("PGDATABASE", "pgdb")
    assert resolve_database_url(Settings()) == "postgresql+psycopg://app:pw@db.internal:5432/chesanto"


def test_chesanto_database_url_keeps_a_sqlite_url_as_given(env, tmp_path):
    env.setenv("CHESANTO_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert resolve_database_url(Settings()) == f"sqlite:///{tmp_path / 'x.db'}"


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_database_url_is_normalised_to_psycopg3(env, scheme):
    env.setenv("DATABASE_URL", f"{scheme}://railway:s3cret@containers.railway.app:6543/railway")
    env.setenv("PGHOST", "ignored.example")
    assert resolve_database_url(Settings()) == (
        "postgresql+psycopg://railway:s3cret@containers.railway.app:6543/railway"
    )


def test_database_url_already_naming_psycopg_is_left_alone(env):
    env.setenv("DATABASE_URL", "postgresql+psycopg://u:p@h/d")
    assert resolve_database_url(Settings()) == "postgresql+psycopg://u:p@h/d"


def test_pg_variables_build_a_url_with_the_password_escaped(env):
    password = "50%off@night/:#?"
    env.setenv("PGHOST", "pg.railway.internal")
    env.setenv("PGPORT", "5433")
    env.setenv("PGUSER", "baker")
    env.setenv("PGPASSWORD", password)
    env.setenv("PGDATABASE", "chesanto")

    url_text = resolve_database_url(Settings())

    assert url_text.startswith("postgresql+psycopg://baker:")
    assert password not in url_text  # '%' and '@' are escaped in the text
    url = make_url(url_text)
    assert url.drivername == "postgresql+psycopg"
    assert url.password == password
    assert (url.username, url.host, url.port, url.database) == ("baker", "pg.railway.internal", 5433, "chesanto")


def test_pg_variables_without_port_or_password_still_build_a_url(env):
    env.setenv("PGHOST", "localhost")
    env.setenv("PGUSER", "postgres")
    env.setenv("PGDATABASE", "chesanto")
    url = make_url(resolve_database_url(Settings()))
    assert (url.host, url.port, url.password, url.database) == ("localhost", None, None, "chesanto")


def test_without_any_database_variable_sqlite_lives_in_the_data_dir_which_is_created(env, tmp_path):
    data_dir = tmp_path / "nested" / "data"
    env.setenv("CHESANTO_DATA_DIR", str(data_dir))
    assert not data_dir.exists()

    url = resolve_database_url(Settings())

    assert url == f"sqlite:///{(data_dir / 'chesanto.db').resolve()}"
    assert data_dir.is_dir()
    assert make_url(url).database == str((data_dir / "chesanto.db").resolve())


def test_default_data_dir_is_data_under_the_working_directory(env, tmp_path):
    url = resolve_database_url(Settings())
    assert url == f"sqlite:///{(tmp_path / 'data' / 'chesanto.db').resolve()}"
    assert (tmp_path / "data").is_dir()


def test_production_without_secret_key_is_refused_naming_the_variable(env, tmp_path):
    env.setenv("CHESANTO_ENV", "production")
    env.setenv("CHESANTO_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(ConfigError, match="CHESANTO_SECRET_KEY"):
        resolve_secret_key(Settings())
    assert not (tmp_path / "data" / "secret_key").exists()  # nothing generated in production


def test_production_uses_the_given_secret_key(env):
    env.setenv("CHESANTO_ENV", "production")
    env.setenv("CHESANTO_SECRET_KEY", "a-long-production-secret")
    assert resolve_secret_key(Settings()) == "a-long-production-secret"


def test_development_generates_a_secret_key_once_and_keeps_it(env, tmp_path):
    data_dir = tmp_path / "devdata"
    env.setenv("CHESANTO_ENV", "development")
    env.setenv("CHESANTO_DATA_DIR", str(data_dir))

    first = resolve_secret_key(Settings())
    second = resolve_secret_key(Settings())

    assert first == second
    assert len(first) >= 32
    key_file = data_dir / "secret_key"
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the owner only


def test_env_file_in_the_working_directory_is_read(env, tmp_path):
    (tmp_path / ".env").write_text("CHESANTO_DATABASE_URL=postgres://u:p@envfile/db\n")
    assert resolve_database_url(Settings()) == "postgresql+psycopg://u:p@envfile/db"
