"""Measuring a benchmark: statements and time spent in the driver, per-document latencies, CPU time, cProfile."""

import cProfile
import pstats
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event


class DriverClock:
    """SQL statements sent to the driver (an executemany counts once), and the time spent inside the driver's
    execute / executemany / commit / ping calls — waiting on the database, in other words — on this engine."""

    def __init__(self, engine: Engine) -> None:
        self.count, self.seconds = 0, 0.0
        event.listen(engine, "before_cursor_execute", self._seen)
        dialect = engine.dialect
        for name in ("do_execute", "do_executemany", "do_commit", "do_ping"):
            setattr(dialect, name, self._timed(getattr(dialect, name)))

    def _seen(self, *_args: Any) -> None:
        self.count += 1

    def _timed(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed

    def reading(self) -> tuple[int, float]:
        return self.count, self.seconds


@dataclass(frozen=True)
class Timing:
    documents: int
    moves: int
    seconds: float
    latencies: list[float]  # seconds per document
    statements: int
    in_database: float  # seconds inside driver calls
    cpu: float  # CPU seconds of this process (Python and, for SQLite, the database engine too)

    @property
    def moves_per_second(self) -> float:
        return self.moves / self.seconds

    def percentile(self, p: float) -> float:
        """Milliseconds per document at the p-th percentile."""
        ordered = sorted(self.latencies)
        return 1000 * statistics.quantiles(ordered, n=100, method="inclusive")[round(p) - 1] if len(ordered) > 1 \
            else 1000 * ordered[0]


@dataclass(frozen=True)
class Result:
    database: str
    scenario: str
    service: Timing
    raw: Timing
    floor: Timing

    @property
    def ratio(self) -> float:
        """How many times longer the services take per move than raw INSERTs."""
        return self.raw.moves_per_second / self.service.moves_per_second


@contextmanager
def profiled(profile_dir: Path | None, name: str) -> Iterator[None]:
    if profile_dir is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profile_dir.mkdir(parents=True, exist_ok=True)
        path = profile_dir / f"{name}.prof"
        profiler.dump_stats(path)
        print(f"\n--- profile {name} ({path}), top 25 by cumulative time ---")
        pstats.Stats(profiler).strip_dirs().sort_stats("cumulative").print_stats(25)
