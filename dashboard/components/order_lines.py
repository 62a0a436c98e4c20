"""The lines of an order being entered: a searchable product, a quantity (numeric keyboard on phones), the line's
amount as it is typed, remove; "Add line"; the running total. Prices and amounts come from
domain.services.order_entry (`product_choices`, `quote`): this component never does money arithmetic.

    lines = OrderLines(products=lambda text, ids: product_choices(actor, tier=tier, search=text, ids=ids),
                       on_change=save_draft)
    await lines.start([{"product": 12, "label": "White Bread 400g (WB-400)", "qty": "24"}])

`fields` names each input the way submit_order names its errors ("Line 2 quantity") for `show_errors`; `values`
are the lines for the service, completely blank lines left out; `draft` is what a reload needs to rebuild them.
"""

from collections.abc import Callable, Iterable
from typing import Any

from nicegui import run, ui

from dashboard.components.search_select import SearchSelect
from domain.errors import DomainError
from domain.formatting import format_money
from domain.services.order_entry import CHOICES_LIMIT, ProductChoice, Quote, quote

Products = Callable[[str | None, Iterable[int] | None], list[ProductChoice]]  # (search, ids) -> choices
FIELD_PROPS = "outlined hide-bottom-space"


class OrderLine(ui.row):
    """One line: number, product, quantity with the unit after it and the price under it, amount, remove."""

    def __init__(self, owner: "OrderLines", *, product: int | None, label: str | None, qty: str) -> None:
        super().__init__(wrap=False, align_items="start")
        self.classes("order-line w-full gap-2")
        self.owner = owner
        self.problem: str | None = None  # what is wrong with the quantity typed, if anything
        with self:
            self.number = ui.label().classes("w-4 text-right text-grey-7 q-pt-md shrink-0")
            with ui.element("div").classes("grow min-w-0 grid gap-x-2 gap-y-2 items-start "
                                           "grid-cols-[minmax(0,1fr)_auto_auto] "
                                           "sm:grid-cols-[minmax(0,1fr)_9rem_8rem_auto]"):
                self.product = SearchSelect("Product", load=owner.load_products, limit=CHOICES_LIMIT, value=product,
                                            value_label=label) \
                    .props(FIELD_PROPS).classes("col-span-3 sm:col-span-1 min-w-0")
                self.qty = ui.input("Quantity", value=qty) \
                    .props(f"{FIELD_PROPS} inputmode=decimal enterkeyhint=done autocomplete=off").classes("min-w-0")
                with ui.column().classes("gap-0 items-end q-pt-xs min-w-[6.5rem]"):
                    ui.label("Amount").classes("text-caption text-grey-7")
                    self.amount = ui.label("—").classes("text-subtitle1 text-weight-medium whitespace-nowrap")
                self.remove = ui.button(icon="delete_outline", on_click=lambda: owner.remove(self)) \
                    .props("flat round color=grey-8 aria-label='Remove line'").classes("q-mt-xs")
                self.remove.tooltip("Remove line")
        self.product.on_value_change(self._product_changed)
        self.qty.on_value_change(self._qty_changed)
        self.qty.on("blur", self._check_qty)

    def renumber(self, number: int) -> None:
        self.number.text = f"{number}."
        self.product.mark(f"line-product-{number}")
        self.qty.mark(f"line-qty-{number}")
        self.amount.mark(f"line-amount-{number}")
        self.remove.mark(f"line-remove-{number}")

    @property
    def choice(self) -> ProductChoice | None:
        return None if self.product.value is None else self.owner.known.get(self.product.value)

    @property
    def blank(self) -> bool:
        return self.product.value is None and not str(self.qty.value or "").strip()

    def show(self, amount: str, problem: str | None) -> None:
        """The amount and, under the quantity, the unit price (or why there is none)."""
        self.amount.text = amount
        choice = self.choice
        if choice is not None:
            self.qty.props["suffix"] = choice.unit
            self.qty.props["hint"] = f"{format_money(choice.price)} / {choice.unit}"
        elif self.product.value is not None:
            self.qty.props.pop("suffix", None)
            self.qty.props["hint"] = "No price on this tier"
        else:
            self.qty.props.pop("suffix", None)
            self.qty.props.pop("hint", None)
        if "hint" in self.qty.props:
            self.qty.props(remove="hide-bottom-space")
        else:
            self.qty.props("hide-bottom-space")
        self.problem = problem
        self.qty.update()

    def _product_changed(self) -> None:
        self.product.error = None
        self.owner.refresh()

    def _qty_changed(self) -> None:
        self.qty.error = None
        self.owner.refresh()

    def _check_qty(self) -> None:
        """Leaving the quantity: say at once what is wrong with it, in the service's words."""
        if self.problem and self.qty.error is None:
            self.qty.error = f"{self.owner.label_of(self)} quantity {self.problem}"


class OrderLines(ui.column):
    def __init__(self, *, products: Products, on_change: Callable[[], None]) -> None:
        super().__init__()
        self.classes("order-lines w-full gap-3")
        self._products, self._on_change = products, on_change
        self.known: dict[int, ProductChoice] = {}  # every product offered so far, with its price on this tier
        self.lines: list[OrderLine] = []
        self.quote: Quote = quote([])
        with self:
            self.box = ui.column().classes("w-full gap-3")
            self.problem = ui.label().classes("text-negative text-body2").props("role=alert").mark("lines-problem")
            self.problem.visible = False
            ui.button("Add line", icon="add", on_click=self.add_line).props("outline no-caps").classes("self-start") \
                .mark("line-add")

    def load_products(self, search: str | None) -> dict[Any, str]:
        """A line's picker asks for products (off the event loop); their prices are kept for the amounts."""
        found = self._products(search, None)
        self.known.update({choice.id: choice for choice in found})
        return {choice.id: choice.label for choice in found}

    async def start(self, draft: list[dict[str, Any]] | None = None) -> None:
        """Rebuild the lines of a draft (at least one line), with today's prices of their products."""
        for line in draft or [{}]:
            await self.add_line(product=line.get("product"), label=line.get("label"), qty=line.get("qty") or "",
                                load=False)
        await self.reprice()
        for line in list(self.lines):
            await line.product.load()

    async def add_line(self, *, product: int | None = None, label: str | None = None, qty: str = "",
                       load: bool = True) -> OrderLine:
        self.problem.visible = False
        with self.box:
            line = OrderLine(self, product=product, label=label, qty=qty)
        self.lines.append(line)
        self._renumber()
        self.refresh()
        if load:
            await line.product.load()
        return line

    def remove(self, line: OrderLine) -> None:
        self.lines.remove(line)
        self.box.remove(line)
        self._renumber()
        self.refresh()

    async def reprice(self) -> None:
        """The tier changed (or a draft came back): the chosen products' prices again, and fresh picker options."""
        chosen = [line.product.value for line in self.lines if line.product.value is not None]
        self.known.clear()
        if chosen:
            try:
                found = await run.io_bound(self._products, None, chosen)
            except DomainError as exc:
                ui.notify(exc.message, type="warning")
                found = []
            self.known.update({choice.id: choice for choice in found or []})
        self.refresh()

    async def reload_options(self) -> None:
        for line in list(self.lines):
            await line.product.load()

    async def reset(self) -> None:
        for line in list(self.lines):
            self.remove(line)
        await self.add_line()

    def drop_blank(self) -> None:
        for line in [line for line in self.lines if line.blank]:
            if len(self.lines) > 1:
                self.remove(line)

    def refresh(self) -> None:
        """Amounts and the total from the service's `quote`, then tell the page (total, saved draft)."""
        self.quote = quote([(line.choice.price if line.choice else None, line.qty.value) for line in self.lines])
        for line, quoted in zip(self.lines, self.quote.lines, strict=True):
            line.show(format_money(quoted.amount) if quoted.amount is not None else "—", quoted.problem)
        self._on_change()

    def show_problem(self, text: str | None) -> None:
        self.problem.text = text or ""
        self.problem.visible = bool(text)

    def label_of(self, line: OrderLine) -> str:
        return f"Line {self.lines.index(line) + 1}"

    def _renumber(self) -> None:
        for number, line in enumerate(self.lines, start=1):
            line.renumber(number)
            line.remove.set_visibility(len(self.lines) > 1)

    def clear_errors(self) -> None:
        self.show_problem(None)
        for line in self.lines:
            line.product.error = line.qty.error = None

    @property
    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for number, line in enumerate(self.lines, start=1):
            fields[f"Line {number} product"] = line.product
            fields[f"Line {number} quantity"] = line.qty
            fields[f"Line {number} price"] = line.qty
        return fields

    @property
    def values(self) -> list[dict[str, Any]]:
        return [{"product_id": line.product.value, "qty": str(line.qty.value or "").strip()}
                for line in self.lines if not line.blank]

    @property
    def draft(self) -> list[dict[str, Any]]:
        return [{"product": line.product.value, "qty": str(line.qty.value or ""),
                 "label": self._label(line)} for line in self.lines]

    @staticmethod
    def _label(line: OrderLine) -> str | None:
        options = line.product.options if isinstance(line.product.options, dict) else {}
        return None if line.product.value is None else options.get(line.product.value)
