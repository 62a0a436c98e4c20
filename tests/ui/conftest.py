"""UI tests: the app (dashboard/main.py) runs against the per-test database of the `db` fixture."""

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _app_database(db: str) -> str:
    """Requested before NiceGUI's `user` fixture runs the main file, so the app opens this database."""
    return db


def _on_login_page(user: User) -> bool:
    try:
        return bool(user.find("Sign in to continue").elements)
    except AssertionError:  # `find` asserts that something matches
        return False


def _login_refused(user: User) -> bool:
    if not _on_login_page(user):
        return False
    alerts = [el for el in user.find(kind=ui.label).elements if el.props.get("role") == "alert"]
    return any(alert.visible and alert.text for alert in alerts)


@pytest.fixture
def log_in(user: User) -> Callable[[str, str], Awaitable[None]]:
    async def _log_in(username: str, password: str = PASSWORD) -> None:
        await user.open("/login")
        user.find("Username").type(username)
        user.find("Password").type(password)
        button = user.find("Log in")
        button.click()
        for _ in range(200):  # argon2 runs off the event loop; wait for the attempt to finish
            await asyncio.sleep(0.05)
            if all("loading" not in b.props for b in button.elements):
                break
        for _ in range(100):  # wait until a refusal shows, or the redirect has replaced the login page
            if _login_refused(user) or not _on_login_page(user):
                break
            await asyncio.sleep(0.05)

    return _log_in
