"""In real Chromium: an admin browses the geography tree, adds a place through the form and sees it; phone width too."""

import pytest

from tests.e2e.conftest import save_screenshot
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, base: str, username: str) -> None:
    page.goto(base + "/admin/geography")  # sends to /login?next=/admin/geography
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/geography")
    page.locator(".q-tree").get_by_text("Rift Valley", exact=True).wait_for()


def test_admin_expands_the_tree_and_adds_an_area(live_server, page, browser, factories, db_url) -> None:
    factories.geography()
    factories.user("admin", username="grace", full_name="Grace Wanjiru")
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    _log_in(page, live_server, "grace")
    tree = page.locator(".q-tree")

    assert not tree.get_by_text("Westlands Town", exact=True).is_visible()  # territories start folded away
    page.get_by_role("button", name="Expand all").click()
    tree.get_by_text("Westlands Town", exact=True).wait_for()
    assert tree.get_by_text("NKR-T").is_visible()  # the code beside the name

    tree.get_by_text("Rift", exact=True).click()
    page.get_by_role("button", name="Add area under Rift").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Code").fill("nvs")
    dialog.get_by_label("Name").fill("Naivasha")
    dialog.get_by_role("button", name="Add", exact=True).click()

    tree.get_by_text("Naivasha", exact=True).wait_for()
    page.get_by_text("Add territory under Naivasha").wait_for()  # the new place is selected
    assert tree.get_by_text("area · NVS").is_visible()
    page.mouse.move(0, 0)  # no tooltip in the picture
    shot = save_screenshot(page, f"geography-desktop-{kind}")
    assert shot.stat().st_size > 10_000

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        small = phone.new_page()
        _log_in(small, live_server, "grace")
        small.locator(".q-tree").get_by_text("Rift", exact=True).click()
        small.get_by_role("button", name="Add area under Rift").wait_for()
        tree_box = small.locator(".q-tree").bounding_box()
        detail_box = small.get_by_role("button", name="Add area under Rift").bounding_box()
        assert tree_box and detail_box and detail_box["y"] > tree_box["y"] + tree_box["height"]  # stacked
        assert small.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        small.evaluate("window.scrollTo(0, 0)")  # choosing scrolled the details into view; picture from the top
        shot = save_screenshot(small, f"geography-phone-{kind}")
        assert shot.stat().st_size > 10_000
    finally:
        phone.close()
