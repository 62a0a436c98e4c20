"""The browser session: who is signed in (re-read from the database on every page), idle expiry, refusals."""

import time
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import app, run, ui

from domain.access import Actor
from domain.config import get_settings
from domain.services.access import load_actor, record_refusal

USER_ID = "user_id"
LAST_SEEN = "last_seen"


def client_ip() -> str | None:
    try:
        request = ui.context.client.request
    except (AttributeError, RuntimeError):
        return None
    return request.client.host if request is not None and request.client else None


def start_session(actor: Actor) -> None:
    app.storage.user.clear()
    app.storage.user.update({USER_ID: actor.user_id, LAST_SEEN: time.time()})


def end_session() -> None:
    app.storage.user.clear()


def session_user_id() -> int | None:
    """The signed-in user's id, or None when nobody is, or when the session has been idle too long."""
    user_id = app.storage.user.get(USER_ID)
    if user_id is None:
        return None
    idle_limit = get_settings().session_idle_hours * 3600
    if time.time() - float(app.storage.user.get(LAST_SEEN, 0)) > idle_limit:
        app.storage.user.clear()
        app.storage.user["expired"] = True
        return None
    app.storage.user[LAST_SEEN] = time.time()
    return int(user_id)


async def signed_in(needs: str | None = None, *, path: str = "") -> Actor | RedirectResponse | None:
    """The Actor for this page; otherwise a redirect to /login, or None after showing "not permitted".

    Pages: `actor = await signed_in("audit.view", path="/audit")`, then
    `if not isinstance(actor, Actor): return actor`.
    """
    user_id = session_user_id()
    actor = await run.io_bound(load_actor, user_id) if user_id is not None else None
    if actor is None:
        end_session() if user_id is not None else None
        return RedirectResponse(f"/login?next={quote(path)}" if path else "/login")
    if actor.must_change_password and path != "/profile":
        return RedirectResponse("/profile")
    if needs is not None and not actor.can(needs):
        await run.io_bound(record_refusal, actor, what=path or needs, source_ip=client_ip())
        from dashboard.pages.not_permitted import show_not_permitted

        show_not_permitted(actor, path)
        return None
    return actor
