"""Users and roles administration: who may change whom, the guards that keep the company administrable,
and that every refusal leaves the database exactly as it was."""

import json
from datetime import timedelta

import pytest

from domain.access import PERMISSIONS, SYSTEM
from domain.db import reading, snapshot, transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.models import User
from domain.queries import users as users_q
from domain.services import users_admin as admin
from domain.services.access import load_actor
from domain.services.audit import AuditEntry, audit_trail
from domain.services.auth import AccountInactive, login
from domain.types import utcnow
from tests.factories import PASSWORD

NEW_PASSWORD = "a-brand-new-secret"


def audit_rows(action: str) -> list[AuditEntry]:
    return [r for r in audit_trail(SYSTEM, action=action) if r.action == action]


def stored(user_id: int) -> dict:
    with reading() as session:
        user = users_q.user_by_id(session, user_id)
        assert user is not None
        return {**snapshot(user, exclude=()), "updated_at": user.updated_at}


def role_permissions(code: str) -> set[str]:
    with reading() as session:
        role = users_q.role_by_code(session, code)
        assert role is not None and role.id is not None
        return users_q.permission_codes(session, role.id)


def lock_out(user_id: int) -> None:
    with transaction(SYSTEM) as tx:
        user = users_q.user_by_id(tx.session, user_id)
        assert user is not None
        user.failed_logins, user.locked_until = 3, utcnow() + timedelta(hours=1)
        tx.session.add(user)



@pytest.fixture
def user_admin(factories):
    """A company-wide actor who may manage users but does not hold the admin role."""
    admin.create_role(SYSTEM, code="user_admin", name="User admin", codes={"users.manage", "roles.manage"})
    return factories.actor("user_admin")


def edit(user: User, **changes) -> dict:
    fields = {"user_id": user.id, "full_name": user.full_name, "email": user.email, "phone": user.phone,
              "employee_id": user.employee_id, "role": "storekeeper", "scope_code": None}
    return {**fields, **changes}


# --------------------------------------------------------------------------------------------- listing

def test_list_users_filters_by_search_role_and_activity(factories):
    boss = factories.actor("admin", username="boss")
    jane = factories.user("storekeeper", username="jane", full_name="Jane Wanjiru")
    factories.user("finance", username="otieno")
    admin.deactivate_user(boss, user_id=jane.id)

    assert [r.username for r in admin.list_users(boss)] == ["boss", "jane", "otieno"]
    row = admin.list_users(boss, search="wanj")[0]
    assert (row.username, row.role_code, row.role_name, row.is_active) == ("jane", "storekeeper", "Storekeeper", False)
    assert [r.username for r in admin.list_users(boss, role="finance")] == ["otieno"]
    assert "jane" not in [r.username for r in admin.list_users(boss, include_inactive=False)]
    assert admin.list_users(boss, search="100%") == []


def test_list_users_needs_users_manage(factories):
    with pytest.raises(PermissionDenied):
        admin.list_users(factories.actor("storekeeper"))


def test_scoped_admin_sees_only_users_inside_their_area(factories):
    factories.geography()
    rift_admin = factories.actor("admin", username="rift", scope_code="RFT")
    factories.user("storekeeper", username="nakuru", scope_code="NKR-T")
    factories.user("storekeeper", username="westlands", scope_code="WST-T")
    factories.user("executive", username="ceo")

    assert [r.username for r in admin.list_users(rift_admin)] == ["nakuru", "rift"]
    assert admin.list_users(rift_admin, search="nakuru")[0].scope_name == "Nakuru Town"
    boss = factories.actor("admin", username="boss")
    assert {r.username for r in admin.list_users(boss)} == {"boss", "ceo", "nakuru", "rift", "westlands"}


# --------------------------------------------------------------------------------------------- editing

def test_update_user_audits_before_and_after_and_the_role_applies_at_once(factories, events):
    factories.geography()
    boss = factories.actor("admin")
    jane = factories.user("storekeeper", username="jane")
    events.clear()

    row = admin.update_user(boss, **edit(jane, full_name=" Jane Wanjiru ", email="jane@chesanto.co.ke",
                                         phone="+254 712 345 678", employee_id="EMP-7", role="regional_sales",
                                         scope_code="nkr-t"))

    assert (row.full_name, row.role_code, row.scope_code, row.employee_id) == (
        "Jane Wanjiru", "regional_sales", "NKR-T", "EMP-7")
    actor = load_actor(jane.id)
    assert actor.role == "regional_sales" and actor.can("orders.secondary.create") and actor.scope_name == "Nakuru Town"
    [entry] = audit_rows("user.update")
    assert entry.before["full_name"] == jane.full_name and entry.after["full_name"] == "Jane Wanjiru"
    assert "password_hash" not in json.dumps([entry.before, entry.after])
    assert [e.name for e in events] == ["user.updated"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"full_name": "  "}, "Full name"),
    ({"email": "not-an-email"}, "Email"),
    ({"phone": "call me"}, "Phone"),
    ({"employee_id": "E" * 31}, "Employee ID"),
    ({"role": ""}, "Role"),
    ({"role": "baker"}, "Role"),
    ({"scope_code": "NOWHERE"}, "Scope"),
    ({"employee_id": "EMP-1"}, "Employee ID"),  # already Otieno's
])
def test_update_user_names_the_bad_field_and_writes_nothing(factories, events, changes, field):
    boss = factories.actor("admin")
    jane = factories.user("storekeeper", username="jane")
    otieno = factories.user("finance", username="otieno")
    admin.update_user(boss, **edit(otieno, role="finance", employee_id="EMP-1"))
    events.clear()
    before = stored(jane.id)

    with pytest.raises(ValidationFailed) as refused:
        admin.update_user(boss, **edit(jane, **changes))

    assert field in refused.value.errors
    assert stored(jane.id) == before
    assert [r.entity_id for r in audit_rows("user.update")] == [str(otieno.id)]
    assert events == []


def test_update_user_needs_users_manage(factories):
    jane = factories.user("storekeeper")
    before = stored(jane.id)
    with pytest.raises(PermissionDenied):
        admin.update_user(factories.actor("finance"), **edit(jane, full_name="Someone Else"))
    assert stored(jane.id) == before and audit_rows("user.update") == []


@pytest.mark.parametrize(("username", "scope_code"), [
    ("westlands", "WST-T"),  # a user outside the admin's area
    ("nakuru", "NRB"),  # moving a user out of it
    ("nakuru", None),  # making a user company-wide
])
def test_scoped_admin_cannot_reach_beyond_their_area(factories, username, scope_code):
    factories.geography()
    rift_admin = factories.actor("admin", scope_code="RFT")
    users = {"nakuru": factories.user("storekeeper", username="nakuru", scope_code="NKR-T"),
             "westlands": factories.user("storekeeper", username="westlands", scope_code="WST-T")}
    target = users[username]
    before = stored(target.id)

    with pytest.raises(PermissionDenied):
        admin.update_user(rift_admin, **edit(target, full_name="Renamed", scope_code=scope_code))

    assert stored(target.id) == before and audit_rows("user.update") == []


# --------------------------------------------------------------------------------------------- (de)activation

def test_deactivated_user_cannot_log_in_until_reactivated(factories, events):
    boss = factories.actor("admin")
    jane = factories.user("storekeeper", username="jane")
    events.clear()

    assert admin.deactivate_user(boss, user_id=jane.id).is_active is False
    assert load_actor(jane.id) is None
    with pytest.raises(AccountInactive):
        login(username="jane", password=PASSWORD)
    admin.reactivate_user(boss, user_id=jane.id)

    assert login(username="jane", password=PASSWORD).username == "jane"
    [off] = audit_rows("user.deactivate")
    assert (off.before, off.after) == ({"is_active": True}, {"is_active": False})
    assert len(audit_rows("user.reactivate")) == 1
    assert [e.name for e in events if e.name != "user.login"] == ["user.deactivated", "user.reactivated"]


def test_admin_cannot_deactivate_themselves(factories):
    boss = factories.actor("admin")
    factories.user("admin")  # not the last administrator: the refusal is about oneself
    with pytest.raises(Conflict, match="your own account"):
        admin.deactivate_user(boss, user_id=boss.user_id)
    assert stored(boss.user_id)["is_active"] is True and audit_rows("user.deactivate") == []


def test_last_active_administrator_cannot_be_deactivated_or_demoted(factories, user_admin, events):
    boss = factories.user("admin", full_name="Grace Boss")
    before = stored(boss.id)
    events.clear()

    with pytest.raises(Conflict, match="Grace Boss is the last active administrator"):
        admin.deactivate_user(user_admin, user_id=boss.id)
    with pytest.raises(Conflict, match="last active administrator"):
        admin.update_user(user_admin, **edit(boss, role="executive"))

    assert stored(boss.id) == before
    assert audit_rows("user.deactivate") == [] and audit_rows("user.update") == [] and events == []
    second = factories.user("admin")
    admin.deactivate_user(user_admin, user_id=boss.id)
    with pytest.raises(Conflict, match="last active administrator"):
        admin.update_user(user_admin, **edit(second, role="executive"))


def test_managing_an_unknown_user_is_not_found(factories):
    with pytest.raises(NotFound):
        admin.deactivate_user(factories.actor("admin"), user_id=9999)


# --------------------------------------------------------------------------------------------- passwords

def test_reset_password_forces_a_change_and_clears_the_lockout(factories, events):
    boss = factories.actor("admin")
    jane = factories.user("storekeeper", username="jane")
    lock_out(jane.id)
    events.clear()

    row = admin.reset_password(boss, user_id=jane.id, new_password=NEW_PASSWORD)

    assert row.must_change_password and row.locked_until is None
    assert load_actor(jane.id).must_change_password is True
    actor = login(username="jane", password=NEW_PASSWORD)
    assert actor.must_change_password is True
    [entry] = audit_rows("user.password_reset")
    text = json.dumps([entry.before, entry.after])
    assert "password_hash" not in text and NEW_PASSWORD not in text
    assert entry.before["failed_logins"] == 3 and entry.after == {
        "must_change_password": True, "failed_logins": 0, "locked_until": None}
    assert "user.password_reset" in [e.name for e in events]


@pytest.mark.parametrize("new_password", ["short", "jane-mwangi"])
def test_reset_password_refuses_a_weak_password(factories, new_password):
    boss = factories.actor("admin")
    jane = factories.user("storekeeper", username="jane-mwangi")
    before = stored(jane.id)
    with pytest.raises(ValidationFailed) as refused:
        admin.reset_password(boss, user_id=jane.id, new_password=new_password)
    assert "New password" in refused.value.errors
    assert stored(jane.id) == before and audit_rows("user.password_reset") == []


def test_unlock_user_lets_them_log_in_with_their_password(factories):
    boss = factories.actor("admin")
    jane = factories.user("storekeeper", username="jane")
    lock_out(jane.id)
    admin.unlock_user(boss, user_id=jane.id)
    assert login(username="jane", password=PASSWORD).username == "jane"
    [entry] = audit_rows("user.unlock")
    assert entry.after == {"must_change_password": False, "failed_logins": 0, "locked_until": None}


@pytest.mark.parametrize("operation", ["deactivate", "reactivate", "reset", "unlock"])
def test_user_actions_need_permission_and_scope(factories, operation):
    factories.geography()
    target = factories.user("storekeeper", scope_code="WST-T")
    lock_out(target.id)
    before = stored(target.id)
    call = {
        "deactivate": lambda a: admin.deactivate_user(a, user_id=target.id),
        "reactivate": lambda a: admin.reactivate_user(a, user_id=target.id),
        "reset": lambda a: admin.reset_password(a, user_id=target.id, new_password=NEW_PASSWORD),
        "unlock": lambda a: admin.unlock_user(a, user_id=target.id),
    }[operation]

    for refused_actor in (factories.actor("executive"), factories.actor("admin", scope_code="RFT")):
        with pytest.raises(PermissionDenied):
            call(refused_actor)

    assert stored(target.id) == before
    assert [r.action for r in audit_trail(SYSTEM, action="user.")] == ["user.create"] * 3


# --------------------------------------------------------------------------------------------- roles

def test_role_matrix_lists_roles_counts_and_the_catalogue_by_area(factories):
    boss = factories.actor("admin")
    factories.user("storekeeper")
    factories.user("storekeeper")
    matrix = admin.role_matrix(boss)

    roles = {r.code: r for r in matrix.roles}
    assert roles["admin"].permissions == frozenset(PERMISSIONS) and roles["admin"].user_count == 1
    assert roles["storekeeper"].user_count == 2 and "stock.count" in roles["storekeeper"].permissions
    assert ("orders.primary.create", PERMISSIONS["orders.primary.create"]) in matrix.catalogue["orders"]
    assert sum(len(v) for v in matrix.catalogue.values()) == len(PERMISSIONS)
    with pytest.raises(PermissionDenied):
        admin.role_matrix(factories.actor("auditor"))


def test_role_permission_edits_apply_on_the_next_load(factories, events):
    boss = factories.actor("admin")
    keeper = factories.user("storekeeper")
    codes = (role_permissions("storekeeper") - {"stock.writeoff"}) | {"reports.view"}
    events.clear()

    admin.set_role_permissions(boss, role_code="storekeeper", codes=codes)

    actor = load_actor(keeper.id)
    assert actor.can("reports.view") and not actor.can("stock.writeoff")
    [entry] = audit_rows("role.permissions")
    assert entry.after["permissions"] == sorted(codes)
    assert entry.before["permissions"] == sorted(codes - {"reports.view"} | {"stock.writeoff"})
    assert [e.name for e in events] == ["role.permissions_changed"]


def test_role_permission_refusals_write_nothing(factories, user_admin, events):
    boss = factories.actor("admin")
    keeper_codes = role_permissions("storekeeper")
    own_codes = role_permissions("user_admin")
    cases = [
        (boss, "storekeeper", keeper_codes | {"stock.teleport"}, ValidationFailed, "stock.teleport"),
        (boss, "admin", set(PERMISSIONS) - {"audit.verify"}, Conflict, "must keep every permission"),
        (boss, "admin", set(), Conflict, "your own administration rights"),
        (user_admin, "user_admin", own_codes - {"users.manage"}, Conflict, "your own administration rights"),
        (factories.actor("finance"), "storekeeper", set(), PermissionDenied, "may not"),
        (boss, "baker", set(), NotFound, "baker"),
    ]
    events.clear()
    for actor, role_code, codes, error, message in cases:
        with pytest.raises(error, match=message):
            admin.set_role_permissions(actor, role_code=role_code, codes=codes)

    assert role_permissions("storekeeper") == keeper_codes and role_permissions("user_admin") == own_codes
    assert role_permissions("admin") == set(PERMISSIONS)
    assert audit_rows("role.permissions") == [] and events == []


def test_create_role_then_assign_it(factories):
    boss = factories.actor("admin")
    summary = admin.create_role(boss, code="area_manager", name="Area manager",
                                codes={"dashboard.view", "orders.view"})
    jane = factories.user("area_manager")
    assert summary.permissions == {"dashboard.view", "orders.view"}
    assert load_actor(jane.id).permissions == {"dashboard.view", "orders.view"}
    assert audit_rows("role.create")[0].after["permissions"] == ["dashboard.view", "orders.view"]


@pytest.mark.parametrize(("code", "name", "codes", "field"), [
    ("Area Manager", "Area manager", set(), "Code"),
    ("storekeeper", "Another storekeeper", set(), "Code"),
    ("area_manager", "", set(), "Name"),
    ("area_manager", "Area manager", {"orders.fly"}, "Permissions"),
])
def test_create_role_refusals_write_nothing(factories, code, name, codes, field):
    boss = factories.actor("admin")
    with pytest.raises(ValidationFailed) as refused:
        admin.create_role(boss, code=code, name=name, codes=codes)
    assert field in refused.value.errors
    assert [r.code for r in admin.role_matrix(boss).roles].count(code) == (1 if code == "storekeeper" else 0)
    assert audit_rows("role.create") == []


def test_a_user_manager_cannot_hand_out_a_role_with_rights_they_lack(factories):
    """Privilege escalation guard: users.manage alone does not let you make someone an admin."""
    from domain.access import SYSTEM
    from domain.errors import PermissionDenied
    from domain.services.users import create_user
    from domain.services.users_admin import create_role, get_user, update_user

    create_role(SYSTEM, code="people_admin", name="People admin", codes={"users.manage", "masterdata.view"})
    manager = factories.actor("people_admin")
    clerk = factories.user("storekeeper", username="clerk1")
    with pytest.raises(PermissionDenied, match="cannot give the role Administrator"):
        update_user(manager, user_id=clerk.id, full_name="Clerk One", email=None, phone=None,
                    employee_id=None, role="admin", scope_code=None)
    assert get_user(SYSTEM, user_id=clerk.id).role_code == "storekeeper"
    with pytest.raises(PermissionDenied, match="cannot give the role Administrator"):
        create_user(manager, username="sneaky", full_name="Sneaky", role="admin", password="long-enough-pw")


def test_a_role_manager_cannot_grant_rights_they_do_not_hold(factories):
    from domain.services.users_admin import create_role, role_matrix, set_role_permissions

    create_role(SYSTEM, code="role_clerk", name="Role clerk", codes={"roles.manage", "masterdata.view"})
    clerk = factories.actor("role_clerk")
    with pytest.raises(PermissionDenied, match="users.manage"):
        set_role_permissions(clerk, role_code="role_clerk", codes={"roles.manage", "masterdata.view", "users.manage"})
    with pytest.raises(PermissionDenied, match="backups.run"):
        create_role(clerk, code="sneaky", name="Sneaky", codes={"backups.run"})
    roles = {r.code: r for r in role_matrix(SYSTEM).roles}
    assert roles["role_clerk"].permissions == {"roles.manage", "masterdata.view"} and "sneaky" not in roles


def test_create_user_refuses_duplicate_employee_id_bad_phone_and_scope_escapes(factories):
    from domain.services.users import create_user

    create_user(SYSTEM, username="first", full_name="First", role="storekeeper", password=PASSWORD,
                employee_id="E-100")
    with pytest.raises(ValidationFailed) as refused:
        create_user(SYSTEM, username="second", full_name="Second", role="storekeeper", password=PASSWORD,
                    employee_id="E-100")
    assert refused.value.errors == {"Employee ID": "E-100 is already in use"}
    with pytest.raises(ValidationFailed) as refused:
        create_user(SYSTEM, username="third", full_name="Third", role="storekeeper", password=PASSWORD,
                    phone="call me")
    assert refused.value.errors == {"Phone": "must be a phone number such as +254 712 345 678"}
    factories.geography()
    rift_admin = factories.actor("admin", scope_code="RFT")
    with pytest.raises(PermissionDenied, match="A company-wide user is outside your area"):
        create_user(rift_admin, username="fourth", full_name="Fourth", role="storekeeper", password=PASSWORD)
    with reading() as session:
        assert [users_q.user_by_username(session, n) for n in ("second", "third", "fourth")] == [None] * 3
