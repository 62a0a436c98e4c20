"""Small dialogs shared by the admin pages."""

from nicegui import ui


class Confirm(ui.dialog):
    """One reusable "are you sure?" dialog per page: `if await confirm.ask(title, text, "Deactivate"): ...`."""

    def __init__(self) -> None:
        super().__init__()
        with self, ui.card().classes("w-full max-w-md gap-3"):
            self.title = ui.label().classes("text-h6")
            self.text = ui.label().classes("text-body2")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=lambda: self.submit(False)).props("flat").mark("confirm-cancel")
                self.ok = ui.button(on_click=lambda: self.submit(True)).props("unelevated").mark("confirm")

    async def ask(self, title: str, text: str, action: str, *, color: str = "primary") -> bool:
        self.title.text, self.text.text, self.ok.text = title, text, action
        self.ok.props(f"color={color}")
        return bool(await self)
