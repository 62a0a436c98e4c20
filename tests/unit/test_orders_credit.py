"""Credit on confirmation: outstanding invoices + open (confirmed or dispatched) orders − unallocated payments
+ this order must stay within the buyer's credit limit; a refusal shows the figures and writes nothing; finance may
override with `credit.override`, which is audited with the figures."""

import itertools
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import CreditLimitExceeded, PermissionDenied
from domain.inputs import business_today
from domain.models import Invoice, InvoiceStatus, OrderStatus, Party, Payment, PaymentMethod
from domain.services import orders
from tests.unit.test_orders_helpers import audit_of, invoice_of, sales_world, state, stored_order

D = Decimal
_payments = itertools.count(1)


@pytest.fixture
def w(factories):
    """Every customer has a credit limit of KES 2,000.00; 200 loaves at the factory."""
    return sales_world(factories, credit_limit="2000", stock="200")


def primary(w, factories, qty):
    """A draft order for Rift Distributors of `qty` White Bread at KES 40.00."""
    return factories.order(w["finance"], "primary", w["distributor"], [(w["bread"], qty)], factory=w["factory"])


def payment(customer: Party, amount: str, *, allocated_to: Invoice | None = None) -> None:
    """Money received from `customer` (until the payments service exists: the rows it will write), either held as
    credit or allocated in full to one invoice."""
    with transaction(SYSTEM) as tx:
        n = next(_payments)
        tx.session.add(Payment(number=f"PAY-{n:06d}", customer_id=customer.id, territory_path=customer.territory_path,
                               received_on=business_today(), amount=D(amount), method=PaymentMethod.MPESA,
                               reference=f"QK{n:08d}", allocated=D(amount) if allocated_to else D("0")))
        if allocated_to is not None:
            invoice = tx.session.get(Invoice, allocated_to.id)
            invoice.paid += D(amount)
            invoice.status = InvoiceStatus.PAID if invoice.paid == invoice.amount else InvoiceStatus.PARTIALLY_PAID
            tx.session.add(invoice)


def test_exposure_counts_outstanding_invoices_and_open_orders_less_unallocated_payments(w, factories):
    finance = w["finance"]
    factories.order_through(primary(w, factories, "10"), "delivered")  # invoice KES 400.00
    factories.order_through(primary(w, factories, "5"), "confirmed")  # open: KES 200.00
    factories.order_through(primary(w, factories, "3"), "dispatched")  # open: KES 120.00
    primary(w, factories, "100")  # a draft commits nothing
    factories.order_through(primary(w, factories, "20"), "cancelled")  # nor does a cancelled order
    payment(w["distributor"], "100.00")  # held as credit
    too_much = primary(w, factories, "35")  # KES 1,400.00
    before = state()
    with pytest.raises(CreditLimitExceeded) as refused:
        orders.confirm_order(finance, order_id=too_much.id)
    assert refused.value.message == (
        f"{too_much.number} would take Rift Distributors over their credit limit of KES 2,000.00: "
        "outstanding invoices KES 400.00 + open orders KES 320.00 − unallocated payments KES 100.00 "
        "+ this order KES 1,400.00 = KES 2,020.00, KES 20.00 over.")
    assert state() == before
    exactly = primary(w, factories, "34.5")  # KES 1,380.00: exposure KES 2,000.00, the limit itself
    assert orders.confirm_order(finance, order_id=exactly.id).status is OrderStatus.CONFIRMED


def test_a_delivered_order_counts_once_and_payments_allocated_to_it_free_the_credit(w, factories):
    finance = w["finance"]
    first = factories.order_through(primary(w, factories, "25"), "confirmed")  # KES 1,000.00
    factories.order_through(primary(w, factories, "25"), "confirmed")  # KES 1,000.00: at the limit
    small = primary(w, factories, "1")  # KES 40.00
    figures = ("outstanding invoices KES {} + open orders KES {} + this order KES 40.00 = KES 2,040.00, "
               "KES 40.00 over.")
    with pytest.raises(CreditLimitExceeded) as refused:
        orders.confirm_order(finance, order_id=small.id)
    assert refused.value.message.endswith(figures.format("0.00", "2,000.00"))
    factories.order_through(first, "delivered")  # the open order became an invoice: the same exposure
    with pytest.raises(CreditLimitExceeded) as refused:
        orders.confirm_order(finance, order_id=small.id)
    assert refused.value.message.endswith(figures.format("1,000.00", "1,000.00"))
    payment(w["distributor"], "300.00", allocated_to=invoice_of(first.id))  # partly paid: KES 700.00 outstanding
    assert orders.confirm_order(finance, order_id=small.id).status is OrderStatus.CONFIRMED


def test_a_credit_override_needs_the_permission_and_is_audited_with_the_figures(w, factories):
    sales, finance = w["rift_sales"], w["finance"]
    so = factories.order(sales, "secondary", w["retailer"], [(w["bread"], "50")])  # 50 × 45.00 = KES 2,250.00
    before = state()
    with pytest.raises(CreditLimitExceeded, match="over their credit limit of KES 2,000.00"):
        orders.confirm_order(sales, order_id=so.id)
    with pytest.raises(PermissionDenied) as refused:
        orders.confirm_order(sales, order_id=so.id, override_credit=True)
    assert refused.value.message == (
        "Your role (Regional sales) may not confirm an order beyond the customer's credit limit.")
    with pytest.raises(CreditLimitExceeded):  # finance too: only an explicit override passes
        orders.confirm_order(finance, order_id=so.id)
    assert state() == before
    confirmed = orders.confirm_order(finance, order_id=so.id, override_credit=True)
    assert (confirmed.status, stored_order(so.id).credit_override_by) == (OrderStatus.CONFIRMED, finance.user_id)
    [override] = audit_of(so.id, "order.credit_override")
    assert (override.actor_id, override.scope_path) == (finance.user_id, w["retailer"].territory_path)
    assert override.after == {
        "number": so.number, "customer": "Mama Njeri Shop", "credit_limit": "2000.00",
        "outstanding_invoices": "0.00", "open_orders": "0.00", "unallocated_payments": "0.00",
        "this_order": "2250.00", "exposure": "2250.00"}
    assert len(audit_of(so.id, "order.confirm")) == 1


def test_an_override_asked_for_within_the_limit_records_no_override(w, factories):
    order = primary(w, factories, "10")
    orders.confirm_order(w["finance"], order_id=order.id, override_credit=True)
    assert stored_order(order.id).credit_override_by is None
    assert audit_of(order.id, "order.credit_override") == []


def test_a_customer_without_credit_may_buy_against_money_already_paid(w, factories):
    with transaction(SYSTEM) as tx:
        dist = tx.session.get(Party, w["distributor"].id)
        dist.credit_limit = D("0")
        tx.session.add(dist)
    order = primary(w, factories, "10")  # KES 400.00
    with pytest.raises(CreditLimitExceeded, match="over their credit limit of KES 0.00"):
        orders.confirm_order(w["finance"], order_id=order.id)
    payment(w["distributor"], "400.00")
    assert orders.confirm_order(w["finance"], order_id=order.id).status is OrderStatus.CONFIRMED
