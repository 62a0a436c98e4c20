"""Stock counts: a storekeeper counts what is on the shelves; posting writes the differences to the ledger.

A count starts as a draft with one line per product to count (counted quantities blank). Posting compares each
counted quantity with the ledger balance *at posting*, writes the difference as a COUNT move and keeps the
system quantity, variance and unit cost on the line. A posted or cancelled count never changes again.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import Money, Quantity, UTCDateTime, enum_type


class CountStatus(enum.StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    CANCELLED = "cancelled"


class StockCount(Timestamped, table=True):
    """One count of one location on one business date (number SC-000001)."""

    __tablename__ = "stock_count"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, nullable=False)
    location_id: int = Field(foreign_key="party.id", nullable=False, index=True)
    territory_path: str = Field(max_length=255, nullable=False, index=True)  # the location's, for scope
    business_date: date = Field(nullable=False, index=True)
    status: CountStatus = Field(default=CountStatus.DRAFT, sa_type=enum_type(CountStatus), nullable=False,
                                index=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    posted_by: int | None = Field(default=None, foreign_key="app_user.id")
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    variance_value: Decimal | None = Field(default=None, sa_type=Money())  # at standard cost, set when posted
    note: str | None = Field(default=None, max_length=200)


class StockCountLine(Timestamped, table=True):
    """One product of a count: what was counted and, once posted, what the ledger held and the difference."""

    __tablename__ = "stock_count_line"

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="stock_count.id", nullable=False)  # indexed by the unique constraint
    product_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    system_qty: Decimal | None = Field(default=None, sa_type=Quantity())  # the balance when the count was posted
    counted_qty: Decimal | None = Field(default=None, sa_type=Quantity())  # blank until counted
    variance: Decimal | None = Field(default=None, sa_type=Quantity())  # counted - system, when posted
    unit_cost: Decimal | None = Field(default=None, sa_type=Money())  # standard cost when posted

    __table_args__ = (
        sa.UniqueConstraint("count_id", "product_id"),
        sa.CheckConstraint("counted_qty >= 0", name="counted_not_negative"),
    )
