"""`python -m benchmarks.large_scale`: the executive dashboard (issue #7) and the finance tables (issue #6) on the
`large` scale (a year of trade: ~2 M orders, ~10 M order lines, ~1 M invoices), SQLite and PostgreSQL side by side.

The large databases take minutes to write, so they are kept between runs: SQLite in `--data` (default
~/.cache/chesanto-bench/large.db), PostgreSQL as database `chesanto_large` on the benchmark server. A database that
holds no orders yet is migrated and seeded (`seed(scale="large")`) first, and the time that took is reported.
Each run checks what the database holds with `chesanto check`'s checks before timing anything.
"""

import argparse
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, make_url, select, text

from benchmarks.databases import PG_ADMIN_URL, postgres_problem
from benchmarks.naive_dashboard import naive_queries
from benchmarks.report import machine, write_section

OUTPUT = Path("docs/benchmarks.md")
SECTION = "large"
PG_DATABASE = "chesanto_large"
DEFAULT_DATA = Path.home() / ".cache" / "chesanto-bench" / "large.db"


@dataclass
class Measured:
    database: str
    what: str
    times: list[float]  # seconds
    peak_mib: float | None = None
    rows: int | None = None

    def ms(self, p: int) -> float:
        ordered = sorted(self.times)
        if len(ordered) == 1 or p == 50:
            return 1000 * statistics.median(ordered)
        return 1000 * statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]


def prepare(url: str, database: str, *, check: bool = True) -> list[str]:
    """Migrate, seed the large company if the database holds no orders, and run the integrity checks."""
    from domain import db
    from domain.demo import seed
    from domain.migrate import upgrade
    from domain.models import Order
    from domain.services.access import seed_access
    from domain.services.integrity import run_checks

    os.environ["CHESANTO_DATABASE_URL"] = url
    from domain.config import reload_settings

    reload_settings()
    upgrade(url)
    db.configure(url)
    seed_access()
    notes = []
    with db.reading() as session:
        orders = session.execute(select(func.count()).select_from(Order)).scalar_one()
    if orders == 0:
        started = time.perf_counter()
        report = seed(scale="large")
        notes.append(f"{database}: the large company was written in {time.perf_counter() - started:,.0f} s "
                     f"({report.created:,} records)")
    if not check:
        return [*notes, f"{database}: `chesanto check` not run this time (`--no-check`)"]
    started = time.perf_counter()
    problems = {name: found for name, found in run_checks().items() if found}
    outcome = "all passed" if not problems else f"FAILED: {problems}"
    notes.append(f"{database}: `chesanto check` (schema, permissions, ledger_balances, rollups) {outcome} in "
                 f"{time.perf_counter() - started:,.0f} s")
    return notes


def sizes() -> dict[str, int]:
    from domain import db

    with db.reading() as session:
        return {name: int(session.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one())
                for name in ("sales_order", "sales_order_line", "invoice", "payment", "stock_move")}


def timed(database: str, what: str, call: Callable[[], Any], runs: int, *, before: Callable[[], None] = lambda: None,
          memory: bool = False) -> Measured:
    times = []
    result = None
    for _ in range(runs):
        before()
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    peak = None
    if memory:
        before()
        tracemalloc.start()
        call()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    rows = getattr(result, "total_rows", None)
    return Measured(database, what, times, peak, rows)


def dashboard_runs(database: str, runs: int, naive_runs: int) -> tuple[list[Measured], list[str]]:
    from domain.db import reading
    from domain.demo.reads import demo_actor
    from domain.inputs import business_today
    from domain.models import GeoNode
    from domain.services import dashboard

    executive = demo_actor("executive")
    with reading() as session:
        region = session.execute(select(GeoNode).where(GeoNode.code == "NRB")).scalar_one()
    today = business_today()
    views = {"whole company": dashboard.DashboardFilters(), f"one region ({region.name})":
             dashboard.DashboardFilters(geo_id=region.id)}
    results, notes = [], []
    for label, filters in views.items():
        def compute(f: dashboard.DashboardFilters = filters) -> dashboard.DashboardData:
            return dashboard.dashboard_data(executive, filters=f, today=today)

        fast = timed(database, f"dashboard, {label}: rollups", compute, runs, before=dashboard.memo.forget)
        rolled = compute()
        with naive_queries():
            slow = timed(database, f"dashboard, {label}: naive (raw order lines)", compute, naive_runs,
                         before=dashboard.memo.forget)
            dashboard.memo.forget()
            raw = compute()
        dashboard.memo.forget()
        same = rolled.kpis == raw.kpis and rolled.charts == raw.charts
        notes.append(f"{database}, {label}: the rollup and the naive figures are "
                     f"{'identical (every KPI and chart)' if same else '**different**'}; "
                     f"naive ÷ rollups = {slow.ms(50) / fast.ms(50):,.0f}× at the median")
        results += [fast, slow]
    return results, notes


def finance_runs(database: str, runs: int) -> list[Measured]:
    from datetime import timedelta

    from domain.demo.reads import demo_actor
    from domain.inputs import business_today
    from domain.services.invoices import invoices_table
    from domain.services.receivables import receivables_by_region, receivables_table
    from domain.services.tables import fetch_page
    from domain.tables import TableQuery

    finance = demo_actor("finance")
    today = business_today()
    invoices, receivables = invoices_table(finance), receivables_table(finance)
    recent = {"from": (today - timedelta(days=90)).isoformat(), "to": today.isoformat()}
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("invoices: page 1 of all, with count and totals", lambda: fetch_page(finance, invoices, TableQuery())),
        ("invoices: open or part-paid, issued in the last 90 days, region Nairobi, by balance",
         lambda: fetch_page(finance, invoices, TableQuery(
             filters={"status": ["open", "partially_paid"], "issue_date": recent, "region": "Nairobi"},
             sort="balance", descending=True))),
        ("invoices: customer name contains \"shop\", more than 30 days overdue",
         lambda: fetch_page(finance, invoices, TableQuery(
             filters={"customer": "shop", "days_overdue": {"min": 31}}))),
        ("receivables and ageing per customer: page 1 by outstanding, with totals",
         lambda: fetch_page(finance, receivables, TableQuery())),
        ("receivables and ageing per region", lambda: receivables_by_region(finance)),
    ]
    return [timed(database, what, call, runs, memory=True) for what, call in cases]


def table(results: list[Measured]) -> str:
    lines = ["| database | what | runs | median ms | p95 ms | rows selected | peak Python memory |",
             "|---|---|--:|--:|--:|--:|--:|"]
    for m in results:
        lines.append(f"| {m.database} | {m.what} | {len(m.times)} | {m.ms(50):,.1f} | {m.ms(95):,.1f} "
                     f"| {'' if m.rows is None else f'{m.rows:,}'} "
                     f"| {'' if m.peak_mib is None else f'{m.peak_mib:,.1f} MiB'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the SQLite file (kept between runs)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each rollup or finance read")
    parser.add_argument("--naive-runs", type=int, default=5, help="timed runs of each naive dashboard")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--no-check", action="store_true", help="skip `chesanto check` (minutes at this scale)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    urls: dict[str, str] = {}
    notes: list[str] = []
    if "sqlite" in args.databases:
        args.data.parent.mkdir(parents=True, exist_ok=True)
        urls["SQLite"] = f"sqlite:///{args.data}"
    if "postgresql" in args.databases:
        problem = postgres_problem()
        if problem:
            notes.append(problem + ": PostgreSQL not run")
        else:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DATABASE}).first():
                    conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
            admin.dispose()
            urls["PostgreSQL"] = make_url(PG_ADMIN_URL).set(database=PG_DATABASE).render_as_string(
                hide_password=False)
    dashboards: list[Measured] = []
    finance: list[Measured] = []
    held: list[str] = []
    for database, url in urls.items():
        notes += prepare(url, database, check=not args.no_check)
        counted = sizes()
        held.append(f"- **{database} holds** {counted['sales_order']:,} orders, {counted['sales_order_line']:,} order "
                    f"lines, {counted['invoice']:,} invoices, {counted['payment']:,} payments and "
                    f"{counted['stock_move']:,} stock moves")
        measured, said = dashboard_runs(database, args.runs, args.naive_runs)
        dashboards += measured
        notes += said
        finance += finance_runs(database, args.runs)
        print(table(dashboards + finance), flush=True)
    from domain import db

    db.dispose()
    section = "\n".join([
        "## Results at the large scale", "",
        f"- **Date:** {time.strftime('%d %b %Y %H:%M %Z')}",
        f"- **Command:** `python -m benchmarks.large_scale --runs {args.runs} --naive-runs {args.naive_runs}"
        f"{' --no-check' if args.no_check else ''}`",
        *machine({}, (load_before, os.getloadavg()))[:1], *held, "",
        "### Dashboard: every KPI and chart of one view, computed (memo emptied before each run)", "",
        table(dashboards), "",
        "### Finance tables at a million invoices", "",
        table(finance), "",
        *(f"- {note}" for note in notes),
        f"- Load average (1 min) at start / end: {load_before[0]:.2f} / {os.getloadavg()[0]:.2f}",
    ])
    print(section)
    if not args.no_write:
        write_section(args.output, SECTION, section)


if __name__ == "__main__":
    main()
