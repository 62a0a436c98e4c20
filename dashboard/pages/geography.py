"""/admin/geography: browse zone > state > region > area > territory and, with geography.manage, change it.

The tree shows only the user's own area (the service scopes it); the actions shown are the ones the role may take,
and the services refuse the rest anyway.
"""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.geo_tree import LEVEL_ICONS, GeoTreeView, ancestors
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.models import GeoLevel
from domain.services.geography import (
    GeoChoice,
    GeoRow,
    add_geo_node,
    deactivate_geo_node,
    delete_geo_node,
    geo_choices,
    geo_tree,
    move_geo_node,
    reactivate_geo_node,
    rename_geo_node,
)

PATH = "/admin/geography"
LEVELS = list(GeoLevel)


def _plural(level: GeoLevel, n: int) -> str:
    word = level.value if n == 1 else ("territories" if level is GeoLevel.TERRITORY else f"{level.value}s")
    return f"{n} {word}"


def _level_above(level: GeoLevel) -> GeoLevel | None:
    return LEVELS[level.depth - 1] if level.depth > 0 else None


def _choice_label(choice: GeoChoice, rows: dict[int, GeoRow]) -> str:
    """ "Rift (RFT) · Rift Valley": the parent's name tells apart places with similar names."""
    ids = [int(part) for part in choice.path.strip("/").split("/") if part]
    parent = rows.get(ids[-2]) if len(ids) >= 2 else None
    return choice.label + (f" · {parent.name}" if parent is not None else "")


class GeographyView:
    """The tree on the left (on top on a phone), the chosen place and its actions beside it."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.manage = actor.can("geography.manage")
        self._busy = False
        self.dialog = ui.dialog()
        with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-5 gap-4 items-start"):
            with ui.card().classes("lg:col-span-2 w-full gap-2 p-3 sm:p-4"):
                with ui.row().classes("w-full items-center justify-between gap-2"):
                    with ui.column().classes("gap-0"):
                        ui.label("Places").classes("text-h6")
                        self.summary = ui.label("Loading…").classes("text-caption text-grey-7")
                    if self.manage and actor.company_wide:
                        ui.button("Add zone", icon="add", on_click=lambda: self.open_add(None)).props(
                            "unelevated dense no-caps").classes("q-px-sm").mark("geo-add-zone")
                self.tree = GeoTreeView(on_select=self.select)
            self.detail = ui.card().classes("lg:col-span-3 w-full gap-3 p-3 sm:p-4").style("scroll-margin-top: 64px")
        self.show_detail(None)

    # ------------------------------------------------------------------------------------------- data

    async def reload(self, *, select: int | None = None) -> None:
        try:
            rows = await run.io_bound(geo_tree, self.actor)
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        if rows is None:  # the app is shutting down
            return
        keep = select if select is not None else self.tree.selected
        self.tree.set_rows(rows, selected=keep)
        inactive = sum(1 for row in rows if not row.is_active)
        count = f"{len(rows)} place{'' if len(rows) == 1 else 's'}"
        self.summary.text = (count + (f", {inactive} inactive" if inactive else "")
                             + ("" if self.actor.company_wide else f" in {self.actor.scope_name}"))
        self.show_detail(self.tree.selected)

    async def select(self, node_id: int | None) -> None:
        self.show_detail(node_id)
        if node_id is not None:  # on a phone the details sit below the tree: bring them into view
            ui.run_javascript(f"if (window.innerWidth < 1024) getHtmlElement({self.detail.id})"
                              ".scrollIntoView({behavior: 'smooth', block: 'start'})")

    # ---------------------------------------------------------------------------------------- details

    def show_detail(self, node_id: int | None) -> None:
        rows = self.tree.rows
        row = rows.get(node_id) if node_id is not None else None
        self.detail.clear()
        with self.detail:
            if row is None:
                with ui.column().classes("w-full items-center gap-1 q-py-lg text-grey-7"):
                    ui.icon("account_tree", size="lg").classes("text-grey-5")
                    ui.label("Choose a place in the tree to see its details"
                             + (" and change it." if self.manage else "."))
                return
            self._facts(row, rows)
            if self.manage:
                ui.separator()
                self._actions(row)

    def _facts(self, row: GeoRow, rows: dict[int, GeoRow]) -> None:
        with ui.row().classes("w-full items-center gap-2 no-wrap"):
            ui.icon(LEVEL_ICONS[row.level], size="md").classes("text-primary" if row.is_active else "text-grey-5")
            with ui.column().classes("gap-0 min-w-0"):
                ui.label(row.name).classes("text-h6 ellipsis" + ("" if row.is_active else " text-grey-7")).mark(
                    "geo-detail-name")
                ui.label(f"{row.level.value.title()} · {row.code}").classes("text-caption text-grey-7")
            ui.space()
            ui.badge("active" if row.is_active else "inactive", color="positive" if row.is_active else "grey-6"
                     ).props("outline")
        children = [r for r in rows.values() if r.parent_id == row.id]
        within = " › ".join(r.name for r in ancestors(rows, row.id))
        child = row.level.child
        inactive = sum(not c.is_active for c in children)
        holds = ("Nothing (a territory holds no other places)" if child is None
                 else f"No {_plural(child, 0)[2:]} yet" if not children
                 else _plural(child, len(children)) + (f", {inactive} inactive" if inactive else ""))
        facts = [("Level", row.level.value.title()), ("Code", row.code),
                 ("Within", within or ("Top level" if row.parent_id is None else "Above your area")),
                 ("Holds", holds), ("Status", "Active" if row.is_active else "Inactive: not offered for new records")]
        with ui.element("div").classes("w-full grid grid-cols-[6rem_1fr] gap-x-3 gap-y-1"):
            for label, value in facts:
                ui.label(label).classes("text-grey-7")
                ui.label(value).classes("break-words min-w-0")

    def _actions(self, row: GeoRow) -> None:
        child = row.level.child
        with ui.row().classes("w-full gap-2"):
            if child is not None and row.is_active:
                ui.button(f"Add {child.value} under {row.name}", icon="add",
                          on_click=lambda: self.open_add(row)).props("unelevated no-caps").mark("geo-add-child")
            ui.button("Rename", icon="edit", on_click=lambda: self.open_rename(row)).props(
                "outline no-caps").mark("geo-rename")
            if row.level is not GeoLevel.ZONE:
                ui.button("Move", icon="drive_file_move", on_click=lambda: self.open_move(row)).props(
                    "outline no-caps").mark("geo-move")
            if row.is_active:
                ui.button("Deactivate", icon="block", on_click=lambda: self.change(
                    deactivate_geo_node, row, f"{row.name} deactivated")).props("outline no-caps").mark(
                    "geo-deactivate")
            else:
                ui.button("Reactivate", icon="restart_alt", on_click=lambda: self.change(
                    reactivate_geo_node, row, f"{row.name} reactivated")).props("outline no-caps").mark(
                    "geo-reactivate")
            ui.button("Delete", icon="delete", on_click=lambda: self.open_delete(row)).props(
                "flat no-caps color=negative").mark("geo-delete")
        if child is not None and not row.is_active:
            ui.label(f"Reactivate {row.name} to add places under it.").classes("text-caption text-grey-7")

    # ---------------------------------------------------------------------------------------- actions

    async def change(self, service: Callable[..., Any], row: GeoRow, done: str) -> None:
        """Deactivate or reactivate: no form, the service's refusal becomes a message."""
        try:
            await run.io_bound(service, self.actor, node_id=row.id)
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        ui.notify(done, type="positive")
        await self.reload(select=row.id)

    def _form(self, title: str, subtitle: str | None = None) -> ui.card:
        self.dialog.clear()
        with self.dialog:
            card = ui.card().classes("w-full max-w-md gap-3 q-pa-lg")
        with card:
            ui.label(title).classes("text-h6")
            if subtitle:
                ui.label(subtitle).classes("text-grey-7")
        return card

    def _buttons(self, submit: str, on_submit: Callable[[], Awaitable[None]], *, danger: bool = False) -> None:
        with ui.row().classes("w-full justify-end gap-2 q-pt-sm"):
            ui.button("Cancel", on_click=self.dialog.close).props("flat no-caps").mark("geo-cancel")
            ui.button(submit, on_click=on_submit).props(
                f"unelevated no-caps{' color=negative' if danger else ''}").mark("geo-submit")

    async def _submit(self, call: Callable[[], Any], fields: Mapping[str, Any], done: Callable[[Any], str],
                      select: Callable[[Any], int | None]) -> None:
        if self._busy:  # a second click while the first is still saving
            return
        clear_errors(fields)
        self._busy = True
        try:
            result = await run.io_bound(call)
        except ValidationFailed as exc:
            show_errors(fields, exc)
            return
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        finally:
            self._busy = False
        self.dialog.close()
        ui.notify(done(result), type="positive")
        await self.reload(select=select(result))

    def open_add(self, parent: GeoRow | None) -> None:
        level = parent.level.child if parent is not None else GeoLevel.ZONE
        assert level is not None
        title = f"Add {level.value} under {parent.name}" if parent else "Add zone"
        with self._form(title, f"The new place will be {'an' if level.value[0] in 'aeiou' else 'a'} {level.value}."):
            fields = {
                "Code": ui.input("Code").props("outlined autofocus maxlength=20 hint='Letters, digits, . _ -; "
                                               "unique, e.g. KE-RV'").mark("geo-code"),
                "Name": ui.input("Name").props("outlined maxlength=120").mark("geo-name"),
            }
            for field in fields.values():
                field.classes("w-full")

            async def save() -> None:
                await self._submit(
                    lambda: add_geo_node(self.actor, code=fields["Code"].value or "", name=fields["Name"].value or "",
                                         parent_code=parent.code if parent else None, level=level),
                    fields, lambda node: f"Added {level.value} {node.name}", lambda node: node.id)

            fields["Name"].on("keydown.enter", save)
            self._buttons("Add", save)
        self.dialog.open()

    def open_rename(self, row: GeoRow) -> None:
        with self._form(f"Rename {row.name}", f"{row.level.value.title()} {row.code}; the code stays the same."):
            fields = {"Name": ui.input("Name", value=row.name).props("outlined autofocus maxlength=120").classes(
                "w-full").mark("geo-name")}

            async def save() -> None:
                await self._submit(lambda: rename_geo_node(self.actor, node_id=row.id, name=fields["Name"].value or ""),
                                   fields, lambda node: f"Renamed to {node.name}", lambda _: row.id)

            fields["Name"].on("keydown.enter", save)
            self._buttons("Rename", save)
        self.dialog.open()

    async def open_move(self, row: GeoRow) -> None:
        above = _level_above(row.level)
        assert above is not None
        try:
            choices = await run.io_bound(geo_choices, self.actor, level=above, limit=1000)
        except DomainError as exc:
            ui.notify(exc.message, type="negative")
            return
        names = self.tree.rows
        options = {c.code: _choice_label(c, names) for c in choices}
        current = names[row.parent_id].code if row.parent_id in names else None
        if not options or list(options) == [current]:
            ui.notify(f"There is no other active {above.value} in your area to move {row.name} to.", type="warning")
            return
        with self._form(f"Move {row.name}", f"Everything under {row.name} moves with it. "
                                            f"Choose the {above.value} it belongs to."):
            fields = {"Parent": ui.select(options, value=current, label=f"New {above.value}", with_input=True).props(
                "outlined options-dense").classes("w-full").mark("geo-parent")}

            async def save() -> None:
                if fields["Parent"].value == current:  # nothing to do
                    self.dialog.close()
                    return
                await self._submit(
                    lambda: move_geo_node(self.actor, node_id=row.id, parent_code=fields["Parent"].value or ""),
                    fields, lambda node: f"Moved {node.name}", lambda _: row.id)

            self._buttons("Move", save)
        self.dialog.open()

    def open_delete(self, row: GeoRow) -> None:
        note = (f"This removes the {row.level.value} {row.name} ({row.code}) for good. "
                "A place that is in use cannot be deleted; deactivate it instead.")
        with self._form(f"Delete {row.name}?", note):

            async def delete() -> None:
                try:
                    await run.io_bound(delete_geo_node, self.actor, node_id=row.id)
                except DomainError as exc:
                    self.dialog.close()
                    ui.notify(exc.message, type="negative", multi_line=True, timeout=8000)
                    return
                self.dialog.close()
                ui.notify(f"Deleted {row.name}", type="positive")
                await self.reload(select=row.parent_id)

            self._buttons("Delete", delete, danger=True)
        self.dialog.open()


async def geography_page() -> RedirectResponse | None:
    actor = await signed_in("masterdata.view", path=PATH)
    if not isinstance(actor, Actor):
        return actor
    with frame("Geography", actor):
        ui.label("Zones, states, regions, areas and territories: the places that scope people, parties and orders."
                 ).classes("text-grey-7")
        view = GeographyView(actor)
    await ui.context.client.connected()
    await view.reload()
    return None


PAGES = [Page(PATH, geography_page, "Geography", "account_tree", "masterdata.view", order=40)]
