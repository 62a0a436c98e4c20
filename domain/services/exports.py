"""Exporting exactly the rows a user's filters select (every page, in the table's order) to CSV, XLSX or PDF.

The rows are streamed from the database in chunks (a server-side cursor on PostgreSQL) straight into the file, so
memory stays flat however many rows there are. The count, the totals and the rows are read in one snapshot (one
read transaction on SQLite, REPEATABLE READ on PostgreSQL), so the row count and totals the file states are those
of the rows it holds; a file that would hold a different number of rows than it states is refused, never handed
out. Nothing is ever cut short: an XLSX continues on another sheet past Excel's 1,048,576 rows, and a PDF of more
than PDF_MAX_ROWS rows is refused up front with a message that points to CSV or XLSX.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlmodel import Session

from domain.access import Actor
from domain.db import reading, transaction
from domain.errors import Conflict, ValidationFailed
from domain.exports.csv_file import write_csv
from domain.exports.heading import ExportHeading
from domain.exports.pdf_file import write_pdf
from domain.exports.xlsx_file import SHEET_MAX_ROWS, write_xlsx
from domain.formatting import local_time
from domain.jsonsafe import json_safe
from domain.models import AuditKind
from domain.queries import tables as tables_q
from domain.tables import TableQuery, TableSource, describe_filters, parse_filters
from domain.types import utcnow

ExportFormat = Literal["csv", "xlsx", "pdf"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "pdf")
Progress = Callable[[int, int], None]

XLSX_MAX_ROWS = SHEET_MAX_ROWS  # rows per sheet; more rows continue on the next sheet
PDF_MAX_ROWS = 10_000  # about 300 landscape pages, a few seconds to write; more rows: CSV or XLSX
CHUNK_ROWS = tables_q.EXPORT_BATCH  # rows fetched from the database at a time, and how often progress is told


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    fmt: ExportFormat
    filename: str  # what the browser should save it as: "audit-trail-2026-11-21.xlsx"
    totals: dict[str, Decimal]
    filters: str  # the filters in words
    sheets: int | None = None  # XLSX: how many sheets the rows took
    pages: int | None = None  # PDF: how many pages


def export_filename(source: TableSource, fmt: str) -> str:
    return f"{source.name}-{local_time(utcnow()).date().isoformat()}.{fmt}"


def pdf_refusal(rows: int) -> str | None:
    """Why a PDF of `rows` rows is refused, or None when it is fine."""
    if rows <= PDF_MAX_ROWS:
        return None
    return (f"{rows:,} rows are too many for a PDF (at most {PDF_MAX_ROWS:,}): export CSV or XLSX, "
            "or narrow the filters")


def export_table(
    actor: Actor, source: TableSource, query: TableQuery, fmt: ExportFormat, path: str | Path,
    progress: Progress | None = None, *, chunk_rows: int | None = None,
) -> ExportResult:
    """Write every row the query's filters select (in its sort order, ignoring its page) to `path`.

    Needs exports.run and the source's own permission; nothing is written without them, for a filter the source
    does not offer, or for a PDF above PDF_MAX_ROWS rows. `progress(done, expected)` is called from this thread
    after every chunk of rows and once more when the file is complete. Audited as export.run.
    """
    actor.require("exports.run")
    actor.require(source.permission)
    if fmt not in FORMATS:
        raise ValidationFailed.field("Format", "choose CSV, XLSX or PDF")
    chunk = max(1, chunk_rows or CHUNK_ROWS)
    filters = parse_filters(source, query.filters)
    described = describe_filters(source, query.filters)
    target = Path(path)
    sheets = pages = None
    try:
        with reading() as session:
            _one_snapshot(session)
            expected, totals = tables_q.count_and_totals(session, source, actor, filters)
            if fmt == "pdf" and (refusal := pdf_refusal(expected)) is not None:
                raise ValidationFailed.field("Export", refusal)
            heading = ExportHeading(title=source.title, filters=described, rows=expected, totals=totals,
                                    exported_at=utcnow(), exported_by=actor.full_name)
            rows = _Counted(tables_q.stream_rows(session, source, actor, filters, sort=query.sort,
                                                 descending=query.descending, batch=chunk),
                            expected, chunk, progress)
            if fmt == "csv":
                write_csv(target, source.columns, rows, heading)
            elif fmt == "xlsx":
                sheets = write_xlsx(target, source.columns, rows, heading, sheet_rows=XLSX_MAX_ROWS)
            else:
                pages = write_pdf(target, source.columns, rows, heading)
        if rows.done != expected:  # cannot happen inside one snapshot; if it ever does, no wrong file goes out
            raise Conflict(f"The rows changed while exporting ({expected:,} counted, {rows.done:,} read); "
                           "please export again.")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if progress is not None:
        progress(rows.done, expected)
    with transaction(actor) as tx:
        tx.audit("export.run", entity="export", entity_id=source.name[:40], kind=AuditKind.USER,
                 scope_path=actor.scope_path,
                 after={"source": source.name, "title": source.title, "format": fmt,
                        "filters": json_safe(query.filters), "filters_text": described, "sort": query.sort,
                        "descending": query.descending, "rows": rows.done, "sheets": sheets, "pages": pages})
    return ExportResult(path=target, rows=rows.done, fmt=fmt, filename=export_filename(source, fmt), totals=totals,
                        filters=described, sheets=sheets, pages=pages)


def _one_snapshot(session: Session) -> None:
    """Count, totals and rows from the same state of the database. SQLite's read transaction is a snapshot from
    its first read already; PostgreSQL's default READ COMMITTED takes a new one per statement."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


class _Counted:
    """Passes the rows through, counting them and telling `progress` after every chunk."""

    def __init__(self, rows: Iterable[dict[str, Any]], expected: int, chunk: int, progress: Progress | None) -> None:
        self.rows, self.expected, self.chunk, self.progress = rows, expected, chunk, progress
        self.done = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        progress, chunk = self.progress, self.chunk
        for row in self.rows:
            self.done += 1
            if progress is not None and self.done % chunk == 0:
                progress(self.done, max(self.done, self.expected))
            yield row
