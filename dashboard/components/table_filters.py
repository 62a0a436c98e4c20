"""The filter bar above a data table: one input per filterable column, built from the column's filter kind."""

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from domain.tables import Column, TableSource, choice_label

FiltersChanged = Callable[[dict[str, Any]], Awaitable[None] | None]

_DEBOUNCE_MS = 400


class TableFilters(ui.row):
    """Text inputs (debounced), choice selects, number ranges and date ranges; `on_change(filters)` gets the
    non-blank values keyed by column key, in the shape `TableQuery.filters` expects."""

    def __init__(self, source: TableSource, *, on_change: FiltersChanged) -> None:
        super().__init__(wrap=True, align_items="end")
        self.classes("w-full gap-2")
        self._on_change = on_change
        self._values: dict[str, Any] = {}
        self._inputs: list[ui.element] = []
        # On a phone the filters fold behind one button, so the rows are on the first screen.
        self.toggle = ui.button("Filters", icon="filter_list", on_click=self._toggle_on_phone) \
            .props("flat dense no-caps").classes("xs").mark("filters-toggle")
        self.classes("gt-xs")
        with self:
            for column in source.columns:
                if column.filter is not None:
                    self._add(column)
            if self._inputs:
                ui.button("Clear", icon="filter_alt_off", on_click=self.clear) \
                    .props("flat dense no-caps").mark("filters-clear")
        if not self._inputs:
            self.toggle.delete()
        self.toggle.move(target_index=self.parent_slot.children.index(self))  # type: ignore[union-attr]

    def _toggle_on_phone(self) -> None:
        if "gt-xs" in self.classes:
            self.classes(remove="gt-xs")
        else:
            self.classes(add="gt-xs")

    @property
    def values(self) -> dict[str, Any]:
        return {key: value for key, value in self._values.items() if value not in (None, "", [], {})}

    def _add(self, column: Column) -> None:
        width = "w-full sm:w-44"
        if column.filter == "text":
            field = ui.input(column.label, on_change=lambda e, k=column.key: self._set(k, e.value)) \
                .props(f"dense outlined clearable debounce={_DEBOUNCE_MS}").classes(width)
            self._inputs.append(field.mark(f"filter-{column.key}"))
        elif column.filter == "choice":
            options = {value: choice_label(value) for value in column.choices or []}
            if column.kind == "bool":
                options = {"yes": "Yes", "no": "No"}
            field = ui.select(options, label=column.label, multiple=True, clearable=True,
                              on_change=lambda e, k=column.key: self._set(k, list(e.value or []))) \
                .props("dense outlined use-chips").classes(width)
            self._inputs.append(field.mark(f"filter-{column.key}"))
        elif column.filter == "range":
            bounds: dict[str, Any] = {}

            def set_bound(name: str, value: Any, key: str = column.key) -> Awaitable[None] | None:
                bounds[name] = None if value is None else str(value)
                return self._set(key, dict(bounds))

            for name, label in (("min", f"{column.label} from"), ("max", f"{column.label} to")):
                field = ui.number(label, on_change=lambda e, n=name: set_bound(n, e.value)) \
                    .props(f"dense outlined clearable debounce={_DEBOUNCE_MS}").classes("w-full sm:w-32")
                self._inputs.append(field.mark(f"filter-{column.key}-{name}"))
        else:
            field = ui.date_input(column.label, range_input=True,
                                  on_change=lambda e, k=column.key: self._set(k, e.value or None)) \
                .props(f"dense outlined clearable debounce={_DEBOUNCE_MS}").classes("w-full sm:w-64")
            self._inputs.append(field.mark(f"filter-{column.key}"))

    def _set(self, key: str, value: Any) -> Awaitable[None] | None:
        if self._values.get(key) == value:
            return None
        self._values[key] = value
        if self._inputs:
            active = len(self.values)
            self.toggle.text = f"Filters ({active})" if active else "Filters"
        return self._on_change(self.values)

    async def clear(self) -> None:
        """Empty every filter, then ask for the rows once."""
        changed = bool(self.values)
        handler, self._on_change = self._on_change, lambda _values: None
        try:
            for field in self._inputs:
                if isinstance(field, ui.select):
                    field.value = []
                elif hasattr(field, "value"):
                    field.value = None
            self._values.clear()
        finally:
            self._on_change = handler
        if changed:
            result = handler({})
            if result is not None:
                await result
