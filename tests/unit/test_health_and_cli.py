"""GET /health/ and the `chesanto` command."""

import io

import httpx
import pytest

from dashboard.cli import main
from domain import db as domain_db
from domain.db import reading
from domain.queries import users as users_q


async def _get_health() -> httpx.Response:
    from fastapi import FastAPI

    from dashboard.app import health

    app = FastAPI()
    app.get("/health/")(health)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
        return await client.get("/health/")


async def test_health_reports_ok_with_a_reachable_database(db) -> None:
    response = await _get_health()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]


async def test_health_is_503_when_the_database_is_unreachable(db) -> None:
    domain_db.configure("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    response = await _get_health()
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_createuser_reads_the_password_from_stdin(db, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    assert main(["createuser", "wanjiru", "--role", "finance", "--full-name", "Wanjiru Kamau"]) == 0
    assert "Created wanjiru" in capsys.readouterr().out
    with reading() as session:
        account = users_q.user_by_username(session, "wanjiru")
    assert account is not None and account.full_name == "Wanjiru Kamau"


def test_createuser_refuses_an_unknown_role_and_writes_nothing(db, monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password-1\n"))
    assert main(["createuser", "wanjiru", "--role", "baker"]) == 2
    assert "Role" in capsys.readouterr().err
    with reading() as session:
        assert users_q.user_by_username(session, "wanjiru") is None


def test_check_fails_naming_the_problem_when_the_schema_is_not_migrated(db, capsys) -> None:
    """The `db` fixture builds tables without Alembic, so the schema check must say so."""
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL schema" in out and "chesanto migrate" in out and "ok   permissions" in out


def test_migrate_then_check_passes_on_a_fresh_database(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CHESANTO_ENV", "test")
    monkeypatch.setenv("CHESANTO_DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    from domain.config import reload_settings

    reload_settings()
    try:
        assert main(["migrate"]) == 0
        assert main(["check"]) == 0
        assert "ok   schema" in capsys.readouterr().out
    finally:
        domain_db.dispose()
        reload_settings()


def test_demo_refuses_to_run_in_production(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CHESANTO_ENV", "production")
    monkeypatch.setenv("CHESANTO_SECRET_KEY", "x" * 40)
    from domain.config import reload_settings

    reload_settings()
    try:
        assert main(["demo", "--no-serve"]) == 2
        assert "not for production" in capsys.readouterr().err
    finally:
        monkeypatch.setenv("CHESANTO_ENV", "test")
        reload_settings()


def test_every_command_has_help(capsys) -> None:
    for command in ["serve", "migrate", "createuser", "demo", "seed", "check"]:
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert "usage: chesanto " + command in capsys.readouterr().out


def test_rollups_rebuild_recomputes_the_rollups_from_the_documents(db, factories, capsys) -> None:
    chain = factories.sales_chain()
    factories.order(factories.actor("admin"), "primary", chain["distributor"], [(chain["bread"], "5")],
                    factory=chain["factory"])
    assert main(["rollups", "rebuild"]) == 0
    assert "rollup_sales_daily: 1 rows rebuilt from the documents" in capsys.readouterr().out
