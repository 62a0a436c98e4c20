"""SQL for users, roles and permissions."""

from collections.abc import Iterable

from sqlmodel import Session, col, delete, func, select

from domain.models import GeoNode, Permission, Role, RolePermission, User


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


def role_by_code(session: Session, code: str) -> Role | None:
    return session.exec(select(Role).where(Role.code == code)).first()


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
