"""`chesanto demo --simulate`: the demo company keeps working while you watch — every few seconds one realistic
thing happens through the services: a factory posts a batch, a distributor or retailer orders and the order moves
along (confirm, dispatch, deliver), a retailer records its sell-out, a customer pays, finance records an expense.

Each step acts as a demo login with the right role, so the audit trail, the events and the live dashboard see
exactly what a real user's action would produce. Refusals (not enough stock, over the credit limit) are part of
business: they are logged and the simulator moves on. Never in production.
"""

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from random import Random

from sqlalchemy import func, select
from sqlmodel import col

from domain.config import get_settings
from domain.db import reading
from domain.demo.reads import balances, demo_actor
from domain.demo.users import refuse_in_production
from domain.errors import CreditLimitExceeded, DomainError, InsufficientStock
from domain.models import OrderStatus, Party, PartyKind, Product, ProductKind
from domain.models.finance import ExpenseCategory, Invoice, InvoiceStatus
from domain.services.expenses import record_expense
from domain.services.inventory import receive_goods
from domain.services.orders import cancel_order, confirm_order, deliver_order, dispatch_order, submit_order
from domain.services.payments import record_payment
from domain.services.production import post_production_log
from domain.services.production_views import next_batch_no
from domain.services.recipes import materials_needed

log = logging.getLogger(__name__)


def _today() -> date:
    return datetime.now(get_settings().tz).date()


def _shift() -> str:
    hour = datetime.now(get_settings().tz).hour
    return "morning" if 6 <= hour < 14 else "afternoon" if 14 <= hour < 22 else "night"


class Simulator:
    """One step every `interval` seconds on a daemon thread, until `stop()`."""

    def __init__(self, *, seed: int = 7, interval: float = 3.0) -> None:
        refuse_in_production()
        self.rng = Random(seed)
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps: dict[str, int] = {}

    # ---- what there is to act on (reads only) ------------------------------------------------------------------

    def _parties(self, kind: PartyKind) -> list[Party]:
        with reading() as s:
            return list(s.execute(select(Party).where(Party.kind == kind, col(Party.is_active).is_(True))).scalars())

    def _finished(self) -> list[Product]:
        with reading() as s:
            return list(s.execute(select(Product).where(Product.kind == ProductKind.FINISHED,
                                                        col(Product.is_active).is_(True))).scalars())

    def _open_invoice(self) -> Invoice | None:
        with reading() as s:
            return s.execute(select(Invoice).where(col(Invoice.status).in_(
                [InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID])).order_by(func.random()).limit(1)).scalars().first()

    # ---- the steps -----------------------------------------------------------------------------------------------

    def produce(self) -> str:
        factory = self.rng.choice(self._parties(PartyKind.FACTORY))
        product = self.rng.choice(self._finished())
        assert factory.id is not None and product.id is not None
        actor = demo_actor("production")
        good = Decimal(self.rng.randrange(120, 480, 10))
        rejected = Decimal(self.rng.randrange(0, 12))
        batch = next_batch_no(actor, factory_id=factory.id, business_date=_today(), shift=_shift(),
                              product_id=product.id)
        fields = {"factory_id": factory.id, "business_date": _today(), "shift": _shift(), "product_id": product.id,
                  "batch_no": batch, "planned_qty": good + rejected + Decimal(self.rng.randrange(0, 30)),
                  "good_qty": good, "rejected_qty": rejected, "reject_reason": "burnt" if rejected else None}
        try:
            posted = post_production_log(actor, **fields)
        except InsufficientStock:  # the store runs low: the suppliers deliver, then the batch is made
            needed = materials_needed(product_id=product.id, qty=(good + rejected) * 3)
            receive_goods(demo_actor("storekeeper"), location_id=factory.id, supplier_name="Simulated Supplies Ltd",
                          business_date=_today(),
                          lines=[{"product": m, "qty": str(q.quantize(Decimal("1")) + 1), "unit_cost": "1.00"}
                                 for m, q in needed.items()])
            posted = post_production_log(actor, **fields)
        return f"{posted.number}: {factory.name} made {good} {product.name}"

    def _move_along(self, order_id: int, number: str) -> str:
        try:
            confirm_order(demo_actor("admin"), order_id=order_id)
        except CreditLimitExceeded:
            cancel_order(demo_actor("admin"), order_id=order_id, reason="Over the credit limit")
            return f"{number} cancelled: over the credit limit"
        dispatch_order(demo_actor("storekeeper"), order_id=order_id)
        delivered = deliver_order(demo_actor("storekeeper"), order_id=order_id)
        return f"{number} delivered ({delivered.total} KES)"

    def sell(self, tier: str) -> str:
        products = self._finished()
        seller: Party | None = None
        if tier == "primary":
            seller = self.rng.choice(self._parties(PartyKind.FACTORY))
            customer = self.rng.choice(self._parties(PartyKind.DISTRIBUTOR))
        else:
            customer = self.rng.choice(self._parties(PartyKind.RETAILER))
        # Whoever hands the goods over: the factory, the retailer's distributor, or the retailer itself (sell-out).
        holder = seller or customer if tier != "secondary" else next(
            p for p in self._parties(PartyKind.DISTRIBUTOR) if p.id == customer.parent_distributor_id)
        assert holder.id is not None
        held = {p: q for p, q in balances(holder.id).items() if q >= 5}
        choices = [p for p in products if p.id in held]
        if not choices:
            return f"{holder.name} has nothing to sell"
        picked = self.rng.sample(choices, k=min(len(choices), self.rng.randint(1, 3)))
        lines = [{"product_id": p.id, "qty": str(min(held[p.id or 0] // 2, Decimal(self.rng.randint(5, 40))))}
                 for p in picked]
        order = submit_order(demo_actor("admin"), tier=tier, customer_id=customer.id or 0,
                             seller_id=seller.id if seller is not None else None, lines=lines,
                             client_reference=f"sim-{self.rng.getrandbits(64):x}")
        assert order.id is not None
        if order.status is OrderStatus.DELIVERED:  # tertiary sales are recorded as they happen
            return f"{order.number}: {customer.name} sold {order.total} KES"
        return self._move_along(order.id, order.number)

    def collect(self) -> str:
        invoice = self._open_invoice()
        if invoice is None:
            return "no open invoices"
        balance = invoice.amount - invoice.paid
        amount = balance if self.rng.random() < 0.7 else (balance / 2).quantize(Decimal("0.01"))
        method = self.rng.choice(["mpesa", "mpesa", "bank_transfer", "cash"])
        reference = f"S{self.rng.getrandbits(40):X}"[:10] if method == "mpesa" else None
        payment = record_payment(demo_actor("finance"), customer_id=invoice.customer_id, received_on=_today(),
                                 amount=amount, method=method, reference=reference)
        return f"{payment.number}: {amount} KES against {invoice.number}"

    def spend(self) -> str:
        factory = self.rng.choice(self._parties(PartyKind.FACTORY))
        category = self.rng.choice([ExpenseCategory.FUEL, ExpenseCategory.TRANSPORT, ExpenseCategory.MAINTENANCE])
        expense = record_expense(demo_actor("finance"), category=category, factory_id=factory.id or 0,
                                 spent_on=_today(), amount=Decimal(self.rng.randrange(2_000, 40_000, 50)),
                                 description=f"{category.label} at {factory.name}")
        return f"{expense.number}: {expense.amount} KES {category.label.lower()}"

    def step(self) -> str:
        actions: list[tuple[str, Callable[[], str], int]] = [
            ("production", self.produce, 2), ("primary", lambda: self.sell("primary"), 2),
            ("secondary", lambda: self.sell("secondary"), 5), ("tertiary", lambda: self.sell("tertiary"), 4),
            ("payment", self.collect, 3), ("expense", self.spend, 1)]
        name, action, _ = self.rng.choices(actions, weights=[w for _, _, w in actions])[0]
        try:
            outcome = action()
        except DomainError as exc:
            outcome = f"refused: {exc.message}"
        self.steps[name] = self.steps.get(name, 0) + 1
        return f"{name}: {outcome}"

    # ---- running -------------------------------------------------------------------------------------------------

    def start(self) -> "Simulator":
        self._thread = threading.Thread(target=self._run, name="chesanto-simulate", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                log.info("simulate %s", self.step())
            except Exception:  # keep simulating; the error is in the log
                log.exception("simulated step failed")
