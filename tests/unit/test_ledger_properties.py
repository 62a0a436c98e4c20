"""Property-based ledger tests: random sequences of goods received, production logs and their reversals, transfers,
adjustments, stock counts and expiry write-offs, on SQLite and on PostgreSQL.

After every step the ledger is whole — each balance equals the sum of its moves, nothing is negative, batches add up
to their balance (`integrity.ledger_balances`, what `chesanto check` runs) — and every balance and batch is what
`Model` says: plain Decimal arithmetic kept beside the database (FEFO for batches, consumption rounded up to 0.001).
The model also predicts every refusal (too little stock, bad input, a clash): the service must refuse exactly then,
with that error, and write nothing.

One small world per test function; each example starts its model from the database as earlier examples left it (a
failure can then shrink less well: the database under a replayed example is not the one it first ran on).
"""

import copy
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import func, select

from domain.access import Actor
from domain.db import reading
from domain.errors import Conflict, DomainError, InsufficientStock, NotFound, ValidationFailed
from domain.models import (
    AuditLog,
    CountStatus,
    MoveKind,
    Product,
    ProductionLog,
    ProductionStatus,
    ProductKind,
    StockBalance,
    StockBatch,
    StockCount,
    StockMove,
)
from domain.queries import stock as stock_q
from domain.services import counts, expiry, integrity, inventory, production

D = Decimal
T = TypeVar("T")
LOCATIONS = ("f1", "f2", "depot")
MATERIALS = ("flour", "yeast", "bag")
GOODS = ("bread", "rusks")
PRODUCTS = MATERIALS + GOODS
RECIPES = {"bread": {"flour": D("0.250"), "yeast": D("0.005"), "bag": D("1")},
           "rusks": {"flour": D("0.333"), "yeast": D("0.007"), "bag": D("2")}}
_new_batches = itertools.count(1)


@dataclass(frozen=True)
class World:
    ids: dict[str, int]  # locations and products by their short name
    manager: Actor
    keeper: Actor

    def name(self, some_id: int) -> str:
        return next(n for n, i in self.ids.items() if i == some_id and n in PRODUCTS)


@pytest.fixture
def world(factories) -> World:
    """Two factories and a distributor's depot in Nakuru; flour, yeast (perishable, 30 days) and bags; White Bread
    (4 days) and Rusks (60 days) with recipes; a production manager and a storekeeper for Rift."""
    town = factories.geography()["nakuru_town"]
    places = {"f1": factories.party("factory", town, name="Nakuru Factory"),
              "f2": factories.party("factory", town, name="Lanet Factory"),
              "depot": factories.party("distributor", town, name="Rift Depot")}
    products = {
        "flour": factories.product("FLOUR", kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg"),
        "yeast": factories.product("YEAST", kind=ProductKind.RAW_MATERIAL, name="Yeast", unit="kg",
                                   standard_cost="400.00", shelf_life_days=30),
        "bag": factories.product("BAG", kind=ProductKind.PACKAGING, name="Bread Bag"),
    }
    for sku, name, good, shelf in (("WB-400", "White Bread 400g", "bread", 4), ("RSK-250", "Rusks 250g", "rusks", 60)):
        products[good] = factories.finished_good_with_recipe(
            sku, name=name, shelf_life_days=shelf,
            recipe={products[m].sku: str(q) for m, q in RECIPES[good].items()})
    ids = {n: p.id for n, p in {**places, **products}.items()}
    return World(ids=ids, manager=factories.actor("production_manager", scope_code="RFT"),
                 keeper=factories.actor("storekeeper", scope_code="RFT"))


def day(days_ago: int) -> date:
    return production.today() - timedelta(days=days_ago)


# ---- the model -----------------------------------------------------------------------------------------------------


@dataclass
class Batch:
    qty: Decimal
    produced_on: date
    expires_on: date | None
    order: int  # FEFO's last tie-break: the row id, or creation order for batches made during the example


@dataclass
class Log:
    id: int
    number: str
    factory: int
    product: int
    batch_no: str
    good: Decimal
    posted: bool
    used: list[tuple[int, str | None, Decimal]]  # (material, batch no, qty) it took


@dataclass
class Draft:
    id: int
    number: str
    location: int
    business_date: date
    counted: dict[int, Decimal]


@dataclass
class Model:
    """What the ledger should hold. Starts from the database; from then on moved only by its own arithmetic."""

    shelf: dict[int, int | None]
    balances: dict[tuple[int, int], Decimal]
    batches: dict[tuple[int, int, str], Batch]
    logs: list[Log]
    drafts: list[Draft] = field(default_factory=list)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (operation, done/refused)
    _order: Iterator[int] = field(default_factory=lambda: itertools.count(10**12))

    def balance(self, location: int, product: int) -> Decimal:
        return self.balances.get((location, product), D(0))

    def put(self, location: int, product: int, qty: Decimal, document: str, business_date: date,
            batch: tuple[str, date, date | None] | None = None) -> None:
        assert qty > 0
        self.balances[location, product] = self.balance(location, product) + qty
        shelf = self.shelf[product]
        if shelf:
            batch_no, produced, expires = batch or (document, business_date, business_date + timedelta(days=shelf))
            if (location, product, batch_no) not in self.batches:
                self.batches[location, product, batch_no] = Batch(D(0), produced, expires, next(self._order))
            self.batches[location, product, batch_no].qty += qty

    def take(self, location: int, product: int, qty: Decimal,
             batch_no: str | None = None) -> list[tuple[str | None, Decimal, Batch | None]]:
        """(batch no, qty, batch) per portion taken: first expiring first, or only from `batch_no`."""
        assert 0 < qty <= self.balance(location, product)
        self.balances[location, product] -= qty
        if not self.shelf[product]:
            return [(None, qty, None)]
        found = sorted(((no, b) for (loc, prod, no), b in self.batches.items()
                        if loc == location and prod == product and b.qty > 0 and batch_no in (None, no)),
                       key=lambda nb: (nb[1].expires_on is None, nb[1].expires_on or date.min, nb[1].produced_on,
                                       nb[1].order))
        portions, remaining = [], qty
        for no, b in found:
            portion = min(b.qty, remaining)
            b.qty -= portion
            remaining -= portion
            portions.append((no, portion, b))
            if remaining == 0:
                break
        assert remaining == 0, "the model's batches do not cover its balance"
        return portions

    def nonzero_balances(self) -> dict[tuple[int, int], Decimal]:
        return {k: q for k, q in self.balances.items() if q}

    def nonzero_batches(self) -> dict[tuple[int, int, str], tuple[Decimal, date, date | None]]:
        return {k: (b.qty, b.produced_on, b.expires_on) for k, b in self.batches.items() if b.qty}


def load_model(w: World) -> Model:
    with reading() as s:
        shelf = {p.id: p.shelf_life_days for p in s.exec(select(Product)) if p.id is not None}
        balances = {(b.location_id, b.product_id): b.qty for b in s.exec(select(StockBalance))}
        rows = list(s.exec(select(StockBatch)))
        batches = {(b.location_id, b.product_id, b.batch_no): Batch(b.qty, b.produced_on, b.expires_on, b.id or 0)
                   for b in rows}
        batch_names = {b.id: b.batch_no for b in rows}
        logs = []
        for log in s.exec(select(ProductionLog).order_by(ProductionLog.id)):
            assert log.id is not None
            used = [(m.product_id, batch_names[m.batch_id] if m.batch_id else None, -m.qty) for m in s.exec(
                select(StockMove).where(StockMove.document == log.number, StockMove.location_id == log.factory_id,
                                        StockMove.kind == MoveKind.CONSUMPTION).order_by(StockMove.id))]
            logs.append(Log(log.id, log.number, log.factory_id, log.product_id, log.batch_no, log.good_qty,
                            log.status is ProductionStatus.POSTED, used))
    return Model(shelf=shelf, balances=balances, batches=batches, logs=logs)


# ---- the database: what a refusal must leave alone, and what must hold after every step ------------------------


def db_state() -> tuple[Any, ...]:
    """Every balance and batch, the number of moves and audit rows, every log's and count's status."""
    with reading() as s:
        return (
            sorted(tuple(r) for r in s.exec(select(StockBalance.location_id, StockBalance.product_id,
                                                   StockBalance.qty))),
            sorted(tuple(r) for r in s.exec(select(StockBatch.location_id, StockBatch.product_id,
                                                   StockBatch.batch_no, StockBatch.qty))),
            s.exec(select(func.count()).select_from(StockMove)).one(),
            s.exec(select(func.count()).select_from(AuditLog)).one(),
            sorted(tuple(r) for r in s.exec(select(ProductionLog.id, ProductionLog.status))),
            sorted(tuple(r) for r in s.exec(select(StockCount.id, StockCount.status))),
        )


def assert_ledger_as_modelled(model: Model) -> None:
    with reading() as s:
        assert stock_q.mismatched_balances(s) == []
        assert integrity.ledger_balances(s) == []  # not negative; batches add up to balances
        balances = {(b.location_id, b.product_id): b.qty for b in s.exec(select(StockBalance)) if b.qty}
        batches = {(b.location_id, b.product_id, b.batch_no): (b.qty, b.produced_on, b.expires_on)
                   for b in s.exec(select(StockBatch)) if b.qty}
    assert balances == model.nonzero_balances()
    assert batches == model.nonzero_batches()


def attempt(m: Model, what: str, refusal: type[DomainError] | None, call: Callable[[], T]) -> T | None:
    """Call a service the model expects to succeed (refusal None) or to refuse with `refusal`, writing nothing."""
    m.outcomes[what, "refused" if refusal else "done"] += 1
    if refusal is None:
        return call()
    before = db_state()
    with pytest.raises(refusal):
        call()
    assert db_state() == before, "a refused step changed the database"
    return None


# ---- the operations ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receive:
    at: str
    lines: tuple[tuple[str, Decimal], ...]
    days_ago: int

    def run(self, w: World, m: Model) -> None:
        loc, when = w.ids[self.at], day(self.days_ago)
        refusal = ValidationFailed if self.at == "depot" else None  # suppliers deliver to factories
        doc = attempt(m, "receive", refusal, lambda: inventory.receive_goods(
            w.keeper, location_id=loc, supplier_name="Unga Millers", business_date=when,
            lines=[{"product": w.ids[p], "qty": q, "unit_cost": "90.00"} for p, q in self.lines]))
        if doc is not None:
            for p, q in self.lines:
                m.put(loc, w.ids[p], q, doc.number, when)


@dataclass(frozen=True)
class Produce:
    at: str
    good_name: str
    good: Decimal
    rejected: Decimal
    days_ago: int
    reuse: int | None  # the batch number of an earlier log (by index), else a new one

    def run(self, w: World, m: Model) -> None:
        factory, product, when = w.ids[self.at], w.ids[self.good_name], day(self.days_ago)
        batch_no = (m.logs[self.reuse % len(m.logs)].batch_no if self.reuse is not None and m.logs
                    else f"B{next(_new_batches):05d}")
        made = self.good + self.rejected
        needed = {w.ids[mat]: (per * made).quantize(D("0.001"), rounding=ROUND_CEILING)
                  for mat, per in RECIPES[self.good_name].items()}
        existing = m.batches.get((factory, product, batch_no))
        refusal: type[DomainError] | None = None
        if made == 0 or self.at == "depot":
            refusal = ValidationFailed
        elif any(g.posted and (g.factory, g.product, g.batch_no) == (factory, product, batch_no) for g in m.logs):
            refusal = ValidationFailed  # the batch number is on a posted log
        elif existing is not None and existing.produced_on != when:
            refusal = ValidationFailed  # a reused batch number keeps its day
        elif any(m.balance(factory, mat) < q for mat, q in needed.items()):
            refusal = InsufficientStock
        log = attempt(m, "produce", refusal, lambda: production.post_production_log(
            w.manager, factory_id=factory, business_date=when, shift="morning", product_id=product,
            batch_no=batch_no, planned_qty=made, good_qty=self.good, rejected_qty=self.rejected,
            reject_reason="burnt" if self.rejected else None))
        if log is None:
            return
        assert log.id is not None
        used = [(mat, no, portion) for mat, q in needed.items() for no, portion, _ in m.take(factory, mat, q)]
        shelf = m.shelf[product]
        if self.good > 0:
            m.put(factory, product, self.good, log.number, when,
                  batch=(batch_no, when, when + timedelta(days=shelf) if shelf else None))
        m.logs.append(Log(log.id, log.number, factory, product, batch_no, self.good, True, used))


@dataclass(frozen=True)
class Reverse:
    pick: int

    def run(self, w: World, m: Model) -> None:
        if not m.logs:
            return
        log = m.logs[-1 - self.pick % len(m.logs)]  # 0: the latest
        batch = m.batches.get((log.factory, log.product, log.batch_no))
        held = batch.qty if batch is not None else m.balance(log.factory, log.product)
        refusal = Conflict if not log.posted else InsufficientStock if held < log.good else None
        done = attempt(m, "reverse", refusal, lambda: production.reverse_production_log(
            w.manager, log_id=log.id, reason="keyed against the wrong product"))
        if done is None:
            return
        if log.good > 0:
            m.take(log.factory, log.product, log.good, batch_no=log.batch_no)
        for material, no, qty in log.used:
            came_from = m.batches[log.factory, material, no] if no is not None else None
            m.put(log.factory, material, qty, log.number, production.today(),
                  batch=(no, came_from.produced_on, came_from.expires_on) if no and came_from else None)
        log.posted = False


@dataclass(frozen=True)
class Transfer:
    source: str
    target: str
    lines: tuple[tuple[int, Decimal], ...]  # (one of the products the source holds, share of it: over 1 is too much)
    days_ago: int

    def run(self, w: World, m: Model) -> None:
        src, dst, when = w.ids[self.source], w.ids[self.target], day(self.days_ago)
        held = [p for p in PRODUCTS if m.balance(src, w.ids[p]) > 0] or ["bread"]  # nothing there: 1 loaf, refused
        chosen = {held[pick % len(held)]: share for pick, share in self.lines}
        lines = [(p, (m.balance(src, w.ids[p]) * share).quantize(D("0.001"), rounding=ROUND_DOWN) or D(1))
                 for p, share in chosen.items()]
        refusal: type[DomainError] | None = None
        if src == dst:
            refusal = ValidationFailed
        elif any(m.balance(src, w.ids[p]) < q for p, q in lines):
            refusal = InsufficientStock
        elif self._reuses_a_batch(m, w, src, dst, lines):
            refusal = Conflict  # the target holds that batch number with other dates: batches are never merged
        doc = attempt(m, "transfer", refusal, lambda: inventory.transfer_stock(
            w.keeper, from_id=src, to_id=dst, business_date=when,
            lines=[{"product": w.ids[p], "qty": q} for p, q in lines]))
        if doc is None:
            return
        for p, q in lines:
            for no, portion, b in m.take(src, w.ids[p], q):
                m.put(dst, w.ids[p], portion, doc.number, when,
                      batch=(no, b.produced_on, b.expires_on) if no is not None and b is not None else None)

    @staticmethod
    def _reuses_a_batch(m: Model, w: World, src: int, dst: int, lines: list[tuple[str, Decimal]]) -> bool:
        """Would a batch the transfer carries (first expiring first) land on a batch of the same number held at the
        target with other dates?"""
        trial = copy.deepcopy(m)
        for p, q in lines:
            for no, _, b in trial.take(src, w.ids[p], q):
                held = m.batches.get((dst, w.ids[p], no)) if no is not None else None
                if held is not None and b is not None and (held.produced_on, held.expires_on) != (
                        b.produced_on, b.expires_on):
                    return True
        return False


@dataclass(frozen=True)
class Adjust:
    at: str
    product: str
    change: Decimal
    days_ago: int

    def run(self, w: World, m: Model) -> None:
        loc, pid, when = w.ids[self.at], w.ids[self.product], day(self.days_ago)
        refusal: type[DomainError] | None = None
        if self.change == 0:
            refusal = ValidationFailed
        elif self.change < 0 and m.balance(loc, pid) < -self.change:
            refusal = InsufficientStock
        doc = attempt(m, "adjust", refusal, lambda: inventory.adjust_stock(
            w.keeper, location_id=loc, product_id=pid, qty_change=self.change, business_date=when,
            reason="found behind the racks" if self.change > 0 else "damaged by damp"))
        if doc is not None:
            if self.change > 0:
                m.put(loc, pid, self.change, doc.number, when)
            else:
                m.take(loc, pid, -self.change)


def post_draft(w: World, m: Model, draft: Draft) -> None:
    """Post a count: each counted quantity against the balance at this moment."""
    counts.post_count(w.keeper, count_id=draft.id)
    for pid in sorted(draft.counted):
        variance = draft.counted[pid] - m.balance(draft.location, pid)
        if variance > 0:
            m.put(draft.location, pid, variance, draft.number, draft.business_date)
        elif variance < 0:
            m.take(draft.location, pid, -variance)


@dataclass(frozen=True)
class Count:
    at: str
    products: tuple[str, ...] | None  # None: what the location holds
    deltas: tuple[Decimal, ...]  # per PRODUCTS: counted = balance now + delta, never below zero
    post_now: bool  # else left as a draft for PostCount
    days_ago: int

    def run(self, w: World, m: Model) -> None:
        loc, when = w.ids[self.at], day(self.days_ago)
        if self.products is None:
            ids = sorted(p for (place, p), q in m.balances.items() if place == loc and q > 0)
        else:
            ids = sorted({w.ids[p] for p in self.products})
        refusal: type[DomainError] | None = None
        if not ids:
            refusal = ValidationFailed  # holds nothing, and no products were chosen
        elif any(d.location == loc and set(d.counted) & set(ids) for d in m.drafts):
            refusal = Conflict  # another draft counts some of the same products
        count = attempt(m, "count", refusal, lambda: counts.start_count(
            w.keeper, location_id=loc, business_date=when, product_ids=None if self.products is None else ids))
        if count is None:
            return
        assert count.id is not None
        counted = {pid: max(D(0), m.balance(loc, pid) + self.deltas[PRODUCTS.index(w.name(pid))]) for pid in ids}
        counts.enter_counts(w.keeper, count_id=count.id, counted=counted)
        draft = Draft(count.id, count.number, loc, when, counted)
        if self.post_now:
            post_draft(w, m, draft)
        else:
            m.drafts.append(draft)


@dataclass(frozen=True)
class PostCount:
    pick: int

    def run(self, w: World, m: Model) -> None:
        if m.drafts:
            post_draft(w, m, m.drafts.pop(self.pick % len(m.drafts)))


@dataclass(frozen=True)
class WriteOff:
    pick: int  # 0: the batch with stock that expires first; empty batches come after those with stock

    def run(self, w: World, m: Model) -> None:
        known = sorted(m.batches, key=lambda k: (not m.batches[k].qty, m.batches[k].expires_on or date.max, k))
        loc, pid, batch_no = known[self.pick % len(known)] if known else (w.ids["f1"], w.ids["bread"], "NO-SUCH")
        batch = m.batches.get((loc, pid, batch_no))
        refusal: type[DomainError] | None = None
        if batch is None:
            refusal = NotFound
        elif batch.qty <= 0 or batch.expires_on is None or batch.expires_on >= production.today():
            refusal = Conflict  # empty, or not expired
        done = attempt(m, "write-off", refusal, lambda: expiry.write_off_expired(
            w.keeper, location_id=loc, product_id=pid, batch_no=batch_no))
        if done is not None and batch is not None:
            m.take(loc, pid, batch.qty, batch_no=batch_no)


Operation = Receive | Produce | Reverse | Transfer | Adjust | Count | PostCount | WriteOff

# ---- strategies ----------------------------------------------------------------------------------------------------


def quantities(most: int, *, zero: bool = False) -> st.SearchStrategy[Decimal]:
    """Whole numbers and thousandths up to `most` (from 0.001, or from 0 with `zero`)."""
    return st.one_of(st.integers(0 if zero else 1, most).map(D),
                     st.decimals(min_value=D(0) if zero else D("0.001"), max_value=D(most), places=3))


def lines_of(names: st.SearchStrategy[T], amounts: st.SearchStrategy[Decimal]) -> st.SearchStrategy[
        tuple[tuple[T, Decimal], ...]]:
    return st.lists(st.tuples(names, amounts), min_size=1, max_size=3,
                    unique_by=lambda line: line[0]).map(tuple)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each drawn about as often as its weight says (`st.one_of` favours its first and
    last); shrinks towards the first."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(pool) - 1).flatmap(lambda i: pool[i])


factories_mostly = st.sampled_from(("f1", "f2", "f1", "f2", "depot"))
days_ago = st.integers(0, 8)  # bread produced 5 or more days ago has expired
deltas = st.one_of(st.just(D(0)), st.integers(-30, 30).map(D),
                   st.decimals(min_value=D(-5), max_value=D(5), places=3))

shares = st.one_of(st.sampled_from([D(1), D("0.5")]), st.decimals(min_value=D("0.001"), max_value=D("1.2"), places=3))
receipt_quantities = st.one_of(st.integers(20, 300).map(D), st.decimals(min_value=D(1), max_value=D(300), places=3))
receipts = st.builds(Receive, at=factories_mostly, lines=lines_of(st.sampled_from(MATERIALS), receipt_quantities),
                     days_ago=days_ago)
production_logs = st.builds(
    Produce, at=factories_mostly, good_name=st.sampled_from(GOODS), good=quantities(40, zero=True),
    rejected=st.one_of(st.just(D(0)), quantities(5)), days_ago=days_ago,
    reuse=st.one_of(st.none(), st.none(), st.integers(0, 50)))
transfers = st.builds(
    lambda route, lines, days: Transfer(*route, lines, days),
    st.sampled_from([("f1", "f2"), ("f1", "depot"), ("f1", "f1"), ("f2", "f1"), ("f2", "depot"), ("depot", "f1"),
                     ("depot", "f2")]),
    lines_of(st.integers(0, 4), shares), days_ago)
adjustments = st.builds(
    Adjust, at=st.sampled_from(LOCATIONS), product=st.sampled_from(PRODUCTS),
    change=st.one_of(quantities(30), quantities(30).map(lambda q: -q), st.integers(-3, 3).map(D)), days_ago=days_ago)
stock_counts = st.builds(
    Count, at=st.sampled_from(LOCATIONS),
    products=st.one_of(st.none(), st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=3, unique=True).map(tuple)),
    deltas=st.tuples(*[deltas] * len(PRODUCTS)), post_now=st.booleans(), days_ago=days_ago)
operations: st.SearchStrategy[Operation] = weighted(
    (3, receipts), (5, production_logs), (4, transfers), (2, adjustments), (2, stock_counts),
    (1, st.builds(PostCount, pick=st.integers(0, 5))), (3, st.builds(Reverse, pick=st.integers(0, 5))),
    (1, st.builds(WriteOff, pick=st.integers(0, 8))))


# ---- the test ------------------------------------------------------------------------------------------------------


def cancel_drafts(w: World) -> None:
    """Abandon counts an earlier example left open, so they do not block this one's."""
    with reading() as s:
        ids = list(s.exec(select(StockCount.id).where(StockCount.status == CountStatus.DRAFT)))
    for count_id in ids:
        assert count_id is not None
        counts.cancel_count(w.keeper, count_id=count_id, reason="left open by an earlier example")


def test_random_sequences_keep_the_ledger_whole_and_as_modelled(world, db):
    outcomes: Counter[tuple[str, str]] = Counter()

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(steps=st.lists(operations, min_size=5, max_size=15))
    def run(steps: list[Operation]) -> None:
        cancel_drafts(world)
        model = load_model(world)
        assert_ledger_as_modelled(model)
        for step in steps:
            step.run(world, model)
            assert_ledger_as_modelled(model)
        outcomes.update(model.outcomes)

    run()
    # not vacuous: every kind of step went through somewhere in the run (a write-off needs an expired batch, so it may
    # not have), and production and transfers were refused too
    expected = [(k, "done") for k in ("receive", "produce", "reverse", "transfer", "adjust", "count")]
    assert [k for k in [*expected, ("produce", "refused"), ("transfer", "refused")] if not outcomes[k]] == [], outcomes
