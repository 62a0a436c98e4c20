"""`chesanto check`: integrity checks over the whole database. Each check returns the problems it found."""

from collections.abc import Callable

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session

from domain.access import DEFAULT_ROLES, PERMISSIONS
from domain.db import get_engine, reading
from domain.formatting import format_quantity
from domain.migrate import alembic_config
from domain.queries import stock as stock_q
from domain.queries import stock_integrity as ledger_q
from domain.queries import users as users_q
from domain.services.rollups import rollup_mismatches


def schema_is_current(session: Session) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(str(get_engine().url)))
    heads = set(script.get_heads())
    current = set(MigrationContext.configure(session.connection()).get_current_heads())
    if current != heads:
        return [f"database schema is at {sorted(current) or 'nothing'}, migrations are at {sorted(heads)}: "
                f"run `chesanto migrate`"]
    return []


def permissions_seeded(session: Session) -> list[str]:
    problems = []
    missing = set(PERMISSIONS) - users_q.all_permission_codes(session)
    if missing:
        problems.append(f"permissions missing from the database: {', '.join(sorted(missing))}")
    admin = users_q.role_by_code(session, "admin")
    if admin is None or admin.id is None:
        problems.append("the admin role is missing")
    else:
        lacking = set(PERMISSIONS) - users_q.permission_codes(session, admin.id)
        if lacking:
            problems.append(f"the admin role lacks: {', '.join(sorted(lacking))}")
    for code in DEFAULT_ROLES:
        if users_q.role_by_code(session, code) is None:
            problems.append(f"default role {code} is missing")
    return problems


def ledger_balances(session: Session) -> list[str]:
    """Every location × product: the balance equals the sum of its moves and is not negative; for batch-tracked
    stock the batches add up to the balance. Each problem is named by place and product."""
    moved = stock_q.mismatched_balances(session)
    negative = ledger_q.negative_balances(session)
    batches = ledger_q.batch_mismatches(session)
    named = ledger_q.names(session, [(m[0], m[1]) for m in [*moved, *negative, *batches]])
    q = format_quantity
    problems = [f"{' / '.join(named[loc, prod])}: balance {q(bal)}, moves sum to {q(total)}"
                for loc, prod, bal, total in moved]
    problems += [f"{' / '.join(named[loc, prod])}: balance {q(bal)} is negative" for loc, prod, bal in negative]
    problems += [f"{' / '.join(named[loc, prod])}: balance {q(bal)}, batches sum to {q(total)}"
                 for loc, prod, bal, total in batches]
    return sorted(problems)


CHECKS: dict[str, Callable[[Session], list[str]]] = {
    "schema": schema_is_current,
    "permissions": permissions_seeded,
    "ledger_balances": ledger_balances,
    "rollups": rollup_mismatches,
}


def run_checks() -> dict[str, list[str]]:
    """Every check's problems, by check name (an empty list means it passed)."""
    results = {}
    with reading() as session:
        for name, check in CHECKS.items():
            results[name] = check(session)
    return results
