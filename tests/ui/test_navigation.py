"""The frame shows each role only what it may open; refusals are a page, not a traceback, and are audited."""

import asyncio

import pytest
from nicegui import ui
from nicegui.testing import User

from domain.db import reading
from domain.queries import audit as audit_q


@pytest.mark.parametrize(("role", "sees", "does_not_see"), [
    ("auditor", ["Audit trail", "My profile"], []),
    ("admin", ["Audit trail", "My profile"], []),
    ("storekeeper", ["My profile"], ["Audit trail"]),
    ("finance", ["My profile"], ["Audit trail"]),
])
async def test_navigation_lists_only_the_pages_the_role_may_open(
    user: User, factories, log_in, role: str, sees: list[str], does_not_see: list[str],
) -> None:
    factories.user(role, username="someone", full_name="Some One")
    await log_in("someone")
    await user.open("/profile")
    for label in sees:
        await user.should_see(label, kind=None)
    for label in does_not_see:
        await user.should_not_see(label)


async def test_opening_a_forbidden_page_shows_not_permitted_and_is_audited(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    await log_in("otieno")
    await user.open("/audit")
    await user.should_see("Not permitted")
    await user.should_see("Your role (Storekeeper) may not open /audit.")
    await user.should_not_see("Export CSV")
    with reading() as session:
        refusals = audit_q.rows(session, action="access.denied")
    assert [(r.actor_name, r.after) for r in refusals] == [("otieno", {"path": "/audit"})]


async def test_root_sends_each_role_to_its_start_page(user: User, factories, log_in) -> None:
    factories.user("auditor", username="faith")
    await log_in("faith")
    await user.open("/")
    await user.should_see("Every change, login and refusal")


async def test_auditor_sees_the_audit_trail_with_logins(user: User, factories, log_in) -> None:
    factories.user("auditor", username="faith", full_name="Faith Njeri")
    await log_in("faith")
    await user.open("/audit")
    await user.should_see("Export XLSX")
    table = user.find(ui.table).elements.pop()
    for _ in range(50):
        if table.rows:
            break
        await asyncio.sleep(0.1)
    assert ("Faith Njeri", "auth.login") in {(row["who"], row["action"]) for row in table.rows}


async def test_a_password_reset_forces_a_new_password_before_anything_else(user: User, factories, log_in) -> None:
    from domain.access import SYSTEM
    from domain.services.users_admin import reset_password

    account = factories.user("auditor", username="faith")
    reset_password(SYSTEM, user_id=account.id, new_password="temporary-pass-1")
    await log_in("faith", "temporary-pass-1")
    await user.open("/audit")
    await user.should_see("An administrator reset your password")


async def test_clicking_an_audit_row_shows_before_and_after(user: User, factories, log_in) -> None:
    from domain.access import SYSTEM
    from domain.services.users_admin import get_user, update_user

    clerk = factories.user("storekeeper", username="clerk", full_name="Clerk Before")
    row = get_user(SYSTEM, user_id=clerk.id)
    update_user(SYSTEM, user_id=clerk.id, full_name="Clerk After", email=row.email, phone=row.phone,
                employee_id=row.employee_id, role=row.role_code, scope_code=row.scope_code)
    factories.user("auditor", username="faith")
    await log_in("faith")
    await user.open("/audit")
    await user.should_see("Export XLSX")
    table = user.find(ui.table).elements.pop()
    for _ in range(50):  # the first page arrives once the service has answered
        if any(r["action"] == "user.update" for r in table.rows):
            break
        await asyncio.sleep(0.1)
    update = next(r for r in table.rows if r["action"] == "user.update")
    user.find(ui.table).trigger("rowClick", [{}, update, 0])
    await user.should_see(marker="audit-detail")
    detail = user.find(marker="audit-detail").elements.pop()
    assert {"field": "full_name", "before": "Clerk Before", "after": "Clerk After", "changed": True} in detail.rows
