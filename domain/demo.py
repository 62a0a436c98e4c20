"""Demo logins (never in production). Later issues grow this into the full demo company."""

from dataclasses import dataclass

from domain.access import SYSTEM
from domain.config import ConfigError, get_settings
from domain.db import reading
from domain.queries import users as users_q
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


def ensure_demo_users() -> list[DemoLogin]:
    """Create the demo logins that do not exist yet. Refused in production."""
    if get_settings().is_production:
        raise ConfigError("Demo users are never created in production (CHESANTO_ENV=production).")
    logins = []
    for username, role, full_name in DEMO_USERS:
        with reading() as session:
            exists = users_q.user_by_username(session, username) is not None
        if not exists:
            create_user(SYSTEM, username=username, role=role, full_name=full_name, password=DEMO_PASSWORD)
        logins.append(DemoLogin(username, role, full_name, created=not exists))
    return logins
