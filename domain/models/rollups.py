"""Daily rollups for the dashboard: written in the same transaction as the documents they summarise, so KPIs and
charts read a few thousand summary rows instead of scanning millions of order lines. `chesanto check` compares
them with the documents; `chesanto rollups rebuild` recomputes them from the documents.

Each row is keyed by its dimensions and holds signed sums: a cancellation or reversal subtracts what was added.
"""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

import domain.models.base  # noqa: F401  (naming convention before any table)
from domain.models.sales import OrderTier
from domain.types import Money, Quantity, enum_type


class SalesDaily(SQLModel, table=True):
    """Per day × territory × product × tier: what was ordered (on the order date; cancelled orders taken back out)
    and what was delivered (on the delivery date; tertiary sales on their order date). Cost of goods is
    delivered quantity × the product's standard cost, applied when read."""

    __tablename__ = "rollup_sales_daily"

    day: date = Field(primary_key=True)
    territory_path: str = Field(primary_key=True, max_length=255)
    product_id: int = Field(primary_key=True, foreign_key="product.id")
    tier: OrderTier = Field(primary_key=True, sa_type=enum_type(OrderTier, length=12))
    orders: int = Field(default=0, nullable=False)  # order lines of this product ordered that day
    ordered_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    ordered_amount: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    delivered_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    delivered_amount: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)

    __table_args__ = (sa.Index("ix_rollup_sales_daily_path_day", "territory_path", "day"),)


class ProductionDaily(SQLModel, table=True):
    """Per day × factory × product: posted production (reversals subtract)."""

    __tablename__ = "rollup_production_daily"

    day: date = Field(primary_key=True)
    factory_id: int = Field(primary_key=True, foreign_key="party.id")
    product_id: int = Field(primary_key=True, foreign_key="product.id")
    territory_path: str = Field(max_length=255, nullable=False, index=True)
    logs: int = Field(default=0, nullable=False)
    planned_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    good_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    rejected_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    waste_cost: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)


class PaymentsDaily(SQLModel, table=True):
    """Per day × territory × method: money received."""

    __tablename__ = "rollup_payments_daily"

    day: date = Field(primary_key=True)
    territory_path: str = Field(primary_key=True, max_length=255)
    method: str = Field(primary_key=True, max_length=16)
    payments: int = Field(default=0, nullable=False)
    amount: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)


class SalesPlaceDaily(SQLModel, table=True):
    """`rollup_sales_daily` without the product: per day × territory × tier, what the dashboard's totals, trends and
    places read (ten to thirty times fewer rows). Stored in primary-key order on SQLite (WITHOUT ROWID), so a range
    of days is one sequential read."""

    __tablename__ = "rollup_sales_place_daily"

    day: date = Field(primary_key=True)
    territory_path: str = Field(primary_key=True, max_length=255)
    tier: OrderTier = Field(primary_key=True, sa_type=enum_type(OrderTier, length=12))
    orders: int = Field(default=0, nullable=False)  # orders (not lines) placed that day, cancelled ones taken out
    ordered_amount: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    delivered_amount: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)

    __table_args__ = (sa.Index("ix_rollup_sales_place_daily_path_day", "territory_path", "day"),
                      {"sqlite_with_rowid": False})


class SalesProductDaily(SQLModel, table=True):
    """`rollup_sales_daily` without the place: per day × product × tier, for the company's top products."""

    __tablename__ = "rollup_sales_product_daily"

    day: date = Field(primary_key=True)
    product_id: int = Field(primary_key=True, foreign_key="product.id")
    tier: OrderTier = Field(primary_key=True, sa_type=enum_type(OrderTier, length=12))
    delivered_qty: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    delivered_amount: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)

    __table_args__ = ({"sqlite_with_rowid": False},)


class ReceivablesDue(SQLModel, table=True):
    """Per due date × territory: what customers there still owe on invoices due that day (unvoided invoices'
    amount − paid). Outstanding, overdue and the ageing buckets at any date are sums over ranges of due dates."""

    __tablename__ = "rollup_receivables_due"

    due_date: date = Field(primary_key=True)
    territory_path: str = Field(primary_key=True, max_length=255)
    balance: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)

    __table_args__ = (
        # The rows still owed (paid-up due dates stay in the table at zero).
        sa.Index("ix_rollup_receivables_due_owing", "territory_path", "due_date", "balance",
                 sqlite_where=sa.text("balance <> 0"), postgresql_where=sa.text("balance <> 0")),
        {"sqlite_with_rowid": False},
    )
