"""The demo's collections: customers paying their invoices over the history's days, each in its own way, recorded by
finance through the payment service (record_payment, allocated oldest due first) and dated the day the money came
in. SalesHistory.trade calls `collect` at the start of each day, so what is paid frees credit for the day's orders.

Habits, drawn once per customer from the seed (exact shares of the retailers and of the distributors, HABITS):
- on time (about three in four): each invoice paid on its due date or up to three days before (EARLY); now and
  then (SLIP) one a few days late;
- late (a fifth or so): every invoice 5-40 days after it fell due — the customer's own lag, give or take a few days;
- very late (a few retailers): 45-100 days, so their oldest invoices are still unpaid at the end and they spend
  most of the span on stop;
- in part (a few retailers and a distributor): every two or three weeks a round sum, part of what is overdue, which
  leaves invoices partially paid.
A customer never pays an invoice before an older one (an invoice's day is at least the one before it), so the
oldest-first allocation pays exactly the invoices the customer meant to pay.

The money: M-Pesa from most shops and kiosks, some cash; bank transfers, M-Pesa and cheques from the supermarkets;
bank transfers and cheques from the distributors (METHODS), each customer mostly its usual way (USUAL). M-Pesa
takes at most 250,000 KES a transaction and cash stays under 100,000 KES (bigger sums go by bank); banks take no
transfers or cheques on Sundays (that payment waits for Monday). References: M-Pesa codes of ten capitals and digits
whose first three letters say the year, month and day (as Safaricom's do: "UKL4H7Q2LM" on 21 Nov 2026), never one
twice; cheque numbers from the customer's cheque book; the bank's FT reference; a receipt number for cash.
Now and then a customer pays a round sum (SHORT, OVER): less than it owes (the invoice stays partially paid, the
rest follows within days) or more (the rest goes to its next invoice, or stays as credit when there is none, which
finance allocates when the customer next pays).

Deterministic from the seed: each customer-day and each invoice draws from its own generator.
"""

import string
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from random import Random

from domain.access import SYSTEM
from domain.demo.reads import demo_actor, held_credit, open_invoices
from domain.models import PartyKind, PaymentMethod
from domain.services.parties import list_parties
from domain.services.payments import allocate_payment, record_payment

ON_TIME, LATE, VERY_LATE, IN_PART = "on time", "late", "very late", "in part"
# Of each kind of customer, the share with each habit but paying on time (which is the rest).
HABITS: dict[PartyKind, tuple[tuple[str, float], ...]] = {
    PartyKind.RETAILER: ((LATE, 0.22), (VERY_LATE, 0.025), (IN_PART, 0.025)),
    PartyKind.DISTRIBUTOR: ((LATE, 0.2), (IN_PART, 0.04)),
}
EARLY = (0, 0, 0, 1, 1, 2, 3)  # days before the due date an on-time customer pays
SLIP = 0.06  # chance an on-time customer pays an invoice 1-4 days late
LAGS = {LATE: (5, 40, 12, 3), VERY_LATE: (45, 100, 65, 5)}  # days past due: (least, most, likeliest, give or take)
FIRST_PART = (5, 20)  # a part payer's first payment: days past the due date
PART_EVERY = (10, 21)  # and then one every so many days
PART_SHARE = (30, 60)  # per cent of what is due, rounded down to a thousand
BIG_SHOP = Decimal(100_000)  # a retailer with at least this credit limit pays like a supermarket
METHODS: dict[str, tuple[tuple[PaymentMethod, int], ...]] = {
    "shop": ((PaymentMethod.MPESA, 78), (PaymentMethod.CASH, 16), (PaymentMethod.BANK_TRANSFER, 5),
             (PaymentMethod.CHEQUE, 1)),
    "supermarket": ((PaymentMethod.BANK_TRANSFER, 45), (PaymentMethod.MPESA, 30), (PaymentMethod.CHEQUE, 20),
                    (PaymentMethod.CASH, 5)),
    "distributor": ((PaymentMethod.BANK_TRANSFER, 65), (PaymentMethod.CHEQUE, 25), (PaymentMethod.MPESA, 10)),
}
USUAL = 0.85  # chance a payment goes the customer's usual way
MPESA_MAX, CASH_MAX = Decimal(250_000), Decimal(100_000)
BANKED = (PaymentMethod.BANK_TRANSFER, PaymentMethod.CHEQUE)  # not on Sundays
SUNDAY = 6
SHORT, OVER = 0.05, 0.04  # chance a payment is rounded down to a thousand / up to ROUND_UP
ROUND_UP = {PartyKind.RETAILER: Decimal(5_000), PartyKind.DISTRIBUTOR: Decimal(50_000)}
REST_WITHIN = (3, 10)  # days until a short payment's rest is paid
THOUSAND = Decimal(1_000)
CODE = string.ascii_uppercase + string.digits


@dataclass
class Payer:
    """A customer as the history collects from it."""

    id: int
    code: str
    kind: PartyKind
    habit: str
    lag: int  # late, very late: its usual days past the due date
    usual: PaymentMethod
    methods: tuple[tuple[PaymentMethod, int], ...]
    cheque: int  # the next number in its cheque book
    invoices: int = 0  # invoices planned so far
    last: date | None = None  # the day its latest invoice is to be paid
    not_before: date | None = None  # after a part payment: when it pays again


def mpesa_code(day: date, rng: Random) -> str:
    """An M-Pesa transaction code: year (A = 2006), month (A = January) and day (1-9, then A = 10th) of the
    transaction, then seven random capitals and digits."""
    year = string.ascii_uppercase[(day.year - 2006) % 26]
    month = string.ascii_uppercase[day.month - 1]
    of_month = str(day.day) if day.day < 10 else string.ascii_uppercase[day.day - 10]
    return year + month + of_month + "".join(rng.choices(CODE, k=7))


class Collections:
    """Who pays how, which day each open invoice is to be paid, and the references used so far."""

    def __init__(self, *, seed: int) -> None:
        self.seed = seed
        self.finance = demo_actor("finance")
        self.payers: dict[int, Payer] = {}
        rng = Random(f"chesanto-collections/{seed}/habits")
        for kind in (PartyKind.DISTRIBUTOR, PartyKind.RETAILER):
            parties = sorted(list_parties(SYSTEM, kind=kind, limit=5000), key=lambda p: p.code)
            habits = self._habits(kind, len(parties), rng)
            for party, habit in zip(parties, habits, strict=True):
                segment = ("distributor" if kind is PartyKind.DISTRIBUTOR
                           else "supermarket" if party.credit_limit >= BIG_SHOP else "shop")
                methods = METHODS[segment]
                usual = rng.choices([m for m, _ in methods], [w for _, w in methods])[0]
                least, most, likeliest, _ = LAGS.get(habit, (0, 0, 0, 0))
                lag = round(rng.triangular(least, most, likeliest))
                self.payers[party.id] = Payer(party.id, party.code, kind, habit, lag, usual, methods,
                                              rng.randrange(100_001, 899_999))
        self.plans: dict[int, date] = {}  # invoice id -> the day it is to be paid
        self.codes: set[str] = set()
        self.receipts = 0

    @staticmethod
    def _habits(kind: PartyKind, count: int, rng: Random) -> list[str]:
        habits: list[str] = []
        for habit, share in HABITS[kind]:
            habits += [habit] * round(count * share)
        habits += [ON_TIME] * (count - len(habits))
        rng.shuffle(habits)
        return habits

    def _rng(self, *key: object) -> Random:
        return Random("/".join(["chesanto-collections", str(self.seed), *map(str, key)]))

    def slow_payer(self, customer_id: int) -> bool:
        """Does the customer pay very late or in part (so it is often on stop)?"""
        payer = self.payers.get(customer_id)
        return payer is not None and payer.habit in (VERY_LATE, IN_PART)

    def collect(self, day: date) -> None:
        """The day's payments: each customer pays what it means to pay by today, in one payment."""
        credits = held_credit()
        for customer_id, rows in groupby(open_invoices(), key=lambda row: row[1]):
            payer = self.payers.get(customer_id)
            if payer is None:
                continue
            invoices = [(self._planned(payer, invoice_id, due), balance) for invoice_id, _, due, balance in rows]
            due = sum((balance for planned, balance in invoices if planned <= day), Decimal(0))
            if due > 0 and (payer.not_before is None or payer.not_before <= day):
                self._pay(payer, day, due, sum((b for _, b in invoices), Decimal(0)), credits.get(customer_id, []))

    def _planned(self, payer: Payer, invoice_id: int, due: date) -> date:
        """The day the customer means to pay this invoice, never before its older ones (planned when first seen)."""
        if invoice_id not in self.plans:
            payer.invoices += 1
            rng = self._rng(payer.code, "invoice", payer.invoices)
            if payer.habit == ON_TIME:
                days = rng.randint(1, 4) if rng.random() < SLIP else -rng.choice(EARLY)
            elif payer.habit == IN_PART:
                days = rng.randint(*FIRST_PART)
            else:
                least, most, _, spread = LAGS[payer.habit]
                days = min(most, max(least, payer.lag + rng.randint(-spread, spread)))
            planned = due + timedelta(days=days)
            self.plans[invoice_id] = planned if payer.last is None else max(planned, payer.last)
            payer.last = self.plans[invoice_id]
        return self.plans[invoice_id]

    def _pay(self, payer: Payer, day: date, due: Decimal, owed: Decimal, credits: list[tuple[int, Decimal]]) -> None:
        """Pay `due` (of `owed` in all) less the credit the customer holds, which finance allocates first."""
        rng = self._rng(payer.code, day)
        held = sum((credit for _, credit in credits), Decimal(0))
        amount, note, again = self._amount(payer, rng, due - held)
        method = self._method(payer, rng, amount)
        if amount > 0 and method in BANKED and day.weekday() == SUNDAY:
            return
        for payment_id, credit in credits:
            if owed <= 0:
                break
            allocate_payment(self.finance, payment_id=payment_id)
            owed -= credit
        if amount <= 0:
            return
        record_payment(self.finance, customer_id=payer.id, received_on=day, amount=amount, method=method,
                       reference=self._reference(payer, rng, method, day), note=note)
        if again:
            payer.not_before = day + timedelta(days=rng.randint(*again))

    def _amount(self, payer: Payer, rng: Random, due: Decimal) -> tuple[Decimal, str | None, tuple[int, int] | None]:
        """(what the customer pays, a note, when it pays again: None for as planned)."""
        if due <= 0:
            return Decimal(0), None, None
        if payer.habit == IN_PART and due > THOUSAND:
            part = (due * rng.randint(*PART_SHARE) / 100 // THOUSAND) * THOUSAND
            return max(part, THOUSAND), "Part payment: the balance promised later", PART_EVERY
        draw = rng.random()
        if draw < SHORT and due > THOUSAND and due % THOUSAND:
            return due // THOUSAND * THOUSAND, "Paid in round figures: the rest to follow", REST_WITHIN
        step = ROUND_UP[payer.kind]
        if draw > 1 - OVER and due % step:
            return (due // step + 1) * step, "Paid in round figures", None
        return due, None, None

    def _method(self, payer: Payer, rng: Random, amount: Decimal) -> PaymentMethod:
        """The customer's usual way to pay (or now and then another), within what M-Pesa and cash can carry."""
        method = payer.usual
        if rng.random() >= USUAL:
            method = rng.choices([m for m, _ in payer.methods], [w for _, w in payer.methods])[0]
        if method is PaymentMethod.CASH and amount > CASH_MAX:
            method = PaymentMethod.MPESA
        if method is PaymentMethod.MPESA and amount > MPESA_MAX:
            method = PaymentMethod.BANK_TRANSFER
        return method

    def _reference(self, payer: Payer, rng: Random, method: PaymentMethod, day: date) -> str:
        if method is PaymentMethod.MPESA:
            code = mpesa_code(day, rng)
            while code in self.codes:
                code = mpesa_code(day, rng)
            self.codes.add(code)
            return code
        if method is PaymentMethod.CHEQUE:
            payer.cheque += 1
            return f"{payer.cheque:06d}"
        if method is PaymentMethod.BANK_TRANSFER:
            return f"FT{day:%y}{day.timetuple().tm_yday:03d}{''.join(rng.choices(CODE, k=5))}"
        self.receipts += 1
        return f"RCT-{self.receipts:05d}"
