"""Export buttons for a data table: the service writes a temp file off the event loop while a progress bar
follows it, then the browser downloads it once."""

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
    """Export CSV / Export XLSX of exactly the rows `current_query()` selects (all pages)."""

    def __init__(self, actor: Actor, source: TableSource, current_query: Callable[[], TableQuery]) -> None:
        super().__init__(wrap=True, align_items="center")
        self.classes("gap-2")
        self.actor, self.source, self.current_query = actor, source, current_query
        self._done, self._expected = 0, 0
        self._lock = threading.Lock()
        with self:
            self.buttons = [
                ui.button(f"Export {fmt.upper()}", icon="download", on_click=lambda f=fmt: self.export(f))
                .props("outline dense no-caps").mark(f"export-{fmt}")
                for fmt in ("csv", "xlsx")
            ]
            self.progress = ui.linear_progress(value=0, show_value=False).classes("w-32").mark("export-progress")
            self.status = ui.label().classes("text-caption text-grey-7").mark("export-status")
        self.progress.visible = False

    def _on_progress(self, done: int, expected: int) -> None:  # called from the export's worker thread
        with self._lock:
            self._done, self._expected = done, expected

    def _show_progress(self) -> None:
        with self._lock:
            done, expected = self._done, self._expected
        self.progress.value = done / expected if expected else 0
        self.status.text = f"{done:,} of {expected:,} rows" if expected else "Preparing…"

    async def export(self, fmt: exports.ExportFormat) -> None:
        query = self.current_query()
        folder = Path(tempfile.mkdtemp(prefix="chesanto-export-"))
        path = folder / exports.export_filename(self.source, fmt)
        asyncio.get_running_loop().call_later(_KEEP_FILES_SECONDS, shutil.rmtree, folder, True)
        self._done, self._expected = 0, 0
        for button in self.buttons:
            button.disable()
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
            for button in self.buttons:
                button.enable()
            self.progress.visible = False
        if result is None or self.is_deleted:  # the app is stopping or the page has gone
            return
        self.status.text = f"Exported {result.rows:,} rows"
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
