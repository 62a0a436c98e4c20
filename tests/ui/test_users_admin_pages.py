"""/admin/users: creating a user who can then log in, deactivating one, and the refusals an administrator meets
(the last administrator, roles beyond one's own rights, roles without users.manage)."""

from datetime import timedelta

import pytest
from nicegui.testing import User

from dashboard.components.dialogs import Confirm
from domain.access import SYSTEM
from domain.db import transaction
from domain.queries import users as users_q
from domain.services.access import load_actor
from domain.services.auth import AccountInactive, login
from domain.services.users import create_user
from domain.services.users_admin import create_role, get_user, list_users
from domain.types import utcnow
from tests.factories import PASSWORD
from tests.ui.helpers import eventually, log_in_to_start_page, the


def is_active(user_id: int) -> bool:
    return get_user(SYSTEM, user_id=user_id).is_active


async def confirm_in_dialog(user: User) -> None:
    dialog = the(user, kind=Confirm)
    await eventually(lambda: dialog.value, "the confirmation dialog")
    user.find(marker="confirm").click()


async def test_an_admin_creates_a_user_with_a_role_and_area_who_can_then_log_in(
    user: User, factories, log_in,
) -> None:
    factories.geography()
    factories.user("admin", username="grace", full_name="Grace Wanjiru")
    await log_in_to_start_page(user, log_in, "grace")
    await user.open("/admin/users/new")
    await user.should_see(marker="username")
    user.find(marker="username").type("wanjiku")
    user.find(marker="full-name").type("Lucy Wanjiku")
    user.find(marker="role").click()
    user.find("Regional sales").click()
    user.find(marker="area").click()
    user.find("Nairobi (NRB) · region").click()
    user.find(marker="employee-id").type("EMP-042")
    user.find(marker="password").clear().type("first-day-password")
    user.find(marker="create-user").click()
    await user.should_see("User created", retries=60)

    actor = login(username="wanjiku", password="first-day-password")
    assert (actor.full_name, actor.role, actor.scope_name) == ("Lucy Wanjiku", "regional_sales", "Nairobi")
    assert actor.must_change_password
    await user.should_see("Regional sales · Nairobi")


async def test_errors_appear_next_to_the_fields_and_nothing_is_created(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    create_user(SYSTEM, username="otieno", full_name="Joseph Otieno", role="storekeeper", password=PASSWORD,
                employee_id="EMP-001")
    await log_in_to_start_page(user, log_in, "grace")
    await user.open("/admin/users/new")
    await user.should_see(marker="username")
    user.find(marker="create-user").click()  # everything blank
    full_name = user.find(marker="full-name").elements.pop()
    await eventually(lambda: bool(full_name.error), "the full name error")
    assert full_name.error == "Full name is required"
    user.find(marker="username").type("grace")  # taken
    user.find(marker="full-name").type("Another Grace")
    user.find(marker="role").click()
    user.find("Storekeeper").click()
    user.find(marker="email").type("not-an-email")
    user.find(marker="create-user").click()
    email = user.find(marker="email").elements.pop()
    await eventually(lambda: bool(email.error), "the email error")
    assert email.error == "Email is not a valid email address"
    user.find(marker="email").clear()
    user.find(marker="create-user").click()
    username = user.find(marker="username").elements.pop()
    await eventually(lambda: bool(username.error), "the username error")
    assert username.error == "A user named grace already exists."

    user.find(marker="username").clear().type("grace2")
    user.find(marker="employee-id").type("EMP-001")  # Joseph Otieno's
    user.find(marker="create-user").click()
    employee_id = user.find(marker="employee-id").elements.pop()
    await eventually(lambda: bool(employee_id.error), "the employee ID error")
    assert employee_id.error == "Employee ID EMP-001 is already in use"
    assert [r.username for r in list_users(SYSTEM)] == ["grace", "otieno"]


async def test_deactivating_through_the_page_stops_the_login(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    otieno = factories.user("storekeeper", username="otieno", full_name="Joseph Otieno")
    await log_in_to_start_page(user, log_in, "grace")
    await user.open(f"/admin/users/{otieno.id}")
    await user.should_see(marker="deactivate")
    user.find(marker="deactivate").click()
    await confirm_in_dialog(user)
    await eventually(lambda: not is_active(otieno.id), "the deactivation")
    with pytest.raises(AccountInactive):
        login(username="otieno", password=PASSWORD)
    await user.should_see(marker="reactivate")
    await user.should_see("Deactivated")


async def test_a_locked_out_user_is_unlocked_and_given_a_temporary_password(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    otieno = factories.user("storekeeper", username="otieno", full_name="Joseph Otieno")
    with transaction(SYSTEM) as tx:
        locked = users_q.user_by_id(tx.session, otieno.id)
        assert locked is not None
        locked.failed_logins, locked.locked_until = 5, utcnow() + timedelta(minutes=30)
        tx.session.add(locked)
    await log_in_to_start_page(user, log_in, "grace")
    await user.open(f"/admin/users/{otieno.id}")
    await user.should_see(marker="unlock")
    user.find(marker="unlock").click()
    await user.should_see("Joseph Otieno is unlocked", retries=60)
    await user.should_not_see(marker="unlock")
    assert login(username="otieno", password=PASSWORD).username == "otieno"

    user.find(marker="reset-password").click()
    user.find(marker="new-password").clear().type("short")
    user.find(marker="set-password").click()
    field = user.find(marker="new-password").elements.pop()
    await eventually(lambda: bool(field.error), "the password error")
    assert field.error == "New password must be at least 10 characters"
    user.find(marker="new-password").clear().type("temporary-pass-9")
    user.find(marker="set-password").click()
    await user.should_see("Must change password", retries=60)
    assert login(username="otieno", password="temporary-pass-9").must_change_password


async def test_the_last_administrator_cannot_be_deactivated(user: User, factories, log_in) -> None:
    grace = factories.user("admin", username="grace", full_name="Grace Wanjiru")
    create_role(SYSTEM, code="people_manager", name="People manager", codes={"users.manage", "masterdata.view"})
    factories.user("people_manager", username="hope", full_name="Hope Rotich")
    await log_in_to_start_page(user, log_in, "hope")
    await user.open(f"/admin/users/{grace.id}")
    await user.should_see(marker="deactivate")
    user.find(marker="deactivate").click()
    await confirm_in_dialog(user)
    await user.should_see("Grace Wanjiru is the last active administrator.", retries=60)
    assert is_active(grace.id)
    assert login(username="grace", password=PASSWORD).role == "admin"


async def test_a_user_manager_cannot_give_a_role_beyond_their_own_rights(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    create_role(SYSTEM, code="people_manager", name="People manager", codes={"users.manage", "masterdata.view"})
    hr = factories.user("people_manager", username="hope", full_name="Hope Rotich")
    otieno = factories.user("storekeeper", username="otieno", full_name="Joseph Otieno")
    await log_in_to_start_page(user, log_in, "hope")
    await user.open(f"/admin/users/{otieno.id}")
    await user.should_see(marker="save")
    user.find(marker="role").click()
    user.find("Administrator").click()
    user.find(marker="save").click()
    await user.should_see("You cannot give the role Administrator", retries=60)
    assert get_user(SYSTEM, user_id=otieno.id).role_code == "storekeeper"

    await user.open(f"/admin/users/{hr.id}")  # nor deactivate themselves
    await user.should_see(marker="deactivate")
    user.find(marker="deactivate").click()
    await confirm_in_dialog(user)
    await user.should_see("You cannot deactivate your own account.", retries=60)
    assert load_actor(hr.id) is not None


async def test_a_storekeeper_opening_the_users_pages_is_not_permitted(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    await log_in_to_start_page(user, log_in, "otieno")
    for path in ("/admin/users", "/admin/users/new", "/admin/users/1"):
        await user.open(path)
        await user.should_see("Not permitted")
        await user.should_see(f"Your role (Storekeeper) may not open {path}.")
    await user.should_not_see(marker="new-user")
    await user.should_not_see(marker="deactivate")
