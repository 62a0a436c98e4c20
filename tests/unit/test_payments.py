"""Payments: recorded with checked input, allocated oldest-due first or by hand, the rest kept as credit; every
refusal writes nothing; an M-Pesa code is used once, even when entered twice at the same moment; concurrent
allocations never pay an invoice twice; and the credit check on confirming an order sees the payment."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import col, func, select

from domain.access import SYSTEM
from domain.db import reading
from domain.errors import Conflict, CreditLimitExceeded, DomainError, NotFound, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import AuditLog, Invoice, InvoiceStatus, OrderStatus, Payment, PaymentAllocation, PaymentMethod
from domain.queries import payments as payments_q
from domain.services import invoices, orders, payments

D = Decimal
TODAY = business_today()


@pytest.fixture
def chain(factories):
    return factories.sales_chain(stock="5000")


@pytest.fixture
def finance(factories):
    return factories.actor("finance")


def ago(days: int):
    return TODAY - timedelta(days=days)


def state() -> tuple:
    """Payments, allocations, invoice balances and payment audit rows: what a refusal must leave as it was."""
    with reading() as s:
        paid = [tuple(r) for r in s.exec(select(Payment.number, Payment.amount, Payment.allocated))]
        allocations = [tuple(r) for r in s.exec(select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
                                                        PaymentAllocation.amount))]
        invoiced = [tuple(r) for r in s.exec(select(Invoice.id, Invoice.paid, Invoice.status).order_by(Invoice.id))]
        audits = s.exec(select(func.count()).select_from(AuditLog)
                        .where(col(AuditLog.action).startswith("payment."))).one()
    return paid, allocations, invoiced, audits


def fresh(invoice: Invoice) -> Invoice:
    with reading() as s:
        found = s.get(Invoice, invoice.id)
    assert found is not None
    return found


def assert_books_balance() -> None:
    """Every invoice's paid and every payment's allocated are the sums of their allocations, within their amounts,
    and each unvoided invoice's status matches its balance (a void one has nothing allocated)."""
    with reading() as s:
        allocations = s.exec(select(PaymentAllocation)).all()
        for invoice in s.exec(select(Invoice)).all():
            total = sum((a.amount for a in allocations if a.invoice_id == invoice.id), D("0.00"))
            assert invoice.paid == total and D(0) <= invoice.paid <= invoice.amount, invoice.number
            if invoice.status is InvoiceStatus.VOID:
                assert total == 0, invoice.number
            else:
                assert invoice.status is payments.status_for(invoice.amount, invoice.paid), invoice.number
        for payment in s.exec(select(Payment)).all():
            total = sum((a.amount for a in allocations if a.payment_id == payment.id), D("0.00"))
            assert payment.allocated == total and total <= payment.amount, payment.number


def pay(actor, customer, amount, **fields) -> Payment:
    values = {"received_on": TODAY, "method": "cash", **fields}
    return payments.record_payment(actor, customer_id=customer.id, amount=amount, **values)


# ---- allocating --------------------------------------------------------------------------------------------------


def test_a_payment_pays_the_invoices_due_first_and_records_audit_and_event(chain, factories, finance, events):
    dist = chain["distributor"]
    later = factories.invoice(chain, dist, "5", issued_on=ago(5))      # KES 200, due in 25 days
    oldest = factories.invoice(chain, dist, "10", issued_on=ago(40))   # KES 400, 10 days overdue
    middle = factories.invoice(chain, dist, "5", issued_on=ago(20))    # KES 200, due in 10 days
    events.clear()

    payment = pay(finance, dist, "500.00", method="M-Pesa", reference="qjk3 xy7z1a", note="Paid at the depot")

    assert (payment.number, payment.amount, payment.allocated) == ("PAY-000001", D("500.00"), D("500.00"))
    assert (payment.method, payment.reference, payment.territory_path) == (
        PaymentMethod.MPESA, "QJK3XY7Z1A", dist.territory_path)
    assert [(fresh(i).paid, fresh(i).status) for i in (oldest, middle, later)] == [
        (D("400.00"), InvoiceStatus.PAID), (D("100.00"), InvoiceStatus.PARTIALLY_PAID),
        (D("0.00"), InvoiceStatus.OPEN)]
    detail = payments.get_payment(finance, payment_id=payment.id)
    assert [(a.invoice, a.amount, a.invoice_balance) for a in detail.allocations] == [
        (oldest.number, D("400.00"), D("0.00")), (middle.number, D("100.00"), D("100.00"))]
    assert detail.customer == "Rift Distributors" and detail.unallocated == 0
    [audit] = [a for a in _audits("payment.record")]
    assert audit.entity_id == str(payment.id) and audit.scope_path == dist.territory_path
    assert audit.after["amount"] == "500.00" and [(a["invoice"], a["amount"]) for a in audit.after["allocations"]] == [
        (oldest.number, "400.00"), (middle.number, "100.00")]
    [event] = [e for e in events if e.name == "payment.recorded"]
    assert event.scope_path == dist.territory_path and event.data["amount"] == "500.00"
    assert event.data["customer_id"] == dist.id and event.data["allocated"] == "500.00"
    assert_books_balance()


def _audits(action: str) -> list[AuditLog]:
    with reading() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_paying_more_than_is_owed_keeps_the_rest_as_credit_for_the_next_invoice(chain, factories, finance):
    dist = chain["distributor"]
    first = factories.invoice(chain, dist, "10", issued_on=ago(3))  # KES 400
    payment = pay(finance, dist, "1000")
    assert (fresh(first).status, payment.allocated) == (InvoiceStatus.PAID, D("400.00"))
    assert payments.get_payment(finance, payment_id=payment.id).unallocated == D("600.00")

    second = factories.invoice(chain, dist, "20")  # KES 800: the credit pays 600 of it
    again = payments.allocate_payment(finance, payment_id=payment.id)
    assert again.allocated == D("1000.00")
    assert (fresh(second).paid, fresh(second).status) == (D("600.00"), InvoiceStatus.PARTIALLY_PAID)
    with pytest.raises(Conflict, match="PAY-000001 is fully allocated"):
        payments.allocate_payment(finance, payment_id=payment.id)
    assert_books_balance()


def test_allocating_by_hand_pays_exactly_the_chosen_invoices(chain, factories, finance):
    dist = chain["distributor"]
    old = factories.invoice(chain, dist, "10", issued_on=ago(50))   # KES 400
    new = factories.invoice(chain, dist, "10", issued_on=ago(2))    # KES 400
    other = factories.invoice(chain, dist, "5", issued_on=ago(1))   # KES 200
    payment = pay(finance, dist, "700", allocate=[{"invoice_id": new.id, "amount": "250.50"},
                                                  {"invoice_id": other.id}])  # no amount: as much as fits
    assert payment.allocated == D("450.50")
    assert [(fresh(i).paid, fresh(i).status) for i in (old, new, other)] == [
        (D("0.00"), InvoiceStatus.OPEN), (D("250.50"), InvoiceStatus.PARTIALLY_PAID),
        (D("200.00"), InvoiceStatus.PAID)]
    payments.allocate_payment(finance, payment_id=payment.id, allocations=[{"invoice_id": new.id}])
    assert (fresh(new).paid, fresh(new).status) == (D("400.00"), InvoiceStatus.PAID)
    assert payments.get_payment(finance, payment_id=payment.id).unallocated == D("100.00")
    assert_books_balance()


def test_an_allocation_beyond_an_invoice_balance_or_the_payment_is_refused_and_nothing_is_written(
        chain, factories, finance):
    dist = chain["distributor"]
    a = factories.invoice(chain, dist, "10", issued_on=ago(9))  # KES 400
    b = factories.invoice(chain, dist, "5", issued_on=ago(8))   # KES 200
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        pay(finance, dist, "500", allocate=[{"invoice_id": a.id, "amount": "400.01"}])
    assert refused.value.errors == {
        "Allocation 1 amount": f"KES 400.01 is more than the balance of {a.number} (KES 400.00)"}
    assert state() == before
    with pytest.raises(ValidationFailed) as refused:
        pay(finance, dist, "500", allocate=[{"invoice_id": a.id, "amount": "400"}, {"invoice_id": b.id,
                                                                                     "amount": "150"}])
    assert refused.value.errors == {"Allocation 2 amount": "KES 150.00 is more than what is left of this payment "
                                                           "(KES 100.00)"}
    assert state() == before

    credit = pay(finance, dist, "300", allocate="none")
    before = state()
    with pytest.raises(ValidationFailed, match=r"KES 300.01 is more than what is left of PAY-000001 \(KES 300.00\)"):
        payments.allocate_payment(finance, payment_id=credit.id, allocations=[{"invoice_id": a.id,
                                                                               "amount": "300.01"}])
    assert state() == before
    assert pay(finance, dist, "10").number == "PAY-000002"  # refused payments used no number


def test_void_paid_and_other_customers_invoices_take_no_allocations(chain, factories, finance):
    dist, shop = chain["distributor"], chain["retailer"]
    theirs = factories.invoice(chain, shop, "2")
    void = factories.invoice(chain, dist, "5")
    paid = factories.invoice(chain, dist, "5")
    invoices.void_invoice(finance, invoice_id=void.id, reason="Entered twice")
    pay(finance, dist, "200", allocate=[{"invoice_id": paid.id}])
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        pay(finance, dist, "100", allocate=[{"invoice_id": theirs.id}, {"invoice_id": void.id},
                                            {"invoice_id": paid.id}, {"invoice_id": 999999}])
    assert refused.value.errors == {
        "Allocation 1 invoice": f"{theirs.number} is another customer's invoice",
        "Allocation 2 invoice": f"{void.number} is void",
        "Allocation 3 invoice": f"{paid.number} is already paid",
        "Allocation 4 invoice": "there is no such invoice"}
    assert state() == before
    with pytest.raises(ValidationFailed) as refused:
        pay(finance, dist, "100", allocate=[{"invoice_id": paid.id}, {"invoice_id": str(paid.id)},
                                            {"invoice_id": "INV-1"}, {"invoice_id": paid.id, "amount": "-1"}])
    assert refused.value.errors == {"Allocation 2 invoice": "is listed twice",
                                    "Allocation 3 invoice": "must be chosen from the list",
                                    "Allocation 4 invoice": "is listed twice"}
    assert state() == before


def test_a_payment_with_no_open_invoice_stays_as_credit(chain, finance):
    payment = pay(finance, chain["distributor"], "250")
    assert payment.allocated == 0
    with pytest.raises(Conflict, match="no open invoices: PAY-000001 stays as credit"):
        payments.allocate_payment(finance, payment_id=payment.id)
    with pytest.raises(NotFound):
        payments.allocate_payment(finance, payment_id=987654)


def test_releasing_allocations_restores_balances_and_credit_and_is_audited(chain, factories, finance, events):
    dist = chain["distributor"]
    a = factories.invoice(chain, dist, "10", issued_on=ago(6))
    b = factories.invoice(chain, dist, "10", issued_on=ago(5))
    payment = pay(finance, dist, "600")  # 400 on a, 200 on b
    with pytest.raises(ValidationFailed, match="Reason: is required"):
        payments.release_allocations(finance, payment_id=payment.id, reason=" ")
    released = payments.release_allocations(finance, payment_id=payment.id, invoice_id=b.id,
                                            reason="Allocated to the wrong invoice")
    assert released.allocated == D("400.00")
    assert (fresh(b).paid, fresh(b).status, fresh(a).status) == (D("0.00"), InvoiceStatus.OPEN, InvoiceStatus.PAID)
    [audit] = _audits("payment.release")
    assert audit.after["reason"] == "Allocated to the wrong invoice"
    assert [(r["invoice"], r["amount"]) for r in audit.after["released"]] == [(b.number, "200.00")]
    assert [e.data["allocated"] for e in events if e.name == "payment.released"] == ["400.00"]
    payments.release_allocations(finance, payment_id=payment.id, reason="Customer disputes the order")
    assert (fresh(a).paid, fresh(a).status) == (D("0.00"), InvoiceStatus.OPEN)
    with pytest.raises(Conflict, match="PAY-000001 has no allocations to release"):
        payments.release_allocations(finance, payment_id=payment.id, reason="again")
    assert_books_balance()


# ---- input, permission and scope ---------------------------------------------------------------------------------


def test_bad_input_is_refused_naming_each_field_and_nothing_is_written(chain, factories, finance):
    dist = chain["distributor"]
    factories.invoice(chain, dist, "10")
    before = state()
    with pytest.raises(ValidationFailed) as bad:
        payments.record_payment(finance, customer_id="Rift", received_on=TODAY + timedelta(days=1), amount="0",
                                method="bitcoin", note="x" * 201, allocate="newest")
    assert bad.value.errors == {"Customer": "must be chosen from the list", "Date": "cannot be in the future",
                                "Amount": "must be more than 0", "Method": "must be cash, M-Pesa, bank transfer "
                                                                            "or cheque",
                                "Note": "must be at most 200 characters",
                                "Allocation": "must be oldest first, none, or chosen invoices"}
    refusals = [
        ({"amount": "12.345"}, {"Amount": "has more than 2 decimal places"}),
        ({"method": "mpesa"}, {"Reference": "is required: the M-Pesa transaction code"}),
        ({"method": "M-Pesa", "reference": "QJK3XY7Z1"}, {
            "Reference": "must be the 10-character M-Pesa code, letters and digits, such as QJK3XY7Z1A"}),
        ({"method": "M-Pesa", "reference": "QJK3-XY7Z1"}, {
            "Reference": "must be the 10-character M-Pesa code, letters and digits, such as QJK3XY7Z1A"}),
        ({"method": "cheque"}, {"Reference": "is required: the cheque number"}),
        ({"method": "bank transfer", "reference": " "}, {"Reference": "is required: the bank's reference"}),
        ({"customer_id": chain["factory"].id}, {"Customer": "Nakuru Factory is a factory, not a customer"}),
        ({"customer_id": 424242}, {"Customer": "must be chosen from the list"}),
    ]
    for overrides, errors in refusals:
        with pytest.raises(ValidationFailed) as bad:
            payments.record_payment(finance, **{"customer_id": dist.id, "received_on": TODAY, "amount": "100",
                                                "method": "cash", **overrides})
        assert bad.value.errors == errors, overrides
        assert state() == before, overrides
    cash = pay(finance, dist, "1,250.50", received_on=ago(3).isoformat(), allocate="none")
    assert (cash.amount, cash.received_on, cash.reference, cash.allocated) == (D("1250.50"), ago(3), None, 0)


def test_who_may_record_and_allocate_and_where(chain, factories, finance):
    dist = chain["distributor"]
    factories.invoice(chain, dist, "10")
    before = state()
    with pytest.raises(PermissionDenied, match="may not record customer payments"):
        pay(factories.actor("storekeeper"), dist, "100")
    with pytest.raises(PermissionDenied, match="outside your area"):
        pay(factories.actor("finance", scope_code="NRB"), dist, "100")
    recorder = replace(finance, permissions=frozenset({"payments.record", "finance.view"}))
    with pytest.raises(PermissionDenied, match="may not allocate payments to invoices"):
        pay(recorder, dist, "100")
    assert state() == before
    credit = pay(recorder, dist, "100", allocate="none")
    with pytest.raises(PermissionDenied, match="may not allocate"):
        payments.allocate_payment(recorder, payment_id=credit.id)
    nairobi = factories.actor("finance", scope_code="NRB")
    for attempt in (lambda: payments.allocate_payment(nairobi, payment_id=credit.id),
                    lambda: payments.release_allocations(nairobi, payment_id=credit.id, reason="x"),
                    lambda: payments.get_payment(nairobi, payment_id=credit.id)):
        with pytest.raises(PermissionDenied, match="outside your area"):
            attempt()
    rift = factories.actor("finance", scope_code="RFT")
    assert payments.allocate_payment(rift, payment_id=credit.id).allocated == D("100.00")


# ---- M-Pesa codes ------------------------------------------------------------------------------------------------


def test_an_mpesa_code_is_recorded_once(chain, finance):
    dist, shop = chain["distributor"], chain["retailer"]
    first = pay(finance, dist, "100", method="mpesa", reference="QJK3XY7Z1A", received_on=ago(2))
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        pay(finance, shop, "100", method="M-Pesa", reference="qjk3xy7z1a")
    assert refused.value.errors == {
        "Reference": f"M-Pesa code QJK3XY7Z1A is already recorded as {first.number} ({ago(2).day} "
                     f"{ago(2):%b %Y})"}
    assert state() == before
    assert pay(finance, dist, "100", method="bank_transfer", reference="QJK3XY7Z1A").number == "PAY-000002"


def test_the_unique_index_refuses_a_duplicate_code_the_check_did_not_see(chain, finance, monkeypatch):
    """Two clerks entering one code at the same moment both pass the check; the index stops the second."""
    first = pay(finance, chain["distributor"], "100", method="mpesa", reference="QJK3XY7Z1A")
    real = payments_q.mpesa_payment
    calls = []

    def blind_once(session, reference):
        calls.append(reference)
        return None if len(calls) == 1 else real(session, reference)

    monkeypatch.setattr(payments_q, "mpesa_payment", blind_once)
    before = state()
    with pytest.raises(ValidationFailed, match=f"Reference: M-Pesa code QJK3XY7Z1A is already recorded as "
                                               f"{first.number}"):
        pay(finance, chain["retailer"], "100", method="mpesa", reference="QJK3XY7Z1A")
    assert state() == before and len(calls) == 2


def _at_once(count: int, work) -> list[str]:
    """Run `work(i)` in `count` threads released together; "ok" or the refusal's message from each."""
    start = threading.Barrier(count)

    def one(i: int) -> str:
        start.wait()
        try:
            work(i)
            return "ok"
        except DomainError as exc:
            return f"{type(exc).__name__}: {exc.message}"
        except Exception as exc:  # reported to the test, which fails on any
            return f"unexpected {type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def test_the_same_mpesa_code_entered_at_once_is_recorded_once(chain, finance):
    outcomes = _at_once(8, lambda i: pay(finance, chain["distributor"], f"{100 + i}", method="mpesa",
                                         reference="QJK3XY7Z1A", allocate="none"))
    assert outcomes.count("ok") == 1
    assert set(outcomes) - {"ok"} == {
        "ValidationFailed: Reference: M-Pesa code QJK3XY7Z1A is already recorded as PAY-000001 "
        f"({TODAY.day} {TODAY:%b %Y})"}
    with reading() as s:
        assert s.exec(select(func.count()).select_from(Payment)).one() == 1


# ---- concurrency -------------------------------------------------------------------------------------------------


def test_concurrent_allocations_never_pay_an_invoice_twice(chain, factories, finance):
    dist = chain["distributor"]
    owed = [factories.invoice(chain, dist, "10", issued_on=ago(d)) for d in (3, 2, 1)]  # 3 × KES 400
    credits = [pay(finance, dist, "300", allocate="none") for _ in range(6)]            # KES 1,800 of credit
    outcomes = _at_once(6, lambda i: payments.allocate_payment(finance, payment_id=credits[i].id))
    assert [o for o in outcomes if o != "ok" and "no open invoices" not in o] == []
    assert outcomes.count("ok") == 4  # 1,200 owed in 300s
    assert [fresh(i).status for i in owed] == [InvoiceStatus.PAID] * 3
    with reading() as s:
        assert s.exec(select(func.sum(Payment.allocated))).one() == D("1200.00")
    assert_books_balance()


def test_concurrent_hand_allocations_to_one_invoice_stop_at_its_balance(chain, factories, finance):
    dist = chain["distributor"]
    invoice = factories.invoice(chain, dist, "10")  # KES 400
    credits = [pay(finance, dist, "150", allocate="none") for _ in range(5)]
    outcomes = _at_once(5, lambda i: payments.allocate_payment(
        finance, payment_id=credits[i].id, allocations=[{"invoice_id": invoice.id, "amount": "150"}]))
    assert outcomes.count("ok") == 2
    assert set(outcomes) - {"ok"} == {f"ValidationFailed: Allocation 1 amount: KES 150.00 is more than the balance "
                                      f"of {invoice.number} (KES 100.00)"}
    assert (fresh(invoice).paid, fresh(invoice).status) == (D("300.00"), InvoiceStatus.PARTIALLY_PAID)
    assert_books_balance()


def test_a_void_racing_allocations_leaves_no_money_on_a_void_invoice(chain, factories, finance):
    dist = chain["distributor"]
    invoice = factories.invoice(chain, dist, "10")
    credits = [pay(finance, dist, "100", allocate="none") for _ in range(4)]

    def work(i: int) -> None:
        if i == 0:
            invoices.void_invoice(finance, invoice_id=invoice.id, reason="Raised in error")
        else:
            payments.allocate_payment(finance, payment_id=credits[i].id, allocations=[{"invoice_id": invoice.id}])

    outcomes = _at_once(4, work)
    assert not [o for o in outcomes if o.startswith("unexpected")]
    after = fresh(invoice)
    if outcomes[0] == "ok":
        assert after.status is InvoiceStatus.VOID and after.paid == 0
    else:
        assert "release those allocations first" in outcomes[0] and after.paid > 0
    assert_books_balance()


# ---- the credit check --------------------------------------------------------------------------------------------


def test_an_order_refused_for_credit_is_accepted_once_a_payment_is_recorded(factories):
    chain = factories.sales_chain(credit_limit="1000", stock="500")
    dist = chain["distributor"]
    factories.invoice(chain, dist, "20")  # KES 800 outstanding of a KES 1,000 limit
    big = factories.order(SYSTEM, "primary", dist, [(chain["bread"], "10")], factory=chain["factory"])  # KES 400
    with pytest.raises(CreditLimitExceeded, match="outstanding invoices KES 800.00"):
        orders.confirm_order(SYSTEM, order_id=big.id)

    payments.record_payment(factories.actor("finance"), customer_id=dist.id, received_on=TODAY, amount="200",
                            method="cash")
    assert orders.confirm_order(SYSTEM, order_id=big.id).status is OrderStatus.CONFIRMED
    with reading() as s:
        assert payments_q.payment_by_id(s, 1).allocated == D("200.00")


def test_unallocated_credit_counts_against_exposure_like_an_allocation(factories):
    chain = factories.sales_chain(credit_limit="1000", stock="500")
    dist = chain["distributor"]
    factories.invoice(chain, dist, "20")
    order = factories.order(SYSTEM, "primary", dist, [(chain["bread"], "10")], factory=chain["factory"])
    payments.record_payment(factories.actor("finance"), customer_id=dist.id, received_on=TODAY, amount="199.99",
                            method="cash", allocate="none")
    with pytest.raises(CreditLimitExceeded, match="KES 0.01 over"):
        orders.confirm_order(SYSTEM, order_id=order.id)
    payments.record_payment(factories.actor("finance"), customer_id=dist.id, received_on=TODAY, amount="0.01",
                            method="cash", allocate="none")
    assert orders.confirm_order(SYSTEM, order_id=order.id).status is OrderStatus.CONFIRMED
