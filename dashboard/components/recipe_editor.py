"""The recipe editor: lines of material and quantity per unit of a finished good, saved as a whole.

    editor = RecipeEditor(items=recipe, materials=choices, unit="loaf", on_save=save, search=search)

`on_save(lines)` gets [{"material": id, "qty_per_unit": text}, ...] in the order shown and returns the saved
recipe (whose units then follow each quantity); it raises ValidationFailed ("Line 2 quantity": ...) to have each
error shown under its input. Completely blank lines are dropped before saving. `search(text)` (optional) asks for
more materials when the first options were not all.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from nicegui import ui

from dashboard.components.forms import clear_errors, show_errors
from domain.errors import DomainError, ValidationFailed
from domain.formatting import format_quantity
from domain.services.recipes import RecipeItem

SaveLines = Callable[[list[dict[str, Any]]], Awaitable[Sequence[RecipeItem] | None]]
SearchMaterials = Callable[[str], Awaitable[dict[int, str]]]
CHOICES_LIMIT = 50  # product_choices answers at most this many: more may exist
_NO_MATCH = ('<q-item><q-item-section class="text-grey-7">'
             'No active raw material or packaging matches</q-item-section></q-item>')


def material_label(item: RecipeItem) -> str:
    return f"{item.name} ({item.sku})" + ("" if item.is_active else " — inactive")


class RecipeLineRow(ui.row):
    """One line: its number, a searchable material select, the quantity per unit and a remove button."""

    def __init__(self, editor: "RecipeEditor", material: int | None, qty: str) -> None:
        super().__init__(wrap=False, align_items="start")
        self.classes("w-full gap-2")
        self.editor = editor
        with self:
            self.number = ui.label().classes("w-5 text-right text-grey-7 q-pt-md shrink-0")
            with ui.row(wrap=True, align_items="start").classes("grow gap-x-2 gap-y-1"):
                self.material = ui.select(dict(editor.materials), label="Material", value=material,
                                          with_input=True).props("outlined dense hide-bottom-space options-dense") \
                    .classes("grow min-w-[14rem]")
                self.material.add_slot("no-option", _NO_MATCH)
                self.qty = ui.input(f"Quantity per {editor.unit}", value=qty).props(
                    "outlined dense hide-bottom-space inputmode=decimal").classes("w-full sm:w-48")
                self.show_unit()
                self.material.on_value_change(self.show_unit)
            self.remove = ui.button(icon="delete_outline", on_click=lambda: editor.remove(self)).props(
                "flat round dense color=grey-8 aria-label='Remove line'").classes("q-mt-xs")
            self.remove.tooltip("Remove line")
        if editor.search is not None:
            self.material.on("input-value", self._search, throttle=0.3, leading_events=False)

    def show_unit(self) -> None:
        """The material's unit after the quantity, once known (the recipe's own materials, or after saving)."""
        self.qty.props["suffix"] = self.editor.units.get(self.material.value, "")

    def renumber(self, number: int) -> None:
        self.number.text = f"{number}."
        self.material.mark(f"recipe-material-{number}")
        self.qty.mark(f"recipe-qty-{number}")
        self.remove.mark(f"recipe-remove-{number}")

    @property
    def blank(self) -> bool:
        return self.material.value is None and not str(self.qty.value or "").strip()

    async def _search(self, event: Any) -> None:
        """More materials exist than the first answer held: ask the service for those matching the text."""
        text = event.args.strip() if isinstance(event.args, str) else ""
        if self.editor.search is None:
            return
        found = await self.editor.search(text) if text else dict(self.editor.materials)
        if self.is_deleted:
            return
        self.editor.materials.update(found)
        current = self.material.value
        if current is not None and current not in found:
            found = {current: self.editor.materials.get(current, str(current)), **found}
        self.material.set_options(found, value=current)


class RecipeEditor(ui.column):
    def __init__(self, *, items: Sequence[RecipeItem], materials: dict[int, str], unit: str,
                 on_save: SaveLines, search: SearchMaterials | None = None) -> None:
        super().__init__()
        self.classes("w-full gap-2")
        self.unit = unit or "unit"
        self.on_save = on_save
        # The recipe's own materials stay selectable even when inactive or beyond the first answer.
        self.materials: dict[int, str] = {i.material_id: material_label(i) for i in items} | dict(materials)
        self.units: dict[int, str] = {i.material_id: i.unit for i in items}
        self.search = search if len(materials) >= CHOICES_LIMIT else None
        self.lines: list[RecipeLineRow] = []
        with self:
            self.box = ui.column().classes("w-full gap-2")
            self.empty = ui.label("No lines: this product has no recipe yet.").classes("text-grey-7")
            with ui.row(wrap=True, align_items="center").classes("w-full gap-2"):
                ui.button("Add line", icon="add", on_click=lambda: self.add_line()).props(
                    "outline no-caps").mark("recipe-add")
                self.save_button = ui.button("Save recipe", icon="save", on_click=self.save).props(
                    "unelevated no-caps").mark("recipe-save")
        for item in items:
            self.add_line(item.material_id, format_quantity(item.qty_per_unit))
        if not items:
            self.add_line()

    def add_line(self, material: int | None = None, qty: str = "") -> RecipeLineRow:
        with self.box:
            line = RecipeLineRow(self, material, qty)
        self.lines.append(line)
        self._renumber()
        return line

    def remove(self, line: RecipeLineRow) -> None:
        self.lines.remove(line)
        self.box.remove(line)
        self._renumber()

    def _renumber(self) -> None:
        for number, line in enumerate(self.lines, start=1):
            line.renumber(number)
        self.empty.visible = not self.lines

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for number, line in enumerate(self.lines, start=1):
            fields[f"Line {number} material"] = line.material
            fields[f"Line {number} quantity"] = line.qty
        return fields

    @property
    def values(self) -> list[dict[str, Any]]:
        return [{"material": line.material.value, "qty_per_unit": str(line.qty.value or "").strip()}
                for line in self.lines]

    async def save(self) -> None:
        for line in [line for line in self.lines if line.blank]:
            self.remove(line)
        clear_errors(self._fields())
        self.save_button.props("loading")
        try:
            saved = await self.on_save(self.values)
        except ValidationFailed as exc:
            show_errors(self._fields(), exc)
        except DomainError as exc:
            ui.notify(exc.message, type="negative", multi_line=True)
        else:
            self.units.update({i.material_id: i.unit for i in saved or []})
            for line in self.lines:
                line.show_unit()
        finally:
            self.save_button.props(remove="loading")
