"""The users list for the admin pages: names not codes, "Company-wide" for unscoped users, scope, filters and
lockouts, through the shared table service on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import PermissionDenied, ValidationFailed
from domain.queries import users as users_q
from domain.services import tables
from domain.services.access import load_actor
from domain.services.users_admin import deactivate_user, users_table
from domain.tables import TableQuery
from domain.types import utcnow


def rows(actor, **filters) -> list[dict]:
    page = tables.fetch_page(actor, users_table(actor), TableQuery(filters=filters, page_size=200))
    assert page.total_rows == len(page.rows)
    return page.rows


def set_login_state(user_id: int, **values) -> None:
    with transaction(SYSTEM) as tx:
        user = users_q.user_by_id(tx.session, user_id)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)
        tx.session.add(user)


@pytest.fixture
def people(factories):
    factories.geography()
    grace = factories.user("admin", username="grace", full_name="Grace Wanjiru")
    factories.user("storekeeper", username="otieno", full_name="Joseph Otieno", scope_code="NKR-T")
    factories.user("regional_sales", username="amina", full_name="Amina Hassan", scope_code="NRB")
    factories.user("finance", username="mercy", full_name="Mercy Achieng")
    admin = load_actor(grace.id)
    assert admin is not None
    return admin


def test_admin_sees_everyone_by_name_with_role_names_and_areas(people):
    found = rows(people)
    assert [r["full_name"] for r in found] == ["Amina Hassan", "Grace Wanjiru", "Joseph Otieno", "Mercy Achieng"]
    by_user = {r["username"]: r for r in found}
    assert by_user["otieno"]["role"] == "Storekeeper" and by_user["otieno"]["area"] == "Nakuru Town"
    assert by_user["mercy"]["area"] == "Company-wide" and by_user["mercy"]["is_active"] is True
    assert by_user["amina"]["role"] == "Regional sales"
    assert all(isinstance(r["id"], int) for r in found)


def test_filters_by_role_area_and_active(people, factories):
    assert [r["username"] for r in rows(people, role=["Storekeeper", "Finance"])] == ["otieno", "mercy"]
    assert [r["username"] for r in rows(people, area="company")] == ["grace", "mercy"]
    mercy = next(r for r in rows(people) if r["username"] == "mercy")
    deactivate_user(people, user_id=mercy["id"])
    assert [r["username"] for r in rows(people, is_active="no")] == ["mercy"]
    with pytest.raises(ValidationFailed, match="not one of the choices"):
        rows(people, role="Baker")


def test_a_scoped_admin_sees_only_users_inside_their_area(people, factories):
    rift_admin = factories.actor("admin", username="ruth", scope_code="RFT")
    assert {r["username"] for r in rows(rift_admin)} == {"otieno", "ruth"}


def test_locked_until_shows_only_while_the_lockout_lasts(people):
    by_user = {r["username"]: r for r in rows(people)}
    now = utcnow()
    set_login_state(by_user["otieno"]["id"], locked_until=now + timedelta(minutes=15), last_login_at=now)
    set_login_state(by_user["amina"]["id"], locked_until=now - timedelta(minutes=15))
    by_user = {r["username"]: r for r in rows(people)}
    assert by_user["otieno"]["locked_until"] == now + timedelta(minutes=15)
    assert by_user["otieno"]["last_login_at"] == now
    assert by_user["amina"]["locked_until"] is None and by_user["amina"]["last_login_at"] is None


def test_roles_without_users_manage_are_refused(people, factories):
    storekeeper = factories.actor("storekeeper")
    with pytest.raises(PermissionDenied):
        users_table(storekeeper)
    with pytest.raises(PermissionDenied):
        tables.fetch_page(storekeeper, users_table(people), TableQuery())
