"""Money owed and received: invoices (one per delivered primary or secondary order), customer payments and
their allocations to invoices, and expenses.

Receivables and ageing are derived from these rows, never typed in. An invoice's `paid` is the sum of its
allocations, kept in the same transaction as they are written; its status follows its balance.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import Money, UTCDateTime, enum_type


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Invoice(Timestamped, table=True):
    __tablename__ = "invoice"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, nullable=False)  # INV-000001
    order_id: int = Field(foreign_key="sales_order.id", nullable=False, unique=True)
    customer_id: int = Field(foreign_key="party.id", nullable=False, index=True)
    territory_path: str = Field(max_length=255, nullable=False, index=True)  # the customer's, for scope
    issue_date: date = Field(nullable=False, index=True)
    due_date: date = Field(nullable=False, index=True)
    amount: Decimal = Field(sa_type=Money(), nullable=False)
    paid: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    status: InvoiceStatus = Field(default=InvoiceStatus.OPEN, sa_type=enum_type(InvoiceStatus, length=16),
                                  nullable=False, index=True)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_by: int | None = Field(default=None, foreign_key="app_user.id")
    void_reason: str | None = Field(default=None, max_length=200)

    __table_args__ = (
        sa.Index("ix_invoice_customer_status", "customer_id", "status"),
        # Receivables: what open invoices owe, per customer, read from the index alone.
        sa.Index("ix_invoice_open", "customer_id", "due_date", "amount", "paid",
                 sqlite_where=sa.text("status IN ('open', 'partially_paid')"),
                 postgresql_where=sa.text("status IN ('open', 'partially_paid')")),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("paid >= 0 AND paid <= amount", name="paid_within_amount"),
        sa.CheckConstraint("due_date >= issue_date", name="due_after_issue"),
    )


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    MPESA = "mpesa"
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"

    @property
    def label(self) -> str:
        return {"cash": "Cash", "mpesa": "M-Pesa", "bank_transfer": "Bank transfer", "cheque": "Cheque"}[self.value]


class Payment(Timestamped, table=True):
    """Money received from a customer. `allocated` is the sum of its allocations; the rest is customer credit."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, nullable=False)  # PAY-000001
    customer_id: int = Field(foreign_key="party.id", nullable=False, index=True)
    territory_path: str = Field(max_length=255, nullable=False, index=True)
    received_on: date = Field(nullable=False, index=True)
    amount: Decimal = Field(sa_type=Money(), nullable=False)
    allocated: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    method: PaymentMethod = Field(sa_type=enum_type(PaymentMethod, length=16), nullable=False, index=True)
    reference: str | None = Field(default=None, max_length=40)
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    note: str | None = Field(default=None, max_length=200)

    __table_args__ = (
        # An M-Pesa transaction code is used once.
        sa.Index("uq_payment_mpesa_reference", "reference", unique=True,
                 sqlite_where=sa.text("method = 'mpesa'"), postgresql_where=sa.text("method = 'mpesa'")),
        # A customer's last payment, and the payments still holding credit (receivables, the credit check).
        sa.Index("ix_payment_customer_received", "customer_id", "received_on"),
        sa.Index("ix_payment_unallocated", "customer_id", "amount", "allocated",
                 sqlite_where=sa.text("allocated < amount"), postgresql_where=sa.text("allocated < amount")),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("allocated >= 0 AND allocated <= amount", name="allocated_within_amount"),
    )


class PaymentAllocation(Timestamped, table=True):
    """Part of a payment applied to one invoice."""

    __tablename__ = "payment_allocation"

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", nullable=False, index=True)
    invoice_id: int = Field(foreign_key="invoice.id", nullable=False, index=True)
    amount: Decimal = Field(sa_type=Money(), nullable=False)
    allocated_by: int | None = Field(default=None, foreign_key="app_user.id")

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)


class ExpenseCategory(enum.StrEnum):
    INGREDIENTS = "ingredients"
    FUEL = "fuel"
    WAGES = "wages"
    TRANSPORT = "transport"
    UTILITIES = "utilities"
    MAINTENANCE = "maintenance"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ExpenseStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Expense(Timestamped, table=True):
    __tablename__ = "expense"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True, nullable=False)  # EXP-000001
    category: ExpenseCategory = Field(sa_type=enum_type(ExpenseCategory, length=16), nullable=False, index=True)
    factory_id: int = Field(foreign_key="party.id", nullable=False, index=True)
    territory_path: str = Field(max_length=255, nullable=False, index=True)  # the factory's
    spent_on: date = Field(nullable=False, index=True)
    amount: Decimal = Field(sa_type=Money(), nullable=False)
    description: str = Field(max_length=200, nullable=False)
    status: ExpenseStatus = Field(default=ExpenseStatus.PENDING, sa_type=enum_type(ExpenseStatus, length=12),
                                  nullable=False, index=True)
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, max_length=200)

    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)
