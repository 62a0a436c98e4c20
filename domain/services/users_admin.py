"""Administering users and roles: list, edit, deactivate, reset passwords, and the roles × permissions matrix.

Scoped administrators (actor.scope_path set) manage only users inside their area; users without a scope are
company-wide and belong to company-wide administrators. The last active administrator always stays one.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session

from domain import passwords
from domain.access import PERMISSIONS, Actor
from domain.db import Tx, reading, snapshot, transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.models import GeoNode, Role, User
from domain.queries import users as users_q
from domain.services.access import ensure_can_grant
from domain.services.users import UserDetails as UserEdit
from domain.tables import Column, TableSource
from domain.validation import parse

ADMIN_ROLE = "admin"
ADMIN_RIGHTS = frozenset({"users.manage", "roles.manage"})

_USER_LABELS = {
    "full_name": "Full name", "email": "Email", "phone": "Phone", "employee_id": "Employee ID",
    "role": "Role", "scope_code": "Scope",
}
_ROLE_LABELS = {"code": "Code", "name": "Name"}


# ----------------------------------------------------------------------------------------------- what callers see

@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    role_code: str
    role_name: str
    scope_code: str | None
    scope_name: str | None
    email: str | None
    phone: str | None
    employee_id: str | None
    is_active: bool
    last_login_at: datetime | None
    locked_until: datetime | None
    must_change_password: bool


@dataclass(frozen=True)
class RoleSummary:
    code: str
    name: str
    user_count: int  # active users holding the role
    permissions: frozenset[str]


@dataclass(frozen=True)
class RoleMatrix:
    roles: list[RoleSummary]
    catalogue: dict[str, list[tuple[str, str]]]  # area ("orders") -> [(code, description)] in catalogue order


def _row(user: User, role: Role, node: GeoNode | None) -> UserRow:
    assert user.id is not None
    return UserRow(
        id=user.id, username=user.username, full_name=user.full_name, role_code=role.code, role_name=role.name,
        scope_code=node.code if node else None, scope_name=node.name if node else None, email=user.email,
        phone=user.phone, employee_id=user.employee_id, is_active=user.is_active,
        last_login_at=user.last_login_at, locked_until=user.locked_until,
        must_change_password=user.must_change_password,
    )


# ----------------------------------------------------------------------------------------------- input models

class NewRole(BaseModel):
    code: str = Field(min_length=2, max_length=40)
    name: str = Field(min_length=1, max_length=80)

    @field_validator("code", "name", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("code")
    @classmethod
    def _snake(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", value):
            raise ValueError("must be lower snake case, such as area_manager")
        return value


def _known_codes(codes: set[str] | frozenset[str]) -> set[str]:
    unknown = sorted(set(codes) - set(PERMISSIONS))
    if unknown:
        raise ValidationFailed.field("Permissions", f"unknown permission(s): {', '.join(unknown)}")
    return set(codes)


# ----------------------------------------------------------------------------------------------- users

def list_users(
    actor: Actor, *, search: str | None = None, role: str | None = None, include_inactive: bool = True,
) -> list[UserRow]:
    """Users inside the actor's area, by name; `search` matches username, name, email and employee ID."""
    actor.require("users.manage")
    with reading() as session:
        found = users_q.user_listing(session, actor=actor, search=search or None, role_code=role or None,
                                     include_inactive=include_inactive)
        return [_row(user, role_, node) for user, role_, node in found]


def users_table(actor: Actor) -> TableSource:
    """Users inside the actor's area as a filterable, exportable list, by name."""
    actor.require("users.manage")
    with reading() as session:
        role_names = list(dict.fromkeys(r.name for r in users_q.roles(session)))
    columns = [
        Column("username", "Username", filter="text"), Column("full_name", "Name", filter="text"),
        Column("role", "Role", filter="choice", choices=role_names), Column("area", "Area", filter="text"),
        Column("email", "Email"), Column("phone", "Phone"),
        Column("employee_id", "Employee ID", filter="text"), Column("is_active", "Active", "bool", filter="choice"),
        Column("last_login_at", "Last login", "datetime", filter="date_range"),
        Column("locked_until", "Locked until", "datetime"),
    ]
    return TableSource(name="users", title="Users", columns=columns, build=users_q.table_select,
                       permission="users.manage", default_sort="full_name")


def role_choices(actor: Actor) -> dict[str, str]:
    """Every role as {code: name}, by name, for the role picker of the user forms."""
    actor.require("users.manage")
    with reading() as session:
        return {r.code: r.name for r in users_q.roles(session)}


def get_user(actor: Actor, *, user_id: int) -> UserRow:
    actor.require("users.manage")
    with reading() as session:
        user, node = _visible_user(session, actor, user_id)
        role = users_q.role_by_id(session, user.role_id)
        assert role is not None
        return _row(user, role, node)


def _visible_user(session: Session, actor: Actor, user_id: int, *, for_update: bool = False
                  ) -> tuple[User, GeoNode | None]:
    user = users_q.user_by_id(session, user_id, for_update=for_update)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    node = users_q.scope_node(session, user.scope_id)
    actor.ensure_sees(node.path if node else None, user.full_name)
    return user, node


def _lock_administrators(session: Session) -> Role:
    """Lock the admin role row first, so two "last administrator" checks cannot pass side by side."""
    admin = users_q.role_by_code(session, ADMIN_ROLE, for_update=True)
    assert admin is not None and admin.id is not None, "access is not seeded"
    return admin


def _refuse_if_last_admin(session: Session, admin: Role, user: User) -> None:
    assert admin.id is not None
    if user.role_id == admin.id and user.is_active and users_q.count_active_users(session, admin.id) <= 1:
        raise Conflict(f"{user.full_name} is the last active administrator.")


def update_user(
    actor: Actor, *, user_id: int, full_name: str, email: str | None, phone: str | None,
    employee_id: str | None, role: str, scope_code: str | None,
) -> UserRow:
    """Edit a user's details, role and scope (a GeoNode code, None for company-wide). Takes effect at once."""
    actor.require("users.manage")
    data = parse(UserEdit, {"full_name": full_name, "email": email, "phone": phone, "employee_id": employee_id,
                            "role": role, "scope_code": scope_code}, _USER_LABELS)
    with transaction(actor) as tx:
        session = tx.session
        admin = _lock_administrators(session)
        user, _ = _visible_user(session, actor, user_id, for_update=True)
        new_role = users_q.role_by_code(session, data.role)
        if new_role is None or new_role.id is None:
            raise ValidationFailed.field("Role", f"unknown role {data.role!r}")
        node = None
        if data.scope_code:
            node = users_q.geo_by_code(session, data.scope_code)
            if node is None:
                raise ValidationFailed.field("Scope", f"no geography with code {data.scope_code!r}")
        actor.ensure_sees(node.path if node else None, node.name if node else "Company-wide scope")
        if data.employee_id:
            other = users_q.user_by_employee_id(session, data.employee_id)
            if other is not None and other.id != user.id:
                raise ValidationFailed.field("Employee ID", f"is already used by {other.full_name}")
        if new_role.id != user.role_id:
            _refuse_if_last_admin(session, admin, user)
            ensure_can_grant(session, actor, new_role)
        before = snapshot(user)
        user.full_name, user.email, user.phone = data.full_name, data.email, data.phone
        user.employee_id, user.role_id, user.scope_id = data.employee_id, new_role.id, node.id if node else None
        if snapshot(user) != before:
            _record(tx, "user.update", user, before, node, "user.updated")
        return _row(user, new_role, node)


def _record(tx: Tx, action: str, user: User, before: dict[str, Any] | None, node: GeoNode | None,
            event: str, *, after: dict[str, Any] | None = None) -> None:
    """The audit row in this transaction and the event after commit, for one change to one user."""
    path = node.path if node else None
    tx.session.add(user)
    if after is None:
        tx.audit(action, user, before=before, scope_path=path)
    else:
        tx.audit(action, user, before=before, after=after, scope_path=path)
    tx.emit(DomainEvent(event, scope_path=path, data={"user_id": user.id, "username": user.username}))


def _set_active(actor: Actor, user_id: int, active: bool) -> UserRow:
    actor.require("users.manage")
    if not active and user_id == actor.user_id:
        raise Conflict("You cannot deactivate your own account.")
    with transaction(actor) as tx:
        session = tx.session
        admin = _lock_administrators(session)
        user, node = _visible_user(session, actor, user_id, for_update=True)
        if user.is_active != active:
            if not active:
                _refuse_if_last_admin(session, admin, user)
            before = {"is_active": user.is_active}
            user.is_active = active
            verb = "reactivate" if active else "deactivate"
            _record(tx, f"user.{verb}", user, before, node, f"user.{verb}d", after={"is_active": active})
        role = users_q.role_by_id(session, user.role_id)
        assert role is not None
        return _row(user, role, node)


def deactivate_user(actor: Actor, *, user_id: int) -> UserRow:
    """The user can no longer log in (history keeps their name). Not oneself, not the last administrator."""
    return _set_active(actor, user_id, False)


def reactivate_user(actor: Actor, *, user_id: int) -> UserRow:
    return _set_active(actor, user_id, True)


def reset_password(actor: Actor, *, user_id: int, new_password: str) -> UserRow:
    """Set a temporary password the user must change at next login; clears any lockout."""
    actor.require("users.manage")
    with reading() as session:
        user, _ = _visible_user(session, actor, user_id)
        username = user.username
    problem = passwords.password_problem(new_password or "", username=username)
    if problem:
        raise ValidationFailed.field("New password", problem)
    new_hash = passwords.hash_password(new_password)  # ~130 ms: outside the transaction
    with transaction(actor) as tx:
        user, node = _visible_user(tx.session, actor, user_id, for_update=True)
        before = _login_state(user)
        user.password_hash = new_hash
        user.must_change_password = True
        user.failed_logins, user.locked_until = 0, None
        _record(tx, "user.password_reset", user, before, node, "user.password_reset", after=_login_state(user))
        role = users_q.role_by_id(tx.session, user.role_id)
        assert role is not None
        return _row(user, role, node)


def unlock_user(actor: Actor, *, user_id: int) -> UserRow:
    """Clear a lockout after too many failed logins (the password is unchanged)."""
    actor.require("users.manage")
    with transaction(actor) as tx:
        user, node = _visible_user(tx.session, actor, user_id, for_update=True)
        if user.failed_logins or user.locked_until is not None:
            before = _login_state(user)
            user.failed_logins, user.locked_until = 0, None
            _record(tx, "user.unlock", user, before, node, "user.unlocked", after=_login_state(user))
        role = users_q.role_by_id(tx.session, user.role_id)
        assert role is not None
        return _row(user, role, node)


def _login_state(user: User) -> dict[str, Any]:
    """What a reset or unlock changes, for the audit row; never any password data."""
    return {
        "must_change_password": user.must_change_password,
        "failed_logins": user.failed_logins,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }


# ----------------------------------------------------------------------------------------------- roles

def permission_catalogue() -> dict[str, list[tuple[str, str]]]:
    """Every permission grouped by area (the code's prefix before the first '.'), in catalogue order."""
    areas: dict[str, list[tuple[str, str]]] = {}
    for code, description in PERMISSIONS.items():
        areas.setdefault(code.split(".", 1)[0], []).append((code, description))
    return areas


def role_matrix(actor: Actor) -> RoleMatrix:
    actor.require("roles.manage")
    with reading() as session:
        counts = users_q.active_users_by_role(session)
        granted = users_q.permissions_by_role(session)
        roles = [
            RoleSummary(code=r.code, name=r.name, user_count=counts.get(r.id or 0, 0),
                        permissions=frozenset(granted.get(r.id or 0, set())))
            for r in users_q.roles(session)
        ]
    return RoleMatrix(roles=roles, catalogue=permission_catalogue())


def _refuse_rights_beyond_own(actor: Actor, codes: set[str]) -> None:
    beyond = codes - actor.permissions
    if beyond:
        raise PermissionDenied(f"You cannot grant rights you do not hold yourself: {', '.join(sorted(beyond))}.")


def set_role_permissions(actor: Actor, *, role_code: str, codes: set[str] | frozenset[str]) -> RoleSummary:
    """Replace what one role may do. Users holding it get the new rights on their next request."""
    actor.require("roles.manage")
    wanted = _known_codes(codes)
    with transaction(actor) as tx:
        session = tx.session
        role = users_q.role_by_code(session, role_code, for_update=True)
        if role is None or role.id is None:
            raise NotFound(f"No role with code {role_code!r}.")
        current = users_q.permission_codes(session, role.id)
        removed, added = current - wanted, wanted - current
        _refuse_rights_beyond_own(actor, added)
        if role.code == actor.role and removed & ADMIN_RIGHTS:
            raise Conflict("You cannot remove your own administration rights.")
        if role.code == ADMIN_ROLE and wanted != set(PERMISSIONS):
            raise Conflict(f"The {role.name} role must keep every permission.")
        if removed or added:
            users_q.revoke(session, role.id, removed)
            users_q.grant(session, role.id, added)
            tx.audit("role.permissions", entity="role", entity_id=role.id,
                     before={"code": role.code, "permissions": sorted(current)},
                     after={"code": role.code, "permissions": sorted(wanted)})
            tx.emit(DomainEvent("role.permissions_changed", data={"role": role.code, "added": sorted(added),
                                                                   "removed": sorted(removed)}))
        count = users_q.count_active_users(session, role.id)
        return RoleSummary(code=role.code, name=role.name, user_count=count, permissions=frozenset(wanted))


def create_role(actor: Actor, *, code: str, name: str, codes: set[str] | frozenset[str]) -> RoleSummary:
    """A new role (code in lower snake case, unique) holding `codes`."""
    actor.require("roles.manage")
    data = parse(NewRole, {"code": code, "name": name}, _ROLE_LABELS)
    wanted = _known_codes(codes)
    _refuse_rights_beyond_own(actor, wanted)
    with transaction(actor) as tx:
        session = tx.session
        if users_q.role_by_code(session, data.code) is not None:
            raise ValidationFailed.field("Code", f"a role with code {data.code!r} already exists")
        role = Role(code=data.code, name=data.name)
        session.add(role)
        session.flush()
        assert role.id is not None
        users_q.grant(session, role.id, wanted)
        tx.audit("role.create", role, after={**snapshot(role), "permissions": sorted(wanted)})
        tx.emit(DomainEvent("role.created", data={"role": role.code}))
        return RoleSummary(code=role.code, name=role.name, user_count=0, permissions=frozenset(wanted))
