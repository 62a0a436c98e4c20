"""Orders in three tiers, one table: primary (factory → distributor), secondary (distributor → retailer) and
tertiary (a retailer's sell-out to consumers, recorded after the fact).

An order moves draft → confirmed → dispatched → delivered, or is cancelled before dispatch. A tertiary order is
recorded as delivered at once (the sale happened): its stock leaves the retailer when it is recorded.

`territory_path` is where the order counts for scope and reporting: the buyer's place for primary and secondary
orders, the retailer's for tertiary ones. The geography service rewrites it when the place moves.
`client_reference` is made by the order form once per order being entered, so a double tap, a retry or a reload
submits the same order again instead of a second one.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import Money, Quantity, UTCDateTime, enum_type


class OrderTier(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def prefix(self) -> str:
        return {"primary": "PO", "secondary": "SO", "tertiary": "TO"}[self.value]

    @property
    def permission(self) -> str:
        return f"orders.{self.value}.create"

    @property
    def price_field(self) -> str:
        """The product price this tier sells at."""
        return {"primary": "price_distributor", "secondary": "price_retailer", "tertiary": "price_retail"}[self.value]

    @property
    def description(self) -> str:
        return {"primary": "Factory to distributor", "secondary": "Distributor to retailer",
                "tertiary": "Retailer to consumer (sell-out)"}[self.value]


class OrderStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DISPATCHED = "dispatched"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Order(Timestamped, table=True):
    __tablename__ = "sales_order"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, nullable=False)  # PO-000001, SO-…, TO-…
    tier: OrderTier = Field(sa_type=enum_type(OrderTier, length=12), nullable=False, index=True)
    status: OrderStatus = Field(default=OrderStatus.DRAFT, sa_type=enum_type(OrderStatus, length=12),
                                nullable=False, index=True)
    seller_id: int = Field(foreign_key="party.id", nullable=False, index=True)
    buyer_id: int | None = Field(default=None, foreign_key="party.id", index=True)  # None: consumers (tertiary)
    territory_path: str = Field(max_length=255, nullable=False, index=True)
    order_date: date = Field(nullable=False, index=True)
    total: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    client_reference: str = Field(max_length=64, unique=True, nullable=False)
    note: str | None = Field(default=None, max_length=200)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    credit_override_by: int | None = Field(default=None, foreign_key="app_user.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dispatched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_on: date | None = Field(default=None, index=True)  # the business date of delivery (tertiary: sale)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, max_length=200)

    __table_args__ = (
        sa.Index("ix_sales_order_tier_date", "tier", "order_date"),
        # Open orders (confirmed or dispatched, not yet invoiced) per buyer: receivables and the credit check.
        sa.Index("ix_sales_order_open", "buyer_id", "total",
                 sqlite_where=sa.text("status IN ('confirmed', 'dispatched')"),
                 postgresql_where=sa.text("status IN ('confirmed', 'dispatched')")),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
        sa.CheckConstraint("tier = 'tertiary' OR buyer_id IS NOT NULL", name="buyer_given"),
    )


class OrderLine(Timestamped, table=True):
    """One product of an order. `list_price` is the tier's price when entered; `unit_price` differs from it only
    by an override, which needs the `orders.price_override` permission."""

    __tablename__ = "sales_order_line"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", nullable=False)  # indexed by the unique constraint
    line_no: int = Field(nullable=False)
    product_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    qty: Decimal = Field(sa_type=Quantity(), nullable=False)
    list_price: Decimal = Field(sa_type=Money(), nullable=False)
    unit_price: Decimal = Field(sa_type=Money(), nullable=False)
    amount: Decimal = Field(sa_type=Money(), nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("order_id", "line_no"),
        sa.CheckConstraint("qty > 0", name="qty_positive"),
        sa.CheckConstraint("unit_price >= 0 AND list_price >= 0 AND amount >= 0", name="money_not_negative"),
    )


class OrderStatusChange(Timestamped, table=True):
    """The order's history: one row per status it entered, who moved it and why."""

    __tablename__ = "sales_order_status"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", nullable=False, index=True)
    status: OrderStatus = Field(sa_type=enum_type(OrderStatus, length=12), nullable=False)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    note: str | None = Field(default=None, max_length=200)
