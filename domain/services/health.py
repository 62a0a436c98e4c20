"""Is the database reachable? For /health/ and the CLI."""

import logging

from sqlalchemy import text

from domain.db import reading

log = logging.getLogger(__name__)


def database_ok() -> bool:
    try:
        with reading() as session:
            session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # any failure to reach the database is "error", never a crash
        log.warning("database health check failed: %s", exc)
        return False
