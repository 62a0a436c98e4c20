"""A browsable geography tree: search box, expand/collapse all, level and code beside each name, inactive greyed.

    tree = GeoTreeView(on_select=show_details)      # elements at once
    tree.set_rows(await run.io_bound(geo_tree, actor), selected=node_id)   # data when it arrives

Data in (`GeoRow`s, parents before children), elements out; it never reads the database itself.
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from nicegui import events, ui

from domain.models import GeoLevel
from domain.services.geography import GeoRow

LEVEL_ICONS: dict[GeoLevel, str] = {
    GeoLevel.ZONE: "public",
    GeoLevel.STATE: "map",
    GeoLevel.REGION: "travel_explore",
    GeoLevel.AREA: "location_city",
    GeoLevel.TERRITORY: "place",
}

# Each node's header: icon, name, "region · RFT", and an "inactive" badge. Vue's {{ }} escapes the text.
_HEADER = """
<div class="row items-center no-wrap q-gutter-x-sm geo-node" :class="props.node.active ? '' : 'text-grey-6'">
  <q-icon :name="props.node.icon" size="18px" :class="props.node.active ? 'text-primary' : 'text-grey-5'" />
  <div class="column geo-node-text">
    <span :class="props.node.active ? 'text-weight-medium' : ''">{{ props.node.label }}</span>
    <span class="text-caption text-grey-7 no-wrap">{{ props.node.level }} · {{ props.node.code }}
      <q-badge v-if="!props.node.active" outline color="grey-7" label="inactive" class="q-ml-xs" />
    </span>
  </div>
</div>
"""

# Match the name or the code, ignoring case (the search box filters in the browser; nothing is sent back).
_FILTER = "(node, filter) => (node.label + ' ' + node.code).toLowerCase().includes(filter.toLowerCase())"

_STYLE = """
.geo-tree .q-tree__node-header { padding: 3px 4px; margin-top: 1px; }
.geo-tree .q-tree__node--selected .geo-node { font-weight: 600; }
.geo-node-text { line-height: 1.2; }
@media (min-width: 600px) {
  .geo-node-text { flex-direction: row; align-items: baseline; gap: 8px; }
}
"""

SelectHandler = Callable[[int | None], Awaitable[None] | None]


def tree_nodes(rows: Iterable[GeoRow]) -> list[dict[str, Any]]:
    """Nested QTree nodes from rows ordered parents first; a row whose parent is not in `rows` becomes a root."""
    by_id: dict[int, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        node = {"id": str(row.id), "label": row.name, "code": row.code, "level": row.level.value,
                "icon": LEVEL_ICONS[row.level], "active": row.is_active, "children": []}
        by_id[row.id] = node
        parent = by_id.get(row.parent_id) if row.parent_id is not None else None
        (parent["children"] if parent is not None else roots).append(node)
    return roots


def ancestors(rows: dict[int, GeoRow], node_id: int) -> list[GeoRow]:
    """The rows above `node_id` that the actor can see, top first."""
    chain: list[GeoRow] = []
    row = rows.get(node_id)
    while row is not None and row.parent_id is not None and row.parent_id in rows:
        row = rows[row.parent_id]
        chain.append(row)
    return chain[::-1]


class GeoTreeView(ui.column):
    """The tree with its toolbar. `on_select` receives the chosen node id (None when nothing is chosen)."""

    def __init__(self, *, on_select: SelectHandler) -> None:
        super().__init__()
        self.classes("w-full gap-2")
        self._on_select = on_select
        self.rows: dict[int, GeoRow] = {}
        self._expanded_before_search: list[str] | None = None
        ui.add_css(_STYLE)
        with self:
            with ui.row().classes("w-full items-center gap-1 no-wrap"):
                self.search = ui.input(placeholder="Search name or code").props(
                    "outlined dense clearable debounce=250 aria-label='Search places'").classes(
                    "grow min-w-0").mark("geo-search")
                with self.search.add_slot("prepend"):
                    ui.icon("search")
                ui.button(icon="unfold_more", on_click=self.expand_all).props(
                    "flat round dense aria-label='Expand all'").tooltip("Expand all").mark("geo-expand")
                ui.button(icon="unfold_less", on_click=self.collapse_all).props(
                    "flat round dense aria-label='Collapse all'").tooltip("Collapse all").mark("geo-collapse")
            self.tree = ui.tree([], on_select=self._selected, on_expand=lambda _: None).classes("w-full geo-tree")
            self.tree.props("dense no-selection-unset selected-color=primary no-nodes-label='No places yet'"
                            " no-results-label='No place matches the search'")
            self.tree.props[":filter-method"] = _FILTER
            self.tree.add_slot("default-header", _HEADER)
            self.search.on_value_change(self._search_changed)

    @property
    def selected(self) -> int | None:
        key = self.tree.props.get("selected")
        return int(key) if key else None

    def set_rows(self, rows: list[GeoRow], *, selected: int | None = None) -> None:
        """Show `rows`, keeping what was expanded; select `selected` (if still there) and reveal it."""
        first = not self.rows
        self.rows = {row.id: row for row in rows}
        self.tree.props["nodes"] = tree_nodes(rows)
        keys = {str(row.id) for row in rows}
        if first:  # open the top two levels of what this user sees
            tops = [row for row in rows if row.parent_id not in self.rows]
            self.tree.props["expanded"] = [str(r.id) for r in tops] + [
                str(r.id) for r in rows if r.parent_id in {t.id for t in tops}]
        else:
            self.tree.props["expanded"] = [key for key in self.tree.props.get("expanded", []) if key in keys]
        if selected is not None and selected in self.rows:
            self.tree.props["selected"] = str(selected)
            self.reveal(selected)
        elif self.tree.props.get("selected") not in keys:
            self.tree.props["selected"] = None
        self.tree.update()

    def reveal(self, node_id: int) -> None:
        """Expand the branches down to `node_id`."""
        self.tree.expand([str(row.id) for row in ancestors(self.rows, node_id)])

    def expand_all(self) -> None:
        self.tree.expand()
        self.tree.update()

    def collapse_all(self) -> None:
        self.tree.collapse()
        self.tree.update()

    def _search_changed(self, e: events.ValueChangeEventArguments) -> None:
        text = (e.value or "").strip()
        if text and self._expanded_before_search is None:
            self._expanded_before_search = list(self.tree.props.get("expanded", []))
        self.tree.set_filter(text)
        if text:
            self.expand_all()  # matches deep in the tree must be visible, not hidden in closed branches
        elif self._expanded_before_search is not None:
            self.tree.props["expanded"] = self._expanded_before_search
            self._expanded_before_search = None
            if self.selected is not None:
                self.reveal(self.selected)
            self.tree.update()

    async def _selected(self, e: events.ValueChangeEventArguments) -> None:
        result = self._on_select(int(e.value) if e.value else None)
        if result is not None:
            await result
