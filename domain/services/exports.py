"""Exporting exactly the rows a user's filters select (every page) to CSV or XLSX, streamed, never truncated."""

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from domain.access import Actor
from domain.db import reading, transaction
from domain.errors import ValidationFailed
from domain.formatting import format_datetime, local_time
from domain.jsonsafe import json_safe
from domain.models import AuditKind
from domain.queries import tables as tables_q
from domain.tables import Column, TableQuery, TableSource, choice_label, describe_filters, parse_filters
from domain.types import utcnow

ExportFormat = Literal["csv", "xlsx"]
Progress = Callable[[int, int], None]

XLSX_MAX_ROWS = 1_048_576  # Excel's hard limit per sheet
_XLSX_EXTRA_ROWS = 6  # title, filters, exported by, header, totals, row count
_PROGRESS_EVERY = 500
_NUMBER_FORMATS = {"money": "#,##0.00", "quantity": "#,##0.000", "int": "#,##0",
                   "date": "d mmm yyyy", "datetime": "d mmm yyyy hh:mm"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\000-\010\013\014\016-\037]")
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    fmt: ExportFormat
    filename: str  # what the browser should save it as: "audit-trail-2026-11-21.xlsx"
    totals: dict[str, Decimal]
    filters: str  # the filters in words


def export_filename(source: TableSource, fmt: str) -> str:
    return f"{source.name}-{local_time(utcnow()).date().isoformat()}.{fmt}"


def export_table(
    actor: Actor, source: TableSource, query: TableQuery, fmt: ExportFormat, path: str | Path,
    progress: Progress | None = None,
) -> ExportResult:
    """Write every row the query's filters select (in its sort order, ignoring its page) to `path`.

    Needs exports.run and the source's own permission; nothing is written without them. The file holds a header,
    the rows, a totals row (when columns are summable) and the row count; an XLSX also a title with the filters.
    `progress(done, expected)` is called from this thread as rows are written. Audited as export.run.
    """
    actor.require("exports.run")
    actor.require(source.permission)
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed.field("Format", "choose CSV or XLSX")
    filters = parse_filters(source, query.filters)
    described = describe_filters(source, query.filters)
    target = Path(path)
    try:
        with reading() as session:
            expected, _ = tables_q.count_and_totals(session, source, actor, filters)
            if fmt == "xlsx" and expected + _XLSX_EXTRA_ROWS > XLSX_MAX_ROWS:
                raise ValidationFailed.field(
                    "Export", f"{expected:,} rows do not fit in one Excel sheet; export CSV or narrow the filters")
            rows = tables_q.stream_rows(session, source, actor, filters, sort=query.sort, descending=query.descending)
            counted = _Counter(rows, source, expected, progress)
            if fmt == "csv":
                _write_csv(target, source, counted)
            else:
                _write_xlsx(target, source, counted, title=source.title, described=described, actor=actor)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(counted.done, max(counted.done, expected))
    with transaction(actor) as tx:
        tx.audit("export.run", entity="export", entity_id=source.name[:40], kind=AuditKind.USER,
                 scope_path=actor.scope_path,
                 after={"source": source.name, "format": fmt, "filters": json_safe(query.filters),
                        "filters_text": described, "sort": query.sort, "descending": query.descending,
                        "rows": counted.done})
    return ExportResult(path=target, rows=counted.done, fmt=fmt, filename=export_filename(source, fmt),
                        totals=counted.totals, filters=described)


class _Counter:
    """Passes rows through, counting them, summing the summable columns and reporting progress."""

    def __init__(self, rows: Iterable[dict[str, Any]], source: TableSource, expected: int,
                 progress: Progress | None) -> None:
        self.rows, self.expected, self.progress = rows, expected, progress
        self.summable = source.summable
        self.totals: dict[str, Decimal] = {c.key: Decimal(0) for c in self.summable}
        self.done = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            for column in self.summable:
                if row[column.key] is not None:
                    self.totals[column.key] += Decimal(row[column.key])
            self.done += 1
            if self.progress is not None and self.done % _PROGRESS_EVERY == 0:
                self.progress(self.done, max(self.done, self.expected))
            yield row


def _totals_row(source: TableSource, totals: dict[str, Decimal]) -> list[Any] | None:
    if not source.summable:
        return None
    cells: list[Any] = [totals[c.key] if c.summable else None for c in source.columns]
    if not source.columns[0].summable:
        cells[0] = "Total"
    return cells


# --- CSV ---------------------------------------------------------------------------------------------------


def _csv_value(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "datetime" and isinstance(value, datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if column.kind in ("text", "choice") and text.startswith(_FORMULA_START):
        return "'" + text  # never let a spreadsheet run a typed-in value as a formula
    return text


def _write_csv(path: Path, source: TableSource, rows: _Counter) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.label for c in source.columns])
        for row in rows:
            writer.writerow([_csv_value(row[c.key], c) for c in source.columns])
        totals = _totals_row(source, rows.totals)
        if totals is not None:
            writer.writerow(["" if v is None else str(v) for v in totals])
        writer.writerow(["Row count", rows.done])


# --- XLSX --------------------------------------------------------------------------------------------------


def _xlsx_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "datetime" and isinstance(value, datetime):
        return local_time(value).replace(tzinfo=None)  # Excel has no time zones: show company time
    if column.kind in ("money", "quantity", "int") or isinstance(value, date | bool):
        return value
    if column.kind == "choice":
        return choice_label(value)  # as the screen shows it; the CSV keeps the stored value
    return _ILLEGAL_XLSX.sub("", str(value))


def _cell(sheet: WriteOnlyWorksheet, value: Any, column: Column | None = None, *, bold: bool = False) -> Any:
    """A styled cell where one is needed (numbers, dates, bold, text Excel would misread); else the plain value,
    which openpyxl writes far faster."""
    if value is None:
        return None
    is_text = isinstance(value, str)
    number_format = None if is_text or column is None else _NUMBER_FORMATS.get(column.kind)
    if is_text and not bold and not value.startswith(("=", "#")):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if is_text:
        cell.data_type = "s"  # text stays text, even "=..." or "#N/A"
    if number_format is not None:
        cell.number_format = number_format
    if bold:
        cell.font = _BOLD
    return cell


def _write_xlsx(path: Path, source: TableSource, rows: _Counter, *, title: str, described: str, actor: Actor) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Export")
    for index, column in enumerate(source.columns, start=1):
        width = {"datetime": 19, "date": 13, "money": 16, "quantity": 14}.get(column.kind, 18)
        sheet.column_dimensions[get_column_letter(index)].width = max(width, len(column.label) + 2)
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([_cell(sheet, f"Filters: {described}")])
    sheet.append([_cell(sheet, f"Exported {format_datetime(utcnow())} by {actor.full_name}")])
    sheet.append([_cell(sheet, c.label, bold=True) for c in source.columns])
    for row in rows:
        sheet.append([_cell(sheet, _xlsx_value(row[c.key], c), c) for c in source.columns])
    totals = _totals_row(source, rows.totals)
    if totals is not None:
        sheet.append([_cell(sheet, v, c, bold=True) for v, c in zip(totals, source.columns, strict=True)])
    sheet.append([_cell(sheet, "Row count", bold=True), _cell(sheet, rows.done, bold=True)])
    book.save(path)
