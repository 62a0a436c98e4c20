"""XLSX, streamed: xlsxwriter in constant-memory mode writes each row to a temporary file as it comes, so a million
rows take the memory of one.

Every sheet starts with the same four lines — the title; the filters and the row count; who exported it when (and,
when the rows need more than one sheet, which rows this sheet holds); the bold column header, frozen — then the
rows as real cells: numbers (money with 2 decimals, quantities with 3), dates and timestamps with a date format,
booleans, text. The last sheet ends with a bold totals row (the table's own exact totals) and a "Row count" row.

Excel holds at most 1,048,576 rows on a sheet. Rows that do not fit continue on the next sheet ("Stock ledger (2)"),
each with the same heading, so nothing is ever cut off and every sheet reads on its own.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from domain.exports.heading import ExportHeading, rows_text, totals_cells
from domain.formatting import local_time
from domain.tables import Column, choice_label

SHEET_MAX_ROWS = 1_048_576  # Excel's limit per sheet
HEAD_ROWS = 4  # title, filters and row count, exported by, column header
FOOT_ROWS = 2  # totals, row count (kept free on every sheet, so the last one always has room)
NUMBER_FORMATS = {"money": "#,##0.00", "quantity": "#,##0.000", "int": "#,##0", "date": "d mmm yyyy",
                  "datetime": "d mmm yyyy hh:mm"}
_WIDTHS = {"money": 16, "quantity": 14, "int": 10, "date": 12, "datetime": 17, "bool": 8}
_MEASURED_ROWS = 2000  # text columns are as wide as their longest value among the first rows (8 to 50 characters)
_MANY_CELLS = 10_000_000  # past this, the zip needs its 64-bit extensions
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")

def sheet_capacity(sheet_rows: int = SHEET_MAX_ROWS) -> int:
    """Data rows one sheet holds."""
    return sheet_rows - HEAD_ROWS - FOOT_ROWS


def sheets_needed(rows: int, sheet_rows: int = SHEET_MAX_ROWS) -> int:
    return max(1, -(-rows // sheet_capacity(sheet_rows)))


def _cells(book: Workbook, columns: Sequence[Column]) -> list[tuple[str, Callable[[Any], Any] | None, Any]]:
    """Per column, chosen once: which worksheet method writes it, how a value is turned into what it takes, and
    its number format. The per-cell work is then one call."""
    cells: list[tuple[str, Callable[[Any], Any] | None, Any]] = []
    for column in columns:
        kind = column.kind
        fmt = book.add_format({"num_format": NUMBER_FORMATS[kind]}) if kind in NUMBER_FORMATS else None
        if kind in ("money", "quantity", "int"):
            cells.append(("_write_number", None, fmt))  # a Decimal is written with its exact digits
        elif kind == "datetime":
            cells.append(("_write_datetime", _company_time, fmt))
        elif kind == "date":
            cells.append(("_write_datetime", None, fmt))
        elif kind == "bool":
            cells.append(("_write_boolean", bool, None))
        elif kind == "choice":
            cells.append(("_write_string", choice_label, None))  # as the screen shows it
        else:
            cells.append(("_write_string", str, None))  # text stays text, even "=..."
    return cells


def _company_time(value: datetime) -> datetime:
    """Excel has no time zones: timestamps are shown in company time."""
    return local_time(value).replace(tzinfo=None)


class _Book:
    """The workbook and where the next row goes; opens the next sheet when one is full."""

    def __init__(self, path: Path, columns: Sequence[Column], heading: ExportHeading, sheet_rows: int) -> None:
        self.columns, self.heading, self.sheet_rows = columns, heading, sheet_rows
        self.book = xlsxwriter.Workbook(str(path), {
            "constant_memory": True, "tmpdir": str(path.parent), "strings_to_formulas": False,
            "strings_to_urls": False, "strings_to_numbers": False,
            "use_zip64": heading.rows * max(1, len(columns)) > _MANY_CELLS,
        })
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.header = self.book.add_format({"bold": True, "bottom": 1, "bg_color": "#EEEEEE", "text_wrap": True,
                                            "valign": "top"})
        self.bold = self.book.add_format({"bold": True})
        self.bold_numbers = {kind: self.book.add_format({"bold": True, "num_format": number_format})
                             for kind, number_format in NUMBER_FORMATS.items()}
        self.cells = _cells(self.book, columns)
        self.writers: list[tuple[Callable[..., Any], Callable[[Any], Any] | None, Any]] = []
        self.widths = [max(_WIDTHS.get(c.kind, 8), len(c.label) + 2) for c in columns]
        self.sheets: list[tuple[Worksheet, int]] = []  # each sheet and how many data rows it holds
        self.total_sheets = sheets_needed(heading.rows, sheet_rows)
        self.capacity = sheet_capacity(sheet_rows)
        self.sheet: Worksheet | None = None
        self.row = 0  # next row on the current sheet
        self.done = 0  # data rows written so far

    def _sheet_name(self, number: int) -> str:
        base = _SHEET_NAME.sub(" ", self.heading.title).strip().strip("'") or "Export"
        suffix = "" if number == 1 else f" ({number})"
        return base[:31 - len(suffix)] + suffix

    def open_sheet(self) -> Worksheet:
        self._close_sheet()
        number = len(self.sheets) + 1
        sheet = self.book.add_worksheet(self._sheet_name(number))
        heading = self.heading
        sheet.write_string(0, 0, heading.title, self.title)
        sheet.write_string(1, 0, f"{heading.filters_text} — {rows_text(heading.rows)}"
                           + (f" on {self.total_sheets} sheets" if self.total_sheets > 1 else ""))
        where = ""
        if self.total_sheets > 1:
            last = min(self.done + self.capacity, max(heading.rows, self.done + 1))
            where = f" — sheet {number} of {self.total_sheets}: rows {self.done + 1:,} to {last:,}"
        sheet.write_string(2, 0, heading.exported_text + where)
        for index, column in enumerate(self.columns):
            sheet.write_string(3, index, column.label, self.header)
        sheet.freeze_panes(HEAD_ROWS, 0)
        self.sheets.append((sheet, 0))
        self.sheet, self.row = sheet, HEAD_ROWS
        # xlsxwriter's undecorated writers (the public ones only add "A1"-style cell names, unused here)
        self.writers = [(getattr(sheet, method), convert, fmt) for method, convert, fmt in self.cells]
        return sheet

    def _close_sheet(self) -> None:
        if self.sheet is None:
            return
        sheet, _ = self.sheets[-1]
        data_rows = self.row - HEAD_ROWS
        self.sheets[-1] = (sheet, data_rows)
        sheet.autofilter(HEAD_ROWS - 1, 0, HEAD_ROWS - 1 + data_rows, max(0, len(self.columns) - 1))

    def add(self, row: dict[str, Any]) -> None:
        sheet = self.sheet
        if sheet is None or self.row - HEAD_ROWS >= self.capacity:
            sheet = self.open_sheet()
        r = self.row
        for c, (column, (write, convert, fmt)) in enumerate(zip(self.columns, self.writers, strict=True)):
            value = row[column.key]
            if value is not None:
                write(r, c, value if convert is None else convert(value), fmt)
        if self.done < _MEASURED_ROWS:
            self._measure(row)
        self.row += 1
        self.done += 1

    def _measure(self, row: dict[str, Any]) -> None:
        for c, column in enumerate(self.columns):
            value = row[column.key]
            if value is not None and column.kind in ("text", "choice"):
                shown = choice_label(value) if column.kind == "choice" else str(value)
                self.widths[c] = min(50, max(self.widths[c], len(shown) + 2))

    def finish(self) -> int:
        """Totals and row count under the last rows, column widths on every sheet; the number of sheets."""
        sheet = self.sheet if self.sheet is not None else self.open_sheet()
        totals = totals_cells(self.columns, self.heading.totals)
        if totals is not None:
            for c, (value, column) in enumerate(zip(totals, self.columns, strict=True)):
                if isinstance(value, str):
                    sheet.write_string(self.row, c, value, self.bold)
                elif value is not None:
                    sheet.write_number(self.row, c, value, self.bold_numbers[column.kind])
            self.row += 1
        sheet.write_string(self.row, 0, "Row count", self.bold)
        sheet.write_number(self.row, 1, self.done, self.bold_numbers["int"])
        self._close_sheet()
        for each, _rows in self.sheets:
            for c, width in enumerate(self.widths):
                each.set_column(c, c, width)
        self.book.close()
        return len(self.sheets)


def write_xlsx(path: Path, columns: Sequence[Column], rows: Iterable[dict[str, Any]], heading: ExportHeading, *,
               sheet_rows: int = SHEET_MAX_ROWS) -> int:
    """Write the rows as they come; returns how many sheets the file has."""
    book = _Book(path, columns, heading, sheet_rows)
    try:
        for row in rows:
            book.add(row)
        return book.finish()
    except BaseException:
        book.book.fileclosed = True  # a half-written workbook is dropped, not saved
        raise
