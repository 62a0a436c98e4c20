"""The lines of a stock document: a searchable product, a quantity and (receipts) a unit cost per line; lines are
added and removed; each line says what the chosen location holds of its product.

    lines = StockLines(products=lambda text: product_choices(actor, search=text),
                       on_hand=lambda product_id: position_or_none(...), costed=True)
    await lines.start()                               # the first line's products, once the page is connected

`fields` names each input the way services name their errors ("Line 2 quantity"), for `show_errors`; `values`
are the lines for the service, completely blank lines left out.
"""

from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from dashboard.components.search_select import SearchSelect
from domain.formatting import format_quantity
from domain.services.inventory import StockPosition

ProductLoader = Callable[[str | None], dict[Any, str]]
OnHand = Callable[[int], StockPosition | None]  # product id -> what the form's location holds (None: no location)
CHOICES_LIMIT = 50  # product_choices answers at most this many: typing asks for more
FIELD_PROPS = "outlined dense hide-bottom-space"


class StockLine(ui.row):
    """One line: its number, the product, the quantity (the product's unit after it), a unit cost, remove."""

    def __init__(self, owner: "StockLines") -> None:
        super().__init__(wrap=False, align_items="start")
        self.classes("w-full gap-2")
        self.owner = owner
        with self:
            self.number = ui.label().classes("w-5 text-right text-grey-7 q-pt-sm shrink-0")
            with ui.row(wrap=True, align_items="start").classes("grow gap-x-2 gap-y-1 min-w-0"):
                self.product = SearchSelect("Product", load=owner.products, limit=CHOICES_LIMIT) \
                    .props(FIELD_PROPS).classes("grow min-w-[14rem]")
                self.qty = ui.input("Quantity").props(f"{FIELD_PROPS} inputmode=decimal") \
                    .classes("w-[calc(50%-0.25rem)] sm:w-40")
                self.cost = ui.input("Unit cost").props(f"{FIELD_PROPS} inputmode=decimal prefix=KES") \
                    .classes("w-[calc(50%-0.25rem)] sm:w-40") if owner.costed else None
            self.remove = ui.button(icon="delete_outline", on_click=lambda: owner.remove(self)).props(
                "flat round dense color=grey-8 aria-label='Remove line'").classes("q-mt-xs")
            self.remove.tooltip("Remove line")
        self.product.on_value_change(self.refresh_hint)

    def renumber(self, number: int) -> None:
        self.number.text = f"{number}."
        self.product.mark(f"line-product-{number}")
        self.qty.mark(f"line-qty-{number}")
        self.remove.mark(f"line-remove-{number}")
        if self.cost is not None:
            self.cost.mark(f"line-cost-{number}")

    @property
    def blank(self) -> bool:
        texts = [self.qty.value] + ([self.cost.value] if self.cost is not None else [])
        return self.product.value is None and not any(str(t or "").strip() for t in texts)

    async def refresh_hint(self) -> None:
        """The product's unit after the quantity and, under it, what the location holds now."""
        product_id = self.product.value
        position = await run.io_bound(self.owner.on_hand, product_id) if product_id is not None else None
        if self.is_deleted or self.product.value != product_id:
            return
        if position is None:
            self.qty.props(remove="suffix hint")
        else:
            self.qty.props["suffix"] = position.unit
            self.qty.props["hint"] = f"{format_quantity(position.qty)} {position.unit} on hand"
            self.qty.props(remove="hide-bottom-space")
        self.qty.update()


class StockLines(ui.column):
    def __init__(self, *, products: ProductLoader, on_hand: OnHand, costed: bool = False) -> None:
        super().__init__()
        self.classes("w-full gap-3")
        self.products, self.on_hand, self.costed = products, on_hand, costed
        self.lines: list[StockLine] = []
        with self:
            self.box = ui.column().classes("w-full gap-3")
            ui.button("Add line", icon="add", on_click=self.add_line).props("outline no-caps").mark("line-add")

    async def start(self) -> None:
        if not self.lines:
            await self.add_line()

    async def add_line(self) -> StockLine:
        with self.box:
            line = StockLine(self)
        self.lines.append(line)
        self._renumber()
        await line.product.load()
        return line

    def remove(self, line: StockLine) -> None:
        self.lines.remove(line)
        self.box.remove(line)
        self._renumber()

    def _renumber(self) -> None:
        for number, line in enumerate(self.lines, start=1):
            line.renumber(number)
            line.remove.set_visibility(len(self.lines) > 1)

    async def refresh_hints(self) -> None:
        """The location changed: every line's "on hand" again."""
        for line in list(self.lines):
            await line.refresh_hint()

    async def reset(self) -> None:
        for line in list(self.lines):
            self.remove(line)
        await self.add_line()

    def drop_blank(self) -> None:
        for line in [line for line in self.lines if line.blank]:
            if len(self.lines) > 1:
                self.remove(line)

    @property
    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for number, line in enumerate(self.lines, start=1):
            fields[f"Line {number} product"] = line.product
            fields[f"Line {number} quantity"] = line.qty
            if line.cost is not None:
                fields[f"Line {number} unit cost"] = line.cost
        return fields

    @property
    def values(self) -> list[dict[str, Any]]:
        values = []
        for line in self.lines:
            if line.blank:
                continue
            value: dict[str, Any] = {"product": line.product.value, "qty": str(line.qty.value or "").strip()}
            if line.cost is not None:
                value["unit_cost"] = str(line.cost.value or "").strip()
            values.append(value)
        return values
