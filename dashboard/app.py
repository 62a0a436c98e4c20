"""Builds the app: pages (discovered from dashboard/pages), /health/, startup.

`serve()` runs it; the CLI and dashboard/main.py call that.
"""

import gc
from importlib.metadata import PackageNotFoundError, version

from fastapi.responses import JSONResponse
from nicegui import app, run, ui

from dashboard import live
from dashboard.navigation import discover_pages
from domain import db, events_remote
from domain.config import get_settings, reload_settings, resolve_database_url, resolve_secret_key
from domain.services.health import database_ok

try:
    VERSION = version("chesanto-operations")
except PackageNotFoundError:  # running from a source tree without an install
    VERSION = "0.0.0"


async def health() -> JSONResponse:
    ok = await run.io_bound(database_ok)
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "error", "version": VERSION}
    return JSONResponse(body, status_code=200 if ok else 503)


def build() -> None:
    """Register routes on NiceGUI's app. Called once per process (and once per test: pages are re-registered)."""
    reload_settings()
    db.configure()
    for page in discover_pages():
        ui.page(page.path, title=f"{page.label or 'Chesanto'} · Chesanto Operations")(page.builder)
    app.get("/health/", include_in_schema=False)(health)
    app.on_startup(live.start)
    app.on_startup(_listen_to_other_processes)
    app.on_shutdown(live.stop)
    app.on_shutdown(events_remote.stop_listening)
    app.on_shutdown(db.dispose)


def _listen_to_other_processes() -> None:
    """On PostgreSQL, hear the events other app processes commit (LISTEN/NOTIFY); nothing to do on SQLite."""
    events_remote.start_listening(resolve_database_url(get_settings()))


def _settle_memory() -> None:
    """Leave what start-up made (modules, pages, caches) out of every later garbage collection: with many open
    dashboards a full collection otherwise stops the event loop for up to a second or two."""
    gc.collect()
    gc.freeze()


def serve() -> None:
    build()
    app.on_startup(_settle_memory)
    settings = get_settings()
    ui.run(
        host=settings.host,
        port=settings.port,
        title="Chesanto Operations",
        favicon="🍞",
        reload=False,
        show=False,
        storage_secret=resolve_secret_key(settings),
        reconnect_timeout=10,
        uvicorn_logging_level="warning",
        forwarded_allow_ips="*",
    )
