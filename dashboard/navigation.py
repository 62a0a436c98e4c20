"""The pages of the product, who may open each, and where each role lands after logging in.

Each module in `dashboard/pages` declares `PAGES = [Page(...)]`; `dashboard.app.build()` discovers them,
registers the routes and builds the menu from those with a `label`.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from domain.access import Actor


@dataclass(frozen=True)
class Page:
    path: str
    builder: Callable[..., Any]
    label: str | None = None  # shown in the menu when set
    icon: str = "chevron_right"
    permission: str | tuple[str, ...] | None = None  # None: every signed-in user; a tuple: any one (pages check again)
    order: int = 100  # menu position


# Where each role starts; the first path in the menu that the role may open wins.
LANDING: dict[str, list[str]] = {
    "admin": ["/admin/users", "/dashboard"],
    "executive": ["/dashboard", "/inventory", "/production"],
    "finance": ["/finance", "/dashboard"],
    "production_manager": ["/production", "/dashboard"],
    "storekeeper": ["/inventory"],
    "regional_sales": ["/orders/new", "/orders", "/dashboard", "/parties"],
    "auditor": ["/audit"],
}


@cache
def discover_pages() -> tuple[Page, ...]:
    import dashboard.pages as package

    pages: list[Page] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        pages.extend(getattr(module, "PAGES", []))
    return tuple(pages)


def menu() -> list[Page]:
    return sorted((p for p in discover_pages() if p.label), key=lambda p: (p.order, p.label or ""))


def visible_items(actor: Actor) -> list[Page]:
    return [item for item in menu() if may_open(actor, item)]


def may_open(actor: Actor, page: Page) -> bool:
    codes = (page.permission,) if isinstance(page.permission, str) else page.permission
    return codes is None or any(actor.can(code) for code in codes)


def landing_path(actor: Actor) -> str:
    items = {item.path for item in visible_items(actor)}
    for path in LANDING.get(actor.role, []):
        if path in items:
            return path
    first = next((item.path for item in visible_items(actor) if item.path != "/profile"), None)
    return first or "/profile"
