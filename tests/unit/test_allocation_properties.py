"""Property-based allocation tests: random sequences of payments (allocated oldest first, not at all, or by hand),
later allocations of credit, releases, voids and new deliveries, on SQLite and on PostgreSQL.

After every step the books match `Model` — plain Decimal arithmetic kept beside the database: every invoice's paid
and status, every payment's allocated amount and every (payment, invoice) allocation. So the sum of allocations
never exceeds a payment or an invoice, and an invoice's status always matches its balance. The model also predicts
every refusal (beyond a balance, beyond the payment, a void, paid or other customer's invoice, a listed-twice
invoice, nothing left, a void with money on it): the service must refuse exactly then, and write nothing. The
receivables list and the credit check on orders read the same figures.

Each example starts its model from the database as earlier examples left it.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from domain.access import Actor
from domain.db import reading
from domain.errors import Conflict, DomainError, ValidationFailed
from domain.inputs import business_today
from domain.models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from domain.queries import orders as orders_q
from domain.services import invoices, payments, receivables
from domain.services.tables import fetch_page
from domain.tables import TableQuery
from tests.factories import Factories

D = Decimal
TODAY = business_today()
OPEN = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)


@dataclass(frozen=True)
class World:
    chain: dict[str, Any]
    customers: tuple[Any, Any]  # a distributor and a retailer, both in Rift
    clerk: Actor
    factories: Factories


@pytest.fixture
def world(factories) -> World:
    """Rift Distributors with invoices of KES 280, 120 and 480 at different ages; Mama Njeri Shop with KES 90 and
    225; a company-wide finance clerk."""
    chain = factories.sales_chain(stock="100000")
    dist, shop = chain["distributor"], chain["retailer"]
    for customer, qty, days in ((dist, "7", 45), (dist, "3", 10), (dist, "12", 20), (shop, "2", 9), (shop, "5", 1)):
        factories.invoice(chain, customer, qty, issued_on=TODAY - timedelta(days=days))
    return World(chain, (dist, shop), factories.actor("finance"), factories)


# ---- the model -----------------------------------------------------------------------------------------------------


@dataclass
class Inv:
    id: int
    customer: int
    amount: Decimal
    paid: Decimal
    void: bool
    due: date
    issued: date

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid

    @property
    def status(self) -> InvoiceStatus:
        return InvoiceStatus.VOID if self.void else payments.status_for(self.amount, self.paid)


@dataclass
class Pay:
    id: int
    customer: int
    amount: Decimal
    allocated: Decimal

    @property
    def left(self) -> Decimal:
        return self.amount - self.allocated


@dataclass
class Model:
    invoices: dict[int, Inv]
    payments: dict[int, Pay]
    allocations: dict[tuple[int, int], Decimal]  # (payment, invoice) -> amount
    outcomes: Counter[str] = field(default_factory=Counter)

    def oldest_first(self, customer: int, left: Decimal) -> list[tuple[Inv, Decimal]]:
        plan = []
        for inv in sorted((i for i in self.invoices.values() if i.customer == customer and i.status in OPEN),
                          key=lambda i: (i.due, i.issued, i.id)):
            if left == 0:
                break
            share = min(left, inv.balance)
            plan.append((inv, share))
            left -= share
        return plan

    def by_hand(self, pay: Pay, picks: list[tuple[int, Decimal | None]]) -> list[tuple[Inv, Decimal]] | str:
        """The plan, or the label of the first allocation the service must refuse."""
        seen: set[int] = set()
        for line, (invoice_id, _) in enumerate(picks, start=1):
            if invoice_id in seen:
                return f"Allocation {line} invoice"
            seen.add(invoice_id)
        left, plan = pay.left, []
        for line, (invoice_id, amount) in enumerate(picks, start=1):
            inv = self.invoices[invoice_id]
            if inv.customer != pay.customer or inv.status not in OPEN:
                return f"Allocation {line} invoice"
            share = amount if amount is not None else min(inv.balance, max(left, D(0)))
            if share == 0 or share > inv.balance or share > left:
                return f"Allocation {line} amount"
            plan.append((inv, share))
            left -= share
        return plan

    def apply(self, pay: Pay, plan: list[tuple[Inv, Decimal]]) -> None:
        for inv, share in plan:
            inv.paid += share
            pay.allocated += share
            self.allocations[pay.id, inv.id] = self.allocations.get((pay.id, inv.id), D(0)) + share


def load_model() -> Model:
    with reading() as s:
        found = {i.id or 0: Inv(i.id or 0, i.customer_id, i.amount, i.paid, i.status is InvoiceStatus.VOID,
                                i.due_date, i.issue_date) for i in s.exec(select(Invoice))}
        paid = {p.id or 0: Pay(p.id or 0, p.customer_id, p.amount, p.allocated) for p in s.exec(select(Payment))}
    return Model(found, paid, allocation_sums())


def allocation_sums() -> dict[tuple[int, int], Decimal]:
    sums: dict[tuple[int, int], Decimal] = {}
    with reading() as s:
        for a in s.exec(select(PaymentAllocation)):
            sums[a.payment_id, a.invoice_id] = sums.get((a.payment_id, a.invoice_id), D(0)) + a.amount
    return sums


def assert_books_as_modelled(w: World, m: Model) -> None:
    with reading() as s:
        found = {i.id: (i.paid, i.status) for i in s.exec(select(Invoice))}
        paid = {p.id: p.allocated for p in s.exec(select(Payment))}
    assert found == {i.id: (i.paid, i.status) for i in m.invoices.values()}
    assert paid == {p.id: p.allocated for p in m.payments.values()}
    allocations = allocation_sums()
    assert allocations == {k: v for k, v in m.allocations.items() if v}
    for inv in m.invoices.values():  # the invariants, on the database's own figures
        on_invoice = sum((v for (_, i), v in allocations.items() if i == inv.id), D(0))
        assert on_invoice == found[inv.id][0] <= inv.amount
        assert found[inv.id][1] is (InvoiceStatus.VOID if inv.void else payments.status_for(inv.amount, on_invoice))
    for pay in m.payments.values():
        assert sum((v for (p, _), v in allocations.items() if p == pay.id), D(0)) == paid[pay.id] <= pay.amount
    table = fetch_page(w.clerk, receivables.receivables_table(w.clerk), TableQuery(page_size=200)).rows
    for customer in w.customers:
        owed = sum((i.balance for i in m.invoices.values() if i.customer == customer.id and i.status in OPEN), D(0))
        credit = sum((p.left for p in m.payments.values() if p.customer == customer.id), D(0))
        [row] = [r for r in table if r["id"] == customer.id]
        assert (row["outstanding"], row["credit"]) == (owed, credit)
        with reading() as s:
            outstanding, open_orders, unallocated = orders_q.credit_exposure(s, customer.id)
        assert (outstanding, open_orders, unallocated) == (owed, 0, credit)


def attempt(m: Model, name: str, refusal: type[DomainError] | None, call: Callable[[], Any],
            label: str | None = None) -> Any:
    """Run `call`; it must be refused with `refusal` (naming `label`, for bad input) exactly when the model says."""
    if refusal is None:
        result = call()
        m.outcomes[f"{name} done"] += 1
        return result
    with pytest.raises(refusal) as refused:
        call()
    if label is not None:
        assert isinstance(refused.value, ValidationFailed) and label in refused.value.errors, refused.value
    m.outcomes[f"{name} refused"] += 1
    return None


# ---- operations ----------------------------------------------------------------------------------------------------


Picks = tuple[tuple[int, Decimal | None], ...]


def resolve(m: Model, picks: Picks) -> list[tuple[int, Decimal | None]]:
    ids = sorted(m.invoices)
    return [(ids[n % len(ids)], amount) for n, amount in picks]


def pick_payment(m: Model, n: int) -> Pay | None:
    ids = sorted(m.payments)
    return m.payments[ids[n % len(ids)]] if ids else None


@dataclass(frozen=True)
class Record:
    customer: int
    amount: Decimal
    allocate: str | Picks  # "oldest", "none" or hand picks

    def run(self, w: World, m: Model) -> None:
        customer = w.customers[self.customer]
        pay = Pay(0, customer.id or 0, self.amount, D(0))
        if isinstance(self.allocate, str):
            plan: Any = m.oldest_first(pay.customer, pay.left) if self.allocate == "oldest" else []
            allocate: Any = self.allocate
        else:
            picks = resolve(m, self.allocate)
            plan = m.by_hand(pay, picks)
            allocate = [{"invoice_id": i, "amount": a} for i, a in picks]
        refused = isinstance(plan, str)
        done = attempt(m, "record", ValidationFailed if refused else None, lambda: payments.record_payment(
            w.clerk, customer_id=customer.id, received_on=TODAY, amount=self.amount, method="cash",
            allocate=allocate), label=plan if refused else None)
        if done is not None:
            pay = Pay(done.id, pay.customer, self.amount, D(0))
            m.payments[pay.id] = pay
            m.apply(pay, plan)


@dataclass(frozen=True)
class Allocate:
    payment: int
    picks: Picks | None  # None: oldest first

    def run(self, w: World, m: Model) -> None:
        pay = pick_payment(m, self.payment)
        if pay is None:
            return
        refusal: type[DomainError] | None = None
        label = None
        if self.picks is None:
            plan: Any = m.oldest_first(pay.customer, pay.left)
            allocations = None
            refusal = Conflict if pay.left == 0 or not plan else None
        else:
            picks = resolve(m, self.picks)
            allocations = [{"invoice_id": i, "amount": a} for i, a in picks]
            plan = m.by_hand(pay, picks)
            if pay.left == 0 and not _duplicate(picks):  # a list naming an invoice twice is refused before that
                refusal, plan = Conflict, []
            elif isinstance(plan, str):
                refusal, label = ValidationFailed, plan
        done = attempt(m, "allocate", refusal, lambda: payments.allocate_payment(
            w.clerk, payment_id=pay.id, allocations=allocations), label=label)
        if done is not None:
            m.apply(pay, plan)


def _duplicate(picks: list[tuple[int, Decimal | None]]) -> bool:
    """Listed twice: refused before the payment is even read."""
    ids = [i for i, _ in picks]
    return len(set(ids)) < len(ids)


@dataclass(frozen=True)
class Release:
    payment: int
    invoice: int | None  # None: all of the payment's allocations

    def run(self, w: World, m: Model) -> None:
        pay = pick_payment(m, self.payment)
        if pay is None:
            return
        invoice_id = None if self.invoice is None else sorted(m.invoices)[self.invoice % len(m.invoices)]
        pairs = [k for k, v in m.allocations.items() if v and k[0] == pay.id and invoice_id in (None, k[1])]
        done = attempt(m, "release", None if pairs else Conflict, lambda: payments.release_allocations(
            w.clerk, payment_id=pay.id, invoice_id=invoice_id, reason="Correction"))
        if done is not None:
            for key in pairs:
                share = m.allocations.pop(key)
                m.invoices[key[1]].paid -= share
                pay.allocated -= share


@dataclass(frozen=True)
class Void:
    invoice: int

    def run(self, w: World, m: Model) -> None:
        inv = m.invoices[sorted(m.invoices)[self.invoice % len(m.invoices)]]
        refusal = Conflict if inv.void or inv.paid > 0 else None
        if attempt(m, "void", refusal, lambda: invoices.void_invoice(w.clerk, invoice_id=inv.id,
                                                                     reason="Error")) is not None:
            inv.void = True


@dataclass(frozen=True)
class Deliver:
    customer: int
    qty: int

    def run(self, w: World, m: Model) -> None:
        made = w.factories.invoice(w.chain, w.customers[self.customer], str(self.qty))
        m.invoices[made.id] = Inv(made.id, made.customer_id, made.amount, D(0), False, made.due_date, made.issue_date)
        m.outcomes["deliver done"] += 1


# ---- strategies ----------------------------------------------------------------------------------------------------


# Cents anywhere, and amounts that meet invoice balances exactly (40 and 45 a loaf: 90, 120, 225, 280, 480 …).
money = st.one_of(st.decimals(min_value=D("0.01"), max_value=D("700"), places=2),
                  st.sampled_from([D("40"), D("90"), D("120"), D("160"), D("225"), D("280"), D("400"), D("480")]))
picks = st.lists(st.tuples(st.integers(0, 20), st.one_of(st.none(), money)), min_size=1, max_size=3).map(tuple)
operations = st.one_of(
    st.builds(Record, customer=st.integers(0, 1), amount=money,
              allocate=st.one_of(st.sampled_from(["oldest", "oldest", "none"]), picks)),
    st.builds(Allocate, payment=st.integers(0, 30), picks=st.one_of(st.none(), picks)),
    st.builds(Release, payment=st.integers(0, 30), invoice=st.one_of(st.none(), st.integers(0, 20))),
    st.builds(Void, invoice=st.integers(0, 20)),
    st.builds(Deliver, customer=st.integers(0, 1), qty=st.integers(1, 9)),
)


def test_random_payments_keep_allocations_within_payments_and_invoices_and_statuses_true(world, db):
    outcomes: Counter[str] = Counter()

    @settings(max_examples=20, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(steps=st.lists(operations, min_size=4, max_size=12))
    def run(steps: list[Any]) -> None:
        model = load_model()
        assert_books_as_modelled(world, model)
        for step in steps:
            step.run(world, model)
            assert_books_as_modelled(world, model)
        outcomes.update(model.outcomes)

    run()
    # not vacuous: payments were recorded and refused, credit allocated, allocations released, invoices voided
    wanted = ["record done", "record refused", "allocate done", "release done", "void done"]
    assert [k for k in wanted if not outcomes[k]] == [], outcomes
