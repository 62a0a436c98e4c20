"""SQL for parties: lookups, reference counts, scoped listings and pickers, territory path rewrites."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from domain.access import Actor
from domain.models import GeoLevel, GeoNode, Party, PartyKind
from domain.queries.scope import within

Distributor = aliased(Party, name="distributor")
Region = aliased(GeoNode, name="region")


def party_by_id(session: Session, party_id: int, *, for_update: bool = False) -> Party | None:
    query = select(Party).where(Party.id == party_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def party_by_code(session: Session, code: str, *, for_share: bool = False) -> Party | None:
    """Case-insensitive. `for_share` keeps the party from changing until this transaction ends."""
    query = select(Party).where(func.upper(Party.code) == code.strip().upper())
    if for_share:
        query = query.with_for_update(read=True)
    return session.exec(query).first()


def code_taken(session: Session, code: str, *, excluding_id: int | None = None) -> bool:
    query = select(Party.id).where(func.upper(Party.code) == code.strip().upper())
    if excluding_id is not None:
        query = query.where(Party.id != excluding_id)
    return session.exec(query).first() is not None


def count_retailers_of(session: Session, distributor_id: int, *, active_only: bool = False) -> int:
    query = select(func.count()).select_from(Party).where(Party.parent_distributor_id == distributor_id)
    if active_only:
        query = query.where(col(Party.is_active).is_(True))
    return int(session.exec(query).one())


def _matching(search: str | None) -> sa.ColumnElement[bool]:
    """Name or code contains the search text, ignoring case (no search: everything)."""
    if not search or not search.strip():
        return sa.true()
    term = search.strip().lower()
    return or_(
        func.lower(Party.name).contains(term, autoescape=True),
        func.lower(Party.code).contains(term, autoescape=True),
    )


def listing(
    session: Session, actor: Actor, *, kind: PartyKind | None, search: str | None, include_inactive: bool,
    limit: int, offset: int,
) -> list[tuple[Party, GeoNode, Party | None]]:
    """Parties inside the actor's area with their territory and supplying distributor, by name."""
    query = (
        select(Party, GeoNode, Distributor)
        .join(GeoNode, col(GeoNode.id) == col(Party.territory_id))
        .outerjoin(Distributor, Distributor.id == col(Party.parent_distributor_id))
        .where(within(col(Party.territory_path), actor))
    )
    if kind is not None:
        query = query.where(Party.kind == kind)
    if not include_inactive:
        query = query.where(col(Party.is_active).is_(True))
    query = query.where(_matching(search)).order_by(func.lower(Party.name), col(Party.code))
    rows = session.exec(query.limit(limit).offset(offset))
    return [(party, node, distributor) for party, node, distributor in rows]


def choices(
    session: Session, actor: Actor, *, kind: PartyKind | None, search: str | None, limit: int,
) -> list[Party]:
    """Active parties inside the actor's area matching a name/code search, by name."""
    query = select(Party).where(within(col(Party.territory_path), actor), col(Party.is_active).is_(True))
    if kind is not None:
        query = query.where(Party.kind == kind)
    query = query.where(_matching(search))
    return list(session.exec(query.order_by(func.lower(Party.name), col(Party.code)).limit(limit)))


def table_select(actor: Actor) -> sa.Select[Any]:
    """Every party inside the actor's area (inactive ones too) for the shared list: its territory, the region that
    holds it (none when the party sits above region level) and its supplying distributor, all by name."""
    in_region = sa.and_(
        Region.level == GeoLevel.REGION,
        col(Party.territory_path).startswith(col(Region.path)),  # paths hold only digits and '/': no escaping
    )
    return (
        select(
            col(Party.id).label("id"),
            col(Party.code).label("code"),
            col(Party.name).label("name"),
            col(Party.kind).label("kind"),
            col(GeoNode.name).label("territory"),
            col(Region.name).label("region"),
            col(Distributor.name).label("distributor"),
            col(Party.phone).label("phone"),
            col(Party.email).label("email"),
            col(Party.credit_limit).label("credit_limit"),
            col(Party.payment_terms_days).label("payment_terms_days"),
            col(Party.is_active).label("is_active"),
        )
        .select_from(Party)
        .join(GeoNode, col(GeoNode.id) == col(Party.territory_id))
        .outerjoin(Region, in_region)
        .outerjoin(Distributor, col(Distributor.id) == col(Party.parent_distributor_id))
        .where(within(col(Party.territory_path), actor))
    )
