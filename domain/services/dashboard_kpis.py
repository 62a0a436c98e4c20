"""The dashboard's cards, each with the comparison that makes it meaningful:

- Production today (good units) against today's plan and the same weekday last week; waste rate today
  (rejected ÷ (good + rejected)) against the same weekday last week, with today's waste cost.
- Revenue today against the same weekday last week; revenue this month to date against the same days of last month
  (1st to the same day of the month, or last month's last day when it is shorter). Revenue is what was delivered
  in primary and secondary sales, by delivery date — as on the P&L.
- Orders today (order headers of every tier, cancelled ones left out) against the same weekday last week.
- Collections today (payments received) against the same weekday last week.
- Receivables: the unpaid balance of open invoices now, and how much of it is overdue.
- Stock value at standard cost (and its finished goods), products below their reorder level at factories and
  distributors (retailers' shelves are not reordered by level), stock expiring within two days or already expired.
"""

import calendar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session

from domain.formatting import format_date, format_money, format_quantity
from domain.models import OrderTier
from domain.queries import dashboard as dashboard_q
from domain.services.dashboard import Comparison, DashboardFilters, Kpi
from domain.services.production_views import percent

ZERO = Decimal("0")
REVENUE_TIERS = (OrderTier.PRIMARY, OrderTier.SECONDARY)
EXPIRY_DAYS = 2


def change(now: Decimal | int, before: Decimal | int) -> Decimal | None:
    """% change from `before` to `now`, one decimal (None when there was nothing before)."""
    if before == 0:
        return None
    return (Decimal(now - before) * 100 / abs(Decimal(before))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def same_days_last_month(today: date) -> tuple[date, date]:
    """The 1st of last month to the same day of that month (its last day when it is shorter)."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    last_day = calendar.monthrange(first.year, first.month)[1]
    return first, first.replace(day=min(today.day, last_day))


def _weekday(day: date) -> str:
    return f"{day:%a} {format_date(day)}"


def _versus(now: Decimal | int, before: Decimal | int, text: str, *, up_is_good: bool | None = True) -> Comparison:
    moved = change(now, before)
    good = None if moved is None or moved == 0 or up_is_good is None else (moved > 0) == up_is_good
    return Comparison(text, moved, good)


def kpis(session: Session, *, prefix: str, filters: DashboardFilters, today: date) -> tuple[Kpi, ...]:
    week_ago = today - timedelta(days=7)
    month_from, month_to = same_days_last_month(today)
    return (*_production(session, prefix, filters, today, week_ago),
            *_sales(session, prefix, filters, today, week_ago, month_from, month_to),
            _collections(session, prefix, today, week_ago), _receivables(session, prefix, today),
            *_stock(session, prefix, filters, today))


def _production(session: Session, prefix: str, filters: DashboardFilters, today: date, week_ago: date
                ) -> tuple[Kpi, Kpi]:
    rows = dashboard_q.production_by_day(session, prefix=prefix, date_from=week_ago, date_to=today,
                                         factory_id=filters.factory_id, category=filters.category)

    def total(day: date, index: int) -> Decimal:
        return sum((row[index] for row in rows if row[0] == day), ZERO)

    planned, good, rejected = total(today, 2), total(today, 3), total(today, 4)
    good_before, rejected_before = total(week_ago, 3), total(week_ago, 4)
    waste_cost = sum((row[5] for row in rows if row[0] == today), Decimal("0.00"))
    attainment = percent(good, planned)
    plan = (Comparison(f"{attainment} % of plan ({format_quantity(planned)})", None,
                       None if attainment is None else attainment >= 100) if attainment is not None
            else Comparison("Nothing planned today"))
    produced = Kpi("production", "Production today", good, "quantity", format_quantity(good), (
        plan, _versus(good, good_before, f"{format_quantity(good_before)} on {_weekday(week_ago)}")))
    rate, rate_before = percent(rejected, good + rejected), percent(rejected_before, good_before + rejected_before)
    waste = Kpi("waste_rate", "Waste rate today", rate, "percent", "—" if rate is None else f"{rate} %", (
        Comparison(f"{format_money(waste_cost)} of rejects"),
        Comparison(("nothing made" if rate_before is None else f"{rate_before} %") + f" on {_weekday(week_ago)}",
                   None if rate is None or rate_before is None else rate - rate_before,
                   None if rate is None or rate_before is None or rate == rate_before else rate < rate_before)))
    return produced, waste


def _sales(session: Session, prefix: str, filters: DashboardFilters, today: date, week_ago: date,
           month_from: date, month_to: date) -> tuple[Kpi, Kpi, Kpi]:
    rows = dashboard_q.sales_by_day(session, prefix=prefix, date_from=month_from, date_to=today,
                                    category=filters.category)

    def revenue(start: date, end: date) -> Decimal:
        return sum((d for day, tier, _, d in rows if start <= day <= end and tier in REVENUE_TIERS), Decimal("0.00"))

    today_revenue, week_revenue = revenue(today, today), revenue(week_ago, week_ago)
    mtd, last_mtd = revenue(today.replace(day=1), today), revenue(month_from, month_to)
    ordered = sum((o for day, _, o, _ in rows if day == today), Decimal("0.00"))
    orders, orders_before = (dashboard_q.orders_on(session, prefix=prefix, day=d) for d in (today, week_ago))
    return (
        Kpi("revenue_today", "Revenue today", today_revenue, "money", format_money(today_revenue), (
            _versus(today_revenue, week_revenue, f"{format_money(week_revenue)} on {_weekday(week_ago)}"),)),
        Kpi("revenue_mtd", "Revenue this month", mtd, "money", format_money(mtd), (
            _versus(mtd, last_mtd, f"{format_money(last_mtd)} on {month_from.day}–{format_date(month_to)}"),)),
        Kpi("orders_today", "Orders today", orders, "count", f"{orders:,}", (
            Comparison(f"{format_money(ordered)} ordered"),
            _versus(orders, orders_before, f"{orders_before:,} on {_weekday(week_ago)}"))),
    )


def _collections(session: Session, prefix: str, today: date, week_ago: date) -> Kpi:
    paid = dashboard_q.payments_on(session, prefix=prefix, days=(today, week_ago))
    now, before = paid.get(today, Decimal("0.00")), paid.get(week_ago, Decimal("0.00"))
    return Kpi("collections_today", "Collections today", now, "money", format_money(now), (
        _versus(now, before, f"{format_money(before)} on {_weekday(week_ago)}"),))


def _receivables(session: Session, prefix: str, today: date) -> Kpi:
    outstanding, overdue = dashboard_q.receivables_owed(session, prefix=prefix, as_of=today)
    share = percent(overdue, outstanding)
    return Kpi("receivables", "Receivables outstanding", outstanding, "money", format_money(outstanding), (
        Comparison(f"{format_money(overdue)} overdue" + (f" ({share} %)" if overdue and share is not None else ""),
                   None, None if overdue == 0 else False),))


def _stock(session: Session, prefix: str, filters: DashboardFilters, today: date) -> tuple[Kpi, Kpi, Kpi]:
    where = {"prefix": prefix, "factory_id": filters.factory_id, "category": filters.category}
    value, goods = dashboard_q.stock_value(session, **where)
    products, positions = dashboard_q.below_reorder_counts(session, **where)
    expiring, expired = dashboard_q.expiring_value(session, **where, today=today, within_days=EXPIRY_DAYS)
    return (
        Kpi("stock_value", "Stock value", value, "money", format_money(value), (
            Comparison(f"{format_money(goods)} in finished goods"),)),
        Kpi("below_reorder", "Products below reorder level", products, "count", f"{products:,}", (
            Comparison(f"at {positions:,} stock position{'s' if positions != 1 else ''}", None,
                       None if positions == 0 else False),)),
        Kpi("near_expiry", "Stock near expiry", expiring, "money", format_money(expiring), (
            Comparison(f"within {EXPIRY_DAYS} days · {format_money(expired)} already expired", None,
                       None if expired == 0 else False),)),
    )
