"""Receivables: ageing buckets fall exactly on their boundaries (the same in SQL as in the rule), each customer's
outstanding, overdue, credit and headroom agree with what confirming an order allows, regions add up, and the
statement's running balance ends where the books do — all limited to the actor's region."""

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.errors import CreditLimitExceeded, NotFound, PermissionDenied, ValidationFailed
from domain.inputs import business_today
from domain.models import OrderStatus
from domain.services import invoices, orders, parties, payments, receivables
from domain.services.receivables import AGEING, ageing_bucket
from domain.services.tables import fetch_page
from domain.tables import TableQuery

D = Decimal
TODAY = business_today()
BUCKETS = [b.key for b in AGEING]


@pytest.fixture
def chain(factories):
    return factories.sales_chain(stock="5000", credit_limit="1000")


@pytest.fixture
def finance(factories):
    return factories.actor("finance")


def ago(days: int):
    return TODAY - timedelta(days=days)


def customer_rows(actor, **kwargs) -> dict[str, dict]:
    source = receivables.receivables_table(actor, **kwargs)
    return {r["customer"]: r for r in fetch_page(actor, source, TableQuery(page_size=200)).rows}


def test_ageing_buckets_meet_at_their_boundaries():
    days = [-10, 0, 1, 30, 31, 60, 61, 90, 91, 1000]
    assert [ageing_bucket(d) for d in days] == [
        "current", "current", "days_1_30", "days_1_30", "days_31_60", "days_31_60", "days_61_90", "days_61_90",
        "days_over_90", "days_over_90"]
    assert [b.label for b in AGEING] == ["Current", "1–30 days", "31–60 days", "61–90 days", "90+ days"]


def test_the_sql_ages_an_invoice_into_the_bucket_the_rule_names(chain, factories, finance):
    invoice = factories.invoice(chain, chain["distributor"], "10")  # KES 400, due in 30 days
    for overdue in (-1, 0, 1, 30, 31, 60, 61, 90, 91):
        as_of = invoice.due_date + timedelta(days=overdue)
        row = customer_rows(finance, as_of=as_of)["Rift Distributors"]
        expected = {key: D("400.00") if key == ageing_bucket(overdue) else D("0.00") for key in BUCKETS}
        assert {key: row[key] for key in BUCKETS} == expected, overdue
        assert (row["outstanding"], row["overdue"]) == (D("400.00"), D("400.00") if overdue > 0 else D("0.00"))
        [rift] = [r for r in receivables.receivables_by_region(finance, as_of=as_of.isoformat()) if r.region == "Rift"]
        assert rift.buckets == expected, overdue


def test_invoices_at_every_boundary_add_up_per_bucket(factories, finance):
    chain = factories.sales_chain(stock="5000")  # credit limit KES 1,000,000
    # Distributor terms are 30 days: issued 30 + n days ago is n days overdue today. KES 40 a loaf.
    for loaves, overdue in enumerate([0, 1, 30, 31, 60, 61, 90, 91], start=1):
        factories.invoice(chain, chain["distributor"], str(loaves), issued_on=ago(30 + overdue))
    row = customer_rows(finance)["Rift Distributors"]
    assert {key: row[key] for key in BUCKETS} == {
        "current": D("40.00"), "days_1_30": D("200.00"), "days_31_60": D("360.00"), "days_61_90": D("520.00"),
        "days_over_90": D("320.00")}
    assert (row["outstanding"], row["overdue"]) == (D("1440.00"), D("1400.00"))
    assert row["headroom"] == D("998560.00")


def test_headroom_is_exactly_what_confirming_an_order_allows(chain, factories, finance):
    dist, bread, factory = chain["distributor"], chain["bread"], chain["factory"]
    factories.invoice(chain, dist, "10", issued_on=ago(40))  # KES 400, 10 days overdue
    payments.record_payment(finance, customer_id=dist.id, received_on=ago(3), amount="100", method="cash",
                            allocate="none")  # KES 100 of credit
    factories.order_through(factories.order(SYSTEM, "primary", dist, [(bread, "5")], factory=factory), "confirmed")
    row = customer_rows(finance)["Rift Distributors"]
    assert (row["credit_limit"], row["outstanding"], row["overdue"], row["open_orders"], row["credit"]) == (
        D("1000.00"), D("400.00"), D("400.00"), D("200.00"), D("100.00"))
    assert (row["headroom"], row["last_payment"], row["kind"], row["region"], row["territory"]) == (
        D("500.00"), ago(3), "distributor", "Rift", "Nakuru Town")

    too_big = factories.order(SYSTEM, "primary", dist, [(bread, "12.501")], factory=factory)  # KES 500.04
    with pytest.raises(CreditLimitExceeded, match="KES 0.04 over"):
        orders.confirm_order(SYSTEM, order_id=too_big.id)
    fits = factories.order(SYSTEM, "primary", dist, [(bread, "12.5")], factory=factory)  # KES 500.00
    assert orders.confirm_order(SYSTEM, order_id=fits.id).status is OrderStatus.CONFIRMED
    assert customer_rows(finance)["Rift Distributors"]["headroom"] == D("0.00")

    parties.update_party(SYSTEM, party_id=dist.id, credit_limit="600")
    assert customer_rows(finance)["Rift Distributors"]["headroom"] == D("-400.00")


def test_paid_and_void_invoices_leave_receivables(chain, factories, finance):
    dist = chain["distributor"]
    paid = factories.invoice(chain, dist, "10", issued_on=ago(100))
    void = factories.invoice(chain, dist, "5", issued_on=ago(100))
    payments.record_payment(finance, customer_id=dist.id, received_on=TODAY, amount="400", method="cash",
                            allocate=[{"invoice_id": paid.id}])
    invoices.void_invoice(finance, invoice_id=void.id, reason="Duplicate")
    row = customer_rows(finance)["Rift Distributors"]
    assert (row["outstanding"], row["overdue"], row["days_over_90"], row["headroom"]) == (
        D("0.00"), D("0.00"), D("0.00"), D("1000.00"))


def test_inactive_customers_are_listed_only_while_money_is_open(chain, factories, finance):
    parties.deactivate_party(SYSTEM, party_id=chain["retailer2"].id)          # nothing owed: left out
    factories.invoice(chain, chain["retailer"], "2")
    parties.deactivate_party(SYSTEM, party_id=chain["retailer"].id)           # still owes KES 90: listed
    rows = customer_rows(finance)
    assert set(rows) == {"Rift Distributors", "Mama Njeri Shop", "Westlands Distributors"}
    assert rows["Mama Njeri Shop"]["outstanding"] == D("90.00")


@pytest.fixture
def two_regions(chain, factories, finance):
    """Rift: Rift Distributors owes 400 (5 days overdue) and 40; Mama Njeri owes 90. Nairobi: Westlands Kiosk
    owes 135 (8 days overdue) and 90, and paid KES 200 (the 135, then 65 of the 90)."""
    factories.invoice(chain, chain["distributor"], "10", issued_on=ago(35))
    factories.invoice(chain, chain["distributor"], "1")
    factories.invoice(chain, chain["retailer"], "2")
    factories.invoice(chain, chain["retailer2"], "3", issued_on=ago(15))
    factories.invoice(chain, chain["retailer2"], "2")
    payments.record_payment(finance, customer_id=chain["retailer2"].id, received_on=ago(1), amount="200",
                            method="bank_transfer", reference="EQ-7781")
    return chain


def test_receivables_add_up_per_region(two_regions, finance):
    nairobi, rift = receivables.receivables_by_region(finance)
    assert (rift.region, rift.customers, rift.owing, rift.credit_limit) == ("Rift", 2, 2, D("2000.00"))
    assert (rift.outstanding, rift.overdue, rift.buckets["days_1_30"], rift.buckets["current"]) == (
        D("530.00"), D("400.00"), D("400.00"), D("130.00"))
    assert (rift.headroom, rift.last_payment) == (D("1470.00"), None)
    assert (nairobi.region, nairobi.customers, nairobi.owing, nairobi.outstanding, nairobi.credit) == (
        "Nairobi", 2, 1, D("25.00"), D("0.00"))
    assert (nairobi.overdue, nairobi.last_payment, nairobi.headroom) == (D("0.00"), ago(1), D("1975.00"))
    page = fetch_page(finance, receivables.receivables_table(finance), TableQuery())
    assert page.totals["outstanding"] == rift.outstanding + nairobi.outstanding
    assert page.totals["credit_limit"] == D("4000.00") and "headroom" not in page.totals


def test_a_regional_finance_user_sees_only_their_regions_receivables(two_regions, factories):
    rift = factories.actor("finance", scope_code="RFT")
    assert set(customer_rows(rift)) == {"Rift Distributors", "Mama Njeri Shop"}
    assert [r.region for r in receivables.receivables_by_region(rift)] == ["Rift"]
    with pytest.raises(PermissionDenied, match="outside your area"):
        receivables.customer_statement(rift, customer_id=two_regions["retailer2"].id, date_from=ago(30),
                                       date_to=TODAY)
    with pytest.raises(PermissionDenied, match="may not see invoices"):
        receivables.receivables_table(factories.actor("regional_sales"))
    with pytest.raises(ValidationFailed, match="As of: must be a date"):
        receivables.receivables_table(rift, as_of="last week")


def test_the_statement_runs_from_the_opening_balance_to_the_closing_balance(chain, factories, finance):
    dist = chain["distributor"]
    before = factories.invoice(chain, dist, "10", issued_on=ago(60))      # KES 400, before the period
    voided = factories.invoice(chain, dist, "5", issued_on=ago(50))       # KES 200, voided in the period
    payments.record_payment(finance, customer_id=dist.id, received_on=ago(40), amount="100", method="cash")
    inside = factories.invoice(chain, dist, "5", issued_on=ago(10))       # KES 200
    paid = payments.record_payment(finance, customer_id=dist.id, received_on=ago(5), amount="150",
                                   method="mpesa", reference="QJK3XY7Z1A")
    today = factories.invoice(chain, dist, "1")                           # KES 40
    invoices.void_invoice(finance, invoice_id=voided.id, reason="Entered twice")

    statement = receivables.customer_statement(finance, customer_id=dist.id, date_from=ago(30), date_to=TODAY)
    assert (statement.customer, statement.opening_balance) == ("Rift Distributors", D("500.00"))
    assert [(line.day, line.kind, line.number, line.detail, line.debit, line.credit, line.balance)
            for line in statement.lines] == [
        (ago(10), "invoice", inside.number, "Order PO-000003", D("200.00"), D("0.00"), D("700.00")),
        (ago(5), "payment", paid.number, "M-Pesa QJK3XY7Z1A", D("0.00"), D("150.00"), D("550.00")),
        (TODAY, "invoice", today.number, "Order PO-000004", D("40.00"), D("0.00"), D("590.00")),
        (TODAY, "void", voided.number, "Void: Entered twice", D("0.00"), D("200.00"), D("390.00"))]
    assert statement.lines[0].due_date == ago(10) + timedelta(days=30)
    assert (statement.total_debit, statement.total_credit, statement.closing_balance) == (
        D("240.00"), D("350.00"), D("390.00"))
    # the closing balance is what the books say: outstanding − unallocated credit
    row = customer_rows(finance)["Rift Distributors"]
    assert row["outstanding"] - row["credit"] == statement.closing_balance
    earlier = receivables.customer_statement(finance, customer_id=dist.id, date_from=ago(70), date_to=ago(31))
    assert (earlier.opening_balance, [line.number for line in earlier.lines], earlier.closing_balance) == (
        D("0.00"), [before.number, voided.number, "PAY-000001"], D("500.00"))


def test_the_statement_period_is_checked(chain, finance):
    dist = chain["distributor"]
    with pytest.raises(ValidationFailed) as bad:
        receivables.customer_statement(finance, customer_id=dist.id, date_from=TODAY, date_to=ago(1))
    assert bad.value.errors == {"To": "must not be before From"}
    with pytest.raises(ValidationFailed) as bad:
        receivables.customer_statement(finance, customer_id=dist.id, date_from=TODAY + timedelta(days=1),
                                       date_to="soon")
    assert bad.value.errors == {"From": "cannot be in the future", "To": "must be a date such as 2026-11-21"}
    with pytest.raises(NotFound):
        receivables.customer_statement(finance, customer_id=424242, date_from=ago(1), date_to=TODAY)
