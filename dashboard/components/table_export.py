"""Export buttons for a data table: the service writes a temp file off the event loop while a progress bar
follows it (rows written of rows selected), then the browser downloads it once. The PDF button says how many rows
a PDF holds, and is off while the table's filters select more than that."""

import asyncio
import logging
import shutil
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from nicegui import app, run, ui

from domain.access import Actor
from domain.errors import DomainError
from domain.services import exports
from domain.tables import TableQuery, TableSource

log = logging.getLogger(__name__)

_KEEP_FILES_SECONDS = 15 * 60


class TableExport(ui.row):
    """Export CSV / XLSX / PDF of exactly the rows `current_query()` selects (all pages)."""

    def __init__(self, actor: Actor, source: TableSource, current_query: Callable[[], TableQuery]) -> None:
        super().__init__(wrap=True, align_items="center")
        self.classes("gap-2")
        self.actor, self.source, self.current_query = actor, source, current_query
        self._done, self._expected = 0, 0
        self._lock = threading.Lock()
        self._busy = False
        self._pdf_refusal: str | None = None  # why a PDF is not offered for the current filters
        with self:
            self.buttons = {
                fmt: ui.button(f"Export {fmt.upper()}", icon="download", on_click=lambda f=fmt: self.export(f))
                .props("outline dense no-caps").mark(f"export-{fmt}")
                for fmt in exports.FORMATS
            }
            with self.buttons["pdf"]:
                ui.tooltip(f"Landscape A4, up to {exports.PDF_MAX_ROWS:,} rows; for more, export CSV or XLSX")
            self.pdf_note = ui.label().classes("text-caption text-grey-7").mark("export-pdf-note")
            self.progress = ui.linear_progress(value=0, show_value=False).classes("w-32").mark("export-progress")
            self.status = ui.label().classes("text-caption text-grey-7").mark("export-status")
        self.progress.visible = False
        self.pdf_note.visible = False

    def rows_known(self, rows: int) -> None:
        """The table's filters now select `rows` rows: a PDF of more than the PDF limit is not offered."""
        self._pdf_refusal = exports.pdf_refusal(rows)
        self.pdf_note.text = f"PDF: at most {exports.PDF_MAX_ROWS:,} rows" if self._pdf_refusal else ""
        self.pdf_note.visible = self._pdf_refusal is not None
        self._enable()

    def _enable(self) -> None:
        for fmt, button in self.buttons.items():
            button.set_enabled(not self._busy and not (fmt == "pdf" and self._pdf_refusal))

    def _on_progress(self, done: int, expected: int) -> None:  # called from the export's worker thread
        with self._lock:
            self._done, self._expected = done, expected

    def _show_progress(self) -> None:
        with self._lock:
            done, expected = self._done, self._expected
        self.progress.value = done / expected if expected else 0
        if done and done >= expected:
            self.status.text = f"{done:,} rows written, finishing the file…"
        else:
            self.status.text = f"{done:,} of {expected:,} rows" if expected else "Preparing…"

    async def export(self, fmt: exports.ExportFormat) -> None:
        query = self.current_query()
        folder = Path(tempfile.mkdtemp(prefix="chesanto-export-"))
        path = folder / exports.export_filename(self.source, fmt)
        asyncio.get_running_loop().call_later(_KEEP_FILES_SECONDS, shutil.rmtree, folder, True)
        self._done, self._expected = 0, 0
        self._busy = True
        self._enable()
        self.progress.visible = True
        self._show_progress()
        with self:
            ticker = ui.timer(0.25, self._show_progress)
        try:
            result = await run.io_bound(exports.export_table, self.actor, self.source, query, fmt, path,
                                        self._on_progress)
        except DomainError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            self.status.text = ""
            with self:
                ui.notify(exc.message, type="warning", multi_line=True)
            return
        except Exception:
            shutil.rmtree(folder, ignore_errors=True)
            log.exception("export of %s failed", self.source.name)
            self.status.text = ""
            with self:
                ui.notify("The export failed; please try again or tell the administrator.", type="negative")
            return
        finally:
            ticker.cancel()
            self._busy = False
            self._enable()
            self.progress.visible = False
        if result is None or self.is_deleted:  # the app is stopping or the page has gone
            return
        self.status.text = f"Exported {result.rows:,} row{'' if result.rows == 1 else 's'}" + (
            f" on {result.sheets} sheets" if result.sheets and result.sheets > 1 else
            f", {result.pages:,} page{'s' if result.pages > 1 else ''}" if result.pages else "")
        self._offer(result.path, result.filename, folder)

    def _offer(self, path: Path, filename: str, folder: Path) -> None:
        """Serve the file once at an unguessable URL; the file goes when the page closes (or 15 minutes after the
        export started)."""
        url = app.add_static_file(local_file=path, single_use=True)

        def forget() -> None:
            app.remove_route(urllib.parse.unquote(url))
            shutil.rmtree(folder, ignore_errors=True)

        self.client.on_delete(forget)
        with self:
            ui.download.from_url(url, filename=filename)

