"""All tables, imported here so SQLModel.metadata (and Alembic) sees every one."""
# ruff: noqa: I001  (base must be imported first: it sets the naming convention)

from domain.models.base import Timestamped  # first: sets the naming convention
from domain.models.audit import AuditKind, AuditLog  # isort: skip
from domain.models.counts import CountStatus, StockCount, StockCountLine
from domain.models.finance import (
    Expense,
    ExpenseCategory,
    ExpenseStatus,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from domain.models.geography import GeoLevel, GeoNode
from domain.models.inventory import MoveKind, StockBalance, StockBatch, StockMove
from domain.models.parties import Party, PartyKind
from domain.models.production import ProductionLog, ProductionStatus, RejectReason, Shift
from domain.models.products import Product, ProductKind, RecipeLine
from domain.models.rollups import (
    PaymentsDaily,
    ProductionDaily,
    ReceivablesDue,
    SalesDaily,
    SalesPlaceDaily,
    SalesProductDaily,
)
from domain.models.sales import Order, OrderLine, OrderStatus, OrderStatusChange, OrderTier
from domain.models.sequences import DocumentSequence
from domain.models.users import Permission, Role, RolePermission, User

__all__ = [
    "AuditKind",
    "AuditLog",
    "CountStatus",
    "DocumentSequence",
    "Expense",
    "ExpenseCategory",
    "ExpenseStatus",
    "GeoLevel",
    "GeoNode",
    "Invoice",
    "InvoiceStatus",
    "MoveKind",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OrderStatusChange",
    "OrderTier",
    "Party",
    "PartyKind",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "PaymentsDaily",
    "Permission",
    "Product",
    "ProductKind",
    "ProductionDaily",
    "ProductionLog",
    "ProductionStatus",
    "ReceivablesDue",
    "RecipeLine",
    "RejectReason",
    "Role",
    "RolePermission",
    "SalesDaily",
    "SalesPlaceDaily",
    "SalesProductDaily",
    "Shift",
    "StockBalance",
    "StockBatch",
    "StockCount",
    "StockCountLine",
    "StockMove",
    "Timestamped",
    "User",
]
