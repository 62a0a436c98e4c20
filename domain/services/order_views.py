"""Reading orders: the list for the shared data table and one order in full — names not ids, its lines, its status
history, its invoice, and which steps of its lifecycle the reader may take now.

Scope follows the lifecycle (domain.services.orders): an order is inside an actor's area when its territory or its
seller's place is; which steps a reader may take is the lifecycle's own answer (`actions_for`). The changes
themselves (confirm, dispatch, deliver, cancel) live in domain.services.orders.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.access import Actor
from domain.db import reading
from domain.errors import NotFound, PermissionDenied
from domain.models import InvoiceStatus, OrderStatus, OrderTier
from domain.queries import order_views as views_q
from domain.queries import orders as orders_q
from domain.services.orders import actions_for
from domain.tables import Column, TableSource

CONSUMERS = views_q.CONSUMERS

# The columns a phone shows first come first: which order, when, for whom, how much, where it stands.
ORDER_COLUMNS = [
    Column("number", "Number", "text", filter="text"),
    Column("order_date", "Date", "date", filter="date_range"),
    Column("customer", "Customer", "text", filter="text"),
    Column("total", "Total", "money", summable=True),
    Column("status", "Status", "choice", filter="choice", choices=[s.value for s in OrderStatus]),
    Column("tier", "Tier", "choice", filter="choice", choices=[t.value for t in OrderTier]),
    Column("seller", "Seller", "text", filter="text"),
    Column("territory", "Territory", "text"),
    Column("region", "Region", "text", filter="text"),
    Column("lines", "Lines", "int"),
]


def orders_table(actor: Actor) -> TableSource:
    """Every order inside the actor's area (by its territory or its seller's place) as a filterable, exportable
    list, newest first. Totals add up the filtered orders, cancelled ones too: filter Status for what was sold."""
    actor.require("orders.view")
    return TableSource(
        name="orders", title="Orders", columns=ORDER_COLUMNS, build=views_q.table_select,
        permission="orders.view", row_key="id", default_sort="order_date", default_descending=True)


@dataclass(frozen=True)
class OrderLineView:
    line_no: int
    product: str
    sku: str
    unit: str
    qty: Decimal
    list_price: Decimal
    unit_price: Decimal
    amount: Decimal

    @property
    def overridden(self) -> bool:
        """Sold at another price than the tier's (needs orders.price_override, audited)."""
        return self.unit_price != self.list_price


@dataclass(frozen=True)
class StatusStep:
    status: OrderStatus
    at: datetime
    by: str  # full name; "System" for a job without a user
    note: str | None


@dataclass(frozen=True)
class InvoiceView:
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    paid: Decimal
    status: InvoiceStatus

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


@dataclass(frozen=True)
class OrderDetail:
    """One order as its reader sees it. `actions` are the steps this reader may take now (status, permission, tier
    and area all allow them), in lifecycle order; the services check again when one is taken."""

    id: int
    number: str
    tier: OrderTier
    status: OrderStatus
    order_date: date
    seller: str
    seller_code: str
    customer: str  # "Consumers" for a tertiary sale
    customer_code: str | None
    territory: str | None
    region: str | None
    created_by: str | None
    created_at: datetime
    note: str | None
    total: Decimal
    cancel_reason: str | None
    credit_override_by: str | None
    lines: tuple[OrderLineView, ...]
    history: tuple[StatusStep, ...]
    invoice: InvoiceView | None
    actions: tuple[str, ...]
    can_override_credit: bool

    def may(self, action: str) -> bool:
        return action in self.actions


def get_order(actor: Actor, *, number: str) -> OrderDetail:
    """The order `number` (PO-/SO-/TO-…, any case). Unknown → NotFound; outside the actor's area → PermissionDenied."""
    actor.require("orders.view")
    wanted = " ".join(str(number or "").split()).upper()
    with reading() as session:
        found = views_q.order_with_names(session, wanted) if 0 < len(wanted) <= 20 else None
        if found is None:
            raise NotFound(f"There is no order {wanted[:40] or 'without a number'}.")
        order, seller, buyer, territory, region, creator, overrider = found
        if not (actor.sees(order.territory_path) or actor.sees(seller.territory_path)):
            raise PermissionDenied(f"{order.number} is outside your area ({actor.scope_name}).")
        assert order.id is not None
        lines = tuple(
            OrderLineView(line.line_no, product.name, product.sku, product.unit, line.qty, line.list_price,
                          line.unit_price, line.amount)
            for line, product in views_q.lines_with_products(session, order.id))
        history = tuple(StatusStep(change.status, change.created_at, name or "System", change.note)
                        for change, name in views_q.history_with_names(session, order.id))
        invoice = orders_q.invoice_of(session, order.id)
        actions = tuple(actions_for(actor, order, seller_path=seller.territory_path))
    return OrderDetail(
        id=order.id, number=order.number, tier=order.tier, status=order.status, order_date=order.order_date,
        seller=seller.name, seller_code=seller.code, customer=buyer.name if buyer else CONSUMERS,
        customer_code=buyer.code if buyer else None, territory=territory, region=region,
        created_by=creator, created_at=order.created_at, note=order.note, total=order.total,
        cancel_reason=order.cancel_reason, credit_override_by=overrider, lines=lines, history=history,
        invoice=InvoiceView(invoice.number, invoice.issue_date, invoice.due_date, invoice.amount, invoice.paid,
                            invoice.status) if invoice else None,
        actions=actions, can_override_credit="confirm" in actions and actor.can("credit.override"))
