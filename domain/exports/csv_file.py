"""CSV: a header, one line per row with exact values, then a totals line and a "Row count" line.

Values are what a program re-reading the file needs: decimals exactly as stored ("1234.50"), dates as ISO dates,
timestamps in company time ("2026-11-21 14:05:00"), choices as their stored value, yes/no. The row count goes on
the last line, not the first: a spreadsheet or `pandas.read_csv` takes the first line as the header, so a line
before it would break every import, while a last line labelled "Row count" is plain to a reader and easy to drop.
"""

import csv
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.exports.heading import ExportHeading, totals_cells
from domain.formatting import local_time
from domain.tables import Column

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> str:
    return str(value)


def _guarded(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text  # never let a spreadsheet run typed-in text


def _datetime(value: Any) -> str:
    return local_time(value).strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _yes_no(value: Any) -> str:
    return "yes" if value else "no"


_BY_KIND: dict[str, Callable[[Any], str]] = {
    "text": _guarded, "choice": _guarded, "datetime": _datetime, "date": _date, "bool": _yes_no,
}


def write_csv(path: Path, columns: Sequence[Column], rows: Iterable[dict[str, Any]], heading: ExportHeading) -> None:
    """Write the rows as they come (nothing is held but the current row); UTF-8 with a BOM, so Excel reads it."""
    convert = [(c.key, _BY_KIND.get(c.kind, _text)) for c in columns]
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.label for c in columns])
        write = writer.writerow
        for row in rows:
            write(["" if (value := row[key]) is None else show(value) for key, show in convert])
        totals = totals_cells(columns, heading.totals)
        if totals is not None:
            writer.writerow(["" if v is None else str(v) for v in totals])
        writer.writerow(["Row count", heading.rows])
