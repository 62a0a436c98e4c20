"""SQL for the geography tree: lookups, reference counts, scoped listings and the subtree path rewrite."""

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, or_, select

from domain.access import Actor
from domain.models import GeoLevel, GeoNode, Party, User
from domain.queries.scope import within


def node_by_id(session: Session, node_id: int, *, for_update: bool = False) -> GeoNode | None:
    query = select(GeoNode).where(GeoNode.id == node_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def node_by_code(session: Session, code: str, *, for_share: bool = False) -> GeoNode | None:
    """Case-insensitive. `for_share` keeps the node (and so its path) from moving until this transaction ends."""
    query = select(GeoNode).where(func.upper(GeoNode.code) == code.strip().upper())
    if for_share:
        query = query.with_for_update(read=True)
    return session.exec(query).first()


def lock_nodes(session: Session, ids: Iterable[int]) -> dict[int, GeoNode]:
    """Lock several nodes in id order (so two movers never deadlock) and return them freshly read."""
    query = (
        select(GeoNode).where(col(GeoNode.id).in_(sorted(set(ids)))).order_by(col(GeoNode.id))
        .with_for_update().execution_options(populate_existing=True)
    )
    return {node.id: node for node in session.exec(query) if node.id is not None}


def code_taken(session: Session, code: str, *, excluding_id: int | None = None) -> bool:
    query = select(GeoNode.id).where(func.upper(GeoNode.code) == code.strip().upper())
    if excluding_id is not None:
        query = query.where(GeoNode.id != excluding_id)
    return session.exec(query).first() is not None


def count_children(session: Session, node_id: int, *, active_only: bool = False) -> int:
    query = select(func.count()).select_from(GeoNode).where(GeoNode.parent_id == node_id)
    if active_only:
        query = query.where(col(GeoNode.is_active).is_(True))
    return int(session.exec(query).one())


def count_scoped_users(session: Session, node_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(User).where(User.scope_id == node_id)).one())


def count_parties_at(session: Session, node_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(Party).where(Party.territory_id == node_id)).one())


def rebased(path_column: Any, old_prefix: str, new_prefix: str) -> sa.ColumnElement[str]:
    """new_prefix || substr(path, len(old_prefix) + 1): the same SQL on SQLite and PostgreSQL."""
    rest = func.substr(path_column, len(old_prefix) + 1, type_=sa.String)
    return sa.literal(new_prefix, sa.String) + rest


def rewrite_paths(session: Session, old_prefix: str, new_prefix: str) -> int:
    """Move a whole subtree in one UPDATE; returns how many nodes (the root included) were rewritten."""
    statement = (
        sa.update(GeoNode)
        .where(col(GeoNode.path).startswith(old_prefix, autoescape=True))
        .values(path=rebased(GeoNode.path, old_prefix, new_prefix))
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def rewrite_placed_records(session: Session, old_prefix: str, new_prefix: str) -> dict[str, int]:
    """After a subtree moved: every record that copies its place's path (a `territory_path` column: parties,
    and documents such as production logs, stock counts and orders) follows, one UPDATE per table.

    Found from the metadata, so a new table with a `territory_path` column is covered without changes here.
    The audit trail's `scope_path` is history and is not rewritten."""
    moved = {}
    for table in SQLModel.metadata.sorted_tables:
        column = table.c.get("territory_path")
        if column is None:
            continue
        statement = (
            sa.update(table)
            .where(column.startswith(old_prefix, autoescape=True))
            .values({column.name: rebased(column, old_prefix, new_prefix)})
            .execution_options(synchronize_session=False)
        )
        moved[table.name] = int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    return moved


def nodes(session: Session, actor: Actor, *, include_inactive: bool = True) -> list[GeoNode]:
    """Every node inside the actor's area (in no particular order: the service sorts the tree)."""
    query = select(GeoNode).where(within(col(GeoNode.path), actor))
    if not include_inactive:
        query = query.where(col(GeoNode.is_active).is_(True))
    return list(session.exec(query))


def choices(
    session: Session, actor: Actor, *, level: GeoLevel | None, search: str | None, limit: int,
) -> list[GeoNode]:
    """Active nodes inside the actor's area, optionally of one level and matching a name/code search."""
    query = select(GeoNode).where(within(col(GeoNode.path), actor), col(GeoNode.is_active).is_(True))
    if level is not None:
        query = query.where(GeoNode.level == level)
    if search and search.strip():
        term = search.strip().lower()
        query = query.where(or_(
            func.lower(GeoNode.name).contains(term, autoescape=True),
            func.lower(GeoNode.code).contains(term, autoescape=True),
        ))
    query = query.order_by(func.lower(GeoNode.name), col(GeoNode.code)).limit(limit)
    return list(session.exec(query))
