"""Who may do what, and where: permission codes, default roles, the Actor and geographic scope."""

from dataclasses import dataclass, field

from domain.errors import PermissionDenied

# Every permission in the product, by area. Roles hold sets of these codes (editable by an admin).
PERMISSIONS: dict[str, str] = {
    # dashboard and reports
    "dashboard.view": "See the executive dashboard (within one's scope)",
    "reports.view": "See reports such as the P&L",
    "exports.run": "Export tables to CSV, XLSX and PDF",
    # production
    "production.view": "See production logs",
    "production.post": "Post production logs",
    "production.reverse": "Reverse a posted production log",
    # stock
    "stock.view": "See stock levels and the stock ledger",
    "stock.receive": "Receive raw materials and packaging from suppliers",
    "stock.transfer": "Transfer stock between locations",
    "stock.adjust": "Adjust stock with a reason",
    "stock.count": "Enter and post stock counts",
    "stock.writeoff": "Write off expired or damaged stock",
    # orders, per tier
    "orders.view": "See orders",
    "orders.primary.create": "Enter primary orders (factory to distributor)",
    "orders.secondary.create": "Enter secondary orders (distributor to retailer)",
    "orders.tertiary.create": "Record tertiary sales (retailer to consumer)",
    "orders.confirm": "Confirm orders",
    "orders.dispatch": "Dispatch orders",
    "orders.deliver": "Record deliveries",
    "orders.cancel": "Cancel orders before dispatch",
    "orders.price_override": "Override a tier price on an order line",
    # finance
    "finance.view": "See invoices, payments, receivables and expenses",
    "invoices.void": "Void an invoice",
    "payments.record": "Record customer payments",
    "payments.allocate": "Allocate payments to invoices",
    "expenses.record": "Record expenses",
    "expenses.approve": "Approve expenses",
    "credit.override": "Confirm an order beyond the customer's credit limit",
    # master data
    "masterdata.view": "See geography, products and parties",
    "geography.manage": "Add, rename, move and deactivate geography",
    "products.manage": "Manage products, prices and recipes",
    "parties.manage": "Manage factories, distributors and retailers",
    # people and system
    "users.manage": "Create, deactivate and reset users",
    "roles.manage": "Edit what each role may do",
    "audit.view": "See the audit trail",
    "audit.verify": "Verify the audit trail's integrity",
    "backups.run": "Take and download database backups",
    "system.check": "Run integrity checks",
}

_READ_ALL = {
    "dashboard.view", "reports.view", "production.view", "stock.view", "orders.view",
    "finance.view", "masterdata.view", "exports.run",
}

DEFAULT_ROLES: dict[str, tuple[str, frozenset[str]]] = {
    "admin": ("Administrator", frozenset(PERMISSIONS)),
    "executive": ("Executive", frozenset(_READ_ALL)),
    "finance": ("Finance", frozenset({
        "dashboard.view", "reports.view", "exports.run", "orders.view", "orders.primary.create",
        "orders.confirm", "finance.view", "invoices.void", "payments.record", "payments.allocate",
        "expenses.record", "expenses.approve", "credit.override", "masterdata.view", "parties.manage",
    })),
    "production_manager": ("Production manager", frozenset({
        "dashboard.view", "exports.run", "production.view", "production.post", "production.reverse",
        "stock.view", "stock.receive", "stock.transfer", "stock.adjust", "stock.count",
        "masterdata.view", "products.manage",
    })),
    "storekeeper": ("Storekeeper", frozenset({
        "exports.run", "production.view", "stock.view", "stock.receive", "stock.transfer",
        "stock.adjust", "stock.count", "stock.writeoff", "orders.view", "orders.dispatch",
        "orders.deliver", "masterdata.view",
    })),
    "regional_sales": ("Regional sales", frozenset({
        "dashboard.view", "exports.run", "stock.view", "orders.view", "orders.secondary.create",
        "orders.tertiary.create", "orders.confirm", "orders.cancel", "masterdata.view",
    })),
    "auditor": ("Auditor", frozenset(_READ_ALL | {"audit.view", "audit.verify", "system.check"})),
}


@dataclass(frozen=True)
class Actor:
    """The person (or system job) a service acts for, as read from the database on this request."""

    user_id: int | None
    username: str
    full_name: str
    role: str
    role_name: str
    permissions: frozenset[str] = field(default_factory=frozenset)
    scope_path: str | None = None  # a GeoNode path such as "/1/4/"; None is company-wide
    scope_name: str | None = None
    must_change_password: bool = False

    def can(self, code: str) -> bool:
        return code in self.permissions

    def require(self, code: str) -> None:
        if code not in PERMISSIONS:
            raise KeyError(f"unknown permission {code!r}")
        if code not in self.permissions:
            raise PermissionDenied(f"Your role ({self.role_name}) may not {PERMISSIONS[code].lower()}.")

    @property
    def company_wide(self) -> bool:
        return self.scope_path is None

    def sees(self, path: str | None) -> bool:
        """Is a record at geography `path` inside this actor's scope? Records without a place are head office's."""
        if self.scope_path is None:
            return True
        return path is not None and path.startswith(self.scope_path)

    def ensure_sees(self, path: str | None, what: str = "This record") -> None:
        if not self.sees(path):
            raise PermissionDenied(f"{what} is outside your area ({self.scope_name}).")


SYSTEM = Actor(
    user_id=None, username="system", full_name="System", role="system", role_name="System",
    permissions=frozenset(PERMISSIONS),
)
