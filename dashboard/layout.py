"""The frame around every page: header, role-filtered navigation, dark mode; collapses to a drawer on phones."""

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from dashboard.navigation import visible_items
from domain.access import Actor

PRODUCT = "Chesanto Operations"
BRAND = "#8a4b12"  # crust brown


def apply_theme() -> None:
    ui.colors(primary=BRAND, secondary="#d8a25e", accent="#2f6f4e", positive="#2f855a", negative="#c53030")
    ui.add_css("body:not(.body--dark) { background: #f5f5f5; }"
               ".nav-item .q-icon { color: var(--q-primary); } .nav-item .q-btn__content { font-weight: 400; }")


@contextmanager
def frame(title: str, actor: Actor) -> Iterator[ui.column]:
    """`with frame("Audit trail", actor):` renders the shell at once; the page fills the column it yields."""
    apply_theme()
    dark = ui.dark_mode(value=app.storage.user.get("dark", False))
    with ui.header(elevated=True).classes("items-center px-3 py-1 gap-2 bg-primary text-white"):
        menu = ui.button(icon="menu").props("flat round dense color=white aria-label=Menu")
        with ui.row().classes("items-baseline gap-2 no-wrap"):
            ui.label(PRODUCT).classes("text-h6 font-bold whitespace-nowrap")
            ui.label(title).classes("text-subtitle1 opacity-80 gt-xs whitespace-nowrap")
        ui.space()
        with ui.column().classes("gap-0 items-end gt-xs"):
            ui.label(actor.full_name).classes("text-body2 font-medium")
            ui.label(actor.role_name + (f" · {actor.scope_name}" if actor.scope_name else "")).classes(
                "text-caption opacity-80")

        def toggle_dark() -> None:
            dark.value = not dark.value
            app.storage.user["dark"] = dark.value

        ui.button(icon="dark_mode", on_click=toggle_dark).props(
            "flat round dense color=white aria-label='Dark mode'").tooltip("Dark mode")
        ui.button(icon="logout", on_click=lambda: ui.navigate.to("/logout")).props(
            "flat round dense color=white aria-label='Log out'").tooltip("Log out")
    with ui.left_drawer(bordered=True).props("width=230 breakpoint=900").classes("bg-white q-pa-none") as drawer:
        with ui.column().classes("w-full gap-0 q-pt-sm"):
            with ui.column().classes("q-px-md q-pb-sm gap-0 lt-sm"):
                ui.label(actor.full_name).classes("text-body2 font-medium")
                ui.label(actor.role_name).classes("text-caption text-grey-7")
            for item in visible_items(actor):  # one element per link (a page holds one frame per open browser)
                ui.button(item.label, icon=item.icon).props(f"flat no-caps align=left href={item.path}") \
                    .classes("w-full text-grey-9 text-body2 q-px-md q-py-sm nav-item rounded-none")
    menu.on_click(drawer.toggle)
    with ui.column().classes("w-full max-w-screen-xl mx-auto q-pa-md gap-4") as body:
        ui.label(title).classes("text-h5 font-medium xs")  # the title where the header has no room
        yield body
