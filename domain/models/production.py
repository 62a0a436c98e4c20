"""Production logs: what a factory made on one shift of one business day, batch by batch.

Posting a log moves stock in the same transaction (finished goods into the factory, materials and packaging out
per recipe for good + rejected units). A posted log is never edited: it is reversed (its moves undone, its
status `reversed`) and a corrected log is posted, which may point back at the one it corrects (`corrects_id`).

Rejected units never entered stock, so they have no stock move: their cost — the recipe's material cost at the
materials' standard cost — is kept on the log as `waste_cost`.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import Money, Quantity, UTCDateTime, enum_type


class Shift(enum.StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    NIGHT = "night"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RejectReason(enum.StrEnum):
    BURNT = "burnt"
    MISSHAPEN = "misshapen"
    UNDERWEIGHT = "underweight"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ProductionStatus(enum.StrEnum):
    POSTED = "posted"
    REVERSED = "reversed"


class ProductionLog(Timestamped, table=True):
    """One batch of one finished good made at a factory on a shift. A batch number is used by one posted log
    per factory and product (a reversed log frees it for the corrected one)."""

    __tablename__ = "production_log"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, nullable=False)  # PL-000001
    factory_id: int = Field(foreign_key="party.id", nullable=False)  # indexed by ix_production_log_factory_date
    business_date: date = Field(nullable=False, index=True)
    shift: Shift = Field(sa_type=enum_type(Shift, length=12), nullable=False)
    product_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    batch_no: str = Field(max_length=40, nullable=False)
    planned_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    good_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    rejected_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    reject_reason: RejectReason | None = Field(default=None, sa_type=enum_type(RejectReason, length=12))
    waste_cost: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    status: ProductionStatus = Field(
        default=ProductionStatus.POSTED, sa_type=enum_type(ProductionStatus, length=12), nullable=False, index=True)
    corrects_id: int | None = Field(default=None, foreign_key="production_log.id")  # the reversed log it replaces
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    territory_path: str = Field(max_length=255, nullable=False, index=True)  # the factory's, for scope
    note: str | None = Field(default=None, max_length=200)
    reversed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reversed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reversal_reason: str | None = Field(default=None, max_length=200)

    __table_args__ = (
        sa.Index("ix_production_log_factory_date", "factory_id", "business_date"),
        # One posted log per factory, product and batch number; reversed logs keep theirs for the record.
        sa.Index("uq_production_log_posted_batch", "factory_id", "product_id", "batch_no", unique=True,
                 sqlite_where=sa.text("status = 'posted'"), postgresql_where=sa.text("status = 'posted'")),
        sa.CheckConstraint("planned_qty >= 0 AND good_qty >= 0 AND rejected_qty >= 0", name="qty_not_negative"),
        sa.CheckConstraint("good_qty + rejected_qty > 0", name="something_made"),
        sa.CheckConstraint("rejected_qty = 0 OR reject_reason IS NOT NULL", name="reject_reason_given"),
        sa.CheckConstraint("waste_cost >= 0", name="waste_cost_not_negative"),
    )
