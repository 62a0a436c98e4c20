"""/admin/roles: ticking a permission and saving gives it to the role's users on their next request; refusals
stay on screen and change nothing; new roles copy another role's permissions."""

from collections.abc import Awaitable, Callable

from nicegui import ui
from nicegui.testing import User

from domain.access import SYSTEM
from domain.db import reading
from domain.queries import users as users_q
from domain.services.access import load_actor
from domain.services.users_admin import create_role
from tests.ui.helpers import eventually, log_in_to_start_page


async def open_roles(user: User, log_in: Callable[[str], Awaitable[None]], username: str) -> ui.table:
    await log_in_to_start_page(user, log_in, username)  # before our own navigation
    await user.open("/admin/roles")
    await user.should_see(marker="role-matrix", retries=50)
    return user.find(marker="role-matrix").elements.pop()


def ticked(table: ui.table, role: str, code: str) -> bool:
    return next(row for row in table.rows if row.get("code") == code)[f"r_{role}"]


def permissions_of(role: str) -> set[str]:
    with reading() as session:
        found = users_q.role_by_code(session, role)
        assert found is not None and found.id is not None
        return users_q.permission_codes(session, found.id)


async def test_an_admin_grants_a_permission_and_the_role_has_it_on_the_next_request(
    user: User, factories, log_in,
) -> None:
    factories.user("admin", username="grace")
    otieno = factories.user("storekeeper", username="otieno")
    assert not load_actor(otieno.id).can("reports.view")
    table = await open_roles(user, log_in, "grace")
    assert not ticked(table, "storekeeper", "reports.view")

    user.find(marker="role-matrix").trigger("toggle", {"role": "storekeeper", "code": "reports.view", "value": True})
    assert ticked(table, "storekeeper", "reports.view")
    await user.should_see("Save changes (1 role)")
    user.find(marker="save-roles").click()
    await eventually(lambda: load_actor(otieno.id).can("reports.view"), "the new permission")
    await user.should_see("Saved Storekeeper", retries=50)
    await user.should_see("Save changes")
    assert not user.find(marker="save-roles").elements.pop().enabled


async def test_removing_ones_own_administration_rights_is_refused(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    create_role(SYSTEM, code="it_admin", name="IT administrator",
                codes={"users.manage", "roles.manage", "masterdata.view"})
    it = factories.user("it_admin", username="ivan")
    table = await open_roles(user, log_in, "ivan")

    user.find(marker="role-matrix").trigger("toggle", {"role": "it_admin", "code": "roles.manage", "value": False})
    user.find(marker="save-roles").click()
    await user.should_see("IT administrator: You cannot remove your own administration rights.", retries=60)
    assert load_actor(it.id).can("roles.manage")
    assert permissions_of("it_admin") == {"users.manage", "roles.manage", "masterdata.view"}
    assert not ticked(table, "it_admin", "roles.manage")  # still on screen, to fix or discard

    user.find(marker="discard-roles").click()
    assert ticked(table, "it_admin", "roles.manage")


async def test_the_administrator_column_cannot_be_changed_from_the_page(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    table = await open_roles(user, log_in, "grace")
    user.find(marker="role-matrix").trigger("toggle", {"role": "admin", "code": "users.manage", "value": False})
    assert ticked(table, "admin", "users.manage")
    assert not user.find(marker="save-roles").elements.pop().enabled


async def test_a_new_role_copies_the_permissions_of_another(user: User, factories, log_in) -> None:
    factories.user("admin", username="grace")
    table = await open_roles(user, log_in, "grace")
    user.find(marker="new-role").click()
    user.find(marker="role-name").type("Area manager")
    assert user.find(marker="role-code").elements.pop().value == "area_manager"
    user.find(marker="role-permissions").click()
    user.find("Regional sales").click()
    user.find(marker="create-role").click()
    await user.should_see("Created the role Area manager", retries=60)
    assert permissions_of("area_manager") == permissions_of("regional_sales")
    assert any(column["name"] == "r_area_manager" for column in table.columns)
    assert ticked(table, "area_manager", "orders.confirm")


async def test_a_storekeeper_opening_the_roles_page_is_not_permitted(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    await log_in_to_start_page(user, log_in, "otieno")
    await user.open("/admin/roles")
    await user.should_see("Your role (Storekeeper) may not open /admin/roles.")
    await user.should_not_see(marker="role-matrix")
