"""/admin/roles: what each role may do. A roles × permissions matrix on wide screens; one role at a time on phones.
Ticks are kept on the page until saved (per role, or all edited roles at once); refusals stay on screen."""

import re
from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.user_form import Notice
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.services.users_admin import (
    ADMIN_ROLE,
    RoleMatrix,
    create_role,
    role_matrix,
    set_role_permissions,
)

PATH = "/admin/roles"
# The catalogue's areas (a code's prefix), gathered into the sections the business thinks in.
SECTIONS = {
    "dashboard": "Dashboard and reports", "reports": "Dashboard and reports", "exports": "Dashboard and reports",
    "production": "Production", "stock": "Stock", "orders": "Orders",
    "finance": "Finance", "invoices": "Finance", "payments": "Finance", "expenses": "Finance", "credit": "Finance",
    "masterdata": "Master data", "geography": "Master data", "products": "Master data", "parties": "Master data",
    "users": "People and system", "roles": "People and system", "audit": "People and system",
    "backups": "People and system", "system": "People and system",
}

_HEADER = r"""
<q-tr :props="props">
  <q-th v-for="col in props.cols" :key="col.name" :props="props"
        :class="col.name === 'permission' ? 'text-left perm-col' : 'text-center role-col'">
    <template v-if="col.name === 'permission'">Permission</template>
    <template v-else>
      <div class="text-weight-bold" style="white-space: normal">{{ col.label }}</div>
      <div class="text-caption text-grey-7">{{ col.users }} user{{ col.users === 1 ? '' : 's' }}</div>
      <div v-if="col.fixed" class="text-caption text-grey-7">always every permission</div>
      <q-btn v-if="col.edited" dense unelevated no-caps size="sm" color="primary" label="Save"
             class="q-mt-xs" @click="() => $parent.$emit('saverole', col.role)" />
    </template>
  </q-th>
</q-tr>
"""

_BODY = r"""
<q-tr v-if="props.row.heading" :props="props" class="matrix-heading">
  <q-td colspan="100%" class="text-weight-bold text-primary">{{ props.row.label }}</q-td>
</q-tr>
<q-tr v-else :props="props">
  <q-td key="permission" :props="props" class="perm-col">
    <div style="white-space: normal">{{ props.row.description }}</div>
    <div class="text-caption text-grey-6" style="font-family: monospace">{{ props.row.code }}</div>
  </q-td>
  <q-td v-for="col in props.cols.slice(1)" :key="col.name" :props="props" class="text-center role-col"
        :class="{'cell-changed': props.row['d_' + col.role]}">
    <q-checkbox dense :model-value="props.row[col.name]" :disable="col.fixed"
                :aria-label="col.label + ': ' + props.row.description"
                @update:model-value="value => $parent.$emit('toggle', {role: col.role, code: props.row.code, value})" />
  </q-td>
</q-tr>
"""

_CSS = """
.role-matrix thead tr th { vertical-align: top; background: #fff; }
.role-matrix tr.matrix-heading td { background: #f5f0ea; }
.role-matrix td.cell-changed { background: #fff3e0; }
.role-matrix-wide { max-height: calc(100vh - 210px); }
.role-matrix-wide thead tr th { position: sticky; top: 0; z-index: 2; }
.role-matrix-wide .perm-col { position: sticky; left: 0; z-index: 1; background: #fff; min-width: 15rem;
  max-width: 24rem; }
.role-matrix-wide thead tr th.perm-col { z-index: 3; }
.role-matrix-wide .role-col { min-width: 6.5rem; }
.role-matrix-phone .role-col { width: 5.5rem; min-width: 5.5rem; }
.body--dark .role-matrix thead tr th, .body--dark .role-matrix-wide td.perm-col { background: var(--q-dark); }
.body--dark .role-matrix tr.matrix-heading td { background: #3a3128; }
.body--dark .role-matrix td.cell-changed { background: #5a3d14; }
"""


def _key(role: str) -> str:
    return f"r_{role}"  # column and row-data keys: never a bare role code (it could be "code" or "label")


class RolesEditor:
    """The matrix and the phone view over one set of ticks: `wanted` (on screen) against `saved` (in the database)."""

    def __init__(self, actor: Actor, matrix: RoleMatrix) -> None:
        self.actor = actor
        self.catalogue = matrix.catalogue
        self.codes = {code for permissions in matrix.catalogue.values() for code, _ in permissions}
        self._load(matrix)
        with ui.row(wrap=True, align_items="center").classes("w-full gap-2"):
            self.save_button = ui.button("Save changes", icon="save", on_click=self.save_all).props(
                "unelevated").mark("save-roles")
            self.discard_button = ui.button("Discard changes", icon="undo", on_click=self.discard).props(
                "flat").mark("discard-roles")
            ui.space()
            ui.button("New role", icon="add", on_click=self.open_new_role).props("outline").mark("new-role")
        self.notice = Notice()
        with ui.column().classes("w-full gap-2 lt-md"):
            self.picker = ui.select({}, label="Role", on_change=lambda: self._refresh()).props(
                "outlined options-dense").classes("w-full").mark("role-picker")
            self.phone = self._table("role-matrix-phone", "role-matrix-phone")
        with ui.column().classes("w-full gt-sm"):
            self.wide = self._table("role-matrix", "role-matrix-wide")
        self._build_new_role_dialog()
        self._refresh()

    def _load(self, matrix: RoleMatrix, *, keep_edits: bool = False) -> None:
        """Take the roles as the database has them; with `keep_edits`, unsaved ticks of existing roles stay."""
        edits = {code: self.wanted[code] for code in self.edited} if keep_edits else {}
        self.roles = matrix.roles
        self.saved = {r.code: set(r.permissions) for r in matrix.roles}
        self.wanted = {code: set(edits.get(code, perms)) for code, perms in self.saved.items()}

    def _table(self, marker: str, classes: str) -> ui.table:
        table = ui.table(columns=[], rows=[], row_key="key", pagination=0).props(
            "flat bordered dense hide-bottom separator=cell").classes(f"w-full role-matrix {classes}").mark(marker)
        table.add_slot("header", _HEADER)
        table.add_slot("body", _BODY)
        table.on("toggle", self._toggle)
        table.on("saverole", self._save_role)
        return table

    @property
    def edited(self) -> list[str]:
        return [r.code for r in self.roles if self.wanted[r.code] != self.saved[r.code]]

    def _columns(self) -> list[dict[str, Any]]:
        columns: list[dict[str, Any]] = [{"name": "permission", "label": "Permission", "field": "description",
                                          "align": "left"}]
        for role in self.roles:
            columns.append({"name": _key(role.code), "label": role.name, "field": _key(role.code), "align": "center",
                            "role": role.code, "users": role.user_count, "fixed": role.code == ADMIN_ROLE,
                            "edited": self.wanted[role.code] != self.saved[role.code]})
        return columns

    def _rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        section = None
        for area, permissions in self.catalogue.items():
            heading = SECTIONS.get(area, area.replace("_", " ").capitalize())
            if heading != section:
                section = heading
                rows.append({"key": f"section:{heading}", "heading": True, "label": heading})
            for code, description in permissions:
                row = {"key": code, "code": code, "description": description}
                for r in self.roles:
                    row[_key(r.code)] = code in self.wanted[r.code]
                    row[f"d_{r.code}"] = row[_key(r.code)] != (code in self.saved[r.code])  # unsaved: highlighted
                rows.append(row)
        return rows

    def _refresh(self) -> None:
        columns, rows = self._columns(), self._rows()
        self.picker.set_options({r.code: f"{r.name} ({r.user_count} user{'' if r.user_count == 1 else 's'})"
                                 + (" · edited" if r.code in self.edited else "") for r in self.roles},
                                value=self.picker.value if self.picker.value in self.saved else self._first_role())
        for table in (self.wide, self.phone):
            table.columns, table.rows = columns, rows
        self.phone.props["visible-columns"] = ["permission", _key(self.picker.value or "")]
        self.phone.update()
        edited = self.edited
        self.save_button.text = f"Save changes ({len(edited)} role{'' if len(edited) == 1 else 's'})" \
            if edited else "Save changes"
        self.save_button.set_enabled(bool(edited))
        self.discard_button.set_visibility(bool(edited))

    def _first_role(self) -> str | None:
        """The phone view opens on the first role that can be edited (the administrator's cannot)."""
        editable = [r.code for r in self.roles if r.code != ADMIN_ROLE]
        return (editable or [r.code for r in self.roles] or [None])[0]

    def _toggle(self, event: Any) -> None:
        args = event.args if isinstance(event.args, dict) else {}
        role, code = str(args.get("role")), str(args.get("code"))
        if role not in self.wanted or role == ADMIN_ROLE or code not in self.codes:
            return
        (self.wanted[role].add if args.get("value") else self.wanted[role].discard)(code)
        self._refresh()

    def discard(self) -> None:
        self.wanted = {code: set(perms) for code, perms in self.saved.items()}
        self.notice.hide()
        self._refresh()

    async def _save_role(self, event: Any) -> None:
        await self.save([str(event.args)])

    async def save_all(self) -> None:
        await self.save(self.edited)

    async def save(self, codes: list[str]) -> None:
        """Save each role in turn; those refused keep their ticks on screen, with the reason."""
        self.notice.hide()
        names = {r.code: r.name for r in self.roles}
        refused, saved = [], []
        self.save_button.props("loading")
        try:
            for code in codes:
                if code not in self.wanted or self.wanted[code] == self.saved[code]:
                    continue
                wanted = frozenset(self.wanted[code])
                try:
                    summary = await run.io_bound(
                        lambda c=code, w=wanted: set_role_permissions(self.actor, role_code=c, codes=w))
                except DomainError as exc:
                    refused.append(f"{names[code]}: {exc.message}")
                    continue
                if summary is None:  # the app is stopping
                    return
                self.saved[code] = set(summary.permissions)
                self.roles = [summary if r.code == code else r for r in self.roles]  # fresh user count
                saved.append(names[code])
        finally:
            self.save_button.props(remove="loading")
        if refused:
            self.notice.show(" ".join(refused))
        if saved:
            ui.notify(f"Saved {', '.join(saved)}. Their users have the new rights on their next page.",
                      type="positive")
        self._refresh()

    # ------------------------------------------------------------------------------------------- new role

    def _build_new_role_dialog(self) -> None:
        with ui.dialog() as self.dialog, ui.card().classes("w-full max-w-md gap-2"):
            ui.label("New role").classes("text-h6")
            self.fields: dict[str, Any] = {
                "Name": ui.input("Name", on_change=self._suggest_code),
                "Code": ui.input("Code"),
                "Permissions": ui.select({}, label="Copy permissions from"),
            }
            self.fields["Code"].props["hint"] = "Lower case with underscores, such as area_manager; cannot change"
            for label, field in self.fields.items():
                field.props("outlined").classes("w-full").mark(f"role-{label.lower()}")
            self.dialog_notice = Notice()
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat")
                ui.button("Create role", on_click=self.create).props("unelevated").mark("create-role")

    def _suggest_code(self) -> None:
        name, code = self.fields["Name"], self.fields["Code"]
        suggestion = re.sub(r"[^a-z0-9]+", "_", (name.value or "").lower()).strip("_")
        if not code.value or code.value == getattr(self, "_suggested", None):
            code.value = suggestion
        self._suggested = suggestion

    def open_new_role(self) -> None:
        self.fields["Permissions"].set_options({"": "Nothing: start empty", **{r.code: r.name for r in self.roles}},
                                               value="")
        for label in ("Name", "Code"):
            self.fields[label].value = ""
        clear_errors(self.fields)
        self.dialog_notice.hide()
        self.dialog.open()

    async def create(self) -> None:
        clear_errors(self.fields)
        self.dialog_notice.hide()
        source = self.fields["Permissions"].value or ""
        codes = frozenset(self.saved.get(source, set()))
        try:
            summary = await run.io_bound(lambda: create_role(self.actor, code=self.fields["Code"].value or "",
                                                             name=self.fields["Name"].value or "", codes=codes))
            matrix = await run.io_bound(role_matrix, self.actor)
        except ValidationFailed as exc:
            show_errors(self.fields, exc)
            return
        except DomainError as exc:
            self.dialog_notice.show(exc.message)
            return
        if summary is None or matrix is None:  # the app is stopping
            return
        self.dialog.close()
        self._load(matrix, keep_edits=True)
        self.picker.value = summary.code
        self._refresh()
        ui.notify(f"Created the role {summary.name}", type="positive")


async def roles_page() -> RedirectResponse | None:
    actor = await signed_in("roles.manage", path=PATH)
    if not isinstance(actor, Actor):
        return actor
    ui.add_css(_CSS)
    with frame("Roles", actor) as body:
        ui.label("What each role may do. Tick or clear, then save: users holding a role get the change on their "
                 "next page.").classes("text-grey-7")
    await ui.context.client.connected()
    try:
        matrix = await run.io_bound(role_matrix, actor)
    except DomainError as exc:
        with body:
            Notice().show(exc.message)
        return None
    if matrix is None:  # the app is stopping
        return None
    with body:
        RolesEditor(actor, matrix)
    return None


PAGES = [Page(PATH, roles_page, "Roles", "admin_panel_settings", "roles.manage", order=85)]
