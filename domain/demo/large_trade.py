"""The `large` scale's year of trade, written in bulk (domain.queries.bulk) instead of through the services: about
2 M orders with 10 M lines, 1 M invoices and their payments, 14 M stock moves. Through the services it would take
days; this takes minutes. What it writes keeps every invariant `chesanto check` verifies: each balance is the sum of
its moves and never negative, batches add up to balances, and the daily rollups equal the documents (computed here
as the documents are made, and compared with them by the check).

The flow, worked back from the shops (so every quantity is covered exactly, and nothing oversells):
- each retailer orders every CYCLES days a few products of its range (demand, drawn per day from the seed; the week
  peaks Friday to Sunday, and the year grows by GROWTH); its distributor sells from the batch delivered that day or
  the day before, and the order is delivered and invoiced the same day. The retailer records its sell-out (a
  tertiary order) one or two days later; now and then a little is left and written off when it expires.
- every other day a distributor receives a primary delivery of exactly what its retailers order that day and the
  next: the factory's batch made the evening before. The order is entered and confirmed the day before.
- a factory makes each evening exactly what leaves it the next morning, plus rejects; materials arrive from the
  suppliers when they run short (goods receipts for about a week's use).
- invoices are paid by each customer's habit (large_company.PAYERS): on time, late or very late, now and then in
  part; some M-Pesa payments round up and leave credit.
- the last day leaves work in progress: secondary orders at every status, tomorrow's primary deliveries confirmed.

What the bulk history does not write: an audit row and a status-history row per document (one `demo.large_history`
audit row records the load), and credit checks (the customers' habits keep them paying).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from random import Random
from typing import Any

from domain.config import get_settings
from domain.demo.large_company import Company, Customer, Good
from domain.demo.large_ledger import Ledger
from domain.demo.large_money import MoneyFlow
from domain.demo.users import sales_username
from domain.queries.bulk import BulkWriter

WEEK = (0.92, 0.95, 1.00, 1.05, 1.22, 1.15, 0.95)  # demand by weekday, Monday first
GROWTH = 0.12  # over the year
LINES = (3, 4, 5, 5, 6, 7)  # products on a retailer's order
SELL_OUT = (1, 1, 2)  # days after delivery a retailer records its sell-out
LEFTOVER = 0.02  # share of sell-out lines that leave a unit or two unsold
CANCEL_EVERY = 50
CANCEL_REASONS = ("Shop closed when the van called", "Entered twice", "Customer asked to cancel")
LAST_DAY = ("draft", "confirmed", "dispatched", "delivered", "delivered", "delivered")
REJECTS = ("burnt", "misshapen", "underweight", "burnt", "misshapen", "other")
ORDER_COLUMNS = ("id", "created_at", "updated_at", "number", "tier", "status", "seller_id", "buyer_id",
                 "territory_path", "order_date", "total", "client_reference", "created_by", "confirmed_at",
                 "dispatched_at", "delivered_at", "delivered_on", "cancelled_at", "cancel_reason")
LINE_COLUMNS = ("id", "created_at", "updated_at", "order_id", "line_no", "product_id", "qty", "list_price",
                "unit_price", "amount")
LOG_COLUMNS = ("id", "created_at", "updated_at", "number", "factory_id", "business_date", "shift", "product_id",
               "batch_no", "planned_qty", "good_qty", "rejected_qty", "reject_reason", "waste_cost", "status",
               "recorded_by", "territory_path")
Lines = list[tuple[Good, int]]  # (good, units)


class Year:
    """One pass over `days` days ending yesterday; `run()` writes them and returns what it wrote."""

    def __init__(self, company: Company, writer: BulkWriter, *, first_ids: dict[str, int], today: date, days: int,
                 seed: int) -> None:
        self.c, self.w, self.seed, self.days = company, writer, seed, days
        self.start = today - timedelta(days=days)
        self.tz = get_settings().tz
        self._stamps: dict[tuple[date, int], Any] = {}
        writer.table("production_log", LOG_COLUMNS)
        writer.table("sales_order", ORDER_COLUMNS)
        writer.table("sales_order_line", LINE_COLUMNS)
        hold = max((g.shelf for g in company.goods.values()), default=7) + max(SELL_OUT) + 4
        self.numbers: dict[str, int] = defaultdict(int)
        self.ledger = Ledger(writer, first_ids=first_ids, hold_days=hold, stamp=self.stamp)
        self.money = MoneyFlow(writer, first_ids=first_ids, stamp=self.stamp, last_day=today - timedelta(days=1),
                               users=company.users, seed=seed, number=self.number)
        self.ids = {"order": first_ids["sales_order"], "line": first_ids["sales_order_line"],
                    "log": first_ids["production_log"]}
        self.parity = {d.id: d.parity for d in company.distributors}
        self.sales_user = {r.id: company.users.get(sales_username(r.code.split("-")[1])) for r in company.retailers}
        self.sales: dict[tuple[date, str, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        self.production: dict[tuple[date, int, int], list[Any]] = {}
        self.placed: dict[tuple[date, str, str], int] = defaultdict(int)  # orders per (order date, place, tier)
        self._demand: dict[int, list[tuple[Customer, Lines]]] = {}
        self._wanted: dict[int, dict[int, dict[Good, int]]] = {}  # day -> distributor -> units per good
        self.dates = [self.start + timedelta(days=i) for i in range(days + 3)]
        self.sell_outs: dict[int, list[tuple[Customer, list[tuple[Good, int, tuple[int, int, str]]]]]] = \
            defaultdict(list)
        self.write_offs: dict[int, list[tuple[int, int, tuple[int, int, str]]]] = defaultdict(list)
        self.user = {name: company.users.get(name) for name in ("production", "storekeeper", "finance")}

    # ---- helpers ---------------------------------------------------------------------------------------------------

    def stamp(self, day: date, hour: int) -> Any:
        key = (day, hour)
        found = self._stamps.get(key)
        if found is None:
            found = self._stamps[key] = self.w.stamp(datetime.combine(day, time(hour % 24), self.tz))
        return found

    def number(self, prefix: str) -> str:
        self.numbers[prefix] += 1
        return f"{prefix}-{self.numbers[prefix]:06d}"

    def date(self, i: int) -> date:
        return self.dates[i]

    def batch_no(self, factory: int, good: Good, made: int) -> str:
        return f"{self.c.factories[factory][0]}-{self.date(made):%Y%m%d}-N-{good.sku}"

    # ---- demand ----------------------------------------------------------------------------------------------------

    def demand(self, i: int) -> list[tuple[Customer, Lines]]:
        """The retailers' orders of day i (drawn once per day from the seed; none before day 2)."""
        if i in self._demand:
            return self._demand[i]
        orders: list[tuple[Customer, Lines]] = []
        if i >= 2:
            rng = Random(f"chesanto-large/{self.seed}/demand/{i}")
            factor = WEEK[self.date(i).weekday()] * (1 + GROWTH * i / self.days)
            for r in self.c.retailers:
                if (i + r.offset) % r.cycle:
                    continue
                count = min(len(r.range), rng.choice(LINES))
                chosen: set[Good] = set()
                while len(chosen) < count:
                    chosen.update(rng.choices(r.range, weights=r.weights, k=count - len(chosen)))
                lines = [(g, max(1, round(max(2, 1200 * 100 // g.prices[1]) * rng.uniform(0.5, 1.5) * factor)))
                         for g in sorted(chosen, key=lambda g: g.id)]
                orders.append((r, lines))
        self._demand[i] = orders
        wanted: dict[int, dict[Good, int]] = defaultdict(lambda: defaultdict(int))
        for r, lines in orders:
            for good, units in lines:
                wanted[r.distributor][good] += units
        self._wanted[i] = wanted
        for old in [k for k in self._demand if k < i - 3]:
            del self._demand[old], self._wanted[old]
        return orders

    def primary_lines(self, distributor: Customer, e: int) -> dict[Good, int]:
        """What a distributor receives on delivery day e: its retailers' orders of days e and e+1."""
        wanted: dict[Good, int] = defaultdict(int)
        for day in (e, e + 1):
            self.demand(day)
            for good, units in self._wanted[day].get(distributor.id, {}).items():
                wanted[good] += units
        return wanted

    # ---- orders ----------------------------------------------------------------------------------------------------

    def order(self, tier: str, status: str, seller: int, buyer: int | None, path: str, i: int,
              lines: list[tuple[Good, int, int]], *, by: int | None, done: int | None, cancel: str | None = None
              ) -> tuple[int, str, int]:
        """Write an order and its lines (good, units, price); `done` is the delivery day. Returns (id, number,
        total). Keeps the sales rollup."""
        order_id = self.ids["order"]
        self.ids["order"] += 1
        number = self.number({"primary": "PO", "secondary": "SO", "tertiary": "TO"}[tier])
        day = self.date(i)
        made = self.stamp(day, 9)
        total = sum(units * price for _, units, price in lines)
        moved = status in ("dispatched", "delivered")
        delivered = self.w.day(self.date(done)) if done is not None else None
        self.w.add("sales_order", (
            order_id, made, made, number, tier, status, seller, buyer, path, self.w.day(day), total,
            f"large-{self.seed}-{number}", by, None if status in ("draft", "cancelled") else self.stamp(day, 10),
            self.stamp(self.date(done if done is not None else i), 7) if moved else None,
            self.stamp(self.date(done), 12) if done is not None else None, delivered,
            self.stamp(day, 16) if cancel else None, cancel))
        if status != "cancelled":
            self.placed[(day, path, tier)] += 1
        for no, (good, units, price) in enumerate(lines, start=1):
            amount = units * price
            self.w.add("sales_order_line", (self.ids["line"], made, made, order_id, no, good.id, units * 1000, price,
                                            price, amount))
            self.ids["line"] += 1
            if status != "cancelled":
                row = self.sales[(day, path, good.id, tier)]
                row[0] += 1
                row[1] += units * 1000
                row[2] += amount
            if done is not None:
                row = self.sales[(self.date(done), path, good.id, tier)]
                row[3] += units * 1000
                row[4] += amount
        return order_id, number, total

    # ---- a day -----------------------------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        for i in range(self.days):
            day = self.date(i)
            self.money.pay_due(day)
            self.secondary(i)
            self.tertiary(i)
            self.expired(i)
            self.produce_and_ship(i)
            self.money.expenses(day, self.c.factories)
            self.ledger.end_day(day)
        return self.finish()

    def secondary(self, i: int) -> None:
        rng = Random(f"chesanto-large/{self.seed}/secondary/{i}")
        last = i == self.days - 1
        for n, (retailer, lines) in enumerate(self.demand(i)):
            distributor = retailer.distributor
            e = i if (i + self.parity[distributor]) % 2 == 0 else i - 1
            status = LAST_DAY[n % len(LAST_DAY)] if last else "delivered"
            by = self.sales_user[retailer.id]
            priced = [(g, units, g.prices[1]) for g, units in lines]
            order_id, number, total = self.order("secondary", status, distributor, retailer.id, retailer.path, i,
                                                 priced, by=by, done=i if status == "delivered" else None)
            day = self.date(i)
            carried = []
            if status in ("dispatched", "delivered"):
                for good, units in lines:
                    batch = (distributor, good.id, self.batch_no(retailer.factory, good, e - 1))
                    self.ledger.take(day, distributor, good.id, units * 1000, "dispatch", number, unit_cost=good.cost,
                                     actor=self.user["storekeeper"], batch=batch, hour=7)
                    carried.append((good, units, batch))
            if status == "delivered":
                kept = []
                for good, units, batch in carried:
                    made = self.date(e - 1)
                    key = self.ledger.put(day, retailer.id, good.id, units * 1000, "delivery", number,
                                          unit_cost=good.prices[1], actor=self.user["storekeeper"],
                                          batch=(batch[2], made, made + timedelta(days=good.shelf)), hour=12)
                    assert key is not None
                    kept.append((good, units, key))
                self.money.invoice(order_id, retailer, total, day)
                self.sell_outs[i + rng.choice(SELL_OUT)].append((retailer, kept))
            if rng.randrange(CANCEL_EVERY) == 0:
                reason = rng.choice(CANCEL_REASONS)
                self.order("secondary", "cancelled", distributor, retailer.id, retailer.path, i, priced[:2], by=by,
                           done=None, cancel=reason)

    def tertiary(self, i: int) -> None:
        rng = Random(f"chesanto-large/{self.seed}/tertiary/{i}")
        day = self.date(i)
        for retailer, held in self.sell_outs.pop(i, []):
            sold = []
            for good, units, key in held:
                left = min(units - 1, rng.randint(1, 2)) if rng.random() < LEFTOVER else 0
                if units - left > 0:
                    sold.append((good, units - left, key))
                if left:
                    expires = (key, good.id)
                    gone = (self.ledger.batches[key][3] - self.start).days + 1
                    self.write_offs[max(gone, i + 1)].append((retailer.id, expires[1], key))
            if not sold:
                continue
            _, number, _ = self.order("tertiary", "delivered", retailer.id, None, retailer.path, i,
                                      [(g, units, g.prices[2]) for g, units, _ in sold],
                                      by=self.sales_user[retailer.id], done=i)
            for good, units, key in sold:
                self.ledger.take(day, retailer.id, good.id, units * 1000, "sale", number, unit_cost=good.cost,
                                 actor=self.sales_user[retailer.id], batch=key, hour=18)

    def expired(self, i: int) -> None:
        day = self.date(i)
        for location, product, key in self.write_offs.pop(i, []):
            left = self.ledger.held_in(key)
            if left:
                self.ledger.take(day, location, product, left, "waste", self.number("WO"),
                                 unit_cost=self.c.goods[product].cost, actor=self.user["storekeeper"], batch=key,
                                 note="expired", hour=8)

    def produce_and_ship(self, i: int) -> None:
        """Tonight's production at each factory, then the primary orders that take it out tomorrow."""
        e = i + 1
        shipments: dict[int, list[tuple[Customer, dict[Good, int]]]] = defaultdict(list)
        for distributor in self.c.distributors:
            if (e + distributor.parity) % 2 == 0:
                wanted = self.primary_lines(distributor, e)
                if wanted:
                    shipments[distributor.factory].append((distributor, wanted))
        for factory, parts in shipments.items():
            made: dict[Good, int] = defaultdict(int)
            for _, wanted in parts:
                for good, units in wanted.items():
                    made[good] += units
            self.produce(factory, i, made)
            for distributor, wanted in parts:
                self.ship(factory, distributor, i, wanted)

    def produce(self, factory: int, i: int, made: dict[Good, int]) -> None:
        rng = Random(f"chesanto-large/{self.seed}/production/{factory}/{i}")
        day = self.date(i)
        path = self.c.factories[factory][1]
        plans = []
        needs: dict[int, int] = defaultdict(int)
        for good in sorted(made, key=lambda g: g.id):
            good_units = made[good]
            rejected = round(good_units * rng.uniform(0.01, 0.04))
            use = {m: int((per * (good_units + rejected) * 1000).to_integral_value(ROUND_CEILING))
                   for m, per in good.recipe}
            for m, qty in use.items():
                needs[m] += qty
            plans.append((good, good_units, rejected, use))
        self.receive(factory, day, needs)
        for good, good_units, rejected, use in plans:
            log_id = self.ids["log"]
            self.ids["log"] += 1
            number = self.number("PL")
            batch = self.batch_no(factory, good, i)
            planned = round((good_units + rejected) * rng.uniform(0.98, 1.05))
            waste = int((rejected * good.unit_cost * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            at = self.stamp(day, 22)
            self.w.add("production_log", (log_id, at, at, number, factory, self.w.day(day), "night", good.id, batch,
                                          planned * 1000, good_units * 1000, rejected * 1000,
                                          rng.choice(REJECTS) if rejected else None, waste, "posted",
                                          self.user["production"], path))
            for m, qty in use.items():
                self.ledger.take(day, factory, m, qty, "consumption", number, unit_cost=self.c.materials[m].cost,
                                 actor=self.user["production"], note=f"batch {batch}", hour=20)
            self.ledger.put(day, factory, good.id, good_units * 1000, "production", number, unit_cost=good.cost,
                            actor=self.user["production"], batch=(batch, day, day + timedelta(days=good.shelf)),
                            hour=22)
            self.production[(day, factory, good.id)] = [1, planned * 1000, good_units * 1000, rejected * 1000,
                                                        waste, path]

    def receive(self, factory: int, day: date, needs: dict[int, int]) -> None:
        """A goods receipt of about a week's use of each material that would run short tonight."""
        short = {}
        for material, need in needs.items():
            have = self.ledger.balance.get((factory, material), 0)
            if have < need:
                short[material] = -(-max(need * 7, need - have) // 1000) * 1000  # whole units
        if not short:
            return
        number = self.number("GR")
        for material in sorted(short):
            self.ledger.put(day, factory, material, short[material], "receipt", number,
                            unit_cost=self.c.materials[material].cost, actor=self.user["storekeeper"],
                            note="supplier delivery", hour=6)

    def ship(self, factory: int, distributor: Customer, i: int, wanted: dict[Good, int]) -> None:
        e = i + 1
        goods = sorted(wanted, key=lambda g: g.id)
        arrives = e < self.days
        order_id, number, total = self.order(
            "primary", "delivered" if arrives else "confirmed", factory, distributor.id, distributor.path, i,
            [(g, wanted[g], g.prices[0]) for g in goods], by=self.user["finance"], done=e if arrives else None)
        if not arrives:
            return
        day = self.date(e)
        for good in goods:
            units = wanted[good] * 1000
            batch = self.batch_no(factory, good, i)
            self.ledger.take(day, factory, good.id, units, "dispatch", number, unit_cost=good.cost,
                             actor=self.user["storekeeper"], batch=(factory, good.id, batch), hour=5)
            made = self.date(i)
            self.ledger.put(day, distributor.id, good.id, units, "delivery", number, unit_cost=good.prices[0],
                            actor=self.user["storekeeper"], batch=(batch, made, made + timedelta(days=good.shelf)),
                            hour=7)
        self.money.invoice(order_id, distributor, total, day)

    # ---- the end ---------------------------------------------------------------------------------------------------

    def finish(self) -> dict[str, int]:
        """Write what is still held (batches, moves, balances) and the sales and production rollups; returns the
        last number used per document prefix."""
        now = self.w.stamp(datetime.now(self.tz))
        self.ledger.finish(now)
        self.money.finish()
        self.w.table("rollup_sales_daily", ("day", "territory_path", "product_id", "tier", "orders", "ordered_qty",
                                            "ordered_amount", "delivered_qty", "delivered_amount"))
        places: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        products: dict[tuple[date, int, str], list[int]] = defaultdict(lambda: [0, 0])
        for (day, path, product, tier), sums in sorted(self.sales.items()):
            if any(sums):
                self.w.add("rollup_sales_daily", (self.w.day(day), path, product, tier, *sums))
                place, item = places[(day, path, tier)], products[(day, product, tier)]
                place[1], place[2] = place[1] + sums[2], place[2] + sums[4]
                item[0], item[1] = item[0] + sums[3], item[1] + sums[4]
        self.w.table("rollup_sales_place_daily", ("day", "territory_path", "tier", "orders", "ordered_amount",
                                                  "delivered_amount"))
        for key, count in self.placed.items():
            places[key][0] = count
        for (day, path, tier), sums in sorted(places.items()):
            self.w.add("rollup_sales_place_daily", (self.w.day(day), path, tier, *sums))
        self.w.table("rollup_sales_product_daily", ("day", "product_id", "tier", "delivered_qty", "delivered_amount"))
        for (day, product, tier), sums in sorted(products.items()):
            if any(sums):
                self.w.add("rollup_sales_product_daily", (self.w.day(day), product, tier, *sums))
        self.w.table("rollup_production_daily", ("day", "factory_id", "product_id", "logs", "planned_qty", "good_qty",
                                                 "rejected_qty", "waste_cost", "territory_path"))
        for (day, factory, product), (*sums, path) in sorted(self.production.items()):
            self.w.add("rollup_production_daily", (self.w.day(day), factory, product, *sums, path))
        self.w.flush()
        return dict(self.numbers)
