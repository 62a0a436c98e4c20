"""Geography: the zone > state > region > area > territory tree that scopes people, parties and documents.

A node's level follows from its parent (a zone has none; a territory holds nothing). Scoped managers change
only nodes inside their own area; everyone reads only their own area's subtree.
"""

import re
from dataclasses import dataclass

from pydantic import BaseModel, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.access import Actor
from domain.db import reading, snapshot, transaction
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.events import DomainEvent
from domain.models import GeoLevel, GeoNode
from domain.queries import geography as geo_q
from domain.validation import parse

_LABELS = {"code": "Code", "name": "Name", "level": "Level", "parent_code": "Parent"}
_CODE = re.compile(r"[A-Z0-9._-]+")


def clean_code(value: str) -> str:
    """Codes are upper case letters, digits, '.', '_' and '-', at most 20, unique ignoring case."""
    code = value.strip().upper()
    if not code:
        raise ValueError("is required")
    if len(code) > 20:
        raise ValueError("must be at most 20 characters")
    if not _CODE.fullmatch(code):
        raise ValueError("may hold only letters, digits, '.', '_' and '-'")
    return code


def clean_name(value: str) -> str:
    name = " ".join(value.split())
    if not name:
        raise ValueError("is required")
    if len(name) > 120:
        raise ValueError("must be at most 120 characters")
    return name


class NodeInput(BaseModel):
    code: str
    name: str
    parent_code: str | None = None
    level: GeoLevel | None = None

    _code = field_validator("code")(clean_code)
    _name = field_validator("name")(clean_name)

    @field_validator("parent_code", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value


class NameInput(BaseModel):
    name: str

    _name = field_validator("name")(clean_name)


@dataclass(frozen=True)
class GeoRow:
    id: int
    code: str
    name: str
    level: GeoLevel
    parent_id: int | None
    path: str
    is_active: bool
    depth: int

    @classmethod
    def of(cls, node: GeoNode) -> "GeoRow":
        assert node.id is not None
        return cls(id=node.id, code=node.code, name=node.name, level=node.level, parent_id=node.parent_id,
                   path=node.path, is_active=node.is_active, depth=node.path.strip("/").count("/"))


@dataclass(frozen=True)
class GeoChoice:
    id: int
    code: str
    name: str
    level: GeoLevel
    path: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def _above(level: GeoLevel) -> GeoLevel | None:
    order = list(GeoLevel)
    return order[level.depth - 1] if level.depth > 0 else None


def _a(level: GeoLevel | None) -> str:
    """ "a region", "an area". """
    if level is None:
        return "nothing"
    return f"{'an' if level.value[0] in 'aeiou' else 'a'} {level.value}"


def _event(name: str, node: GeoNode, **extra: object) -> DomainEvent:
    return DomainEvent(name, scope_path=node.path,
                       data={"id": node.id, "code": node.code, "name": node.name, "level": node.level.value, **extra})


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _node_to_change(actor: Actor, session: Session, node_id: int, *, lock: bool = True) -> GeoNode:
    """The node (locked unless told otherwise) after checking it exists and lies inside the actor's area."""
    node = geo_q.node_by_id(session, node_id, for_update=lock)
    if node is None:
        raise NotFound(f"No geography with id {node_id}.")
    actor.ensure_sees(node.path, node.name)
    return node


def _level_under(parent: GeoNode | None, wanted: GeoLevel | None) -> GeoLevel:
    """The level a new node takes under `parent`, refusing a level that does not fit there."""
    if parent is None:
        if wanted not in (None, GeoLevel.ZONE):
            assert wanted is not None
            raise ValidationFailed.field("Parent", f"{_a(wanted)} must sit under {_a(_above(wanted))}")
        return GeoLevel.ZONE
    child = parent.level.child
    if child is None:
        raise ValidationFailed.field("Parent", f"{parent.name} is a territory; a territory cannot hold other places")
    if wanted not in (None, child):
        raise ValidationFailed.field(
            "Level", f"only {_a(child)} can be added under the {parent.level.value} {parent.name}")
    return child


def add_geo_node(
    actor: Actor, *, code: str, name: str, parent_code: str | None = None, level: GeoLevel | str | None = None,
) -> GeoNode:
    """Add a zone (no parent) or a place under `parent_code`; its level is the one below the parent's."""
    actor.require("geography.manage")
    data = parse(NodeInput, {"code": code, "name": name, "parent_code": parent_code, "level": level}, _LABELS)
    with transaction(actor) as tx:
        session = tx.session
        parent = None
        if data.parent_code:
            parent = geo_q.node_by_code(session, data.parent_code, for_share=True)
            if parent is None:
                raise ValidationFailed.field("Parent", f"no geography with code {data.parent_code}")
            actor.ensure_sees(parent.path, parent.name)
            if not parent.is_active:
                raise ValidationFailed.field("Parent", f"{parent.name} is inactive")
        elif not actor.company_wide:
            raise PermissionDenied(f"Only company-wide staff can add a zone; your area is {actor.scope_name}.")
        node_level = _level_under(parent, data.level)
        if geo_q.code_taken(session, data.code):
            raise ValidationFailed.field("Code", f"{data.code} is already in use")
        node = GeoNode(code=data.code, name=data.name, level=node_level, parent_id=parent.id if parent else None)
        session.add(node)
        try:
            session.flush()
        except IntegrityError:
            raise ValidationFailed.field("Code", f"{data.code} is already in use") from None
        node.path = f"{parent.path if parent else '/'}{node.id}/"
        tx.audit("geo.create", node, scope_path=node.path)
        tx.emit(_event("geo.created", node))
    return node


def rename_geo_node(actor: Actor, *, node_id: int, name: str) -> GeoNode:
    actor.require("geography.manage")
    data = parse(NameInput, {"name": name}, _LABELS)
    with transaction(actor) as tx:
        node = _node_to_change(actor, tx.session, node_id)
        if node.name == data.name:
            return node
        before = snapshot(node)
        node.name = data.name
        tx.audit("geo.rename", node, before=before, scope_path=node.path)
        tx.emit(_event("geo.renamed", node, old_name=before["name"]))
    return node


def move_geo_node(actor: Actor, *, node_id: int, parent_code: str) -> GeoNode:
    """Hang a node (and everything under it) on a new parent of the level directly above.

    The paths of the whole subtree, and the territory paths of the parties placed in it, are rewritten in
    this one transaction.
    """
    actor.require("geography.manage")
    with transaction(actor) as tx:
        session = tx.session
        node = _node_to_change(actor, session, node_id, lock=False)  # locked below, with the parent
        wanted = _above(node.level)
        if wanted is None:
            raise ValidationFailed.field("Parent", f"{node.name} is a zone; a zone has no parent")
        if not parent_code.strip():
            raise ValidationFailed.field("Parent", "is required")
        parent = geo_q.node_by_code(session, parent_code)
        if parent is None:
            raise ValidationFailed.field("Parent", f"no geography with code {parent_code.strip()}")
        assert node.id is not None and parent.id is not None
        locked = geo_q.lock_nodes(session, [node.id, parent.id])  # fresh paths, locked in id order
        node, parent = locked[node.id], locked[parent.id]
        actor.ensure_sees(node.path, node.name)
        actor.ensure_sees(parent.path, parent.name)
        if parent.path.startswith(node.path):
            raise ValidationFailed.field("Parent", f"{node.name} cannot move into its own subtree")
        if parent.level != wanted:
            raise ValidationFailed.field(
                "Parent", f"{_a(node.level)} must sit under {_a(wanted)}; {parent.name} is {_a(parent.level)}")
        if not parent.is_active:
            raise ValidationFailed.field("Parent", f"{parent.name} is inactive")
        if node.parent_id == parent.id:
            return node
        before = snapshot(node)
        old_prefix, new_prefix = node.path, f"{parent.path}{node.id}/"
        node.parent_id = parent.id
        session.flush()
        moved = geo_q.rewrite_paths(session, old_prefix, new_prefix)
        placed = geo_q.rewrite_placed_records(session, old_prefix, new_prefix)
        session.refresh(node)
        tx.audit("geo.move", node, before=before, scope_path=node.path)
        tx.emit(_event("geo.moved", node, old_path=old_prefix, nodes=moved, parties=placed.get("party", 0),
                       records=placed))
    return node


def deactivate_geo_node(actor: Actor, *, node_id: int) -> GeoNode:
    """Stop offering a place for new records; refused while active places remain under it."""
    actor.require("geography.manage")
    with transaction(actor) as tx:
        node = _node_to_change(actor, tx.session, node_id)
        if not node.is_active:
            return node
        assert node.id is not None
        active = geo_q.count_children(tx.session, node.id, active_only=True)
        if active:
            raise Conflict(f"{node.name} still has {_plural(active, 'active place', 'active places')} "
                           f"under it; deactivate those first.")
        before = snapshot(node)
        node.is_active = False
        tx.audit("geo.deactivate", node, before=before, scope_path=node.path)
        tx.emit(_event("geo.deactivated", node))
    return node


def reactivate_geo_node(actor: Actor, *, node_id: int) -> GeoNode:
    actor.require("geography.manage")
    with transaction(actor) as tx:
        node = _node_to_change(actor, tx.session, node_id)
        if node.is_active:
            return node
        parent = geo_q.node_by_id(tx.session, node.parent_id) if node.parent_id else None
        if parent is not None and not parent.is_active:
            raise Conflict(f"{parent.name}, which holds {node.name}, is inactive; reactivate it first.")
        before = snapshot(node)
        node.is_active = True
        tx.audit("geo.reactivate", node, before=before, scope_path=node.path)
        tx.emit(_event("geo.reactivated", node))
    return node


def delete_geo_node(actor: Actor, *, node_id: int) -> None:
    """Delete a node nothing refers to (a mistake just made); anything in use is deactivated instead."""
    actor.require("geography.manage")
    with transaction(actor) as tx:
        session = tx.session
        node = _node_to_change(actor, session, node_id)
        assert node.id is not None
        uses = [
            _plural(n, one, many) for n, one, many in (
                (geo_q.count_children(session, node.id), "place under it", "places under it"),
                (geo_q.count_scoped_users(session, node.id), "user's scope", "users' scope"),
                (geo_q.count_parties_at(session, node.id), "party", "parties"),
            ) if n
        ]
        if uses:
            raise Conflict(f"{node.name} is used by {', '.join(uses)}; deactivate it instead.")
        tx.audit("geo.delete", entity="geography", entity_id=node.id, before=snapshot(node), after=None,
                 scope_path=node.path)
        tx.emit(_event("geo.deleted", node))
        session.delete(node)
        try:
            session.flush()
        except IntegrityError:  # referenced by a record of another area
            raise Conflict(f"{node.name} is in use; deactivate it instead.") from None


def get_geo_node(actor: Actor, *, node_id: int) -> GeoRow:
    actor.require("masterdata.view")
    with reading() as session:
        node = geo_q.node_by_id(session, node_id)
        if node is None:
            raise NotFound(f"No geography with id {node_id}.")
        actor.ensure_sees(node.path, node.name)
        return GeoRow.of(node)


def geo_tree(actor: Actor, *, include_inactive: bool = True) -> list[GeoRow]:
    """The actor's part of the tree, parents before children, siblings by name (for a tree view)."""
    actor.require("masterdata.view")
    with reading() as session:
        rows = [GeoRow.of(node) for node in geo_q.nodes(session, actor, include_inactive=include_inactive)]
    ids = {row.id for row in rows}
    children: dict[int | None, list[GeoRow]] = {}
    for row in rows:
        children.setdefault(row.parent_id if row.parent_id in ids else None, []).append(row)
    ordered: list[GeoRow] = []
    stack = sorted(children.get(None, []), key=lambda r: (r.name.lower(), r.code), reverse=True)
    while stack:
        row = stack.pop()
        ordered.append(row)
        stack.extend(sorted(children.get(row.id, []), key=lambda r: (r.name.lower(), r.code), reverse=True))
    return ordered


def geo_choices(
    actor: Actor, *, level: GeoLevel | str | None = None, search: str | None = None, limit: int = 200,
) -> list[GeoChoice]:
    """Active places inside the actor's area for a form's picker, by name."""
    actor.require("masterdata.view")
    wanted = GeoLevel(level) if level is not None else None
    with reading() as session:
        found = geo_q.choices(session, actor, level=wanted, search=search, limit=min(limit, 1000))
        return [GeoChoice(id=n.id or 0, code=n.code, name=n.name, level=n.level, path=n.path) for n in found]
