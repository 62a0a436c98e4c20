"""Changing one's own password on /profile: errors next to the fields, nothing changed on error."""

import asyncio

from nicegui.testing import User

from domain.services.auth import login
from tests.factories import PASSWORD


async def _submit(user: User, current: str, new: str, confirm: str) -> None:
    user.find(marker="current-password").type(current)
    user.find(marker="new-password").type(new)
    user.find(marker="confirm-new-password").type(confirm)
    user.find("Change password").trigger("click")
    await asyncio.sleep(1.0)  # two argon2 operations run off the event loop


async def test_too_short_password_is_refused_next_to_the_field(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    await log_in("otieno")
    await user.open("/profile")
    await _submit(user, PASSWORD, "short", "short")
    field = user.find(marker="new-password").elements.pop()
    for _ in range(40):
        if field.props.get("error"):
            break
        await asyncio.sleep(0.1)
    assert field.props.get("error-message") == "New password must be at least 10 characters"
    assert login(username="otieno", password=PASSWORD).username == "otieno"  # unchanged


async def test_password_change_succeeds_with_the_current_password(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    await log_in("otieno")
    await user.open("/profile")
    await _submit(user, PASSWORD, "a-much-better-password", "a-much-better-password")
    for _ in range(40):
        try:
            login(username="otieno", password="a-much-better-password")
            break
        except Exception:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("the new password never took effect")
