"""Exports at scale: the stock ledger with a million moves exported to CSV and XLSX (and to PDF at its row limit),
on SQLite and PostgreSQL — wall time, CPU time and peak memory.

    python -m benchmarks.exports [--rows 1000000] [--databases sqlite,postgresql] [--formats csv,xlsx,pdf]
                                 [--no-write] [--output docs/benchmarks-exports.md]

For each database (a fresh SQLite file; a scratch PostgreSQL database, dropped afterwards) it migrates to head,
arranges a small world through the services — five places from Kenya down to Nakuru Town and Westlands, two
factories and two distributors' depots, six products, an administrator — and then INSERTs `--rows` stock moves in
bulk (Core executemany in batches, one every 30 seconds from 1 Jan 2025: 2,880 a business day), because a million
documents through the services would take hours and the export does not care how the rows got there.

Each export then runs in a child process of its own, exactly as the page runs it, its peak memory (VmHWM) reset
just before the export starts (`/proc/self/clear_refs`), so "peak" is the export's own, not the imports':
`domain.services.exports.export_table(admin, ledger_table(admin), query, fmt, path, progress)` — the
full ledger, 13 columns (dates, timestamps, quantities, money, choices, names from four joined tables), newest
first. Exports of all rows and of 35 business days (100,800 rows, a date-range filter) show whether time grows in
proportion and memory stays flat; the PDF is of 3 days (8,640 rows, under its 10,000-row limit). After each run
the file is checked: a CSV must hold the header, exactly the rows expected and the "Row count" line.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from benchmarks import databases, report
from domain import db, migrate
from domain.access import SYSTEM
from domain.config import get_settings
from domain.models import MoveKind, StockMove
from domain.services import exports
from domain.services.access import load_actor, seed_access
from domain.services.geography import add_geo_node
from domain.services.parties import create_party
from domain.services.products import create_product
from domain.services.stock_views import ledger_table
from domain.services.users import create_user
from domain.tables import TableQuery

RESULTS_FILE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks-exports.md"
FIRST_AT = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)  # 06:00 in Nairobi
SECONDS_APART = 30  # 2,880 moves a day
PER_DAY = 24 * 3600 // SECONDS_APART
INSERT_BATCH = 20_000
KINDS = [(MoveKind.PRODUCTION, 1), (MoveKind.CONSUMPTION, -1), (MoveKind.TRANSFER_OUT, -1),
         (MoveKind.TRANSFER_IN, 1), (MoveKind.DISPATCH, -1), (MoveKind.RECEIPT, 1), (MoveKind.WASTE, -1)]
PREFIX = {MoveKind.PRODUCTION: "PL", MoveKind.CONSUMPTION: "PL", MoveKind.TRANSFER_OUT: "TR",
          MoveKind.TRANSFER_IN: "TR", MoveKind.DISPATCH: "PO", MoveKind.RECEIPT: "GR", MoveKind.WASTE: "WO"}
NEW_FILE = f"""# Benchmarks — exports

How long exporting a million rows takes and how much memory it needs, measured by `python -m benchmarks.exports`
(what is exported and how: the module's docstring). Not part of `make test`.

{report.BEGIN}
{report.END}

## Interpretation

(written by hand after a run)
"""


@dataclass(frozen=True)
class World:
    user_id: int
    locations: tuple[int, ...]
    products: tuple[int, ...]


@dataclass(frozen=True)
class Scenario:
    fmt: str
    label: str  # "all rows", "35 days"
    days: int | None  # None: every row


SCENARIOS = [Scenario("csv", "all rows", None), Scenario("csv", "35 days", 35),
             Scenario("xlsx", "all rows", None), Scenario("xlsx", "35 days", 35), Scenario("pdf", "3 days", 3)]


# ---- the data ------------------------------------------------------------------------------------------------------


def arrange() -> World:
    for code, name, parent in [("KE", "Kenya", None), ("KE-RV", "Rift Valley", "KE"), ("RFT", "Rift", "KE-RV"),
                               ("NKR", "Nakuru", "RFT"), ("NKR-T", "Nakuru Town", "NKR"),
                               ("NBI", "Nairobi", "KE-RV"), ("NBI-W", "Westlands", "NBI"),
                               ("NBI-WT", "Westlands Town", "NBI-W")]:
        add_geo_node(SYSTEM, code=code, name=name, parent_code=parent)
    places = [("factory", "NKR-F1", "Nakuru Factory", "NKR-T"), ("factory", "NBI-F1", "Westlands Bakery", "NBI-WT"),
              ("distributor", "NKR-D1", "Mwangi Distributors Nakuru", "NKR-T"),
              ("distributor", "NBI-D1", "Kamau Wholesalers Westlands", "NBI-WT")]
    locations = tuple(create_party(SYSTEM, kind=kind, code=code, name=name, territory_code=where).id or 0
                      for kind, code, name, where in places)
    goods = [("WB-400", "White Bread 400g", "finished"), ("BB-400", "Brown Bread 400g", "finished"),
             ("BUN-6", "Buns 6-pack", "finished"), ("FLR-WHITE", "Wheat Flour", "raw_material"),
             ("SUGAR", "Sugar", "raw_material"), ("BAG-LOAF", "Bread Bag 400g", "packaging")]
    products = tuple(create_product(SYSTEM, sku=sku, name=name, kind=kind, category="Bench", unit="unit",
                                    standard_cost="28.50", shelf_life_days=5 if kind == "finished" else None).id or 0
                     for sku, name, kind in goods)
    user = create_user(SYSTEM, username="bench.admin", full_name="Achieng Odhiambo", role="admin",
                       password="bench-password-2026")
    assert user.id is not None
    return World(user.id, locations, products)


def _move(world: World, i: int) -> dict[str, Any]:
    at = FIRST_AT + timedelta(seconds=SECONDS_APART * i)
    kind, sign = KINDS[i % len(KINDS)]
    return {
        "at": at, "business_date": at.astimezone(get_settings().tz).date(),
        "location_id": world.locations[i % len(world.locations)],
        "product_id": world.products[(i // 4) % len(world.products)], "batch_id": None,
        "qty": Decimal(sign * (i % 997 + 1)).scaleb(-1) if i % 3 else Decimal(sign * 480),
        "balance_after": Decimal(10_000 + i % 5_000).scaleb(-1), "kind": kind,
        "document": f"{PREFIX[kind]}-{i // 3:07d}", "unit_cost": Decimal(2_850 + i % 500).scaleb(-2),
        "actor_id": None if i % 7 == 0 else world.user_id, "note": "Oven 2, night shift" if i % 10 == 0 else None,
    }


def fill_ledger(world: World, rows: int) -> float:
    """INSERT `rows` moves in batches; the seconds it took."""
    start = time.perf_counter()
    engine = db.get_engine()
    for first in range(0, rows, INSERT_BATCH):
        with engine.begin() as conn:
            conn.execute(insert(StockMove), [_move(world, i) for i in range(first, min(rows, first + INSERT_BATCH))])
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return time.perf_counter() - start


def filters_for(scenario: Scenario, rows: int) -> tuple[dict[str, Any], int]:
    """The scenario's filters and how many rows they select: `days` business days from the 100th day on."""
    if scenario.days is None:
        return {}, rows
    first_day = FIRST_AT.astimezone(get_settings().tz).date() + timedelta(days=100)
    last_day = first_day + timedelta(days=scenario.days - 1)
    selected = len(_day_range(first_day, last_day, rows))
    return {"business_date": {"from": first_day.isoformat(), "to": last_day.isoformat()}}, selected


def _day_range(first: date, last: date, rows: int) -> range:
    tz = get_settings().tz
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
    lo = max(0, -(-int((start - FIRST_AT).total_seconds()) // SECONDS_APART))
    hi = min(rows, -(-int((end - FIRST_AT).total_seconds()) // SECONDS_APART))
    return range(lo, max(lo, hi))


# ---- one export, in a child process ------------------------------------------------------------------------------


def _status(field: str) -> float:
    """A /proc/self/status figure (VmRSS, VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(spec: dict[str, Any]) -> None:
    db.configure(spec["url"])
    actor = load_actor(spec["user_id"])
    assert actor is not None
    source = ledger_table(actor)
    first_tick: list[float] = []
    startup_peak = _status("VmHWM")  # imports and the first queries; then the peak is reset to the current RSS
    Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()

    def progress(done: int, _expected: int) -> None:
        if not first_tick:
            first_tick.append(time.perf_counter() - start)

    result = exports.export_table(actor, source, TableQuery(filters=spec["filters"]), spec["format"],
                                  spec["path"], progress)
    print(json.dumps({
        "rows": result.rows, "seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu,
        "first_progress": first_tick[0] if first_tick else None, "rss_before": before, "peak": _status("VmHWM"),
        "startup_peak": startup_peak,
        "bytes": Path(spec["path"]).stat().st_size, "sheets": result.sheets, "pages": result.pages,
    }))


def measure(url: str, world: World, scenario: Scenario, rows: int, folder: Path) -> dict[str, Any]:
    filters, expected = filters_for(scenario, rows)
    path = folder / f"ledger.{scenario.fmt}"
    spec = {"url": url, "user_id": world.user_id, "filters": filters, "format": scenario.fmt, "path": str(path)}
    done = subprocess.run([sys.executable, "-m", "benchmarks.exports", "--child", json.dumps(spec)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"export {scenario} failed:\n{done.stderr}")
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    if outcome["rows"] != expected:
        raise SystemExit(f"{scenario}: {outcome['rows']:,} rows exported, {expected:,} expected")
    if scenario.fmt == "csv":  # header, the rows, "Row count" (the ledger has nothing to total)
        with path.open(encoding="utf-8-sig") as handle:
            lines = sum(1 for _ in handle)
        if lines != expected + 2:
            raise SystemExit(f"{scenario}: the CSV has {lines:,} lines for {expected:,} rows")
    path.unlink()
    return {**outcome, "expected": expected}


# ---- the command ---------------------------------------------------------------------------------------------------


def run_database(name: str, url: str, rows: int, formats: set[str]) -> tuple[list[tuple[str, Scenario, dict]], str]:
    print(f"[{name}] migrating and arranging ...", file=sys.stderr)
    migrate.upgrade(url)
    db.configure(url)
    seed_access()
    world = arrange()
    print(f"[{name}] inserting {rows:,} stock moves ...", file=sys.stderr)
    seconds = fill_ledger(world, rows)
    note = f"{name}: {rows:,} moves inserted in {seconds:.0f} s (not part of any figure below)"
    db.dispose()
    out = []
    with tempfile.TemporaryDirectory(prefix="chesanto-bench-exports-") as folder:
        for scenario in SCENARIOS:
            if scenario.fmt not in formats:
                continue
            print(f"[{name}] {scenario.fmt.upper()}, {scenario.label} ...", file=sys.stderr)
            out.append((name, scenario, measure(url, world, scenario, rows, Path(folder))))
    return out, note


def markdown_table(results: Sequence[tuple[str, Scenario, dict[str, Any]]]) -> str:
    lines = ["| database | format | rows selected | seconds | rows/s | CPU seconds | first progress after | "
             "file | memory before | peak memory | growth |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for database, scenario, r in results:
        extra = f" ({r['pages']:,} pages)" if r.get("pages") else ""
        first = f"{r['first_progress']:.1f} s" if r["first_progress"] is not None else "—"
        lines.append(
            f"| {database} | {scenario.fmt.upper()}{extra} | {r['rows']:,} ({scenario.label}) | {r['seconds']:.1f} "
            f"| {r['rows'] / r['seconds']:,.0f} | {r['cpu']:.1f} | {first} | {r['bytes'] / 2**20:,.0f} MiB "
            f"| {r['rss_before']:,.0f} MiB | {r['peak']:,.0f} MiB | {r['peak'] - r['rss_before']:+,.0f} MiB |")
    return "\n".join(lines)


def machine(pg_version: str | None, load: tuple[float, float]) -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    ram = next((int(line.split()[1]) / 2**20 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0.0)
    return [
        f"- **Machine:** {os.cpu_count()} CPUs ({cpu}), {ram:.0f} GB RAM, {platform.platform()}",
        f"- **Software:** Python {platform.python_version()}, SQLAlchemy {version('sqlalchemy')}, psycopg "
        f"{version('psycopg')}, XlsxWriter {version('xlsxwriter')}, fpdf2 {version('fpdf2')}; "
        + (f"PostgreSQL {pg_version} on 127.0.0.1" if pg_version else "PostgreSQL not run"),
        f"- **Load average** (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f} — other processes share the "
        "machine: wall seconds move with them, CPU seconds much less",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exports", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="stock moves in the ledger (1,000,000)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--formats", default="csv,xlsx,pdf", help="comma-separated: csv, xlsx, pdf")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE, help="results file (docs/benchmarks-exports.md)")
    parser.add_argument("--no-write", action="store_true", help="print the table only; leave the results file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    wanted = [d.strip() for d in args.databases.split(",") if d.strip()]
    formats = {f.strip() for f in args.formats.split(",") if f.strip()}
    if unknown := (set(wanted) - {"sqlite", "postgresql"}) | (formats - set(exports.FORMATS)):
        parser.error(f"unknown database(s) or format(s): {', '.join(sorted(unknown))}")

    load_before = os.getloadavg()[0]
    results: list[tuple[str, Scenario, dict[str, Any]]] = []
    notes: list[str] = []
    pg_version = None
    if "sqlite" in wanted:
        with databases.scratch_sqlite() as url:
            found, note = run_database("SQLite", url, args.rows, formats)
            results += found
            notes.append(note)
    if "postgresql" in wanted:
        if (problem := databases.postgres_problem()) is not None:
            notes.append(f"PostgreSQL skipped: {problem}.")
        else:
            with databases.scratch_postgres() as url:
                found, note = run_database("PostgreSQL", url, args.rows, formats)
                results += found
                notes.append(note)
                db.configure(url)
                with db.get_engine().connect() as conn:
                    pg_version = str(conn.execute(text("SHOW server_version")).scalar_one())
    load_after = os.getloadavg()[0]

    table = markdown_table(results)
    print()
    print(table)
    if not args.no_write:
        command = "python -m benchmarks.exports" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
        section = "\n".join(["## Results", "", f"- **Date:** {datetime.now().astimezone():%d %b %Y %H:%M %Z}",
                             f"- **Command:** `{command}`", *machine(pg_version, (load_before, load_after)), "",
                             table, "", *(f"- {note}" for note in notes)])
        if not args.output.exists():
            args.output.write_text(NEW_FILE)
        report.write(args.output, section)
        print(f"\nResults written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
