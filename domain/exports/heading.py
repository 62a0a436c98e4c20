"""What every export file states about itself: the table's title, the filters in words, who exported it when, how
many rows the filters select and their totals (from the table's own totals query, exact)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.formatting import format_datetime
from domain.tables import Column


@dataclass(frozen=True)
class ExportHeading:
    title: str
    filters: str  # the filters in words, "none" without any
    rows: int  # how many rows the filters select; the file says so and must hold exactly that many
    totals: dict[str, Decimal]  # summable column key -> total of the filtered rows
    exported_at: datetime  # UTC
    exported_by: str  # the user's full name

    @property
    def rows_text(self) -> str:
        return rows_text(self.rows)

    @property
    def filters_text(self) -> str:
        return f"Filters: {self.filters}"

    @property
    def exported_text(self) -> str:
        return f"Exported {format_datetime(self.exported_at)} by {self.exported_by}"


def rows_text(count: int) -> str:
    """ "1 row", "12,345 rows"."""
    return f"{count:,} row" + ("" if count == 1 else "s")


def totals_cells(columns: Sequence[Column], totals: dict[str, Decimal]) -> list[Decimal | str | None] | None:
    """The totals row: each summable column's total, "Total" in the first column when that one does not sum;
    None when nothing sums."""
    if not any(c.summable for c in columns):
        return None
    cells: list[Decimal | str | None] = [totals.get(c.key, Decimal(0)) if c.summable else None for c in columns]
    if not columns[0].summable:
        cells[0] = "Total"
    return cells
