"""The P&L view for a period and an area (a geography node) or a factory, beside the period just before it.

What it counts (the owner may want to revisit these choices; they are the ones stated on the page):
- Revenue: the company invoices primary (factory → distributor) and secondary (distributor → retailer) sales on
  delivery, so revenue is what was delivered in those two tiers, by delivery date. Tertiary sell-out is a
  retailer's sale to consumers: it is shown as a memo line, not revenue.
- Cost of goods: delivered quantities (primary and secondary) × each product's standard cost today.
- Production waste: the rejects' material cost from posted production logs (reversed logs excluded).
- Expenses: approved expenses by category (pending and rejected ones are not costs).
- Gross margin = revenue − cost of goods; net margin = gross margin − production waste − expenses.
An area narrows everything to records placed inside it; a factory narrows waste and expenses to that factory
(sales are placed at the buyer, not at the factory, so revenue stays the area's).
Read from the daily rollups, so a year of a large company is a few thousand rows.

`pnl_file` is the same statement as a PDF or XLSX file (laid out by `domain.exports.pnl`): it needs exports.run
as well, and every download is audited as a user action (`pnl.download`: the period, area, factory and figures).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from sqlmodel import Session

from domain.access import Actor
from domain.db import reading, transaction
from domain.errors import NotFound, ValidationFailed
from domain.exports.document import Prepared
from domain.exports.pnl import pnl_pdf, pnl_xlsx
from domain.jsonsafe import json_safe
from domain.models import AuditKind, OrderTier, PartyKind
from domain.models.finance import ExpenseCategory
from domain.queries import geography as geography_q
from domain.queries import parties as parties_q
from domain.queries import profit_and_loss as pnl_q
from domain.services.statements import MEDIA_TYPES
from domain.types import utcnow

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REVENUE_TIERS = (OrderTier.PRIMARY, OrderTier.SECONDARY)
MEMO = "Tertiary sell-out (memo: retailers' sales, not revenue)"
EXPLAINED = (
    "Revenue: primary (factory → distributor) and secondary (distributor → retailer) sales delivered in the "
    "period, by delivery date — what the company invoices.",
    "Cost of goods: the delivered quantities at each product's standard cost.",
    "Production waste: the material cost of rejects in posted production logs (reversed logs do not count).",
    "Expenses: approved expenses by category; pending and rejected ones do not count.",
    "Gross margin = revenue − cost of goods; net margin = gross margin − production waste − expenses.",
    "A factory narrows waste and expenses to that factory; sales stay the area's (they are placed at the buyer).",
)
PnlFormat = Literal["pdf", "xlsx"]


def change(now: Decimal, before: Decimal) -> Decimal | None:
    """Percentage change from `before` to `now` (None when there was nothing before)."""
    if before == 0:
        return None
    return ((now - before) / abs(before) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def margin(part: Decimal, revenue: Decimal) -> Decimal | None:
    if revenue == 0:
        return None
    return (part / revenue * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Figures:
    revenue_by_tier: dict[OrderTier, Decimal]
    sell_out: Decimal
    cost_of_goods: Decimal
    production_waste: Decimal
    expenses: dict[ExpenseCategory, Decimal]

    @property
    def revenue(self) -> Decimal:
        return sum((self.revenue_by_tier[t] for t in REVENUE_TIERS), ZERO)

    @property
    def gross_margin(self) -> Decimal:
        return self.revenue - self.cost_of_goods

    @property
    def total_expenses(self) -> Decimal:
        return sum(self.expenses.values(), ZERO)

    @property
    def net_margin(self) -> Decimal:
        return self.gross_margin - self.production_waste - self.total_expenses


@dataclass(frozen=True)
class PnlLine:
    label: str
    amount: Decimal
    previous: Decimal
    level: int = 0  # 0: a total, 1: a detail line under it

    @property
    def change(self) -> Decimal | None:
        return change(self.amount, self.previous)


@dataclass(frozen=True)
class ProfitAndLoss:
    date_from: date
    date_to: date
    previous_from: date
    previous_to: date
    area: str  # "the whole company", a region's name, or a factory's
    current: Figures
    previous: Figures
    place: str = "the whole company"  # the area chosen (or the user's own), without the factory
    factory: str | None = None  # the factory chosen, if any

    def lines(self) -> list[PnlLine]:
        now, before = self.current, self.previous
        rows = [PnlLine(f"{t.label} sales", now.revenue_by_tier[t], before.revenue_by_tier[t], 1)
                for t in REVENUE_TIERS]
        rows += [PnlLine("Revenue", now.revenue, before.revenue),
                 PnlLine("Cost of goods (standard cost)", now.cost_of_goods, before.cost_of_goods, 1),
                 PnlLine("Gross margin", now.gross_margin, before.gross_margin),
                 PnlLine("Production waste", now.production_waste, before.production_waste, 1)]
        rows += [PnlLine(c.label, now.expenses.get(c, ZERO), before.expenses.get(c, ZERO), 1)
                 for c in ExpenseCategory if now.expenses.get(c) or before.expenses.get(c)]
        rows += [PnlLine("Expenses", now.total_expenses, before.total_expenses),
                 PnlLine("Net margin", now.net_margin, before.net_margin)]
        return rows

    def memo(self) -> PnlLine:
        """The tertiary sell-out: shown under the statement, not part of it."""
        return PnlLine(MEMO, self.current.sell_out, self.previous.sell_out, 1)

    def share(self, line: PnlLine) -> Decimal | None:
        """A line as a % of this period's revenue (None without revenue; the memo line is not shown so)."""
        return margin(line.amount, self.current.revenue)


def _figures(session: Session, *, prefix: str, factory_id: int | None, date_from: date, date_to: date) -> Figures:
    revenue = dict.fromkeys(OrderTier, ZERO)
    cost = ZERO
    for tier, qty, amount, unit_cost in pnl_q.delivered_by_tier_and_product(
            session, prefix=prefix, date_from=date_from, date_to=date_to):
        revenue[tier] += amount
        if tier in REVENUE_TIERS:
            cost += (qty * unit_cost).quantize(CENT, rounding=ROUND_HALF_UP)
    return Figures(
        revenue_by_tier=revenue, sell_out=revenue[OrderTier.TERTIARY], cost_of_goods=cost,
        production_waste=pnl_q.production_waste(session, prefix=prefix, factory_id=factory_id,
                                                date_from=date_from, date_to=date_to),
        expenses=pnl_q.approved_expenses(session, prefix=prefix, factory_id=factory_id,
                                         date_from=date_from, date_to=date_to))


def profit_and_loss(actor: Actor, *, date_from: date, date_to: date, area_id: int | None = None,
                    factory_id: int | None = None) -> ProfitAndLoss:
    """The P&L of [date_from, date_to] and of the same number of days just before, inside the actor's area (or
    the narrower `area_id` / `factory_id` inside it)."""
    actor.require("reports.view")
    if date_to < date_from:
        raise ValidationFailed.field("To", "must not be before From")
    if (date_to - date_from).days > 366 * 3:
        raise ValidationFailed.field("To", "a P&L covers at most three years")
    days = (date_to - date_from).days + 1
    previous_to = date_from - timedelta(days=1)
    previous_from = previous_to - timedelta(days=days - 1)
    with reading() as session:
        prefix, area = actor.scope_path or "/", actor.scope_name or "the whole company"
        place, factory_name = area, None
        if area_id is not None:
            node = geography_q.node_by_id(session, area_id)
            if node is None:
                raise NotFound("There is no such area.")
            actor.ensure_sees(node.path, node.name)
            prefix, area = node.path, node.name
            place = area
        if factory_id is not None:
            factory = parties_q.party_by_id(session, factory_id)
            if factory is None or factory.kind is not PartyKind.FACTORY:
                raise ValidationFailed.field("Factory", "must be a factory")
            actor.ensure_sees(factory.territory_path, factory.name)
            area = factory.name if area_id is None else f"{area}, {factory.name}"
            factory_name = factory.name
        current = _figures(session, prefix=prefix, factory_id=factory_id, date_from=date_from, date_to=date_to)
        before = _figures(session, prefix=prefix, factory_id=factory_id, date_from=previous_from,
                          date_to=previous_to)
    return ProfitAndLoss(date_from, date_to, previous_from, previous_to, area, current, before, place=place,
                         factory=factory_name)


@dataclass(frozen=True)
class PnlFile:
    pnl: ProfitAndLoss
    fmt: PnlFormat
    content: bytes
    filename: str  # "pnl-rift-nakuru-factory-2026-11-01-2026-11-22.pdf"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


def pnl_filename(pnl: ProfitAndLoss, fmt: str) -> str:
    where = re.sub(r"[^a-z0-9]+", "-", pnl.area.lower()).strip("-") or "company"
    return f"pnl-{where}-{pnl.date_from.isoformat()}-{pnl.date_to.isoformat()}.{fmt}"


def pnl_file(actor: Actor, *, fmt: PnlFormat | str, date_from: date, date_to: date, area_id: int | None = None,
             factory_id: int | None = None) -> PnlFile:
    """The P&L exactly as `profit_and_loss` gives it (same permission, period and area checks) as a PDF or XLSX
    file; needs exports.run too; audited as pnl.download."""
    actor.require("exports.run")
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed.field("Format", "choose PDF or XLSX")
    pnl = profit_and_loss(actor, date_from=date_from, date_to=date_to, area_id=area_id, factory_id=factory_id)
    prepared = Prepared(by=actor.full_name, at=utcnow())
    content = (pnl_pdf if fmt == "pdf" else pnl_xlsx)(pnl, prepared, notes=EXPLAINED)
    with transaction(actor) as tx:
        tx.audit("pnl.download", entity="export", entity_id="pnl", kind=AuditKind.USER, scope_path=actor.scope_path,
                 after=json_safe({"format": fmt, "date_from": pnl.date_from, "date_to": pnl.date_to,
                                  "previous_from": pnl.previous_from, "previous_to": pnl.previous_to,
                                  "area": pnl.area, "area_id": area_id, "factory_id": factory_id,
                                  "revenue": pnl.current.revenue, "net_margin": pnl.current.net_margin,
                                  "bytes": len(content)}))
    return PnlFile(pnl, fmt, content, pnl_filename(pnl, fmt))  # type: ignore[arg-type]
