"""In real Chromium: an admin logs in, sees the frame, and logs out."""

import pytest

from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_admin_logs_in_sees_the_frame_and_logs_out(live_server, page, factories, db_url) -> None:
    factories.user("admin", username="grace", full_name="Grace Wanjiru")
    page.goto(live_server + "/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    header = page.locator("header")
    header.get_by_text("Grace Wanjiru").wait_for()
    assert header.get_by_text("Administrator").is_visible()
    assert page.get_by_role("link", name="Audit trail").is_visible()
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    shot = save_screenshot(page, f"admin-frame-{kind}")
    assert shot.stat().st_size > 10_000

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for()
    assert page.url.endswith("/login")
