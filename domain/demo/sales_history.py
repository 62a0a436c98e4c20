"""The demo's trade over the history's days: primary orders from the factories to their distributors, secondary
orders from each distributor to its own retailers, and the retailers' sell-out as tertiary orders — every step
through the order services, back-dated with `order_date` / `business_date`, so stock, invoices and audit agree.

A day, after the factories have made their batches (domain.demo.history calls `ship` per factory, then `trade`):
1. primary: what a factory made before today leaves on one or two orders (DROPS) to the distributors it serves
   (SUPPLY: the nearest regions), entered and confirmed by finance, dispatched and delivered by the storekeeper:
   the same day, or the next for a region a day's drive away (A_DAY_AWAY). Each distributor's turn comes by how
   far behind its market it is (its market: its retailers' credit limits, at most its own limit).
2. expired batches at distributors and retailers are written off (few: sell-through stays high);
3. secondary: a distributor sells the stock it holds to its own retailers: on the day a delivery arrives a share
   that follows the week (SAME_DAY: retailers stock up on Fridays and weekends), the rest the next day. The region's
   sales rep enters and confirms each order; the storekeeper dispatches and delivers it the same day. The
   retailers who have bought least against their limit are served first;
4. tertiary: one to three days after its delivery a retailer's rep records its sell-out (nearly all it holds;
   now and then a little is left, expires and is written off in step 2).
One order in CANCEL_EVERY is cancelled before it moves (the shop was closed, the lorry broke down). The last day
leaves orders at every status: primary orders awaiting dispatch (confirmed) or on the road (dispatched), one per
factory entered for the next delivery (draft); secondary orders of the last two days stop in turn at draft,
confirmed, dispatched or delivered (LAST_DAYS).

Credit: confirm_order refuses an order that takes the buyer over its credit limit. Customers pay their invoices
(domain.demo.collections, at the start of `trade`, so what comes in frees credit for the day's orders): most on
time, a fifth or so late, a few very late or in part, who then spend much of the span on stop. A retailer's order
is a share of its limit (ORDER_SHARE), never more than it has left short of SPARE; a retailer with nothing left is
on stop and skipped — though now and then its rep still enters an order for one (a slow payer first), sees it
refused at confirmation and cancels it ("over the credit limit"), so the refusal is in the data too. A
distributor's primary order is cut to the credit it has left. The demo's 600 retailers have ~37 M KES of credit
on terms of 7 to 30 days; as they pay, 90 days carry about 60 M KES of secondary orders, with the factories at a
quarter to a half of their capacity (history.UTILISATION). Higher shares would cost the seed more time than they
add (every order is a few service calls), and half as much again would leave the Nairobi distributors more than
their retailers can take. The span ends with retailers owing under three tenths of their limits.

Sampling, for speed (~10-35 ms a service call on SQLite): instead of 600 retailers each buying every day, a few
retailers a day buy bigger orders in turn, so 90 days make about 450 primary, 2,150 secondary and 2,000
tertiary orders. Deterministic from the seed; distributors and retailers never hold less than nothing (each order
is cut to the stock read just before it).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from random import Random

from domain.access import SYSTEM, Actor
from domain.demo.collections import Collections
from domain.demo.reads import balances, credit_left, demo_actor, expired_in_trade, first_expiry
from domain.demo.users import sales_username
from domain.errors import CreditLimitExceeded
from domain.models import OrderTier, PartyKind, Product, ProductKind
from domain.services.expiry import write_off_expired
from domain.services.orders import cancel_order, confirm_order, deliver_order, dispatch_order, submit_order
from domain.services.parties import list_parties
from domain.services.products import list_products

SUPPLY: dict[str, tuple[str, ...]] = {"FAC-NRB": ("NRB", "CEN", "SRT"), "FAC-ELD": ("NRT", "WST", "NYZ"),
                                      "FAC-MSA": ("CST", "EST")}
DROPS: dict[str, int] = {"FAC-NRB": 2, "FAC-ELD": 2, "FAC-MSA": 1}  # distributors a factory delivers to a day
A_DAY_AWAY = {("FAC-MSA", "EST")}  # (factory, region) whose deliveries arrive the day after dispatch
# Share of a fresh delivery a distributor sells on the day it arrives (Monday first); the rest goes the next day.
SAME_DAY = tuple(Decimal(share) for share in ("0.45", "0.45", "0.5", "0.55", "0.95", "0.95", "0.9"))
ORDER_SHARE = (50, 80)  # a retailer's order: this many per cent of its credit limit (within what it has left)
MAX_ORDERS = 6  # retailers one distributor serves in a day, at most
MIN_ORDER = Decimal(3000)  # KES: smaller is not worth the van
MIN_PRIMARY = Decimal(50_000)  # KES of credit a distributor needs left to be sent a delivery
SELL_OUT_AFTER = (1, 2, 2, 3)  # days after its delivery a retailer's sell-out is recorded
CANCEL_EVERY = 50  # one order in so many is called off before it moves
STUCK = 0.03  # chance a day that a distributor's retailer on stop orders anyway (refused at confirmation)
SPARE = Decimal("0.1")  # of its limit a rep leaves a retailer unused
PARTIAL = 0.05  # a line of a sell-out that leaves a little unsold (it expires and is written off)
PRIMARY_CANCEL_REASONS = ("Distributor's lorry broke down: delivery moved", "Distributor asked to skip a day")
SECONDARY_CANCEL_REASONS = ("Shop closed when the van called", "Entered twice", "Customer asked to cancel")
OVER_LIMIT = "Over the credit limit: on hold until the customer pays"
ONE = Decimal(1)
# Where secondary orders of the last two days stop, in turn: the rest of the lifecycle is today's work.
LAST_DAYS = ("draft", "confirmed", "dispatched", "delivered", "delivered", "delivered")


@dataclass
class Outlet:
    """A retailer as the history trades with it."""

    id: int
    code: str
    region: str
    limit: Decimal
    key: float  # the draw that breaks ties when two have bought alike
    bought: Decimal = Decimal(0)


@dataclass
class Depot:
    """A distributor: its retailers, how much it may take, what it has had."""

    id: int
    code: str
    region: str
    limit: Decimal
    key: float
    outlets: list[Outlet] = field(default_factory=list)
    received: Decimal = Decimal(0)
    fresh_on: date | None = None  # when its latest delivery arrived

    @property
    def market(self) -> Decimal:
        return min(sum((o.limit for o in self.outlets), Decimal(0)), self.limit)


def _region(code: str) -> str:
    return code.split("-")[1]


def _whole(qty: Decimal) -> Decimal:
    return qty.to_integral_value(rounding=ROUND_FLOOR)


class SalesHistory:
    """The order book of the history: who buys from whom, what is on its way, whose sell-out is due."""

    def __init__(self, *, seed: int, days: list[date], factories: dict[int, str]) -> None:
        self.seed, self.last = seed, days[-1] if days else None
        self.finance, self.storekeeper = demo_actor("finance"), demo_actor("storekeeper")
        self.reps: dict[str, Actor] = {}
        self.goods: dict[int, Product] = {p.id: p for p in list_products(SYSTEM, kind=ProductKind.FINISHED)
                                          if p.id is not None}
        rng = Random(f"chesanto-sales/{seed}/parties")  # parties in code order: the same draws on any database
        distributors, retailers = (sorted(list_parties(SYSTEM, kind=kind, limit=5000), key=lambda p: p.code)
                                   for kind in (PartyKind.DISTRIBUTOR, PartyKind.RETAILER))
        depots = {p.id: Depot(p.id, p.code, _region(p.code), p.credit_limit, rng.random()) for p in distributors}
        for p in retailers:
            if p.distributor_id in depots:
                depots[p.distributor_id].outlets.append(Outlet(p.id, p.code, _region(p.code), p.credit_limit,
                                                               rng.random()))
        self.depots = [d for d in depots.values() if d.outlets]
        self.factories = factories
        self.serves = {fid: sorted((d for d in self.depots if d.region in SUPPLY.get(code, ())), key=lambda d: d.id)
                       for fid, code in factories.items()}
        self.in_transit: list[tuple[date, int, Depot]] = []  # (arrives, order id, distributor)
        self.sell_outs: dict[date, set[int]] = defaultdict(set)
        self.outlets = {o.id: o for d in self.depots for o in d.outlets}
        self.entered: dict[OrderTier, int] = defaultdict(int)  # orders entered so far, by tier
        self.left_open = 0  # secondary orders of the last two days so far, to spread their statuses (LAST_DAYS)
        self.collections = Collections(seed=seed)

    def rep(self, region: str) -> Actor:
        if region not in self.reps:
            self.reps[region] = demo_actor(sales_username(region))
        return self.reps[region]

    def _rng(self, *key: object) -> Random:
        return Random("/".join(["chesanto-sales", str(self.seed), *map(str, key)]))

    # ---- primary ------------------------------------------------------------------------------------------------

    def ship(self, factory_id: int, index: int, day: date, stock: dict[int, Decimal]) -> None:
        """Send what the factory holds for sale (`stock`) to the day's distributors, one order each."""
        code = self.factories[factory_id]
        depots = [d for d in self.serves.get(factory_id, []) if d.market > 0]
        stock = {pid: _whole(qty) for pid, qty in stock.items() if pid in self.goods and _whole(qty) > 0}
        if not depots or not stock:
            return
        rng = self._rng(code, day, "primary")
        chosen = self._next_depots(depots, DROPS.get(code, 1))
        products = sorted(stock)
        for n, depot in enumerate(chosen):  # with two, each takes every other product (whole batches travel)
            lines = {pid: stock[pid] for k, pid in enumerate(products) if (k + index) % len(chosen) == n}
            lines = self._within(lines, credit_left(depot.id, depot.limit), "price_distributor")
            if lines:
                self._primary(factory_id, code, depot, day, lines, rng, n)
        if day == self.last and (waiting := [d for d in self._next_depots(depots, 3) if d not in chosen]):
            depot = waiting[0]  # tomorrow's first delivery is already entered
            rows = [{"product_id": pid, "qty": qty} for pid, qty in sorted(stock.items())]
            submit_order(self.finance, tier=OrderTier.PRIMARY, customer_id=depot.id, seller_id=factory_id, lines=rows,
                         client_reference=f"demo-{self.seed}-PO-{day:%Y%m%d}-{code}-{depot.code}-next",
                         order_date=day, note="For tomorrow's delivery")

    def _next_depots(self, depots: list[Depot], count: int) -> list[Depot]:
        """The distributors furthest behind their market that still have credit for a delivery."""
        order = sorted(depots, key=lambda d: (d.received / d.market, d.key))
        chosen = []
        for depot in order:
            if len(chosen) == count:
                break
            if credit_left(depot.id, depot.limit) >= MIN_PRIMARY:
                chosen.append(depot)
        return chosen

    def _within(self, lines: dict[int, Decimal], left: Decimal, price: str) -> dict[int, Decimal]:
        """The lines, cut pro rata so their value stays within `left` (kept a little under it)."""
        value = self._value(lines, price)
        room = left * Decimal("0.98")
        if value <= room:
            return lines
        if room <= 0:
            return {}
        cut = {pid: _whole(qty * room / value) for pid, qty in lines.items()}
        return {pid: qty for pid, qty in cut.items() if qty > 0}

    def _value(self, lines: dict[int, Decimal], price: str) -> Decimal:
        return sum((qty * getattr(self.goods[pid], price) for pid, qty in lines.items()), Decimal(0))

    def _primary(self, factory_id: int, code: str, depot: Depot, day: date, lines: dict[int, Decimal],
                 rng: Random, n: int) -> None:
        rows = [{"product_id": pid, "qty": qty} for pid, qty in sorted(lines.items())]
        reference = f"demo-{self.seed}-PO-{day:%Y%m%d}-{code}-{depot.code}"
        order = submit_order(self.finance, tier=OrderTier.PRIMARY, customer_id=depot.id, seller_id=factory_id,
                             lines=rows, client_reference=reference, order_date=day)
        assert order.id is not None
        if self._calls_off(OrderTier.PRIMARY):  # the stock waits at the factory for the next delivery
            cancel_order(self.rep(depot.region), order_id=order.id, reason=rng.choice(PRIMARY_CANCEL_REASONS))
            return
        confirm_order(self.finance, order_id=order.id)
        if day == self.last and n == 1:  # the last day: the second delivery awaits dispatch
            return
        dispatch_order(self.storekeeper, order_id=order.id, business_date=day)
        depot.received += order.total
        if day == self.last and DROPS.get(code, 1) == 1:  # ... and a factory's only one is still on the road
            return
        if (code, depot.region) not in A_DAY_AWAY:
            deliver_order(self.storekeeper, order_id=order.id, business_date=day)
            depot.fresh_on = day
        else:
            self.in_transit.append((day + timedelta(days=1), order.id, depot))

    def _calls_off(self, tier: OrderTier) -> bool:
        """Is this order the one in CANCEL_EVERY that is called off?"""
        self.entered[tier] += 1
        return self.entered[tier] % CANCEL_EVERY == CANCEL_EVERY // 3

    def _arrivals(self, day: date) -> None:
        """Deliver yesterday's long-distance dispatches (those due after the last day stay on the road)."""
        due = [item for item in self.in_transit if item[0] <= day]
        self.in_transit = [item for item in self.in_transit if item[0] > day]
        for _, order_id, depot in due:
            deliver_order(self.storekeeper, order_id=order_id, business_date=day)
            depot.fresh_on = day

    # ---- the rest of the day ------------------------------------------------------------------------------------

    def trade(self, day: date) -> None:
        """After the factories' shipments: customers pay, expired stock out, arrivals in, distributors sell, retailers
        sell out."""
        self.collections.collect(day)
        for location_id, product_id, batch_no in expired_in_trade(day):
            write_off_expired(self.storekeeper, location_id=location_id, product_id=product_id, batch_no=batch_no,
                              business_date=day)
        self._arrivals(day)
        for depot in self.depots:
            self._sell(depot, day)
        for outlet_id in sorted(self.sell_outs.pop(day, set())):
            self._sell_out(self.outlets[outlet_id], day)

    def _held(self, location_id: int) -> dict[int, Decimal]:
        """Whole units of each finished good the place holds, by product id (in id order, so the draws made per
        product come out the same on every database)."""
        return {pid: _whole(qty) for pid, qty in sorted(balances(location_id).items())
                if pid in self.goods and _whole(qty) > 0}

    def _sell(self, depot: Depot, day: date) -> None:
        """The distributor's orders of the day: its stock (a share of a fresh delivery) to the retailers who have
        bought least against their limit, each order within the retailer's credit."""
        held = self._held(depot.id)
        if not held:
            return
        rng = self._rng(depot.code, day, "secondary")
        fresh = depot.fresh_on == day
        share = min(ONE, SAME_DAY[day.weekday()] * rng.randint(90, 110) / 100) if fresh else ONE
        wanted = {pid: _whole(qty * share) for pid, qty in held.items()}
        wanted = {pid: qty for pid, qty in wanted.items() if qty > 0}
        value = self._value(wanted, "price_retailer")
        if not wanted or (fresh and value < MIN_ORDER):
            return
        outlets = sorted(depot.outlets, key=lambda o: (o.bought / o.limit, o.key))
        if rng.random() < STUCK and (held := self._on_stop(outlets)):
            self._refused(held, wanted, day)
        buyers: list[tuple[Outlet, Decimal]] = []
        for outlet in outlets:
            if len(buyers) == MAX_ORDERS or sum(b for _, b in buyers) >= value:
                break
            left = credit_left(outlet.id, outlet.limit) - outlet.limit * SPARE
            budget = min(outlet.limit * rng.randint(*ORDER_SHARE) / 100, left)
            if budget >= MIN_ORDER:
                buyers.append((outlet, budget))
        for outlet, lines in self._fill(buyers, wanted):
            self._secondary(outlet, lines, day, rng)

    def _on_stop(self, outlets: list[Outlet]) -> Outlet | None:
        """A retailer on stop (too little credit left for an order, as `_sell` sees it): one who pays very late or in
        part, else the one who has bought most against its limit."""
        for outlet in [o for o in outlets if self.collections.slow_payer(o.id)] + outlets[-1:]:
            if credit_left(outlet.id, outlet.limit) < MIN_ORDER + outlet.limit * SPARE:
                return outlet
        return None

    def _fill(self, buyers: list[tuple[Outlet, Decimal]], wanted: dict[int, Decimal]
              ) -> list[tuple[Outlet, dict[int, Decimal]]]:
        """Share the stock out: the most valuable products first, each buyer filled up to its budget in turn."""
        orders: list[tuple[Outlet, dict[int, Decimal]]] = [(outlet, {}) for outlet, _ in buyers]
        room = [budget for _, budget in buyers]
        at = 0
        for pid in sorted(wanted, key=lambda p: (-wanted[p] * self.goods[p].price_retailer, p)):
            qty, price = wanted[pid], self.goods[pid].price_retailer
            while qty > 0 and at < len(orders):
                take = min(qty, _whole(room[at] / price))
                if take > 0:
                    orders[at][1][pid] = take
                    room[at] -= take * price
                    qty -= take
                if qty > 0:
                    at += 1
        return [(outlet, lines) for outlet, lines in orders if lines]

    def _secondary(self, outlet: Outlet, lines: dict[int, Decimal], day: date, rng: Random) -> None:
        rep = self.rep(outlet.region)
        rows = [{"product_id": pid, "qty": qty} for pid, qty in sorted(lines.items())]
        order = submit_order(rep, tier=OrderTier.SECONDARY, customer_id=outlet.id, lines=rows, order_date=day,
                             client_reference=f"demo-{self.seed}-SO-{day:%Y%m%d}-{outlet.code}")
        assert order.id is not None
        if self._calls_off(OrderTier.SECONDARY):
            cancel_order(rep, order_id=order.id, reason=rng.choice(SECONDARY_CANCEL_REASONS))
            return
        stop = "delivered"
        if self.last is not None and day >= self.last - timedelta(days=1):
            stop, self.left_open = LAST_DAYS[self.left_open % len(LAST_DAYS)], self.left_open + 1
        if stop == "draft":
            return
        try:
            confirm_order(rep, order_id=order.id)
        except CreditLimitExceeded:  # not expected (the order was sized to the credit left): the rep cancels
            cancel_order(rep, order_id=order.id, reason=OVER_LIMIT)
            return
        outlet.bought += order.total
        if stop == "confirmed":
            return
        dispatch_order(self.storekeeper, order_id=order.id, business_date=day)
        if stop == "dispatched":
            return
        deliver_order(self.storekeeper, order_id=order.id, business_date=day)
        when = day + timedelta(days=rng.choice(SELL_OUT_AFTER))
        expires = first_expiry(outlet.id)
        self.sell_outs[max(day, min(when, expires)) if expires else when].add(outlet.id)

    def _refused(self, outlet: Outlet, wanted: dict[int, Decimal], day: date) -> None:
        """A retailer on stop orders anyway: the confirmation is refused and the rep cancels the order."""
        rep = self.rep(outlet.region)
        pid = max(wanted, key=lambda p: (wanted[p], -p))
        qty = max(Decimal(1), _whole(MIN_ORDER * 3 / self.goods[pid].price_retailer))
        order = submit_order(rep, tier=OrderTier.SECONDARY, customer_id=outlet.id, order_date=day,
                             lines=[{"product_id": pid, "qty": qty}],
                             client_reference=f"demo-{self.seed}-SO-{day:%Y%m%d}-{outlet.code}-held")
        assert order.id is not None
        try:
            confirm_order(rep, order_id=order.id)
        except CreditLimitExceeded:
            cancel_order(rep, order_id=order.id, reason=OVER_LIMIT)
            return
        cancel_order(rep, order_id=order.id, reason="Customer asked to cancel")  # had room after all

    def _sell_out(self, outlet: Outlet, day: date) -> None:
        """The retailer's sales to consumers since its delivery: nearly everything it holds."""
        held = self._held(outlet.id)
        if not held:
            return
        rng = self._rng(outlet.code, day, "tertiary")
        lines = {}
        for pid, qty in held.items():
            sold = qty if rng.random() > PARTIAL else _whole(qty * Decimal(rng.randint(88, 98)) / 100)
            if sold > 0:
                lines[pid] = sold
        if lines:
            submit_order(self.rep(outlet.region), tier=OrderTier.TERTIARY, customer_id=outlet.id, order_date=day,
                         lines=[{"product_id": pid, "qty": qty} for pid, qty in sorted(lines.items())],
                         client_reference=f"demo-{self.seed}-TO-{day:%Y%m%d}-{outlet.code}")
