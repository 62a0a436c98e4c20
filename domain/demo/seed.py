"""`chesanto seed` / `chesanto demo`: fill a database with the demo company, through the services.

Deterministic (the same seed gives the same company) and idempotent (whatever exists, by code, SKU or username,
is left as it is; a second run creates nothing). The demo scale then gets the last 90 days of production and trade
(domain.demo.history, domain.demo.sales_history, domain.demo.collections): supplier deliveries, production logs,
primary, secondary and tertiary orders, the invoices of their deliveries and the customers' payments, made once:
never again once any production log exists.
Never in production.
"""

import time
from dataclasses import dataclass, field

from domain.demo.catalogue import ensure_catalogue
from domain.demo.geography import ensure_geography
from domain.demo.history import HISTORY_DAYS, ensure_history
from domain.demo.large import LARGE_DAYS, ensure_large_history
from domain.demo.parties import ensure_parties, plan_parties
from domain.demo.users import DemoLogin, ensure_demo_users, refuse_in_production
from domain.models import PartyKind

# Scale -> how many blocks of distributors and retailers (one block: 30 distributors, 600 retailers).
SCALES: dict[str, int] = {"demo": 1, "large": 10}
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class Line:
    what: str
    created: int
    present: int


@dataclass
class SeedReport:
    scale: str
    seed: int
    lines: list[Line] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def created(self) -> int:
        return sum(line.created for line in self.lines)

    def summary(self) -> list[str]:
        """What was created, one line per kind of record, as the CLI prints it."""
        rows = [f"  {line.what:<16} {line.created:>6} created {line.present:>6} already there" for line in self.lines]
        if self.created == 0:
            rows.append(f"Nothing new: the {self.scale} company (seed {self.seed}) was already in place.")
        else:
            rows.append(f"Created {self.created:,} records in {self.seconds:.1f} s.")
        return rows


def seed(*, scale: str = "demo", seed: int = DEFAULT_SEED, bulk: bool | None = None,
         history_days: int | None = None) -> SeedReport:
    """Create whatever of the demo company is missing: geography, catalogue and recipes, factories, distributors,
    retailers, and the demo logins (one regional sales login per region); then `history_days` days of production and
    trade up to yesterday (0 for none) unless documents exist already: at the demo scale through the services
    (default HISTORY_DAYS), at the large scale in bulk (default LARGE_DAYS, domain.demo.large). `bulk` writes
    retailers many to a transaction (default: only for `large`). Refused in production."""
    refuse_in_production()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose {' or '.join(SCALES)}")
    started = time.perf_counter()
    report = SeedReport(scale=scale, seed=seed)
    report.lines.append(Line("geography places", *ensure_geography()))
    products, recipes = ensure_catalogue()
    report.lines.append(Line("products", *products))
    report.lines.append(Line("recipes", *recipes))
    parties = ensure_parties(plan_parties(blocks=SCALES[scale], seed=seed),
                             bulk=scale == "large" if bulk is None else bulk)
    for kind, label in ((PartyKind.FACTORY, "factories"), (PartyKind.DISTRIBUTOR, "distributors"),
                        (PartyKind.RETAILER, "retailers")):
        report.lines.append(Line(label, *parties[kind]))
    report.logins = ensure_demo_users()
    created_logins = sum(login.created for login in report.logins)
    report.lines.append(Line("users", created_logins, len(report.logins) - created_logins))
    if scale == "demo":
        days = HISTORY_DAYS if history_days is None else history_days
        history = ensure_history(seed=seed, days=days)
    else:
        history = ensure_large_history(seed=seed, days=LARGE_DAYS if history_days is None else history_days)
    for what, (created, present) in history.items():
        report.lines.append(Line(what, created, present))
    report.seconds = time.perf_counter() - started
    return report
