"""The dashboard's chart series, names not ids:

- production trend: good units per factory per day;
- stock against reorder level: the stock positions lowest against their product's reorder level;
- sales by place: sell-in, sell-through and sell-out delivered in each place one level down from the area shown
  (levels with a single place are skipped), each bar drilling into its place;
- sell-in vs sell-through vs sell-out per day;
- top products by revenue (primary and secondary deliveries);
- receivables ageing per place one level down, one stack per ageing bucket.
A trend shorter than a week shows the last seven days of the period, so one day still has a shape.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from domain.models import GeoNode, OrderTier
from domain.queries import dashboard as dashboard_q
from domain.services.dashboard import Chart, DashboardFilters, Series
from domain.services.receivables import AGEING

TIER_NAMES = {OrderTier.PRIMARY: "Sell-in", OrderTier.SECONDARY: "Sell-through", OrderTier.TERTIARY: "Sell-out"}
REVENUE_TIERS = (OrderTier.PRIMARY, OrderTier.SECONDARY)
TOP = 10
LOW_POSITIONS = 12
MIN_TREND_DAYS = 7


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def charts(session: Session, *, node: GeoNode | None, filters: DashboardFilters, date_from: date, date_to: date,
           today: date) -> dict[str, Chart]:
    prefix = node.path if node is not None else "/"
    trend_from = min(date_from, date_to - timedelta(days=MIN_TREND_DAYS - 1))
    places, level = _places_below(session, node)
    return {
        "production": _production(session, prefix, filters, trend_from, date_to),
        "stock": _stock(session, prefix, filters),
        "regions": _regions(session, prefix, filters, date_from, date_to, places, level, node),
        "tiers": _tiers(session, prefix, filters, trend_from, date_to),
        "products": _products(session, prefix, filters, date_from, date_to),
        "ageing": _ageing(session, prefix, today, places, level, node),
    }


def _production(session: Session, prefix: str, filters: DashboardFilters, start: date, end: date) -> Chart:
    rows = dashboard_q.production_by_day(session, prefix=prefix, date_from=start, date_to=end,
                                         factory_id=filters.factory_id, category=filters.category)
    good: dict[int, dict[date, Decimal]] = defaultdict(dict)
    for day, factory, _, made, _, _ in rows:
        good[factory][day] = made
    names = dashboard_q.factory_names(session, good)
    days = _days(start, end)
    series = sorted((Series(names.get(f, "?"), tuple(by_day.get(d, Decimal(0)) for d in days))
                     for f, by_day in good.items()), key=lambda s: s.name.lower())
    return Chart("production", "Production by factory (good units a day)", tuple(d.isoformat() for d in days),
                 tuple(series), money=False, empty="No production posted in this period.")


def _stock(session: Session, prefix: str, filters: DashboardFilters) -> Chart:
    rows = dashboard_q.stock_against_reorder(session, prefix=prefix, factory_id=filters.factory_id,
                                             category=filters.category, limit=LOW_POSITIONS)
    return Chart("stock", "Stock against reorder level (lowest first)",
                 tuple(f"{product} · {place}" for product, place, _, _ in rows),
                 (Series("On hand", tuple(r[2] for r in rows)), Series("Reorder level", tuple(r[3] for r in rows))),
                 money=False, empty="No product has a reorder level here.")


def _places_below(session: Session, node: GeoNode | None) -> tuple[list[GeoNode], str]:
    """The places one level down from `node`, skipping levels that hold a single place; their level's name."""
    below = dashboard_q.children(session, parent_id=node.id if node else None)
    while len(below) == 1 and (deeper := dashboard_q.children(session, parent_id=below[0].id)):
        below = deeper
    return below, (below[0].level.value if below else "place")


def _owner(path: str, places: list[GeoNode]) -> GeoNode | None:
    return next((p for p in places if path.startswith(p.path)), None)


def _leftover(node: GeoNode | None, places: list[GeoNode], level: str) -> str:
    """The name for what sits at the area's own node (all of it, when nothing lies below)."""
    name = node.name if node is not None else "Whole company"
    return f"{name} (not in a {level})" if places else name


def _title(what: str, level: str, node: GeoNode | None) -> str:
    return f"{what} by {level}" + (f" in {node.name}" if node is not None else "")


def _regions(session: Session, prefix: str, filters: DashboardFilters, start: date, end: date,
             places: list[GeoNode], level: str, node: GeoNode | None) -> Chart:
    sums: dict[int | None, dict[OrderTier, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for path, tier, amount in dashboard_q.sales_by_place(session, prefix=prefix, date_from=start, date_to=end,
                                                         category=filters.category):
        owner = _owner(path, places)
        sums[owner.id if owner else None][tier] += amount
    shown = [p for p in places if any(sums.get(p.id, {}).values())]
    categories, ids = [p.name for p in shown], [p.id for p in shown]
    if any(sums.get(None, {}).values()):  # at the area's own node, not inside any place below it
        categories.append(_leftover(node, places, level))
        ids.append(None)
    return Chart("regions", _title("Sales", level, node), tuple(categories),
                 tuple(Series(TIER_NAMES[t], tuple(sums[i][t] for i in ids)) for t in OrderTier),
                 empty="No sales delivered in this period.", drill_ids=tuple(ids))


def _tiers(session: Session, prefix: str, filters: DashboardFilters, start: date, end: date) -> Chart:
    by_day: dict[OrderTier, dict[date, Decimal]] = defaultdict(dict)
    for day, tier, _, delivered in dashboard_q.sales_by_day(session, prefix=prefix, date_from=start, date_to=end,
                                                            category=filters.category):
        by_day[tier][day] = delivered
    days = _days(start, end)
    return Chart("tiers", "Sell-in, sell-through and sell-out a day", tuple(d.isoformat() for d in days),
                 tuple(Series(TIER_NAMES[t], tuple(by_day[t].get(d, Decimal(0)) for d in days)) for t in OrderTier),
                 empty="No sales delivered in this period.")


def _products(session: Session, prefix: str, filters: DashboardFilters, start: date, end: date) -> Chart:
    rows = dashboard_q.top_products(session, prefix=prefix, date_from=start, date_to=end, category=filters.category,
                                    tiers=REVENUE_TIERS, limit=TOP)
    return Chart("products", f"Top {TOP} products by revenue", tuple(name for name, _, _ in rows),
                 (Series("Revenue", tuple(amount for _, _, amount in rows)),),
                 empty="No revenue in this period.")


def _ageing(session: Session, prefix: str, today: date, places: list[GeoNode], level: str,
            node: GeoNode | None) -> Chart:
    sums: dict[int | None, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in dashboard_q.receivables_by_place(session, prefix=prefix, as_of=today,
                                                buckets=[(b.key, b.low, b.high) for b in AGEING]):
        owner = _owner(row["path"], places)
        for bucket in AGEING:
            sums[owner.id if owner else None][bucket.key] += row[bucket.key] or Decimal(0)
    shown = [p for p in places if any(sums.get(p.id, {}).values())]
    categories, ids = [p.name for p in shown], [p.id for p in shown]
    if any(sums.get(None, {}).values()):  # at the area's own node, not inside any place below it
        categories.append(_leftover(node, places, level))
        ids.append(None)
    return Chart("ageing", _title("Receivables ageing", level, node), tuple(categories),
                 tuple(Series(b.label, tuple(sums[i][b.key] for i in ids)) for b in AGEING),
                 empty="Nobody owes anything here.", drill_ids=tuple(ids))
