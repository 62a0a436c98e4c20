"""Demo logins (never in production): one per company-wide role, and one regional sales login per region."""

from dataclasses import dataclass

from domain.access import SYSTEM
from domain.config import ConfigError, get_settings
from domain.db import reading
from domain.demo.geography import REGIONS
from domain.queries import users as users_q
from domain.services.geography import geo_tree
from domain.services.users import create_user

DEMO_PASSWORD = "chesanto-demo"

DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", "admin", "Grace Wanjiru"),
    ("executive", "executive", "David Kiprono"),
    ("finance", "finance", "Mercy Achieng"),
    ("production", "production_manager", "Peter Mwangi"),
    ("storekeeper", "storekeeper", "Joseph Otieno"),
    ("auditor", "auditor", "Faith Njeri"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    full_name: str
    created: bool
    scope: str | None = None  # the region's name for a regional login


def refuse_in_production(what: str = "Demo data is") -> None:
    if get_settings().is_production:
        raise ConfigError(f"{what} never created in production (CHESANTO_ENV=production).")


def sales_username(region_code: str) -> str:
    return f"sales.{region_code.lower()}"


def _wanted() -> list[tuple[str, str, str, str | None, str | None]]:
    """(username, role, full name, scope code, scope name) of every demo login whose region exists."""
    wanted: list[tuple[str, str, str, str | None, str | None]] = [(u, r, n, None, None) for u, r, n in DEMO_USERS]
    present = {row.code for row in geo_tree(SYSTEM)}
    wanted += [(sales_username(region.code), "regional_sales", region.sales_rep, region.code, region.name)
               for region in REGIONS if region.code in present]
    return wanted


def ensure_demo_users() -> list[DemoLogin]:
    """Create the demo logins that do not exist yet (regional ones once their region exists). Refused in
    production."""
    refuse_in_production("Demo users are")
    logins = []
    for username, role, full_name, scope_code, scope_name in _wanted():
        with reading() as session:
            exists = users_q.user_by_username(session, username) is not None
        if not exists:
            create_user(SYSTEM, username=username, role=role, full_name=full_name, password=DEMO_PASSWORD,
                        scope_code=scope_code)
        logins.append(DemoLogin(username, role, full_name, created=not exists, scope=scope_name))
    return logins
