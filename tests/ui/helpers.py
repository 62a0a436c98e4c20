"""Helpers shared by the UI tests (NiceGUI's simulated `User`).

Services run off the event loop, and on PostgreSQL take a moment, so a page shows their answer some time after the
click: `eventually` polls for it. `user.find` asserts that at least one (visible) element matches; `present` turns
that into a yes or no, and `the` insists on exactly one.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

from nicegui import ui
from nicegui.testing import User

from tests.factories import PASSWORD

E = TypeVar("E", bound=ui.element)

POLL_SECONDS = 0.05


async def eventually(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    """Poll `check` every 0.05 s until it returns something truthy (on the page or in the database); after `timeout`
    seconds fail with "timed out waiting for <what>". An exception raised by `check` is not caught."""
    for _ in range(int(timeout / POLL_SECONDS)):
        if check():
            return
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"timed out waiting for {what}")


async def sign_in(user: User, username: str, path: str, timeout: float = 10.0) -> None:
    """Log in (with the factories' password) straight to `path` through /login?next=, and wait until it is open —
    not via the role's start page, whose loading would race with the test's own `open`."""
    await user.open(f"/login?next={path}")
    user.find("Username").type(username)
    user.find("Password").type(PASSWORD)
    user.find("Log in").click()
    arrived = lambda: bool(user.back_history) and user.back_history[-1] == path  # noqa: E731
    try:
        await eventually(arrived, f"{path} after logging in", timeout / 2)
    except AssertionError:  # a click that landed while another simulated browser's page was busy: press again
        if not user.find("Log in").elements:
            raise
        user.find("Log in").click()
        await eventually(arrived, f"{path} after logging in", timeout / 2)


async def log_in_to_start_page(user: User, log_in: Callable[[str], Awaitable[None]], username: str) -> None:
    """Log in with the `log_in` fixture and wait for the role's start page (its navigation drawer), so that page's
    loading cannot land after the test's own `open`."""
    await log_in(username)
    await user.should_see(kind=ui.left_drawer, retries=100)


@overload
def the(user: User, marker: str, *, content: str | None = None) -> ui.element: ...


@overload
def the(user: User, marker: str | None = None, *, kind: type[E], content: str | None = None) -> E: ...


def the(user: User, marker: str | None = None, *, kind: type[ui.element] | None = None,
        content: str | None = None) -> ui.element:
    """The one visible element that matches (AssertionError if there is none, ValueError if there are several)."""
    [element] = user.find(marker=marker, kind=kind, content=content).elements
    return element


def present(user: User, marker: str | None = None, kind: type[ui.element] | None = None,
            content: str | None = None) -> bool:
    """Whether any visible element matches (`user.find` asserts that one does; here no match is simply False)."""
    try:
        return bool(user.find(marker=marker, kind=kind, content=content).elements)
    except AssertionError:
        return False
