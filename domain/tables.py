"""What a list shows: its columns, the query a user makes of it (filters, sort, page) and the page it gets back.

Every list in the product is a `TableSource`: named columns with a business kind (money, date, ...) and a
`build(actor)` that returns the SQLAlchemy Select behind it, already limited to the actor's area. Services
construct sources; pages only hand them to the data table component.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Select

from domain.access import Actor
from domain.errors import ValidationFailed
from domain.formatting import format_date, format_money, format_quantity
from domain.types import MONEY_PLACES, QUANTITY_PLACES, to_decimal

ColumnKind = Literal["text", "money", "quantity", "int", "date", "datetime", "bool", "choice"]
FilterKind = Literal["text", "choice", "range", "date_range"]

MAX_PAGE_SIZE = 200
NUMERIC_KINDS = frozenset({"money", "quantity", "int"})
_PLACES = {"money": MONEY_PLACES, "quantity": QUANTITY_PLACES, "int": 0}
_FILTERS_BY_KIND: dict[str, frozenset[str]] = {
    "text": frozenset({"text", "choice"}),
    "choice": frozenset({"choice", "text"}),
    "bool": frozenset({"choice"}),
    "money": frozenset({"range"}),
    "quantity": frozenset({"range"}),
    "int": frozenset({"range", "choice"}),
    "date": frozenset({"date_range"}),
    "datetime": frozenset({"date_range"}),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"
    sortable: bool = True
    filter: FilterKind | None = None
    choices: list[str] | None = None
    summable: bool = False

    def __post_init__(self) -> None:
        if not self.key.isidentifier():
            raise ValueError(f"column key {self.key!r} must be an identifier")
        if self.filter is not None and self.filter not in _FILTERS_BY_KIND[self.kind]:
            raise ValueError(f"column {self.key!r}: a {self.kind} column cannot have a {self.filter} filter")
        if self.summable and self.kind not in NUMERIC_KINDS:
            raise ValueError(f"column {self.key!r}: only money, quantity and int columns can be summed")


@dataclass
class TableQuery:
    """What the user asks of a table. Filter values by kind: text -> str; choice -> str or list of str;
    range -> {"min": n, "max": n}; date_range -> {"from": date, "to": date} (ISO strings accepted)."""

    filters: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None
    descending: bool = False
    page: int = 1
    page_size: int = 25

    def __post_init__(self) -> None:
        self.page = max(1, int(self.page or 1))
        self.page_size = max(1, min(int(self.page_size or MAX_PAGE_SIZE), MAX_PAGE_SIZE))


@dataclass(frozen=True)
class TablePage:
    rows: list[dict[str, Any]]
    total_rows: int
    totals: dict[str, Decimal]
    page: int = 1
    page_size: int = 25


@dataclass(frozen=True)
class TableSource:
    """`build(actor)` returns a Select whose labelled columns include every column key (and `row_key`, a unique
    value used as the stable tiebreak of every sort and as the row's identity) and already applies the actor's
    scope. `name` is a slug used in export file names ("audit-trail")."""

    name: str
    title: str
    columns: list[Column]
    build: Callable[[Actor], Select[Any]]
    permission: str
    row_key: str = "id"
    default_sort: str | None = None
    default_descending: bool = False

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def summable(self) -> list[Column]:
        return [c for c in self.columns if c.summable]


def choice_label(value: Any) -> str:
    """How a stored choice reads on screen and in spreadsheets: "data_change" -> "Data change"."""
    text = str(getattr(value, "value", value)).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


# --- filters: parsed and checked here, applied in SQL by domain.queries.tables -------------------------------


@dataclass(frozen=True)
class Filter:
    """One checked filter: `values` for choice, `text` for text, `low`/`high` for range and date_range."""

    column: Column
    text: str | None = None
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == () or value == {}


def _pair(value: Any, names: tuple[str, str]) -> tuple[Any, Any]:
    if isinstance(value, dict):
        return value.get(names[0]), value.get(names[1])
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, str) and " - " in value:  # what a date range input shows: "2026-11-01 - 2026-11-21"
        first, second = value.split(" - ", 1)
        return first, second
    return value, value


def _parse_date(value: Any, label: str) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise ValidationFailed.field(label, f"{value!r} is not a date") from None


def _parse_number(value: Any, column: Column) -> Decimal | int | None:
    if _blank(value):
        return None
    try:
        number = to_decimal(value, places=_PLACES[column.kind], field=column.label)
    except ValueError as exc:
        raise ValidationFailed.field(column.label, str(exc)) from None
    return int(number) if column.kind == "int" else number


def _parse_choice(value: Any, column: Column) -> Any:
    if column.kind == "bool":
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ValidationFailed.field(column.label, f"{value!r} is not yes or no")
    if column.kind == "int":
        return _parse_number(value, column)
    text = str(value)
    if column.choices is not None and text not in column.choices:
        raise ValidationFailed.field(column.label, f"{text!r} is not one of the choices")
    return text


def parse_filters(source: TableSource, filters: dict[str, Any]) -> list[Filter]:
    """Check the user's filters against the source's columns. Unknown or unfilterable columns and bad values are
    refused (never ignored: an export must not quietly hold more rows than the user asked for); blanks are dropped."""
    parsed: list[Filter] = []
    for key, value in filters.items():
        column = source.column(key)
        if column is None or column.filter is None:
            raise ValidationFailed.field(str(key)[:40], "this list cannot be filtered by that")
        if _blank(value):
            continue
        if column.filter == "text":
            text = str(value).strip()
            if text:
                parsed.append(Filter(column, text=text[:200]))
        elif column.filter == "choice":
            items = value if isinstance(value, list | tuple | set | frozenset) else [value]
            values = tuple(_parse_choice(v, column) for v in items if not _blank(v))
            if values:
                parsed.append(Filter(column, values=values))
        elif column.filter == "range":
            low, high = (_parse_number(v, column) for v in _pair(value, ("min", "max")))
            if low is not None and high is not None and low > high:
                raise ValidationFailed.field(column.label, "the minimum is above the maximum")
            if low is not None or high is not None:
                parsed.append(Filter(column, low=low, high=high))
        else:
            low, high = (_parse_date(v, column.label) for v in _pair(value, ("from", "to")))
            if low is not None and high is not None and low > high:
                raise ValidationFailed.field(column.label, "the start date is after the end date")
            if low is not None or high is not None:
                parsed.append(Filter(column, low=low, high=high))
    return parsed


def describe_filters(source: TableSource, filters: dict[str, Any]) -> str:
    """The filters in words, for export titles and the audit trail: "Action contains 'user'; When 1 Nov 2026 to …"."""
    parts = []
    for f in parse_filters(source, filters):
        label = f.column.label
        if f.text is not None:
            parts.append(f"{label} contains '{f.text}'")
        elif f.values:
            shown = [choice_label(v) if f.column.kind == "choice" else str(v) for v in f.values]
            parts.append(f"{label} is {' or '.join(shown)}")
        else:
            show = _show_bound(f.column)
            if f.low is not None and f.high is not None:
                parts.append(f"{label} {show(f.low)} to {show(f.high)}")
            elif f.low is not None:
                parts.append(f"{label} from {show(f.low)}")
            else:
                parts.append(f"{label} up to {show(f.high)}")
    return "; ".join(parts) if parts else "none"


def _show_bound(column: Column) -> Callable[[Any], str]:
    if column.kind == "money":
        return format_money
    if column.kind == "quantity":
        return format_quantity
    if column.kind in ("date", "datetime"):
        return format_date
    return str
