"""Audit rows for the data table tests, written through real services and transactions, and a test-only source
over them with money, quantity and integer columns (the audit trail itself has nothing to sum)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, type_coerce, update
from sqlmodel import col

from domain import db as domain_db
from domain.access import Actor
from domain.db import transaction
from domain.models import AuditKind, AuditLog, GeoNode
from domain.queries import scope
from domain.services import tables
from domain.tables import Column, TableQuery, TableSource
from domain.types import Money, Quantity
from tests.factories import Factories

ACTIONS = ["order.confirm", "stock.adjust", "user.login", "payment.record", "Order.Cancel"]
FIRST_AT = datetime(2026, 11, 1, 20, 30, tzinfo=UTC)  # 23:30 on 1 Nov in Nairobi
STEP = timedelta(hours=5)


@dataclass
class AuditData:
    admin: Actor
    rift_auditor: Actor
    geo: dict[str, GeoNode]
    total: int


def make_audit_rows(factories: Factories, *, extra: int = 60) -> AuditData:
    """About 60 audit rows over three places and head office, spread 5 hours apart from FIRST_AT."""
    geo = factories.geography()
    admin = factories.actor("admin", username="ada")
    rift_auditor = factories.actor("auditor", username="rita", scope_code="RFT")
    places = [geo["rift"].path, geo["nakuru_town"].path, geo["westlands"].path, None]
    kinds = list(AuditKind)
    for i in range(extra):
        actor = admin if i % 3 else rift_auditor
        with transaction(actor, source_ip=f"10.0.0.{i % 7}") as tx:
            tx.audit(ACTIONS[i % len(ACTIONS)], entity="order" if i % 2 else "stock_move", entity_id=f"D-{i:03d}",
                     after={"n": i}, kind=kinds[i % len(kinds)], scope_path=places[i % len(places)])
    engine = domain_db.get_engine()
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(select(AuditLog.id).order_by(col(AuditLog.id)))]
        for index, row_id in enumerate(ids):
            conn.execute(update(AuditLog).where(col(AuditLog.id) == row_id)
                         .values(at=FIRST_AT + index * STEP))
    return AuditData(admin=admin, rift_auditor=rift_auditor, geo=geo, total=len(ids))


def _money_select(actor: Actor) -> Select[Any]:
    return (
        select(
            col(AuditLog.id).label("row_id"),
            col(AuditLog.at).label("at"),
            col(AuditLog.action).label("action"),
            col(AuditLog.kind).label("kind"),
            # row id x KES 1.25 (FixedPoint keeps cents), row id thousandths of a unit, the action's length
            type_coerce(col(AuditLog.id) * 125, Money()).label("amount"),
            type_coerce(col(AuditLog.id), Quantity()).label("qty"),
            func.length(col(AuditLog.action)).label("letters"),
        )
        .where(scope.within(col(AuditLog.scope_path), actor))
    )


def money_source() -> TableSource:
    return TableSource(
        name="audit-amounts", title="Audit amounts", build=_money_select, permission="audit.view", row_key="row_id",
        default_sort="at", default_descending=True,
        columns=[
            Column("at", "When", "datetime", filter="date_range"),
            Column("action", "Action", "text", filter="text"),
            Column("kind", "Kind", "choice", filter="choice", choices=[k.value for k in AuditKind]),
            Column("amount", "Amount", "money", filter="range", summable=True),
            Column("qty", "Quantity", "quantity", summable=True),
            Column("letters", "Letters", "int", summable=True),
        ],
    )


def all_pages(actor: Actor, source: TableSource, query: TableQuery, page_size: int = 7) -> list[dict[str, Any]]:
    """Every row the query selects, read page by page through the service."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        got = tables.fetch_page(actor, source, TableQuery(filters=query.filters, sort=query.sort,
                                                          descending=query.descending, page=page,
                                                          page_size=page_size))
        rows.extend(got.rows)
        if page * page_size >= got.total_rows:
            return rows
        page += 1
