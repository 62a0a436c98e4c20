"""The executive dashboard: KPI cards and chart series for a viewer's area, from the daily rollups and small tables.

- Filters: a period (today, 7 / 30 / 90 days, month to date, or from–to), a geography node inside the viewer's area
  (default: the whole area), a factory and a product category. They travel in the page's URL (`to_query` /
  `filters_from_query`), so a view can be bookmarked and shared.
- The cards show today, this month and now (their labels say which); the period sets the charts.
- A factory narrows production and stock; sales, collections and receivables belong to the customer's place, so it
  does not narrow those. A category narrows production, sales and stock; money received and owed is not per
  product. `DashboardData.notes` says so on the page whenever it applies.
- One computation per burst, not per viewer: results are memoised per (viewer's scope, filters, day). Any domain
  event (from this process, or from another one through LISTEN/NOTIFY) empties the memo; the live pages wait for
  the burst to gather (`dashboard.live.follow`: 25 ms after the first event) and then ask again — the first asker
  computes, everyone else with the same scope and filters waits for that result and shares it (`_Memo.get`, one
  lock per key).
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from domain import inputs
from domain.access import Actor
from domain.db import reading
from domain.errors import PermissionDenied, ValidationFailed
from domain.events import DomainEvent, bus
from domain.formatting import format_date
from domain.models import GeoNode
from domain.queries import dashboard as dashboard_q

PERIODS: dict[str, str] = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days",
                           "mtd": "Month to date", "custom": "From – to"}
_DAYS = {"today": 1, "7d": 7, "30d": 30, "90d": 90}
MAX_DAYS = 366
Kind = Literal["money", "quantity", "percent", "count"]


# ---- filters ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    period: str = "30d"
    date_from: date | None = None  # custom period only
    date_to: date | None = None
    geo_id: int | None = None  # None: the viewer's whole area
    factory_id: int | None = None
    category: str | None = None

    def to_query(self) -> dict[str, str]:
        """The filters as URL query parameters (defaults left out)."""
        query = {"period": self.period} if self.period != "30d" else {}
        if self.period == "custom":
            query |= {k: v.isoformat() for k, v in (("from", self.date_from), ("to", self.date_to)) if v}
        for key, value in (("area", self.geo_id), ("factory", self.factory_id), ("category", self.category)):
            if value is not None:
                query[key] = str(value)
        return query


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() and 0 < int(value) < 2**62 else None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def filters_from_query(params: Mapping[str, str]) -> DashboardFilters:
    """Filters from URL query parameters; anything unreadable falls back to its default (a shared link never
    breaks the page — `dashboard_data` still checks what is left)."""
    period = params.get("period", "30d")
    return DashboardFilters(
        period=period if period in PERIODS else "30d", date_from=_day(params.get("from")),
        date_to=_day(params.get("to")), geo_id=_int(params.get("area")), factory_id=_int(params.get("factory")),
        category=(params.get("category") or "").strip() or None)


def period_dates(filters: DashboardFilters, today: date) -> tuple[date, date]:
    """The first and last day of the filters' period (ValidationFailed naming From / To for a bad custom one)."""
    if filters.period == "mtd":
        return today.replace(day=1), today
    if filters.period in _DAYS:
        return today - timedelta(days=_DAYS[filters.period] - 1), today
    if filters.period != "custom":
        raise ValidationFailed.field("Period", "must be one of " + ", ".join(PERIODS.values()))
    errors = {label: "is required" for label, value in (("From", filters.date_from), ("To", filters.date_to))
              if value is None}
    if not errors:
        assert filters.date_from is not None and filters.date_to is not None
        if filters.date_to > today:
            errors["To"] = "cannot be in the future"
        elif filters.date_from > filters.date_to:
            errors["To"] = "must not be before From"
        elif (filters.date_to - filters.date_from).days >= MAX_DAYS:
            errors["From"] = f"must be at most {MAX_DAYS} days before To"
    if errors:
        raise ValidationFailed(errors)
    assert filters.date_from is not None and filters.date_to is not None
    return filters.date_from, filters.date_to


# ---- what the page shows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    text: str  # "96.0 % of plan (5,000)", "KES 1,200.00 on Sun 15 Nov 2026"
    change: Decimal | None = None  # % change against it, when that means something
    good: bool | None = None  # is the change good news (None: neither)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: Decimal | int | None  # None: nothing to measure (e.g. a waste rate without production)
    kind: Kind
    text: str  # the value as the business writes it
    comparisons: tuple[Comparison, ...] = ()


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    categories: tuple[str, ...]  # names, or ISO dates for a trend
    series: tuple[Series, ...]
    money: bool = True
    empty: str = "Nothing to show for these filters."
    drill_ids: tuple[int | None, ...] = ()  # per category: the geography node a click drills into

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(v == 0 for s in self.series for v in s.values)


@dataclass(frozen=True)
class Place:
    id: int | None  # None: the whole company
    name: str


@dataclass(frozen=True)
class DashboardData:
    filters: DashboardFilters
    today: date
    date_from: date
    date_to: date
    place: Place  # where the figures are from
    breadcrumb: tuple[Place, ...]  # from the viewer's whole area down to `place`
    kpis: tuple[Kpi, ...]
    charts: dict[str, Chart]
    notes: tuple[str, ...]

    @property
    def period_text(self) -> str:
        if self.date_from == self.date_to:
            return format_date(self.date_from)
        return f"{format_date(self.date_from)} – {format_date(self.date_to)}"

    def kpi(self, key: str) -> Kpi:
        return next(k for k in self.kpis if k.key == key)


# ---- the memo: one computation per burst ---------------------------------------------------------------------------


class _Memo:
    """Results by key until the next domain event; concurrent askers for one key wait for a single computation."""

    def __init__(self, size: int = 256, ttl: float = 300.0) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._key_locks: dict[Any, threading.Lock] = {}
        self._generation = 0
        self._size, self._ttl = size, ttl
        self.computed = 0  # how many computations ran (for tests and benchmarks)

    def forget(self, _event: DomainEvent | None = None) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def _hit(self, key: Any) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self._ttl:
            return True, entry[1]
        return False, None

    def peek(self, key: Any) -> Any:
        """The memoised result for `key`, or None (never computes, never waits for a computation)."""
        with self._lock:
            return self._hit(key)[1]

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            found, value = self._hit(key)
            if found:
                return value
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                found, value = self._hit(key)
                if found:
                    return value
                generation = self._generation
            value = compute()
            with self._lock:
                self.computed += 1
                if generation == self._generation:  # nothing changed meanwhile: share it
                    self._entries[key] = (time.monotonic(), value)
                    while len(self._entries) > self._size:
                        self._entries.popitem(last=False)
                self._key_locks.pop(key, None)
        return value


memo = _Memo()
_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dashboard-read")
_subscription: dict[str, Any] = {}


def forget_on_change() -> None:
    """Empty the memo on every domain event. Live pages call this before they follow the bus themselves, so the memo
    is emptied before any page hears of an event (and recomputes)."""
    _listen()


def _listen() -> None:
    """Empty the memo on every domain event (subscribed on first use; again if the bus was cleared)."""
    if not bus.is_subscribed(memo.forget):
        _subscription["unsubscribe"] = bus.subscribe(memo.forget)
        memo.forget()


# ---- entry points -------------------------------------------------------------------------------------------------


def _place(session: Any, actor: Actor, geo_id: int | None) -> GeoNode | None:
    """The chosen node (checked inside the viewer's area), or the viewer's own scope node (None: company-wide)."""
    if geo_id is None:
        if actor.scope_path is None:
            return None
        geo_id = int(actor.scope_path.rstrip("/").rsplit("/", 1)[-1])
    node = dashboard_q.node(session, geo_id)
    if node is None:
        raise ValidationFailed.field("Area", "must be chosen from the list")
    if not actor.sees(node.path):
        raise PermissionDenied(f"{node.name} is outside your area ({actor.scope_name}).")
    return node


def dashboard_data(actor: Actor, *, filters: DashboardFilters, today: date | None = None) -> DashboardData:
    """Every KPI and chart of the dashboard for `filters` inside the actor's area (memoised until the next event)."""
    actor.require("dashboard.view")
    day = today or inputs.business_today()
    period_dates(filters, day)  # refuse a bad period before anything is read
    _listen()
    return memo.get((actor.scope_path, filters, day), lambda: _compute(actor, filters, day))


def memoised_dashboard_data(actor: Actor, *, filters: DashboardFilters,
                            today: date | None = None) -> DashboardData | None:
    """`dashboard_data` if it is memoised already, else None: the same checks (permission, period), no database
    work, so a live page may call it on the event loop and skip a thread for the common case."""
    actor.require("dashboard.view")
    day = today or inputs.business_today()
    period_dates(filters, day)
    _listen()
    return memo.peek((actor.scope_path, filters, day))


def _compute(actor: Actor, filters: DashboardFilters, today: date) -> DashboardData:
    from domain.services.dashboard_charts import charts
    from domain.services.dashboard_kpis import kpis

    date_from, date_to = period_dates(filters, today)
    with reading() as session:
        node = _place(session, actor, filters.geo_id)
        prefix = node.path if node is not None else "/"
        if filters.factory_id is not None:
            factory = {f.id: f for f in dashboard_q.factories(session, prefix=prefix)}.get(filters.factory_id)
            if factory is None:
                raise ValidationFailed.field("Factory", "must be a factory inside the chosen area")
        crumbs = _breadcrumb(session, actor, node)
    scope = replace(filters, geo_id=node.id if node else None)

    def read_charts() -> tuple[Chart, ...]:
        with reading() as chart_session:
            return charts(chart_session, node=node, filters=scope, date_from=date_from, date_to=date_to,
                          today=today)

    # The cards and the charts are read at once, each on its own connection: the database works on both (SQLite
    # and the driver release the GIL), so the view takes about as long as the slower half.
    charts_read = _readers.submit(read_charts)
    with reading() as session:
        cards = kpis(session, prefix=prefix, filters=scope, today=today)
    figures = charts_read.result()
    notes = []
    if filters.factory_id is not None:
        notes.append("The factory narrows production and stock. Sales, collections and receivables belong to the "
                     "customer's place, so they show the whole area.")
    if filters.category is not None:
        notes.append(f"{filters.category} only, for production, sales and stock. Collections and receivables are not "
                     "per product, so they show every category.")
    return DashboardData(filters=scope, today=today, date_from=date_from, date_to=date_to, place=crumbs[-1],
                         breadcrumb=crumbs, kpis=cards, charts=figures, notes=tuple(notes))


def _breadcrumb(session: Any, actor: Actor, node: GeoNode | None) -> tuple[Place, ...]:
    """The viewer's area, then each node down to `node`."""
    top = [] if actor.scope_path is not None else [Place(None, "Whole company")]
    if node is None:
        return tuple(top)
    ids = [int(part) for part in node.path.strip("/").split("/")]
    names = dashboard_q.nodes_by_id(session, ids)
    start = len((actor.scope_path or "/").strip("/").split("/")) - 1 if actor.scope_path else 0
    return tuple(top + [Place(i, names[i].name) for i in ids[start:] if i in names])


@dataclass(frozen=True)
class Choice:
    id: int | str
    label: str


@dataclass(frozen=True)
class DashboardChoices:
    places: tuple[Choice, ...]  # every active node in the viewer's area, as an indented tree
    factories: tuple[Choice, ...]
    categories: tuple[str, ...]
    periods: tuple[Choice, ...]


def dashboard_choices(actor: Actor) -> DashboardChoices:
    """What the filters offer the viewer: places and factories inside their area, finished-goods categories."""
    actor.require("dashboard.view")
    from domain.queries import geography as geography_q

    with reading() as session:
        nodes = [n for n in geography_q.nodes(session, actor, include_inactive=False)]
        factories = dashboard_q.factories(session, prefix=actor.scope_path or "/")
        categories = dashboard_q.categories(session)
    by_path = sorted(nodes, key=lambda n: [name.lower() for name in _names_along(n, nodes)])
    base = actor.scope_path.count("/") - 2 if actor.scope_path else 0  # the depth of the viewer's own node
    places = tuple(Choice(n.id or 0, "\u2003" * max(0, n.path.count("/") - 2 - base) + n.name) for n in by_path)
    return DashboardChoices(
        places=places, factories=tuple(Choice(f.id or 0, f.name) for f in factories if f.is_active),
        categories=tuple(categories), periods=tuple(Choice(k, v) for k, v in PERIODS.items()))


def _names_along(node: GeoNode, nodes: list[GeoNode]) -> list[str]:
    by_id = {n.id: n.name for n in nodes}
    return [by_id.get(int(part), "") for part in node.path.strip("/").split("/")]
