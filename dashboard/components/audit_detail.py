"""A dialog showing one audit entry: who, what, when, and each field's value before and after."""

import json
from typing import Any

from nicegui import ui

from domain.formatting import format_datetime
from domain.services.audit import AuditEntry


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def show_audit_entry(entry: AuditEntry) -> None:
    before, after = entry.before or {}, entry.after or {}
    fields = list(dict.fromkeys([*before, *after]))
    with ui.dialog() as dialog, ui.card().classes("w-full max-w-3xl gap-2"):
        with ui.row().classes("items-center w-full"):
            ui.label(entry.action).classes("text-h6")
            ui.space()
            ui.button(icon="close", on_click=dialog.close).props("flat round dense aria-label=Close")
        ui.label(f"{format_datetime(entry.at)} · {entry.actor_name} · {entry.entity} {entry.entity_id or ''}"
                 f"{' · from ' + entry.source_ip if entry.source_ip else ''}").classes("text-grey-8")
        if not fields:
            ui.label("No field values were recorded for this entry.").classes("text-grey-7")
        else:
            rows = [{"field": f, "before": _text(before.get(f)), "after": _text(after.get(f)),
                     "changed": before.get(f) != after.get(f)} for f in fields]
            columns = [{"name": "field", "label": "Field", "field": "field", "align": "left"},
                       {"name": "before", "label": "Before", "field": "before", "align": "left"},
                       {"name": "after", "label": "After", "field": "after", "align": "left"}]
            table = ui.table(columns=columns, rows=rows, row_key="field").props("flat dense wrap-cells")
            table.classes("w-full").mark("audit-detail")
            table.add_slot("body-cell-after", r"""
                <q-td :props="props" :class="props.row.changed ? 'text-weight-bold text-primary' : ''">
                    {{ props.value }}
                </q-td>""")
    dialog.open()
