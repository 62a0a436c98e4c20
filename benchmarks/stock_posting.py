"""Stock posting: how fast the services write the ledger, against raw INSERTs of the same ledger rows.

    python -m benchmarks.stock_posting [--n 1000] [--warmup 20] [--databases sqlite,postgresql]
                                       [--no-write] [--output docs/benchmarks.md] [--profile DIR]

For each database (a fresh SQLite file; a scratch PostgreSQL database, dropped afterwards) it migrates to head,
arranges a small world through the services — a factory, a distributor's depot, six materials received in bulk,
three finished goods with three-line recipes, a few shift-sized batches of each good at the factory — and times,
one document after the other:

(a) production logs: N × `post_production_log` (each writes the log, 3 consumption moves, 1 production move into
    a new batch, the batch, the audit row, the document number);
(b) transfers: N × `transfer_stock` of one line, factory → depot, 480 loaves taken first-expiring-first from the
    arranged batches (2 moves: out, in; and the batch at each end, the audit row, the document number). (b) runs
    before (a), so the factory holds only those batches (17 per good at N = 1000, fewer as they empty) and not
    the N batches (a) leaves behind, as a factory would (see benchmarks/README.md);
(c) raw: the very stock_move rows (a) and (b) wrote, read back and INSERTed again after them, in the same
    database — one transaction per document, one INSERT executed for all its rows (executemany), on the same
    engine — with no validation, no balance or batch update, no lock, no audit row and no document number. That
    is the floor the services are measured against;
(d) ledger floor: the same rows again, each document in one transaction as one guarded balance UPDATE per move
    (`… SET qty = qty + :d WHERE … AND qty + :d >= 0 RETURNING qty`, a prebuilt Core statement) and then the one
    INSERT of (c): the least a ledger that keeps balances and refuses overselling must send, with nothing else.

Moves per second = ledger rows written ÷ wall time; the ratio is raw moves/s ÷ service moves/s (target: ≤ 3).
The first `--warmup` documents of (a) and (b) are posted untimed (statement caches, connection pool).
"""

import argparse
import gc
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update

from benchmarks import databases, report
from benchmarks.measure import DriverClock, Result, Timing, profiled
from domain import db, migrate
from domain.access import SYSTEM, Actor
from domain.models import StockBalance, StockMove
from domain.queries import stock as stock_q
from domain.services import inventory, production
from domain.services.access import load_actor, seed_access
from domain.services.geography import add_geo_node
from domain.services.parties import create_party
from domain.services.products import create_product, set_recipe
from domain.services.users import create_user
from domain.types import Quantity, UTCDateTime, utcnow

TARGET_RATIO = 3.0
RESULTS_FILE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
GOOD, REJECTED = Decimal("480"), Decimal("20")  # one log: 500 units made, 480 good; one transfer: 480 loaves
SHIFT_BATCH = 20 * GOOD  # the arranged batches transfers draw on: 20 transfers each, so none is ever split
SHIFTS = ("morning", "afternoon", "night")
MATERIALS = {  # sku: (name, kind, category, unit, standard cost)
    "FLR-WHITE": ("Wheat Flour", "raw_material", "Flour", "kg", "95.00"),
    "FLR-BROWN": ("Wholemeal Flour", "raw_material", "Flour", "kg", "105.00"),
    "YEAST": ("Instant Yeast", "raw_material", "Yeast", "kg", "400.00"),
    "SUGAR": ("Sugar", "raw_material", "Sugar", "kg", "150.00"),
    "BAG-LOAF": ("Bread Bag 400g", "packaging", "Packaging", "piece", "2.50"),
    "BAG-BUN": ("Bun Bag 6s", "packaging", "Packaging", "piece", "1.80"),
}
GOODS = {  # sku: (name, {material sku: qty per unit})
    "WB-400": ("White Bread 400g", {"FLR-WHITE": "0.250", "YEAST": "0.005", "BAG-LOAF": "1"}),
    "BB-400": ("Brown Bread 400g", {"FLR-BROWN": "0.250", "YEAST": "0.005", "BAG-LOAF": "1"}),
    "BUN-6": ("Buns 6-pack", {"FLR-WHITE": "0.300", "SUGAR": "0.040", "BAG-BUN": "1"}),
}
SCENARIOS = {"production": "production logs (1 + 3 moves)", "transfer": "transfers (1 line, 2 moves)"}


# ---- the world -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    factory_id: int
    depot_id: int
    goods: tuple[int, ...]
    manager: Actor
    storekeeper: Actor
    day: date


def _user(username: str, full_name: str, role: str) -> Actor:
    user = create_user(SYSTEM, username=username, full_name=full_name, role=role, password="bench-password-2026")
    assert user.id is not None
    actor = load_actor(user.id)
    assert actor is not None
    return actor


def arrange(logs: int, transfers: int) -> World:
    """Geography, a factory and a depot, three recipes, materials received in bulk for `logs` production logs, and
    enough shift-sized batches of each good at the factory for `transfers` transfers."""
    for code, name, parent in [("KE", "Kenya", None), ("KE-RV", "Rift Valley", "KE"), ("RFT", "Rift", "KE-RV"),
                               ("NKR", "Nakuru", "RFT"), ("NKR-T", "Nakuru Town", "NKR")]:
        add_geo_node(SYSTEM, code=code, name=name, parent_code=parent)
    factory = create_party(SYSTEM, kind="factory", code="NKR-F1", name="Nakuru Factory", territory_code="NKR-T")
    depot = create_party(SYSTEM, kind="distributor", code="NKR-D1", name="Mwangi Distributors Nakuru",
                         territory_code="NKR-T")
    for sku, (name, kind, category, unit, cost) in MATERIALS.items():
        create_product(SYSTEM, sku=sku, name=name, kind=kind, category=category, unit=unit, standard_cost=cost)
    goods = []
    for sku, (name, recipe) in GOODS.items():
        good = create_product(SYSTEM, sku=sku, name=name, kind="finished", category="Bread", unit="loaf",
                              price_distributor="40.00", price_retailer="45.00", price_retail="50.00",
                              standard_cost="28.50", shelf_life_days=5)
        assert good.id is not None
        set_recipe(SYSTEM, product_id=good.id, lines=[{"material": m, "qty_per_unit": q} for m, q in recipe.items()])
        goods.append(good.id)
    batches_per_good = math.ceil(math.ceil(transfers / len(GOODS)) * GOOD / SHIFT_BATCH)
    per_good = math.ceil(logs / len(GOODS)) * (GOOD + REJECTED) + batches_per_good * SHIFT_BATCH
    needed: dict[str, Decimal] = dict.fromkeys(MATERIALS, Decimal(0))
    for _name, recipe in GOODS.values():
        for sku, qty in recipe.items():
            needed[sku] += Decimal(qty) * per_good
    day = production.today()
    assert factory.id is not None and depot.id is not None
    inventory.receive_goods(SYSTEM, location_id=factory.id, supplier_name="Unga Millers Ltd", business_date=day,
                            reference="BULK-1", lines=[{"product": sku, "qty": str(qty * 2), "unit_cost": cost}
                                                       for sku, qty in needed.items()
                                                       for cost in [MATERIALS[sku][4]]])
    for b in range(batches_per_good):
        for g, good_id in enumerate(goods):
            production.post_production_log(
                SYSTEM, factory_id=factory.id, business_date=day, shift=SHIFTS[b % 3], product_id=good_id,
                batch_no=f"NKR-F1-S{b:03d}-{g}", planned_qty=str(SHIFT_BATCH), good_qty=str(SHIFT_BATCH))
    return World(factory.id, depot.id, tuple(goods), _user("bench.production", "Wanjiru Kamau", "production_manager"),
                 _user("bench.store", "Otieno Ouma", "storekeeper"), day)


def post_log(world: World, i: int) -> str:
    log = production.post_production_log(
        world.manager, factory_id=world.factory_id, business_date=world.day, shift=SHIFTS[i % 3],
        product_id=world.goods[i % 3], batch_no=f"NKR-F1-{i:05d}", planned_qty="500", good_qty=str(GOOD),
        rejected_qty=str(REJECTED), reject_reason="burnt")
    return log.number


def transfer(world: World, i: int) -> str:
    """480 loaves of the i-th good to the depot, first expiring first: exactly one move out, one in."""
    doc = inventory.transfer_stock(world.storekeeper, from_id=world.factory_id, to_id=world.depot_id,
                                   business_date=world.day, lines=[{"product": world.goods[i % 3], "qty": str(GOOD)}])
    return doc.number


# ---- measuring -----------------------------------------------------------------------------------------------------


def _documents(post: Callable[[int], str], numbers: range, clock: DriverClock) -> tuple[list[str], Timing]:
    gc.collect()
    latencies, written = [], []
    statements, in_database = clock.reading()
    cpu, start = time.process_time(), time.perf_counter()
    for i in numbers:
        t0 = time.perf_counter()
        written.append(post(i))
        latencies.append(time.perf_counter() - t0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return written, Timing(len(written), 0, seconds, latencies, clock.count - statements,
                           clock.seconds - in_database, cpu)


def _moves_of(documents: Sequence[str]) -> list[list[dict[str, Any]]]:
    """The stock_move rows of these documents, without ids, grouped by document in posting order."""
    table = StockMove.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.key != "id"]
    by_document: dict[str, list[dict[str, Any]]] = {number: [] for number in documents}
    with db.reading() as session:
        for start in range(0, len(documents), 500):
            chunk = documents[start:start + 500]
            rows = session.execute(select(*columns).where(table.c.document.in_(chunk)).order_by(table.c.id))
            for row in rows.mappings():
                by_document[row["document"]].append(dict(row))
    return list(by_document.values())


_BALANCE = StockBalance.__table__  # type: ignore[attr-defined]
_GUARDED = (  # the services' guarded update, in one form for both signs
    update(_BALANCE)
    .where(_BALANCE.c.location_id == bindparam("loc"), _BALANCE.c.product_id == bindparam("prod"),
           _BALANCE.c.qty + bindparam("d", type_=Quantity()) >= 0)
    .values(qty=_BALANCE.c.qty + bindparam("d", type_=Quantity()), updated_at=bindparam("now", type_=UTCDateTime()))
    .returning(_BALANCE.c.qty)
)


def _raw(groups: list[list[dict[str, Any]]], clock: DriverClock, *, guarded: bool = False) -> Timing:
    """INSERT each document's rows in its own transaction, nothing else — or (`guarded`) first one guarded balance
    UPDATE per row, as the ledger floor."""
    engine, statement = db.get_engine(), insert(StockMove.__table__)  # type: ignore[attr-defined]
    gc.collect()
    latencies = []
    statements, in_database = clock.reading()
    cpu, start = time.process_time(), time.perf_counter()
    for rows in groups:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            if guarded:
                now = utcnow()
                for row in rows:
                    conn.execute(_GUARDED, {"loc": row["location_id"], "prod": row["product_id"], "d": row["qty"],
                                            "now": now}).scalar_one()  # no row: a bug in this script
            conn.execute(statement, rows)
        latencies.append(time.perf_counter() - t0)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Timing(len(groups), sum(map(len, groups)), seconds, latencies, clock.count - statements,
                  clock.seconds - in_database, cpu)


def _with_moves(timing: Timing, groups: list[list[dict[str, Any]]]) -> Timing:
    return Timing(timing.documents, sum(map(len, groups)), timing.seconds, timing.latencies, timing.statements,
                  timing.in_database, timing.cpu)


def run_database(name: str, url: str, *, n: int, warmup: int, profile_dir: Path | None) -> list[Result]:
    print(f"[{name}] migrating and arranging the world ...", file=sys.stderr)
    migrate.upgrade(url)
    db.configure(url)
    seed_access()
    world = arrange(warmup + n, warmup + n)
    clock = DriverClock(db.get_engine())
    results = {}
    for scenario, post in (("transfer", transfer), ("production", post_log)):  # transfers first: see the top
        for i in range(warmup):
            post(world, i)
        print(f"[{name}] {SCENARIOS[scenario]}: {n} documents through the services ...", file=sys.stderr)
        with profiled(profile_dir, f"{name}-{scenario}"):
            numbers, timing = _documents(lambda i, post=post: post(world, i), range(warmup, warmup + n), clock)
        results[scenario] = (numbers, timing)
    with db.reading() as session:  # the services kept the ledger whole; the raw rows below deliberately do not
        problems = stock_q.mismatched_balances(session)
    if problems:
        raise SystemExit(f"[{name}] balances do not add up to their moves after the services: {problems[:5]}")
    out = []
    for scenario in SCENARIOS:
        numbers, timing = results[scenario]
        groups = _moves_of(numbers)
        print(f"[{name}] {SCENARIOS[scenario]}: the same {sum(map(len, groups))} rows as raw INSERTs ...",
              file=sys.stderr)
        raw = _raw(groups, clock)
        print(f"[{name}] {SCENARIOS[scenario]}: the same rows with a guarded balance update each ...",
              file=sys.stderr)
        out.append(Result(name, scenario, _with_moves(timing, groups), raw, _raw(groups, clock, guarded=True)))
    return out


def server_facts() -> dict[str, str]:
    """The PostgreSQL server's version and the settings that decide commit cost."""
    with db.get_engine().connect() as conn:
        return {key: str(conn.execute(text(f"SHOW {key}")).scalar_one())
                for key in ("server_version", "fsync", "synchronous_commit", "shared_buffers")}


# ---- the command ---------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stock_posting", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="timed documents per scenario per database (1000)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed documents first, per scenario (20)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE, help="results file (docs/benchmarks.md)")
    parser.add_argument("--no-write", action="store_true", help="print the table only; leave the results file")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run the service phases under cProfile, write DIR/<database>-<scenario>.prof and print "
                             "the top functions (timings are then distorted: the results file is not written)")
    args = parser.parse_args(argv)
    wanted = [d.strip() for d in args.databases.split(",") if d.strip()]
    if unknown := set(wanted) - {"sqlite", "postgresql"}:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    if args.n < 2:
        parser.error("--n must be at least 2")

    load_before = os.getloadavg()
    results: list[Result] = []
    notes: list[str] = []
    pg_facts: dict[str, str] = {}
    if "sqlite" in wanted:
        with databases.scratch_sqlite() as url:
            results += run_database("SQLite", url, n=args.n, warmup=args.warmup, profile_dir=args.profile)
    if "postgresql" in wanted:
        if (problem := databases.postgres_problem()) is not None:
            notes.append(f"PostgreSQL skipped: {problem}.")
            print(notes[-1], file=sys.stderr)
        else:
            with databases.scratch_postgres() as url:
                results += run_database("PostgreSQL", url, n=args.n, warmup=args.warmup, profile_dir=args.profile)
                pg_facts = server_facts()
    load_after = os.getloadavg()

    table = (report.markdown_table(results, SCENARIOS, TARGET_RATIO) + "\n\nThe ledger floor (d): the raw moves "
             "plus one guarded balance update per move.\n\n" + report.floor_table(results, SCENARIOS))
    print()
    print(table)
    for note in notes:
        print(f"\n{note}")
    if args.profile is None and not args.no_write:
        command = "python -m benchmarks.stock_posting" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
        section = report.results_section(
            table=table, verdicts=[report.verdict(r.database, SCENARIOS[r.scenario], r.ratio, TARGET_RATIO)
                                   for r in results],
            command=command, pg_facts=pg_facts, load=(load_before, load_after), notes=notes)
        report.write(args.output, section)
        print(f"\nResults written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
