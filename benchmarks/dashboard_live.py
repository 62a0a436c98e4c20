"""The live dashboard under load: how long a committed change takes to reach 100 open dashboards, and how much memory
each open dashboard costs the server.

    python -m benchmarks.dashboard_live [--viewers 100] [--commits 20] [--every 2] [--history-days 30]
                                        [--cases sqlite,postgresql,two-processes] [--no-write]
                                        [--output docs/benchmarks.md]

Each database (a fresh SQLite file; a scratch PostgreSQL database, dropped afterwards) is migrated and seeded with
the demo company at the demo scale through the services (`domain.demo.seed`: 8 regions, 90 territories, 25 finished
goods, 3 factories, 30 distributors, 600 retailers, the demo logins) with `--history-days` days of trade. The app
then runs in its own process(es) (`benchmarks.live_server`: the app exactly as `chesanto serve` builds it, plus a
thread that records retail sales through the services when the benchmark says so):

- **one process** (SQLite, and PostgreSQL): the sales are committed inside the process the dashboards are open on,
  as `chesanto demo --simulate` does;
- **two processes** (PostgreSQL): the sales are committed in app process A; the dashboards are open on app process
  B (`python -m dashboard.cli serve`), which hears them through LISTEN/NOTIFY.

The executive signs in once in Chromium (Playwright); then `--viewers` simulated viewers (benchmarks.live_clients)
open /dashboard with that session over real HTTP and WebSocket connections, as browser tabs do. After two untimed
sales, `--commits` sales follow, one every `--every` seconds; each raises "Orders today" by one. Latency = when a
viewer received the update showing the new count − when the sale's COMMIT was sent (see benchmarks.live_server):
viewers × commits samples per case.

Memory: the resident set (VmRSS) of the process the viewers are on, after the signed-in Chromium page has loaded
and closed (imports, caches and the first computation are paid), then after every viewer has received its cards
(and 3 s to settle), then 15 s after they all disconnected (the app forgets a closed page after its 10 s reconnect
timeout). (with viewers − before) ÷ viewers = MiB per open dashboard.
"""

import argparse
import asyncio
import json
import os
import platform
import queue
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import httpx

from benchmarks import databases, live_server, report
from benchmarks.live_clients import close_viewers, open_viewers
from domain.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
RESULTS_FILE = ROOT / "docs" / "benchmarks.md"
SECTION = "dashboard-live"  # its results between <!-- dashboard-live:begin/end --> markers in the results file
CHROMIUM = os.environ.get("CHESANTO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
VIEWER = "executive"  # the demo executive: company-wide, the dashboard is the start page
TARGETS = {1: 250.0, 2: 1000.0}  # p95 ms, by processes
MEMORY_TARGET = 1.0  # MiB per open dashboard
CASES = {"sqlite": ("SQLite", 1), "postgresql": ("PostgreSQL", 1), "two-processes": ("PostgreSQL", 2)}
NEW_FILE = """# Benchmarks — the live dashboard

How quickly a committed change reaches 100 open dashboards and what each open dashboard costs in memory, measured by
`python -m benchmarks.dashboard_live` (how: benchmarks/README.md). Not part of `make test`.
"""


@dataclass
class Outcome:
    case: str
    database: str
    processes: int
    viewers: int
    commits: int
    latencies: list[float] = field(default_factory=list)  # ms, one per viewer per commit
    missing: int = 0  # (viewer, commit) pairs never shown
    rss: dict[str, float] = field(default_factory=dict)  # MiB: before, connected, closed
    server_cpu: float = 0.0  # CPU seconds of the viewers' app process during the timed sales
    driver_cpu: float = 0.0  # CPU seconds of the simulated viewers (this process) meanwhile
    update_bytes: float = 0.0  # what one viewer received per commit
    committed_in: str = ""

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1]

    @property
    def per_viewer(self) -> float:
        return (self.rss["connected"] - self.rss["before"]) / self.viewers


# ---- app processes -------------------------------------------------------------------------------------------------


class App:
    """One app process on a free port; with `sales`, the live_server whose stdin/stdout carry sales and COMMITs."""

    def __init__(self, url: str, folder: Path, secret: str, *, sales: bool, name: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NICEGUI_"))} | {
            "CHESANTO_DATABASE_URL": url, "CHESANTO_ENV": "development", "CHESANTO_SECRET_KEY": secret,
            "PORT": str(port), "HOST": "127.0.0.1", "CHESANTO_DATA_DIR": str(folder / f"data-{name}"),
            "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
        module = "benchmarks.live_server" if sales else "dashboard.cli"
        self.log = (folder / f"{name}.log").open("w")
        self.process = subprocess.Popen([sys.executable, "-m", module, *([] if sales else ["serve"])], env=env,
                                        cwd=folder, text=True, stdin=subprocess.PIPE if sales else None,
                                        stdout=subprocess.PIPE if sales else self.log, stderr=self.log)
        self.lines: queue.Queue[str] = queue.Queue()
        if sales:
            threading.Thread(target=self._read, daemon=True).start()
        self._wait_healthy(folder / f"{name}.log")
        if sales:
            self._say("prepare")
            self._next(live_server.READY_MARK, 300)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith((live_server.COMMIT_MARK, live_server.READY_MARK)):
                self.lines.put(line.strip())
            else:
                self.log.write(line)

    def _wait_healthy(self, log: Path) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/health/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the app did not start:\n{log.read_text()}")
            time.sleep(0.3)

    def _say(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def _next(self, mark: str, timeout: float) -> str:
        line = self.lines.get(timeout=timeout)
        if not line.startswith(mark):
            raise SystemExit(f"expected {mark!r} from the app, got {line!r}")
        return line[len(mark):]

    async def sale(self) -> float:
        """Record one retail sale in this process; when its COMMIT was sent (wall clock)."""
        self._say("sale")
        answer = await asyncio.get_running_loop().run_in_executor(None, self._next, live_server.COMMIT_MARK, 60)
        return float(json.loads(answer)["at"])

    def rss(self) -> float:
        return _status(self.process.pid, "VmRSS")

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _status(pid: int, field_name: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} for process {pid}")


def sign_in(base: str) -> str:
    """Sign the executive in with Chromium, let the dashboard load, and hand back the session cookie."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 800})
        page.goto(base + "/login")
        page.get_by_label("Username").fill(VIEWER)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/dashboard*")
        page.locator(".kpi-orders_today-value").wait_for(timeout=60_000)
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        browser.close()
    return cookie


# ---- one case ------------------------------------------------------------------------------------------------------


async def measure(outcome: Outcome, seller: App, watched: App, cookie: str, every: float) -> None:
    outcome.rss["before"] = watched.rss()
    viewers = await open_viewers(watched.base, cookie, outcome.viewers)
    await asyncio.sleep(3)
    outcome.rss["connected"] = watched.rss()
    start = viewers[0].orders_today
    assert start is not None and all(v.orders_today == start for v in viewers), "the viewers disagree"
    for _ in range(2):  # untimed
        await seller.sale()
        await asyncio.sleep(every)
    first, cpu, driver, size = start + 2, watched.cpu(), time.process_time(), viewers[0].bytes_in
    commits: list[tuple[int, float]] = []
    for n in range(outcome.commits):
        ticked = time.monotonic()
        commits.append((first + n + 1, await seller.sale()))
        await asyncio.sleep(max(0.0, every - (time.monotonic() - ticked)))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(v.first_at_least(commits[-1][0]) is None for v in viewers):
        await asyncio.sleep(0.1)
    outcome.server_cpu, outcome.driver_cpu = watched.cpu() - cpu, time.process_time() - driver
    outcome.update_bytes = (viewers[0].bytes_in - size) / outcome.commits
    for expected, at in commits:
        for viewer in viewers:
            shown = viewer.first_at_least(expected)
            if shown is None:
                outcome.missing += 1
            else:
                outcome.latencies.append(1000 * (shown - at))
    await close_viewers(viewers)
    await asyncio.sleep(15)
    outcome.rss["closed"] = watched.rss()


def run_case(case: str, url: str, args: argparse.Namespace) -> Outcome:
    database, processes = CASES[case]
    outcome = Outcome(case, database, processes, args.viewers, args.commits)
    secret = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="chesanto-bench-live-") as folder:
        apps: list[App] = []
        try:
            seller = App(url, Path(folder), secret, sales=True, name="a")
            apps.append(seller)
            watched = seller if processes == 1 else App(url, Path(folder), secret, sales=False, name="b")
            if watched is not seller:
                apps.append(watched)
            outcome.committed_in = "the viewers' process" if processes == 1 else "another app process"
            print(f"[{case}] signing in and opening {args.viewers} dashboards ...", file=sys.stderr)
            cookie = sign_in(watched.base)
            time.sleep(12)  # the signed-in Chromium page is closed: let the app forget it
            asyncio.run(measure(outcome, seller, watched, cookie, args.every))
        finally:
            for app in apps:
                app.stop()
    return outcome


def seed(url: str, history_days: int) -> float:
    from domain import db, migrate
    from domain.demo import seed as seed_company
    from domain.services.access import seed_access

    started = time.perf_counter()
    migrate.upgrade(url)
    db.configure(url)
    seed_access()
    seed_company(scale="demo", history_days=history_days)
    db.dispose()
    return time.perf_counter() - started


# ---- the report ----------------------------------------------------------------------------------------------------


def latency_table(outcomes: Sequence[Outcome]) -> str:
    lines = ["| case | sales committed in | viewers | sales | samples | median ms | p95 ms | max ms | target p95 "
             "| met | not shown | app CPU per sale | simulated viewers' CPU per sale | update per viewer per sale |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|"]
    for o in outcomes:
        target = TARGETS[o.processes]
        met = o.latencies and not o.missing and o.percentile(95) <= target
        lines.append(
            f"| {o.database}, {o.processes} process{'es' if o.processes > 1 else ''} | {o.committed_in} "
            f"| {o.viewers} | {o.commits} | {len(o.latencies):,} | {statistics.median(o.latencies):.0f} "
            f"| {o.percentile(95):.0f} | {max(o.latencies):.0f} | ≤ {target:,.0f} | {'yes' if met else '**no**'} "
            f"| {o.missing} | {1000 * o.server_cpu / o.commits:.0f} ms | {1000 * o.driver_cpu / o.commits:.0f} ms "
            f"| {o.update_bytes / 1024:.1f} KiB |")
    return "\n".join(lines)


def memory_table(outcomes: Sequence[Outcome]) -> str:
    lines = ["| case | RSS before | with the viewers | per open dashboard | target | met | 15 s after they left |",
             "|---|--:|--:|--:|--:|---|--:|"]
    for o in outcomes:
        lines.append(
            f"| {o.database}, {o.processes} process{'es' if o.processes > 1 else ''} | {o.rss['before']:.0f} MiB "
            f"| {o.rss['connected']:.0f} MiB | {o.per_viewer:.2f} MiB | ≤ {MEMORY_TARGET:g} MiB "
            f"| {'yes' if o.per_viewer <= MEMORY_TARGET else '**no**'} | {o.rss['closed']:.0f} MiB |")
    return "\n".join(lines)


def machine(load: tuple[float, float], pg: str | None) -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    return [
        f"- **Machine:** {os.cpu_count()} CPUs ({cpu}), {platform.platform()}; the app processes, PostgreSQL, "
        "Chromium (for the sign-in) and the simulated viewers (one Python process) all share it",
        f"- **Software:** Python {platform.python_version()}, NiceGUI {version('nicegui')}, python-socketio "
        f"{version('python-socketio')} (viewers), SQLAlchemy {version('sqlalchemy')}; "
        + (f"PostgreSQL {pg} on 127.0.0.1" if pg else "PostgreSQL not run"),
        f"- **Load average** (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f} — other processes share the "
        "machine; latencies move with them",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard_live", description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=100, help="open dashboards (100)")
    parser.add_argument("--commits", type=int, default=20, help="timed sales per case (20)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between sales (2)")
    parser.add_argument("--history-days", type=int, default=30, help="days of demo trade to seed (30)")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--output", type=Path, default=RESULTS_FILE, help="results file (docs/benchmarks.md)")
    parser.add_argument("--no-write", action="store_true", help="print the tables only; leave the results file")
    args = parser.parse_args(argv)
    wanted = [c.strip() for c in args.cases.split(",") if c.strip()]
    if unknown := set(wanted) - set(CASES):
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")

    load_before = os.getloadavg()[0]
    outcomes: list[Outcome] = []
    notes: list[str] = []
    pg_version = None
    if "sqlite" in wanted:
        with databases.scratch_sqlite() as url:
            print(f"[SQLite] seeding the demo company ({args.history_days} days of trade) ...", file=sys.stderr)
            notes.append(f"SQLite seeded in {seed(url, args.history_days):.0f} s (not part of any figure).")
            outcomes.append(run_case("sqlite", url, args))
    pg_cases = [c for c in wanted if CASES[c][0] == "PostgreSQL"]
    if pg_cases and (problem := databases.postgres_problem()) is not None:
        notes.append(f"PostgreSQL skipped: {problem}.")
    elif pg_cases:
        with databases.scratch_postgres() as url:
            print(f"[PostgreSQL] seeding the demo company ({args.history_days} days of trade) ...", file=sys.stderr)
            notes.append(f"PostgreSQL seeded in {seed(url, args.history_days):.0f} s (not part of any figure).")
            pg_version = _pg_version(url)
            outcomes += [run_case(case, url, args) for case in pg_cases]
    load_after = os.getloadavg()[0]

    tables = "\n\n".join([latency_table(outcomes), memory_table(outcomes)])
    print()
    print(tables)
    if not args.no_write:
        command = "python -m benchmarks.dashboard_live" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
        section = "\n".join([
            "## The live dashboard: 100 viewers", "", f"- **Date:** {datetime.now().astimezone():%d %b %Y %H:%M %Z}",
            f"- **Command:** `{command}`", *machine((load_before, load_after), pg_version),
            f"- **Data:** the demo company at the demo scale with {args.history_days} days of trade; the viewers are "
            "the demo executive (company-wide), default view (last 30 days)", "", tables, "",
            *(f"- {note}" for note in notes)])
        if not args.output.exists():
            args.output.write_text(NEW_FILE)
        report.write_section(args.output, SECTION, section)
        print(f"\nResults written to {args.output}", file=sys.stderr)
    return 0


def _pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
