"""Roles, permissions and geographic scope: who may do what, and where."""

import pytest
from sqlmodel import col, func, select

from domain.access import DEFAULT_ROLES, PERMISSIONS, SYSTEM, Actor
from domain.db import reading, transaction
from domain.errors import PermissionDenied
from domain.models import AuditLog, GeoLevel, GeoNode, Permission, Role, RolePermission
from domain.queries import scope
from domain.queries import users as users_q
from domain.services.access import seed_access


def _actor(role: str = "regional_sales", *, scope_path: str | None = None, scope_name: str | None = None,
           permissions: frozenset[str] = frozenset()) -> Actor:
    return Actor(user_id=1, username="amina", full_name="Amina W.", role=role, role_name="Regional sales",
                 permissions=permissions, scope_path=scope_path, scope_name=scope_name)


# --- default roles -------------------------------------------------------------------------------

def test_default_admin_role_holds_every_permission():
    assert DEFAULT_ROLES["admin"][1] == frozenset(PERMISSIONS)


def test_every_default_role_only_names_known_permissions():
    for code, (_name, codes) in DEFAULT_ROLES.items():
        assert codes <= set(PERMISSIONS), code


def test_seeded_admin_can_do_everything(factories):
    admin = factories.actor("admin")
    assert admin.permissions == frozenset(PERMISSIONS)
    assert all(admin.can(code) for code in PERMISSIONS)


def test_seeded_auditor_sees_the_audit_trail_but_cannot_manage_users(factories):
    auditor = factories.actor("auditor")
    assert auditor.can("audit.view") and auditor.can("audit.verify")
    assert not auditor.can("users.manage")
    with pytest.raises(PermissionDenied, match=r"Your role \(Auditor\) may not create, deactivate and reset users"):
        auditor.require("users.manage")


def test_require_names_the_role_that_was_refused():
    actor = _actor(permissions=frozenset({"orders.view"}))
    actor.require("orders.view")  # held: no error
    with pytest.raises(PermissionDenied, match=r"Regional sales") as refused:
        actor.require("users.manage")
    assert "users" in refused.value.message


def test_require_of_an_unknown_permission_code_is_a_programming_error():
    with pytest.raises(KeyError, match=r"orders\.fly"):
        SYSTEM.require("orders.fly")


# --- scope in Python -----------------------------------------------------------------------------

def test_company_wide_actor_sees_every_path_and_records_without_a_place():
    actor = _actor(scope_path=None)
    assert actor.company_wide
    for path in ("/1/", "/1/4/", "/2/9/30/", None):
        assert actor.sees(path)
        actor.ensure_sees(path)


def test_scoped_actor_sees_its_own_node_and_everything_under_it():
    actor = _actor(scope_path="/1/4/", scope_name="Rift")
    assert not actor.company_wide
    assert actor.sees("/1/4/")
    assert actor.sees("/1/4/19/")
    assert actor.sees("/1/4/19/77/")


@pytest.mark.parametrize("path", ["/1/", "/1/40/", "/1/40/4/", "/1/5/", "/2/1/4/", None])
def test_scoped_actor_does_not_see_outside_its_area(path):
    actor = _actor(scope_path="/1/4/", scope_name="Rift")
    assert not actor.sees(path)
    with pytest.raises(PermissionDenied, match=r"Order SO-12 is outside your area \(Rift\)"):
        actor.ensure_sees(path, "Order SO-12")


def test_scope_of_a_real_user_is_its_geography_node_path_ending_with_a_slash(factories):
    places = factories.geography()
    rift = places["rift"]
    actor = factories.actor("regional_sales", scope_code="RFT")
    assert actor.scope_path == rift.path and actor.scope_name == "Rift"
    assert actor.scope_path.startswith("/") and actor.scope_path.endswith("/")
    assert actor.sees(places["nakuru_town"].path)
    assert not actor.sees(places["westlands"].path)
    assert not actor.sees(places["zone"].path)


# --- scope in SQL --------------------------------------------------------------------------------

def _codes_within(actor: Actor) -> set[str]:
    with reading() as session:
        return set(session.exec(select(GeoNode.code).where(scope.within(GeoNode.path, actor))))


def test_within_keeps_only_rows_inside_the_actor_area(factories):
    factories.geography()
    rift_sales = factories.actor("regional_sales", scope_code="RFT")
    nairobi_sales = factories.actor("regional_sales", scope_code="NRB")
    assert _codes_within(rift_sales) == {"RFT", "NKR", "NKR-T"}
    assert _codes_within(nairobi_sales) == {"NRB", "WST", "WST-T"}


def test_within_does_not_filter_for_a_company_wide_actor(factories):
    factories.geography()
    everyone = _codes_within(factories.actor("executive"))
    assert everyone == {"KE", "KE-RV", "RFT", "KE-CT", "NRB", "NKR", "NKR-T", "WST", "WST-T"}


def test_within_does_not_fall_into_the_prefix_trap(db):
    """Scope "/1/4/" must not match "/1/40/": paths end with '/', and the filter relies on it."""
    with transaction(SYSTEM) as tx:
        for code, path in [("A", "/1/4/"), ("A-CHILD", "/1/4/7/"), ("B", "/1/40/"), ("B-CHILD", "/1/40/4/"),
                           ("ROOT", "/1/"), ("WILD", "/1/4_/")]:
            tx.session.add(GeoNode(code=code, name=code, level=GeoLevel.AREA, path=path))
    assert _codes_within(_actor(scope_path="/1/4/", scope_name="A")) == {"A", "A-CHILD"}
    # LIKE wildcards in a scope path are escaped, not matched
    assert _codes_within(_actor(scope_path="/1/_/", scope_name="?")) == set()


# --- seeding -------------------------------------------------------------------------------------

def _access_rows() -> tuple[int, int, int, int]:
    with reading() as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(model)).one()
            for model in (Permission, Role, RolePermission, AuditLog)
        )


def test_seed_access_is_idempotent(db):
    before = _access_rows()
    assert before[:3] == (len(PERMISSIONS), len(DEFAULT_ROLES), sum(len(c) for _n, c in DEFAULT_ROLES.values()))

    assert seed_access() is False

    assert _access_rows() == before  # no duplicate rows, and no audit row for a no-op


def test_seed_access_gives_back_a_permission_removed_from_admin_but_keeps_edits_to_other_roles(db):
    with transaction(SYSTEM) as tx:
        admin = users_q.role_by_code(tx.session, "admin")
        auditor = users_q.role_by_code(tx.session, "auditor")
        assert admin and admin.id and auditor and auditor.id
        users_q.revoke(tx.session, admin.id, ["users.manage"])
        users_q.revoke(tx.session, auditor.id, ["audit.verify"])
    with reading() as session:
        assert "users.manage" not in users_q.permission_codes(session, admin.id)

    assert seed_access() is True

    with reading() as session:
        assert users_q.permission_codes(session, admin.id) == set(PERMISSIONS)
        assert "audit.verify" not in users_q.permission_codes(session, auditor.id)
        seeds = session.exec(select(AuditLog).where(AuditLog.action == "access.seed")).all()
    assert len(seeds) == 2  # the fixture's first seeding, and this repair
    assert seed_access() is False


def test_seed_access_adds_a_permission_missing_from_the_table(db):
    with transaction(SYSTEM) as tx:
        tx.session.exec(  # type: ignore[call-overload]
            RolePermission.__table__.delete().where(col(RolePermission.permission_code) == "backups.run")
        )
        tx.session.exec(Permission.__table__.delete().where(col(Permission.code) == "backups.run"))  # type: ignore[call-overload]

    assert seed_access() is True

    with reading() as session:
        assert "backups.run" in users_q.all_permission_codes(session)
        admin = users_q.role_by_code(session, "admin")
        assert admin and admin.id
        assert "backups.run" in users_q.permission_codes(session, admin.id)
        seed = session.exec(
            select(AuditLog).where(AuditLog.action == "access.seed").order_by(col(AuditLog.id).desc())
        ).first()
    assert seed is not None and seed.after == {"permissions_added": ["backups.run"]}
