"""Logging in and out through the real pages."""

from nicegui.testing import User

from domain.db import reading
from domain.queries import audit as audit_q


async def test_unauthenticated_visitor_is_sent_to_login(user: User) -> None:
    await user.open("/profile")
    await user.should_see("Sign in to continue")


async def test_login_with_right_password_lands_on_the_role_start_page(user: User, factories, log_in) -> None:
    factories.user("auditor", username="amina", full_name="Amina Hassan")
    await log_in("amina")
    await user.should_see("Amina Hassan")
    await user.should_see("Audit trail")


async def test_wrong_password_and_unknown_user_show_the_same_message(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    await log_in("otieno", "wrong-password-1")
    await user.should_see("Invalid username or password")
    await log_in("nobody-here", "wrong-password-1")
    await user.should_see("Invalid username or password")
    await user.should_not_see("Log out")


async def test_five_failures_lock_the_account_and_say_until_when(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno")
    for _ in range(5):
        await log_in("otieno", "wrong-password-1")
    await user.should_see("locked")
    await log_in("otieno")  # the right password is refused while locked
    await user.should_see("locked after too many failed logins until")
    await user.should_not_see("Joseph")


async def test_logout_ends_the_session_and_is_audited(user: User, factories, log_in) -> None:
    factories.user("storekeeper", username="otieno", full_name="Joseph Otieno")
    await log_in("otieno")
    await user.should_see("Joseph Otieno")
    await user.open("/logout")
    await user.should_see("Sign in to continue")
    await user.open("/profile")
    await user.should_see("Sign in to continue")
    with reading() as session:
        assert [r.action for r in audit_q.rows(session, action="auth.logout")] == ["auth.logout"]


async def test_deactivated_user_is_signed_out_on_next_page_load(user: User, factories, log_in) -> None:
    from domain.access import SYSTEM
    from domain.db import transaction
    from domain.queries import users as users_q

    factories.user("storekeeper", username="otieno", full_name="Joseph Otieno")
    await log_in("otieno")
    await user.should_see("Joseph Otieno")
    with transaction(SYSTEM) as tx:
        account = users_q.user_by_username(tx.session, "otieno")
        assert account is not None
        account.is_active = False
        tx.session.add(account)
    await user.open("/profile")
    await user.should_see("Sign in to continue")
