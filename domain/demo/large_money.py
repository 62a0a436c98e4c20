"""The money side of the `large` history: an invoice per delivery, each paid by its customer's habit (on time, late,
very late or in part; M-Pesa most for shops, bank transfers for distributors), the allocation of each payment to its
invoice, the factories' expenses, and the payments rollup — all in storage units (cents) for the bulk writer."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from random import Random
from typing import Any

from domain.demo.large_company import PAYERS, Customer
from domain.queries.bulk import BulkWriter

INVOICE_COLUMNS = ("id", "created_at", "updated_at", "number", "order_id", "customer_id", "territory_path",
                   "issue_date", "due_date", "amount", "paid", "status")
PAYMENT_COLUMNS = ("id", "created_at", "updated_at", "number", "customer_id", "territory_path", "received_on",
                   "amount", "allocated", "method", "reference", "recorded_by", "note")
ALLOCATION_COLUMNS = ("id", "created_at", "updated_at", "payment_id", "invoice_id", "amount", "allocated_by")
EXPENSE_COLUMNS = ("id", "created_at", "updated_at", "number", "category", "factory_id", "territory_path",
                   "spent_on", "amount", "description", "status", "recorded_by", "decided_by", "decided_at")
METHODS = {"retailer": (("mpesa", 65), ("cash", 20), ("bank_transfer", 10), ("cheque", 5)),
           "distributor": (("bank_transfer", 70), ("cheque", 20), ("mpesa", 10))}
PART_PAID = 0.4  # of a chronic payer's invoices, the share paid only in part within the history
ROUND_UP = 0.03  # of M-Pesa payments, the share rounded up to the next 100 KES (the rest stays as credit)
HUNDRED_KES = 10_000
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# (category, description, KES from, to, how often: weekday (0-6), "month" (the 1st) or a daily chance)
EXPENSES: tuple[tuple[str, str, int, int, Any], ...] = (
    ("wages", "Weekly wages", 350_000, 450_000, 4),
    ("transport", "Delivery lorries: hire and tolls", 60_000, 120_000, 0),
    ("fuel", "Diesel for ovens and lorries", 40_000, 90_000, 0.33),
    ("utilities", "Electricity and water", 250_000, 400_000, "month"),
    ("maintenance", "Oven and slicer repairs", 15_000, 80_000, 0.10),
    ("ingredients", "Local purchases: eggs, milk", 20_000, 60_000, 0.07),
    ("other", "Cleaning, security and sundries", 5_000, 30_000, 0.05),
)


def mpesa_code(n: int) -> str:
    """A unique M-Pesa-like transaction code for the n-th payment (a bijection of n onto 9 base-36 digits)."""
    value = (n * 2_654_435_761 + 97_531) % 36 ** 9
    digits = []
    for _ in range(9):
        value, digit = divmod(value, 36)
        digits.append(BASE36[digit])
    return "S" + "".join(reversed(digits))


class MoneyFlow:
    def __init__(self, writer: BulkWriter, *, first_ids: dict[str, int], stamp: Callable[[date, int], Any],
                 last_day: date, users: dict[str, int | None], seed: int, number: Callable[[str], str]) -> None:
        self.w, self.stamp, self.last_day, self.number = writer, stamp, last_day, number
        self.rng = Random(f"chesanto-large/{seed}/money")
        self.finance, self.production = users.get("finance"), users.get("production")
        self.ids = {t: first_ids[t] for t in ("invoice", "payment", "payment_allocation", "expense")}
        self.due: dict[date, list[tuple[Customer, int, int, int]]] = defaultdict(list)
        self.rollup: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.owed: dict[tuple[date, str], int] = defaultdict(int)  # (due date, place) -> balance, cents
        self.paid_count = 0
        for name, columns in (("invoice", INVOICE_COLUMNS), ("payment", PAYMENT_COLUMNS),
                              ("payment_allocation", ALLOCATION_COLUMNS), ("expense", EXPENSE_COLUMNS)):
            writer.table(name, columns)

    def _next(self, table: str) -> int:
        found = self.ids[table]
        self.ids[table] += 1
        return found

    def invoice(self, order_id: int, customer: Customer, total: int, day: date) -> None:
        """Issue the invoice of a delivery, with what its customer will have paid of it by the end."""
        rng = self.rng
        due = day + timedelta(days=customer.terms)
        _, early, late = PAYERS[customer.payer]
        pay_day = max(day, due + timedelta(days=rng.randint(early, late)))
        amount = total
        if customer.payer == "chronic" and rng.random() < PART_PAID and total > 2 * HUNDRED_KES:
            amount = max(HUNDRED_KES, round(total * rng.uniform(0.3, 0.7) / HUNDRED_KES) * HUNDRED_KES)
            amount = min(amount, total - HUNDRED_KES)
        paid = amount if pay_day <= self.last_day else 0
        status = "paid" if paid == total else "partially_paid" if paid else "open"
        invoice_id = self._next("invoice")
        at = self.stamp(day, 12)
        self.w.add("invoice", (invoice_id, at, at, self.number("INV"), order_id, customer.id, customer.path,
                               self.w.day(day), self.w.day(due), total, paid, status))
        if paid:
            self.due[pay_day].append((customer, invoice_id, amount, total))
        if total - paid:
            self.owed[(due, customer.path)] += total - paid

    def pay_due(self, day: date) -> None:
        """The payments received today, each allocated to its invoice."""
        for customer, invoice_id, amount, _total in self.due.pop(day, []):
            kind = "retailer" if customer.distributor else "distributor"
            methods = METHODS[kind]
            method = self.rng.choices([m for m, _ in methods], weights=[w for _, w in methods])[0]
            received = amount
            if method == "mpesa" and amount % HUNDRED_KES and self.rng.random() < ROUND_UP:
                received = (amount // HUNDRED_KES + 1) * HUNDRED_KES
            self.paid_count += 1
            n = self.paid_count
            reference = {"mpesa": mpesa_code(n), "bank_transfer": f"FT{day:%y%m%d}{n % 100_000:05d}",
                         "cheque": f"CHQ {100_000 + n % 900_000}"}.get(method)
            payment_id = self._next("payment")
            at = self.stamp(day, 11)
            self.w.add("payment", (payment_id, at, at, self.number("PAY"), customer.id, customer.path, self.w.day(day),
                                   received, amount, method, reference, self.finance, None))
            self.w.add("payment_allocation", (self._next("payment_allocation"), at, at, payment_id, invoice_id, amount,
                                              self.finance))
            row = self.rollup[(day, customer.path, method)]
            row[0] += 1
            row[1] += received

    def expenses(self, day: date, factories: dict[int, tuple[str, str, Any]]) -> None:
        for factory, (code, path, _) in factories.items():
            for category, what, low, high, when in EXPENSES:
                if when == "month":
                    due = day.day == 1
                elif isinstance(when, int):
                    due = day.weekday() == when
                else:
                    due = self.rng.random() < when
                if not due:
                    continue
                amount = self.rng.randrange(low, high, 50) * 100
                pending = (self.last_day - day).days < 3
                at = self.stamp(day, 14)
                self.w.add("expense", (
                    self._next("expense"), at, at, self.number("EXP"), category, factory, path, self.w.day(day),
                    amount, f"{what} ({code})", "pending" if pending else "approved", self.production,
                    None if pending else self.finance, None if pending else self.stamp(day + timedelta(days=1), 10)))

    def finish(self) -> None:
        """Write the payments rollup and what is owed per due date."""
        self.w.table("rollup_payments_daily", ("day", "territory_path", "method", "payments", "amount"))
        for (day, path, method), (count, amount) in sorted(self.rollup.items()):
            self.w.add("rollup_payments_daily", (self.w.day(day), path, method, count, amount))
        self.w.table("rollup_receivables_due", ("due_date", "territory_path", "balance"))
        for (due, path), balance in sorted(self.owed.items()):
            self.w.add("rollup_receivables_due", (self.w.day(due), path, balance))
