"""Writing results into docs/benchmarks.md: only the part between the two markers is replaced, so the
hand-written interpretation around it survives every `make bench`."""

import os
import platform
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from benchmarks.measure import Result

MAKE_BENCH = "python -m benchmarks.stock_posting"
BEGIN = "<!-- results:begin — written by `make bench`; edit outside these markers -->"
END = "<!-- results:end -->"

NEW_FILE = f"""# Benchmarks

How fast the services write the stock ledger, measured by `make bench`. What each scenario does and how to run
it: [benchmarks/README.md](../benchmarks/README.md). Benchmarks are not part of `make test`.

{BEGIN}
{END}

## Interpretation

(to be written after the first run)
"""


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    return "RAM unknown"


def machine(pg_facts: dict[str, str], load: tuple[tuple[float, ...], tuple[float, ...]]) -> list[str]:
    before, after = load
    pg = (f"PostgreSQL {pg_facts['server_version']} on 127.0.0.1 over TCP (fsync {pg_facts['fsync']}, "
          f"synchronous_commit {pg_facts['synchronous_commit']}, shared_buffers {pg_facts['shared_buffers']})"
          if pg_facts else "PostgreSQL not run")
    return [
        f"- **Machine:** {os.cpu_count()} CPUs ({_cpu()}), {_ram()}, {platform.platform()}",
        f"- **Software:** Python {platform.python_version()}, SQLAlchemy {version('sqlalchemy')}, "
        f"SQLModel {version('sqlmodel')}, psycopg {version('psycopg')}; SQLite {sqlite3.sqlite_version} "
        "(WAL, synchronous=NORMAL, as domain/db.py sets it); " + pg,
        f"- **Load average** (1 min) at start / end: {before[0]:.2f} / {after[0]:.2f} — other processes share "
        "the machine, so figures move from run to run (the PostgreSQL ratio most: a raw document is mostly one "
        "COMMIT, whose fsync time varies)",
    ]


def verdict(database: str, scenario: str, ratio: float, target: float) -> str:
    outcome = "met" if ratio <= target else "missed"
    return (f"- {database}, {scenario}: services take {ratio:.1f}× the raw time per move — **target {outcome}** "
            f"(≤ {target:g}×).")


def results_section(*, table: str, verdicts: list[str], command: str, pg_facts: dict[str, str],
                    load: tuple[tuple[float, ...], tuple[float, ...]], notes: list[str]) -> str:
    return "\n".join([
        "## Results",
        "",
        f"- **Date:** {datetime.now().astimezone():%d %b %Y %H:%M %Z}",
        f"- **Command:** `{command}`" + (" (what `make bench` runs)" if command == MAKE_BENCH else ""),
        *machine(pg_facts, load),
        "",
        table,
        "",
        *verdicts,
        *(f"- {note}" for note in notes),
    ])


def write(path: Path, section: str) -> None:
    """Replace the results between the markers (creating the file with its skeleton if it is missing)."""
    text = path.read_text() if path.exists() else NEW_FILE
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{BEGIN}\n{section}\n{END}{tail}")


def markdown_table(results: Sequence[Result], labels: dict[str, str], target: float) -> str:
    lines = [
        "| database | scenario | documents | moves | services moves/s | p50 ms/doc | p95 ms/doc | CPU ms/doc "
        "| SQL statements/doc | in driver + database | raw moves/s | raw p50 ms/doc | services ÷ raw | within 3× |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        s, raw = r.service, r.raw
        lines.append(
            f"| {r.database} | {labels[r.scenario]} | {s.documents:,} | {s.moves:,} | {s.moves_per_second:,.0f} "
            f"| {s.percentile(50):.1f} | {s.percentile(95):.1f} | {1000 * s.cpu / s.documents:.1f} "
            f"| {s.statements / s.documents:.1f} | {100 * s.in_database / s.seconds:.0f} % "
            f"| {raw.moves_per_second:,.0f} | {raw.percentile(50):.2f} | {r.ratio:.1f}× "
            f"| {'yes' if r.ratio <= target else '**no**'} |")
    return "\n".join(lines)


def floor_table(results: Sequence[Result], labels: dict[str, str]) -> str:
    """The ledger floor (d) beside raw (c) and the services."""
    lines = [
        "| database | scenario | floor moves/s | floor p50 ms/doc | floor statements/doc | floor ÷ raw "
        "| services ÷ floor |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        f = r.floor
        lines.append(
            f"| {r.database} | {labels[r.scenario]} | {f.moves_per_second:,.0f} | {f.percentile(50):.2f} "
            f"| {f.statements / f.documents:.1f} | {r.raw.moves_per_second / f.moves_per_second:.1f}× "
            f"| {f.moves_per_second / r.service.moves_per_second:.1f}× |")
    return "\n".join(lines)


def write_section(path: Path, name: str, section: str) -> None:
    """Replace the results between `<!-- name:begin -->` and `<!-- name:end -->` (appended at the end of the file
    the first time), leaving everything else as it is."""
    begin, end = f"<!-- {name}:begin — written by benchmarks; edit outside these markers -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else NEW_FILE
    if begin not in text or end not in text:
        text = text.rstrip("\n") + f"\n\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _old, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{section}\n{end}{tail}")
