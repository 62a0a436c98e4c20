"""The stock ledger: append-only moves, the balances they add up to, and perishable batches.

Invariants (checked by `chesanto check` and by tests): for every location × product the balance equals the
sum of its moves and is never negative; for batch-tracked products the batches add up to the balance.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import domain.models.base  # noqa: F401  (naming convention before any table)
from domain.types import Money, Quantity, UTCDateTime, enum_type, utcnow


class MoveKind(enum.StrEnum):
    PRODUCTION = "production"  # finished goods into a factory
    CONSUMPTION = "consumption"  # materials and packaging used by production
    WASTE = "waste"  # production rejects, expired or damaged stock written off
    RECEIPT = "receipt"  # goods received from a supplier
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    COUNT = "count"  # the variance a stock count posts
    DISPATCH = "dispatch"  # an order leaves the seller
    DELIVERY = "delivery"  # an order arrives at the buyer
    SALE = "sale"  # tertiary sell-out at a retailer
    REVERSAL = "reversal"  # undoes the moves of a reversed document

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class StockMove(SQLModel, table=True):
    """One appended row per movement; never updated or deleted. Corrections are new moves."""

    __tablename__ = "stock_move"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    business_date: date = Field(nullable=False, index=True)
    location_id: int = Field(foreign_key="party.id", nullable=False)
    product_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    batch_id: int | None = Field(default=None, foreign_key="stock_batch.id", index=True)
    qty: Decimal = Field(sa_type=Quantity(), nullable=False)  # signed: + in, - out
    balance_after: Decimal = Field(sa_type=Quantity(), nullable=False)
    kind: MoveKind = Field(sa_type=enum_type(MoveKind), nullable=False, index=True)
    document: str = Field(max_length=40, nullable=False, index=True)  # e.g. PL-000042, TR-000007
    unit_cost: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str | None = Field(default=None, max_length=200)

    __table_args__ = (
        sa.Index("ix_stock_move_location_product", "location_id", "product_id", "id"),
        sa.CheckConstraint("qty <> 0", name="qty_not_zero"),
    )


class StockBalance(SQLModel, table=True):
    """What a location holds of a product now; changed only together with a move, by a guarded update."""

    __tablename__ = "stock_balance"

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="party.id", nullable=False)
    product_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("location_id", "product_id", name="uq_stock_balance_location_product"),
        sa.CheckConstraint("qty >= 0", name="qty_not_negative"),
        # The positions holding stock (stock value; most balances at shops are back to zero).
        sa.Index("ix_stock_balance_held", "location_id", "product_id", "qty", sqlite_where=sa.text("qty > 0"),
                 postgresql_where=sa.text("qty > 0")),
    )


class StockBatch(SQLModel, table=True):
    """Perishable stock by production batch at a location: what is left of it and when it expires."""

    __tablename__ = "stock_batch"

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="party.id", nullable=False)
    product_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    batch_no: str = Field(max_length=40, nullable=False)
    produced_on: date = Field(nullable=False)
    expires_on: date | None = Field(default=None, index=True)
    qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("location_id", "product_id", "batch_no", name="uq_stock_batch_location_product_batch"),
        sa.CheckConstraint("qty >= 0", name="qty_not_negative"),
        # Batches still holding stock, by expiry (stock nearing expiry; emptied batches are most of the table).
        sa.Index("ix_stock_batch_held_expiry", "expires_on", sqlite_where=sa.text("qty > 0"),
                 postgresql_where=sa.text("qty > 0")),
    )
