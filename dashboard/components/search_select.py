"""A searchable select whose options come from a service: the first options load once the page is connected;
when there are more than fit in one answer, typing asks the service again (name or code contains the text)."""

from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from domain.errors import DomainError

Loader = Callable[[str | None], dict[str, str]]  # search text (None: no search) -> {value: label}


class SearchSelect(ui.select):
    """`load(search)` runs off the event loop and returns at most `limit` options. The current value stays
    selectable even when the service no longer offers it (an inactive territory a record still sits on)."""

    def __init__(self, label: str, *, load: Loader, limit: int, value: str | None = None,
                 value_label: str | None = None) -> None:
        current = {value: value_label or value} if value else {}
        super().__init__(current, label=label, value=value, with_input=True, clearable=True)
        self.props("input-debounce=0 options-dense")
        self._load, self._limit = load, limit
        self._complete = False  # the first answer held every option: the browser filters them itself
        self._generation = 0
        self.on("input-value", self._search, throttle=0.3, leading_events=False)

    async def load(self, search: str | None = None) -> None:
        """Ask the service for the options matching `search`; an older, slower answer never wins."""
        self._generation += 1
        generation = self._generation
        try:
            found = await run.io_bound(self._load, search)
        except DomainError as exc:
            if not self.is_deleted:
                with self:
                    ui.notify(exc.message, type="warning")
            return
        if found is None or generation != self._generation or self.is_deleted:
            return  # None: the app is shutting down (run.io_bound gives nothing back then)
        if search is None:
            self._complete = len(found) < self._limit
        options = dict(self.options) if isinstance(self.options, dict) else {}
        if self.value is not None and self.value not in found:
            found = {self.value: options.get(self.value, str(self.value)), **found}
        self.set_options(found, value=self.value)

    async def _search(self, event: Any) -> None:
        if self._complete:
            return
        text = event.args.strip() if isinstance(event.args, str) else ""
        await self.load(text or None)
