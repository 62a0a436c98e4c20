"""SQL for expenses: the row to decide on, and the scoped list with factory, region and people by name."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from domain.access import Actor
from domain.models import GeoLevel, GeoNode, Party, User
from domain.models.finance import Expense
from domain.queries.scope import within

Region = aliased(GeoNode, name="region")
Recorder = aliased(User, name="recorder")
Decider = aliased(User, name="decider")


def by_id(session: Session, expense_id: int, *, for_update: bool = False) -> Expense | None:
    query = select(Expense).where(Expense.id == expense_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def table_select(actor: Actor) -> sa.Select[Any]:
    in_region = sa.and_(Region.level == GeoLevel.REGION, col(Expense.territory_path).startswith(col(Region.path)))
    return (
        select(
            col(Expense.id).label("id"),
            col(Expense.number).label("number"),
            col(Expense.spent_on).label("spent_on"),
            col(Expense.category).label("category"),
            col(Party.name).label("factory"),
            col(Region.name).label("region"),
            col(Expense.description).label("description"),
            col(Expense.amount).label("amount"),
            col(Expense.status).label("status"),
            col(Recorder.full_name).label("recorded_by"),
            col(Decider.full_name).label("decided_by"),
        )
        .select_from(Expense)
        .join(Party, col(Party.id) == col(Expense.factory_id))
        .outerjoin(Region, in_region)
        .outerjoin(Recorder, col(Recorder.id) == col(Expense.recorded_by))
        .outerjoin(Decider, col(Decider.id) == col(Expense.decided_by))
        .where(within(col(Expense.territory_path), actor))
    )
