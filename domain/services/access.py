"""Roles and permissions: seeding the defaults, and building the Actor a request acts as."""

from sqlmodel import Session

from domain.access import DEFAULT_ROLES, PERMISSIONS, SYSTEM, Actor
from domain.db import reading, transaction
from domain.errors import PermissionDenied
from domain.models import AuditKind, Role
from domain.queries import users as users_q


def seed_access() -> bool:
    """Create missing permissions and default roles; the admin role always holds every permission.

    Idempotent, run by `chesanto migrate`. Roles an admin has edited keep their edits. Returns whether anything changed.
    """
    with transaction(SYSTEM) as tx:
        session = tx.session
        missing = {c: d for c, d in PERMISSIONS.items() if c not in users_q.all_permission_codes(session)}
        users_q.add_permissions(session, missing)
        session.flush()
        changed = bool(missing)
        for code, (name, codes) in DEFAULT_ROLES.items():
            role = users_q.role_by_code(session, code)
            if role is None:
                role = Role(code=code, name=name)
                session.add(role)
                session.flush()
                assert role.id is not None
                users_q.grant(session, role.id, codes)
                changed = True
            elif code == "admin":
                assert role.id is not None
                lacking = set(PERMISSIONS) - users_q.permission_codes(session, role.id)
                users_q.grant(session, role.id, lacking)
                changed = changed or bool(lacking)
        if changed:
            tx.audit("access.seed", entity="role", after={"permissions_added": sorted(missing)},
                     kind=AuditKind.SYSTEM)
    return changed


def actor_from_user(session: Session, user_id: int) -> Actor | None:
    """The Actor for an active user as the database says now (role and scope changes apply at once)."""
    user = users_q.user_by_id(session, user_id)
    if user is None or not user.is_active:
        return None
    role = users_q.role_by_id(session, user.role_id)
    assert role is not None and role.id is not None
    node = users_q.scope_node(session, user.scope_id)
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=role.code,
        role_name=role.name,
        permissions=frozenset(users_q.permission_codes(session, role.id)),
        scope_path=node.path if node else None,
        scope_name=node.name if node else None,
        must_change_password=user.must_change_password,
    )


def load_actor(user_id: int) -> Actor | None:
    with reading() as session:
        return actor_from_user(session, user_id)


def record_refusal(actor: Actor, *, what: str, source_ip: str | None = None) -> None:
    """Audit an attempt to open something the role may not see."""
    with transaction(actor, source_ip=source_ip) as tx:
        tx.audit("access.denied", entity="page", entity_id=what[:40], after={"path": what},
                 kind=AuditKind.USER)


def ensure_can_grant(session: Session, actor: Actor, role: Role) -> None:
    """Nobody hands out rights they do not hold: giving a user a role needs every permission of that role."""
    assert role.id is not None
    beyond = users_q.permission_codes(session, role.id) - actor.permissions
    if beyond:
        raise PermissionDenied(
            f"You cannot give the role {role.name}: it holds rights you do not have ({', '.join(sorted(beyond))})."
        )
