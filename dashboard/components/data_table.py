"""The data table every list uses: filters, server-side sorting and paging, business formatting, a totals row,
the row count and exports — all through `domain.services`, one page of rows in the browser at a time.

    source = await run.io_bound(audit_table, actor)      # a service builds the source
    data_table(actor, source, page_size=25)              # the component asks for pages itself
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from nicegui import run, ui

from dashboard.components.table_export import TableExport
from dashboard.components.table_filters import TableFilters
from domain.access import Actor
from domain.errors import DomainError
from domain.formatting import format_date, format_datetime, format_money, format_quantity
from domain.services.tables import fetch_page
from domain.tables import MAX_PAGE_SIZE, NUMERIC_KINDS, Column, TablePage, TableQuery, TableSource, choice_label

log = logging.getLogger(__name__)

RowClick = Callable[[dict[str, Any]], Awaitable[None] | None]
PAGE_SIZES = [10, 25, 50, 100, MAX_PAGE_SIZE]

_TOTALS_ROW = """
<q-tr class="bg-grey-2 text-weight-bold">
  <q-td v-for="col in props.cols" :key="col.name" :class="'text-' + col.align">{{ col.total }}</q-td>
</q-tr>
"""


def format_cell(value: Any, column: Column) -> str:
    """A value as the business reads it: KES 12,345.00, 21 Nov 2026, names as stored."""
    if value is None:
        return ""
    if column.kind == "money":
        return format_money(Decimal(value))
    if column.kind == "quantity":
        return format_quantity(Decimal(value))
    if column.kind == "int":
        return f"{int(value):,}"
    if column.kind == "datetime" and isinstance(value, datetime):
        return format_datetime(value)
    if column.kind in ("date", "datetime") and isinstance(value, date):
        return format_date(value)
    if column.kind == "bool":
        return "Yes" if value else "No"
    if column.kind == "choice":
        return choice_label(value)
    return str(value)


class DataTable(ui.column):
    """A QTable in server-side mode over a `TableSource`; see `data_table`."""

    def __init__(self, actor: Actor, source: TableSource, *, page_size: int = 25,
                 on_row_click: RowClick | None = None) -> None:
        super().__init__()
        self.classes("w-full gap-2")
        self.actor, self.source, self.on_row_click = actor, source, on_row_click
        self.query = TableQuery(sort=source.default_sort, descending=source.default_descending, page_size=page_size)
        self.page: TablePage | None = None
        self._raw_rows: dict[str, dict[str, Any]] = {}
        self._generation = 0
        with self:
            self.filters = TableFilters(source, on_change=self._filters_changed)
            self.table = ui.table(
                columns=self._columns({}), rows=[], row_key=source.row_key,
                pagination={"page": 1, "rowsPerPage": self.query.page_size, "rowsNumber": 0,
                            "sortBy": self.query.sort, "descending": self.query.descending},
            ).classes("w-full").props("flat bordered dense binary-state-sort")
            self.table.props["rows-per-page-options"] = PAGE_SIZES
            self.table.props["no-data-label"] = "No rows match these filters"
            if source.summable:
                self.table.add_slot("bottom-row", _TOTALS_ROW)
            self.table.on("request", self._on_request)
            self.table.on_pagination_change(self._keep_row_total)
            if on_row_click is not None:
                self.table.on("rowClick", self._on_row_click)
                self.table.props("table-class=cursor-pointer")
            with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
                self.count_label = ui.label("Loading…").classes("text-body2 text-grey-8").mark("row-count")
                self.export = TableExport(actor, source, lambda: self.query) if actor.can("exports.run") else None
            ui.timer(0, self.refresh, once=True)  # first page once the browser is connected

    def _columns(self, totals: dict[str, Decimal]) -> list[dict[str, Any]]:
        columns = []
        for index, column in enumerate(self.source.columns):
            total = format_cell(totals[column.key], column) if column.key in totals else ""
            if index == 0 and not column.summable and totals:
                total = "Total"
            columns.append({
                "name": column.key, "label": column.label, "field": column.key, "sortable": column.sortable,
                "align": "right" if column.kind in NUMERIC_KINDS else "left", "total": total,
            })
        return columns

    async def _filters_changed(self, filters: dict[str, Any]) -> None:
        self.query = replace(self.query, filters=dict(filters), page=1)
        await self.refresh()

    async def _on_request(self, event: Any) -> None:
        pagination = event.args.get("pagination", {}) if isinstance(event.args, dict) else {}
        rows_per_page = int(pagination.get("rowsPerPage") or self.query.page_size)
        sort = pagination.get("sortBy")
        self.query = replace(
            self.query, page=int(pagination.get("page") or 1), page_size=min(rows_per_page, MAX_PAGE_SIZE),
            sort=sort if isinstance(sort, str) and self.source.column(sort) else self.source.default_sort,
            descending=bool(pagination.get("descending")) if sort else self.source.default_descending,
        )
        await self.refresh()

    def _keep_row_total(self, _event: Any) -> None:
        """The browser echoes its pagination back (`update:pagination`), sometimes with a stale row total; the
        total is the server's to say."""
        if self.page is not None and self.table.pagination.get("rowsNumber") != self.page.total_rows:
            self.table.pagination = {**self.table.pagination, "rowsNumber": self.page.total_rows}

    async def _on_row_click(self, event: Any) -> None:
        args = event.args if isinstance(event.args, list) else []
        row = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        raw = self._raw_rows.get(str(row.get(self.source.row_key)))
        if raw is not None and self.on_row_click is not None:
            result = self.on_row_click(raw)
            if result is not None:
                await result

    async def refresh(self) -> None:
        """Ask the service for the current page; a slower, older answer never overwrites a newer one."""
        self._generation += 1
        generation = self._generation
        self.table.props["loading"] = True
        try:
            page = await run.io_bound(fetch_page, self.actor, self.source, self.query)
        except DomainError as exc:
            if generation == self._generation:
                self._notify(exc.message, "warning")
            return
        except Exception:
            log.exception("loading %s failed", self.source.name)
            if generation == self._generation:
                self._notify("The list could not be loaded; please try again.", "negative")
            return
        finally:
            if generation == self._generation:
                self.table.props["loading"] = False
        if page is None or generation != self._generation or self.is_deleted:  # None: the app is stopping
            return
        if not page.rows and page.total_rows and page.page > 1:  # rows went away under us: show the last page
            self.query = replace(self.query, page=-(-page.total_rows // page.page_size))
            await self.refresh()
            return
        self._show(page)

    def _notify(self, message: str, kind: str) -> None:
        if not self.is_deleted:
            with self:
                ui.notify(message, type=kind, multi_line=True)

    def _show(self, page: TablePage) -> None:
        self.page = page
        key = self.source.row_key
        self._raw_rows = {str(row[key]): row for row in page.rows}
        self.table.rows = [
            {key: row[key] if isinstance(row[key], int | str) else str(row[key]),
             **{c.key: format_cell(row[c.key], c) for c in self.source.columns}}
            for row in page.rows
        ]
        self.table.pagination = {
            "page": page.page, "rowsPerPage": page.page_size, "rowsNumber": page.total_rows,
            "sortBy": self.query.sort, "descending": self.query.descending,
        }
        if self.source.summable:
            self.table.columns = self._columns(page.totals)
        first = (page.page - 1) * page.page_size + 1 if page.rows else 0
        last = first + len(page.rows) - 1 if page.rows else 0
        noun = "row" if page.total_rows == 1 else "rows"
        shown = f" (showing {first:,}–{last:,})" if page.total_rows > len(page.rows) else ""
        self.count_label.text = f"{page.total_rows:,} {noun}{shown}"
        if self.export is not None:
            self.export.rows_known(page.total_rows)

    @property
    def totals(self) -> dict[str, str]:
        """The totals row as shown (column key -> text), for tests and callers."""
        return {c["name"]: c["total"] for c in self.table.columns if c.get("total")}


def data_table(actor: Actor, source: TableSource, *, page_size: int = 25,
               on_row_click: RowClick | None = None) -> DataTable:
    """The list of `source` for `actor`: filter bar, paged and sorted in SQL, formatted cells, a totals row of the
    filtered rows, the row count, and Export CSV / XLSX / PDF for roles with exports.run. Create it inside a page; it
    loads its first page once the browser is connected. `on_row_click(row)` gets the row's raw values."""
    return DataTable(actor, source, page_size=page_size, on_row_click=on_row_click)
