"""The stock views: levels (low stock, days of cover, value) and the ledger with its running balance, as lists for
the shared data table; pickers for locations; one product's position at one location. Scoped by the location's
territory: a scoped actor sees the stock held inside their area. Re-exported by domain.services.inventory."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from domain.access import Actor
from domain.config import get_settings
from domain.db import reading
from domain.errors import NotFound
from domain.models import MoveKind, Party, PartyKind
from domain.queries import inventory as inventory_q
from domain.queries import parties as parties_q
from domain.queries import products as products_q
from domain.tables import Column, TableSource

COVER_DAYS = 28  # days of cover: stock / average daily outflow over this many days, up to today
_CHOICES_LIMIT = 50


def today() -> date:
    """The business date now, in the company's timezone."""
    return datetime.now(get_settings().tz).date()


def location_choices(actor: Actor, *, kind: PartyKind | str | None = None, search: str | None = None) -> dict[int, str]:
    """Active stock locations inside the actor's area for a picker, {id: "Name (CODE)"}, at most 50, by name."""
    actor.require("stock.view")
    wanted = PartyKind(kind) if kind is not None else None
    with reading() as session:
        found = parties_q.choices(session, actor, kind=wanted, search=search, limit=_CHOICES_LIMIT)
        return {p.id: f"{p.name} ({p.code})" for p in found if p.id is not None}


@dataclass(frozen=True)
class StockPosition:
    """What one location holds of one product now, with its perishable batches (first expiring first)."""

    location_id: int
    location_name: str
    product_id: int
    product_name: str
    sku: str
    unit: str
    qty: Decimal
    reorder_level: Decimal
    batches: tuple[tuple[str, date | None, Decimal], ...]  # (batch no, expires on, qty)

    @property
    def low(self) -> bool:
        return self.qty < self.reorder_level


def _visible(actor: Actor, session: Session, location_id: int) -> Party:
    place = inventory_q.location(session, location_id)
    if place is None:
        raise NotFound(f"No location with id {location_id}.")
    actor.ensure_sees(place.territory_path, place.name)
    return place


def stock_position(actor: Actor, *, location_id: int, product_id: int) -> StockPosition:
    """How much of a product a location inside the actor's area holds, for a ledger heading or a form's hint."""
    actor.require("stock.view")
    with reading() as session:
        place = _visible(actor, session, location_id)
        product = inventory_q.product(session, product_id)
        if product is None:
            raise NotFound(f"No product with id {product_id}.")
        batches = inventory_q.batches(session, location_id, product_id)
        return StockPosition(
            location_id, place.name, product_id, product.name, product.sku, product.unit,
            inventory_q.on_hand(session, location_id, product_id), product.reorder_level,
            tuple((b.batch_no, b.expires_on, b.qty) for b in batches))


def stock_levels_table(actor: Actor) -> TableSource:
    """What every location inside the actor's area holds: quantity against the reorder level (low below it), days
    of cover at the last 28 days' average daily outflow — consumption, dispatch, sale, transfer out, waste — (blank
    without outflow) and value at standard cost. Row keys are "product#location id:product id" (`position_of`)."""
    actor.require("stock.view")
    with reading() as session:
        categories = products_q.categories(session)

    def build(viewer: Actor) -> Any:
        until = today()
        return inventory_q.levels_select(viewer, since=until - timedelta(days=COVER_DAYS - 1), until=until)

    return TableSource(
        name="stock-levels", title="Stock levels", build=build, permission="stock.view", row_key="key",
        default_sort="location",
        columns=[
            Column("product", "Product", "text", filter="text"),  # the figures first: they stay in view on phones
            Column("qty", "Quantity", "quantity"),
            Column("unit", "Unit", "text"),
            Column("low", "Low", "bool", filter="choice"),
            Column("days_cover", "Days of cover", "quantity", filter="range"),
            Column("location", "Location", "text", filter="text"),
            Column("reorder_level", "Reorder level", "quantity"),
            Column("stock_value", "Stock value", "money", summable=True),
            Column("category", "Category", "text", filter="choice", choices=categories),
            Column("location_kind", "Location kind", "choice", filter="choice", choices=[k.value for k in PartyKind]),
        ],
    )


def position_of(row_key: str) -> tuple[int, int]:
    """(location id, product id) from a stock levels row key."""
    location_id, product_id = row_key.rsplit("#", 1)[1].split(":")
    return int(location_id), int(product_id)


def ledger_table(actor: Actor, *, location_id: int | None = None, product_id: int | None = None) -> TableSource:
    """The stock moves inside the actor's area, newest first, optionally of one location and/or product: kind,
    document, batch, in/out, the balance after each move, unit cost, who and when. For one product at one location
    the in and out columns are totalled."""
    actor.require("stock.view")
    title = "Stock ledger"
    with reading() as session:
        if location_id is not None:
            title += f" · {_visible(actor, session, location_id).name}"
        if product_id is not None:
            product = inventory_q.product(session, product_id)
            if product is None:
                raise NotFound(f"No product with id {product_id}.")
            title += f" · {product.name}"
    single = location_id is not None and product_id is not None
    columns = [
        Column("business_date", "Date", "date", filter="date_range"),  # the figures early: in view on phones
        *([] if location_id is not None else [Column("location", "Location", "text", filter="text")]),
        *([] if product_id is not None else [Column("product", "Product", "text", filter="text")]),
        Column("document", "Document", "text", filter="text"),
        Column("qty_in", "In", "quantity", summable=single),
        Column("qty_out", "Out", "quantity", summable=single),
        Column("balance", "Balance", "quantity"),
        Column("kind", "Kind", "choice", filter="choice", choices=[k.value for k in MoveKind]),
        Column("batch", "Batch", "text", filter="text"),
        Column("unit_cost", "Unit cost", "money"),
        Column("who", "Who", "text", filter="text"),
        Column("note", "Note", "text", filter="text"),
        Column("at", "Recorded", "datetime", filter="date_range"),
    ]
    return TableSource(
        name="stock-ledger", title=title, columns=columns, permission="stock.view", row_key="id",
        default_sort="at", default_descending=True,
        build=lambda viewer: inventory_q.ledger_select(viewer, location_id=location_id, product_id=product_id),
    )
