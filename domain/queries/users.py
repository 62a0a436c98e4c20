"""SQL for users, roles and permissions."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, case, or_
from sqlmodel import Session, col, delete, func, select

from domain.access import Actor
from domain.models import GeoNode, Permission, Role, RolePermission, User
from domain.queries.scope import within
from domain.types import utcnow


def user_by_username(session: Session, username: str, *, for_update: bool = False) -> User | None:
    query = select(User).where(func.lower(User.username) == username.strip().lower())
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def user_by_id(session: Session, user_id: int, *, for_update: bool = False) -> User | None:
    query = select(User).where(User.id == user_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def role_by_code(session: Session, code: str, *, for_update: bool = False) -> Role | None:
    query = select(Role).where(Role.code == code)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def role_by_id(session: Session, role_id: int) -> Role | None:
    return session.get(Role, role_id)


def roles(session: Session) -> list[Role]:
    return list(session.exec(select(Role).order_by(Role.name)))


def permission_codes(session: Session, role_id: int) -> set[str]:
    query = select(RolePermission.permission_code).where(RolePermission.role_id == role_id)
    return set(session.exec(query))


def all_permission_codes(session: Session) -> set[str]:
    return set(session.exec(select(Permission.code)))


def add_permissions(session: Session, codes: dict[str, str]) -> None:
    for code, description in codes.items():
        session.add(Permission(code=code, description=description))


def grant(session: Session, role_id: int, codes: Iterable[str]) -> None:
    for code in sorted(codes):
        session.add(RolePermission(role_id=role_id, permission_code=code))


def revoke(session: Session, role_id: int, codes: Iterable[str]) -> None:
    codes = list(codes)
    if codes:
        session.exec(  # type: ignore[call-overload]
            delete(RolePermission).where(
                RolePermission.role_id == role_id, col(RolePermission.permission_code).in_(codes)
            )
        )


def scope_node(session: Session, node_id: int | None) -> GeoNode | None:
    return None if node_id is None else session.get(GeoNode, node_id)


def geo_by_code(session: Session, code: str) -> GeoNode | None:
    return session.exec(select(GeoNode).where(func.upper(GeoNode.code) == code.strip().upper())).first()


def count_users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User)).one())


def user_listing(
    session: Session, *, actor: Actor, search: str | None = None, role_code: str | None = None,
    include_inactive: bool = True,
) -> list[tuple[User, Role, GeoNode | None]]:
    """Users with their role and scope node, inside the actor's area (users without scope: company-wide only)."""
    query = (
        select(User, Role, GeoNode)
        .join(Role, col(Role.id) == col(User.role_id))
        .outerjoin(GeoNode, col(GeoNode.id) == col(User.scope_id))
        .where(within(col(GeoNode.path), actor))
    )
    if search:
        term = search.strip().lower()
        query = query.where(or_(*(
            func.lower(column).contains(term, autoescape=True)
            for column in (col(User.username), col(User.full_name), col(User.email), col(User.employee_id))
        )))
    if role_code:
        query = query.where(Role.code == role_code)
    if not include_inactive:
        query = query.where(col(User.is_active).is_(True))
    query = query.order_by(func.lower(User.full_name), User.username)
    return [(user, role, node) for user, role, node in session.exec(query)]


def user_by_employee_id(session: Session, employee_id: str) -> User | None:
    return session.exec(select(User).where(User.employee_id == employee_id)).first()


def count_active_users(session: Session, role_id: int) -> int:
    query = select(func.count()).select_from(User).where(User.role_id == role_id, col(User.is_active).is_(True))
    return int(session.exec(query).one())


def active_users_by_role(session: Session) -> dict[int, int]:
    query = (
        select(User.role_id, func.count())
        .where(col(User.is_active).is_(True))
        .group_by(User.role_id)
    )
    return {role_id: int(n) for role_id, n in session.exec(query)}


def permissions_by_role(session: Session) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for role_id, code in session.exec(select(RolePermission.role_id, RolePermission.permission_code)):
        found.setdefault(role_id, set()).add(code)
    return found


def table_select(actor: Actor) -> Select[Any]:
    """Users as a list, inside the actor's area (users without a scope: company-wide actors only). The area reads
    "Company-wide" for those; "locked until" is shown only while the lockout lasts."""
    return (
        select(
            col(User.id).label("id"),
            col(User.username).label("username"),
            col(User.full_name).label("full_name"),
            col(Role.name).label("role"),
            func.coalesce(col(GeoNode.name), "Company-wide").label("area"),
            col(User.email).label("email"),
            col(User.phone).label("phone"),
            col(User.employee_id).label("employee_id"),
            col(User.is_active).label("is_active"),
            col(User.last_login_at).label("last_login_at"),
            case((col(User.locked_until) > utcnow(), col(User.locked_until)), else_=None).label("locked_until"),
        )
        .select_from(User)
        .join(Role, col(Role.id) == col(User.role_id))
        .outerjoin(GeoNode, col(GeoNode.id) == col(User.scope_id))
        .where(within(col(GeoNode.path), actor))
    )
