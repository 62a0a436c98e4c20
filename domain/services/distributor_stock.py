"""Distributor stock: sell-in against sell-through per distributor and per region, for a period.

For each distributor inside the actor's area: what it bought from the factories (sell-in: primary orders delivered
to it in the period, at the order lines' amounts), what it sold on to its retailers (sell-through: secondary
orders dispatched out of it in the period), what those retailers sold to consumers (sell-out: tertiary sales
recorded in the period), what it holds now (at standard cost), the sell-through rate (sell-through ÷ sell-in, by
quantity) and the days of cover (stock on hand ÷ the period's average daily sell-through).

Permission: `orders.view`. The figures are order figures (quantities and values at order prices); the roles that
follow distributors' trade hold it (executive, finance, regional sales, storekeeper, auditor), while a production
manager, who holds `stock.view` but not `orders.view`, has no business with distributors' sales.
Scope: a distributor counts where its own territory is, so a regional actor sees the distributors of their region.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from domain import inputs
from domain.access import Actor
from domain.db import reading
from domain.errors import NotFound, ValidationFailed
from domain.formatting import format_date
from domain.models import PartyKind
from domain.queries import distributor_stock as stock_q
from domain.queries import parties as parties_q
from domain.services.production_views import percent
from domain.tables import Column, TableSource

PERMISSION = "orders.view"
DEFAULT_DAYS = 30
MAX_DAYS = 366
ZERO_QTY, ZERO_MONEY = Decimal("0.000"), Decimal("0.00")


@dataclass(frozen=True)
class Period:
    """Business dates `start`..`end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"{format_date(self.start)} to {format_date(self.end)}"


def _day(value: Any, label: str) -> date:
    try:
        return inputs.past_day(value)
    except ValueError as exc:
        raise ValidationFailed.field(label, str(exc)) from None


def period(date_from: date | str | None = None, date_to: date | str | None = None) -> Period:
    """The period asked for: to = today and from = 29 days earlier unless given; ValidationFailed ("From" / "To")
    for a bad or future date, a start after the end or more than a year."""
    end = inputs.business_today() if inputs.blank(date_to) else _day(date_to, "To")
    start = end - timedelta(days=DEFAULT_DAYS - 1) if inputs.blank(date_from) else _day(date_from, "From")
    if start > end:
        raise ValidationFailed.field("From", f"cannot be after the end of the period ({format_date(end)})")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed.field("From", f"the period can be at most {MAX_DAYS} days")
    return Period(start, end)


@dataclass(frozen=True)
class RegionFigures:
    """One region's distributors together (`region` None: distributors placed above region level)."""

    region: str | None
    distributors: int
    sell_in_qty: Decimal
    sell_in_value: Decimal
    through_qty: Decimal
    through_value: Decimal
    sell_out_qty: Decimal
    sell_out_value: Decimal
    on_hand_qty: Decimal
    on_hand_value: Decimal

    @property
    def name(self) -> str:
        return self.region or "Outside any region"

    @property
    def rate(self) -> Decimal | None:
        """Sell-through rate %: sell-through ÷ sell-in by quantity, one decimal (None without sell-in)."""
        return percent(self.through_qty, self.sell_in_qty)


@dataclass(frozen=True)
class RegionSummary:
    period: Period
    regions: list[RegionFigures]

    @property
    def total(self) -> RegionFigures:
        """All the regions together; the rate is recomputed from the sums, never averaged."""
        sums = {key: sum((getattr(r, key) for r in self.regions), ZERO_MONEY if key.endswith("value") else ZERO_QTY)
                for key, _ in stock_q.FIGURES}
        return RegionFigures(region="All regions", distributors=sum(r.distributors for r in self.regions), **sums)


def region_summary(actor: Actor, *, date_from: date | str | None = None,
                   date_to: date | str | None = None) -> RegionSummary:
    """The period and, per region inside the actor's area, its distributors' figures summed (in SQL), regions by
    name."""
    actor.require(PERMISSION)
    wanted = period(date_from, date_to)
    with reading() as session:
        rows = session.execute(stock_q.regions_select(actor, since=wanted.start, until=wanted.end)).mappings().all()
        return RegionSummary(wanted, [RegionFigures(
            region=row["region"], distributors=int(row["distributors"]),
            **{key: row[key] if row[key] is not None else (ZERO_MONEY if key.endswith("value") else ZERO_QTY)
               for key, _ in stock_q.FIGURES}) for row in rows])


def _figure_columns() -> list[Column]:
    """The rate and the values first after the name (they stay in view on phones), then the quantities."""
    return [
        Column("rate", "Sell-through %", "quantity", filter="range"),
        Column("sell_in_value", "Sell-in value", "money", summable=True),
        Column("through_value", "Sell-through value", "money", summable=True),
        Column("sell_out_value", "Sell-out value", "money", summable=True),
        Column("on_hand_value", "Stock value", "money", summable=True),
        Column("days_cover", "Days of cover", "quantity", filter="range"),
        Column("sell_in_qty", "Sell-in qty", "quantity", summable=True),
        Column("through_qty", "Sell-through qty", "quantity", summable=True),
        Column("sell_out_qty", "Sell-out qty", "quantity", summable=True),
        Column("on_hand_qty", "On hand qty", "quantity", summable=True),
    ]


def distributor_stock_table(actor: Actor, *, date_from: date | str | None = None,
                            date_to: date | str | None = None) -> TableSource:
    """Every distributor inside the actor's area with its figures for the period, for the shared data table. The
    period is part of the source (its title says it, exports carry it): a new period is a new source."""
    actor.require(PERMISSION)
    wanted = period(date_from, date_to)
    with reading() as session:
        regions = stock_q.region_names(session, actor)
    return TableSource(
        name="distributor-stock", title=f"Distributor stock · {wanted.label}", permission=PERMISSION, row_key="id",
        default_sort="distributor",
        build=lambda viewer: stock_q.distributors_select(viewer, since=wanted.start, until=wanted.end),
        columns=[
            Column("distributor", "Distributor", "text", filter="text"),
            *_figure_columns(),
            Column("region", "Region", "text", filter="choice", choices=regions),
            Column("territory", "Territory", "text", filter="text"),
            Column("code", "Code", "text", filter="text"),
        ],
    )


def distributor_products_table(actor: Actor, *, distributor_id: int, date_from: date | str | None = None,
                               date_to: date | str | None = None) -> TableSource:
    """One distributor's figures per product for the period (NotFound / PermissionDenied for a distributor that
    does not exist or lies outside the actor's area)."""
    actor.require(PERMISSION)
    wanted = period(date_from, date_to)
    with reading() as session:
        distributor = parties_q.party_by_id(session, distributor_id)
        if distributor is None or distributor.kind is not PartyKind.DISTRIBUTOR:
            raise NotFound("There is no such distributor.")
        actor.ensure_sees(distributor.territory_path, distributor.name)
    return TableSource(
        name="distributor-products", title=f"{distributor.name} · {wanted.label}", permission=PERMISSION,
        row_key="id", default_sort="product",
        build=lambda viewer: stock_q.products_select(viewer, distributor_id=distributor_id, since=wanted.start,
                                                     until=wanted.end),
        columns=[
            Column("product", "Product", "text", filter="text"),
            *_figure_columns(),
            Column("unit", "Unit", "text"),
            Column("category", "Category", "text", filter="text"),
            Column("sku", "SKU", "text", filter="text"),
        ],
    )
