"""Receivables: what customers owe, how late, and how much more they may buy — per customer, per region — and a
customer's statement. Derived from invoices, payments and orders, never typed in.

- Days overdue = as-of date − due date; 0 or less is current. Buckets: current, 1–30, 31–60, 61–90, 90+ days
  (`AGEING`, `ageing_bucket`), the same bounds in the SQL that sums them.
- Outstanding is the unpaid balance of open and partially paid invoices as it stands now; `as_of` (default today)
  is the date the ageing is measured at.
- Headroom = credit limit − outstanding − open orders (confirmed or dispatched, not yet invoiced) + credit
  (payments not yet allocated): what an order may still be worth when it is confirmed. It can be negative.
- A customer statement lists, for a period, invoices (debit), voids of invoices (credit) and payments (credit)
  with a running balance from the opening balance; a negative balance is money held for the customer.
Everything is limited to the actor's area (the customer's place).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from domain import inputs
from domain.access import Actor
from domain.config import get_settings
from domain.db import reading
from domain.errors import NotFound, ValidationFailed
from domain.formatting import format_date
from domain.models import PartyKind
from domain.queries import parties as parties_q
from domain.queries import receivables as receivables_q
from domain.tables import Column, TableSource


@dataclass(frozen=True)
class AgeingBucket:
    key: str
    label: str
    low: int | None  # fewest days overdue (inclusive); None: no lower bound
    high: int | None  # most days overdue (inclusive); None: no upper bound

    def holds(self, days: int) -> bool:
        return (self.low is None or days >= self.low) and (self.high is None or days <= self.high)


AGEING = (
    AgeingBucket("current", "Current", None, 0),
    AgeingBucket("days_1_30", "1–30 days", 1, 30),
    AgeingBucket("days_31_60", "31–60 days", 31, 60),
    AgeingBucket("days_61_90", "61–90 days", 61, 90),
    AgeingBucket("days_over_90", "90+ days", 91, None),
)


def days_overdue(due_date: date, as_of: date) -> int:
    """Whole days past the due date on `as_of` (0 or negative: not yet due)."""
    return (as_of - due_date).days


def ageing_bucket(days: int) -> str:
    """The key of the bucket an invoice `days` overdue falls in: 0 or less → "current", 1–30 → "days_1_30", …"""
    return next(b.key for b in AGEING if b.holds(days))


def _buckets() -> list[receivables_q.Bucket]:
    return [(b.key, b.low, b.high) for b in AGEING]


def _as_of(value: date | str | None) -> date:
    if value is None:
        return inputs.business_today()
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise ValidationFailed.field("As of", "must be a date")
    try:
        return value if isinstance(value, date) else date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed.field("As of", "must be a date such as 2026-11-21") from None


RECEIVABLE_COLUMNS = [
    Column("customer", "Customer", "text", filter="text"),
    Column("code", "Code", "text", filter="text"),
    Column("kind", "Kind", "choice", filter="choice", choices=[PartyKind.DISTRIBUTOR.value, PartyKind.RETAILER.value]),
    Column("region", "Region", "text", filter="text"),
    Column("territory", "Territory", "text", filter="text"),
    Column("credit_limit", "Credit limit", "money", filter="range", summable=True),
    Column("outstanding", "Outstanding", "money", filter="range", summable=True),
    Column("overdue", "Overdue", "money", filter="range", summable=True),
    *(Column(b.key, b.label, "money", summable=True) for b in AGEING),
    Column("open_orders", "Open orders", "money", summable=True),
    Column("credit", "Unallocated payments", "money", filter="range", summable=True),
    Column("headroom", "Headroom", "money", filter="range"),
    Column("last_payment", "Last payment", "date", filter="date_range"),
]


def receivables_table(actor: Actor, *, as_of: date | str | None = None) -> TableSource:
    """Per customer inside the actor's area: credit limit, outstanding, overdue and the ageing buckets at `as_of`
    (default today), open orders, unallocated payments, headroom and the last payment; most outstanding first."""
    actor.require("finance.view")
    day = _as_of(as_of)
    return TableSource(
        name="receivables", title=f"Receivables at {format_date(day)}", columns=RECEIVABLE_COLUMNS,
        build=lambda who: receivables_q.customer_select(who, as_of=day, buckets=_buckets()),
        permission="finance.view", row_key="id", default_sort="outstanding", default_descending=True)


@dataclass(frozen=True)
class RegionReceivables:
    region_id: int | None  # None: customers placed above region level
    region: str
    customers: int
    owing: int  # customers with something outstanding
    credit_limit: Decimal
    outstanding: Decimal
    overdue: Decimal
    buckets: dict[str, Decimal]  # AGEING key -> amount
    open_orders: Decimal
    credit: Decimal
    headroom: Decimal
    last_payment: date | None


def receivables_by_region(actor: Actor, *, as_of: date | str | None = None) -> list[RegionReceivables]:
    """The receivables table summed per region inside the actor's area, by region name."""
    actor.require("finance.view")
    day = _as_of(as_of)
    with reading() as session:
        rows = receivables_q.by_region(session, actor, as_of=day, buckets=_buckets())
    return [_region(row) for row in rows]


def _region(row: dict[str, Any]) -> RegionReceivables:
    return RegionReceivables(
        region_id=row["region_id"], region=row["region"] or "Outside any region", customers=int(row["customers"]),
        owing=int(row["owing"]), credit_limit=row["credit_limit"], outstanding=row["outstanding"],
        overdue=row["overdue"], buckets={b.key: row[b.key] for b in AGEING}, open_orders=row["open_orders"],
        credit=row["credit"], headroom=row["headroom"], last_payment=row["last_payment"])


# ---- the customer statement --------------------------------------------------------------------------------------


EntryKind = Literal["invoice", "void", "payment"]
_ORDER: dict[str, int] = {"invoice": 0, "void": 1, "payment": 2}


@dataclass(frozen=True)
class StatementLine:
    day: date
    kind: EntryKind
    number: str  # INV-… or PAY-…
    detail: str  # the order an invoice is for, why it was voided, how a payment came
    debit: Decimal
    credit: Decimal
    balance: Decimal  # running: what the customer owes after this line (negative: held for them)
    due_date: date | None = None


@dataclass(frozen=True)
class Statement:
    customer_id: int
    customer: str
    code: str
    date_from: date
    date_to: date
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0.00"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal("0.00"))


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=get_settings().tz).astimezone(UTC)


def _period(date_from: date | str, date_to: date | str) -> tuple[date, date]:
    """The statement's period: two dates, today or earlier, From not after To."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for label, value in (("From", date_from), ("To", date_to)):
        try:
            days[label] = inputs.past_day(value)
        except ValueError as exc:
            errors[label] = str(exc)
    if not errors and days["From"] > days["To"]:
        errors["To"] = "must not be before From"
    if errors:
        raise ValidationFailed(errors)
    return days["From"], days["To"]


def customer_statement(actor: Actor, *, customer_id: int, date_from: date | str, date_to: date | str) -> Statement:
    """A customer's invoices, voids and payments from `date_from` to `date_to` (inclusive, to today at the latest)
    with the opening balance, a running balance on each line and the closing balance."""
    actor.require("finance.view")
    start, end = _period(date_from, date_to)
    void_start, void_end = _local_midnight(start), _local_midnight(end + timedelta(days=1))
    zone = get_settings().tz
    with reading() as session:
        customer = parties_q.party_by_id(session, customer_id)
        if customer is None:
            raise NotFound("There is no such customer.")
        actor.ensure_sees(customer.territory_path, customer.name)
        opening = receivables_q.opening_balance(session, customer_id, before=start, voided_before=void_start)
        entries: list[tuple[date, EntryKind, str, str, Decimal, Decimal, date | None]] = [
            (i.issue_date, "invoice", i.number, f"Order {order}", i.amount, Decimal("0.00"), i.due_date)
            for i, order in receivables_q.invoices_issued(session, customer_id, start, end)]
        entries += [
            (i.voided_at.astimezone(zone).date() if i.voided_at else end, "void", i.number,
             f"Void: {i.void_reason or ''}".strip(), Decimal("0.00"), i.amount, None)
            for i in receivables_q.invoices_voided(session, customer_id, void_start, void_end)]
        entries += [
            (p.received_on, "payment", p.number, " ".join(filter(None, (p.method.label, p.reference))),
             Decimal("0.00"), p.amount, None)
            for p in receivables_q.payments_received(session, customer_id, start, end)]
    entries.sort(key=lambda e: (e[0], _ORDER[e[1]], e[2]))
    balance = opening
    lines: list[StatementLine] = []
    for day, kind, number, detail, debit, credit, due in entries:
        balance += debit - credit
        lines.append(StatementLine(day, kind, number, detail, debit, credit, balance, due))
    return Statement(customer_id, customer.name, customer.code, start, end, opening, lines, balance)
