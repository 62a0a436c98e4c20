"""Logging in and out, lockout after repeated failures, changing one's own password, password hashing."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from domain import passwords
from domain.access import SYSTEM
from domain.db import reading, transaction
from domain.errors import AccountLocked, AuthenticationFailed, ValidationFailed
from domain.formatting import format_datetime
from domain.models import AuditLog, User
from domain.queries import users as users_q
from domain.services.access import load_actor
from domain.services.auth import AccountInactive, change_password, login, logout
from domain.types import utcnow
from tests.factories import PASSWORD

NEW_PASSWORD = "a-much-longer-new-secret"


def _user(username: str) -> User:
    with reading() as session:
        user = users_q.user_by_username(session, username)
    assert user is not None
    return user


def _actions(*, actor_name: str | None = None, entity_id: int | None = None) -> list[str]:
    """Audit actions, oldest first, for one actor name and/or one user id."""
    query = select(AuditLog).order_by(col(AuditLog.id))
    if actor_name is not None:
        query = query.where(AuditLog.actor_name == actor_name)
    if entity_id is not None:
        query = query.where(AuditLog.entity_id == str(entity_id))
    with reading() as session:
        return [row.action for row in session.exec(query)]


def _set(username: str, **values: object) -> None:
    with transaction(SYSTEM) as tx:
        user = users_q.user_by_username(tx.session, username, for_update=True)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)
        tx.session.add(user)


# --- logging in ----------------------------------------------------------------------------------

def test_login_sets_last_login_resets_failures_and_is_audited(factories):
    user = factories.user("storekeeper", username="jane")
    with pytest.raises(AuthenticationFailed):
        login(username="jane", password="wrong-password-1")
    assert _user("jane").failed_logins == 1
    started = utcnow()

    actor = login(username="jane", password=PASSWORD, source_ip="10.0.0.7")

    assert actor.user_id == user.id and actor.username == "jane" and actor.role == "storekeeper"
    stored = _user("jane")
    assert stored.failed_logins == 0 and stored.locked_until is None
    assert stored.last_login_at is not None and started <= stored.last_login_at <= utcnow()
    with reading() as session:
        row = session.exec(select(AuditLog).where(AuditLog.action == "auth.login")).one()
    assert (row.actor_id, row.actor_name, row.entity, row.entity_id) == (user.id, "jane", "user", str(user.id))
    assert row.source_ip == "10.0.0.7"


def test_login_ignores_the_case_of_the_username(factories):
    factories.user("auditor", username="Wanjiku")
    assert login(username="  wanjiku ", password=PASSWORD).username == "Wanjiku"


def test_wrong_password_is_refused_with_the_common_message_and_audited(factories):
    user = factories.user("finance", username="otieno")
    with pytest.raises(AuthenticationFailed) as refused:
        login(username="otieno", password="not-the-password")
    assert str(refused.value) == refused.value.message == "Invalid username or password"
    stored = _user("otieno")
    assert stored.failed_logins == 1 and stored.last_login_at is None
    assert _actions(entity_id=user.id)[-1] == "auth.login_failed"


def test_unknown_username_is_refused_with_the_same_message_and_audited(db):
    with pytest.raises(AuthenticationFailed) as refused:
        login(username="nobody", password=PASSWORD, source_ip="10.0.0.9")
    assert str(refused.value) == refused.value.message == "Invalid username or password"
    with reading() as session:
        row = session.exec(select(AuditLog).where(AuditLog.action == "auth.login_failed")).one()
    assert row.actor_id is None and row.actor_name == "nobody" and row.source_ip == "10.0.0.9"
    assert row.after == {"username": "nobody"}
    with reading() as session:
        assert users_q.count_users(session) == 0


def test_five_failures_in_a_row_lock_the_account(factories):
    user = factories.user("storekeeper", username="kamau")
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            login(username="kamau", password="wrong-password-x")
    assert _user("kamau").failed_logins == 4

    with pytest.raises(AccountLocked) as locked:
        login(username="kamau", password="wrong-password-x")

    stored = _user("kamau")
    assert stored.locked_until is not None and stored.locked_until == locked.value.until
    assert timedelta(minutes=14) < stored.locked_until - utcnow() <= timedelta(minutes=15)
    assert format_datetime(locked.value.until) in locked.value.message
    assert _actions(entity_id=user.id)[-5:] == ["auth.login_failed"] * 4 + ["auth.locked"]


def test_the_right_password_is_refused_while_locked_and_works_after_the_lock_passes(factories):
    factories.user("storekeeper", username="kamau")
    for _ in range(4):
        with pytest.raises(AuthenticationFailed):
            login(username="kamau", password="wrong-password-x")
    with pytest.raises(AccountLocked):
        login(username="kamau", password="wrong-password-x")

    with pytest.raises(AccountLocked, match="locked"):
        login(username="kamau", password=PASSWORD)
    assert _user("kamau").last_login_at is None
    assert _actions(actor_name="kamau")[-1] == "auth.login_refused"

    _set("kamau", locked_until=utcnow() - timedelta(seconds=1))
    actor = login(username="kamau", password=PASSWORD)

    assert actor.username == "kamau"
    stored = _user("kamau")
    assert stored.locked_until is None and stored.failed_logins == 0 and stored.last_login_at is not None


def test_an_inactive_user_cannot_log_in_even_with_the_right_password(factories):
    user = factories.user("executive", username="retired")
    _set("retired", is_active=False)

    with pytest.raises(AccountInactive, match="deactivated"):
        login(username="retired", password=PASSWORD)

    assert _user("retired").last_login_at is None
    assert _actions(entity_id=user.id)[-1] == "auth.login_refused"
    assert "auth.login" not in _actions(entity_id=user.id)
    assert load_actor(user.id) is None  # and no session can be built for it either


def test_logout_is_audited(factories):
    actor = factories.actor("auditor", username="auditor1")
    logout(actor, source_ip="10.1.1.1")
    with reading() as session:
        row = session.exec(select(AuditLog).where(AuditLog.action == "auth.logout")).one()
    assert row.actor_id == actor.user_id and row.actor_name == "auditor1" and row.source_ip == "10.1.1.1"


# --- changing one's password ---------------------------------------------------------------------

@pytest.mark.parametrize(("current", "new", "confirm", "field", "text"), [
    ("wrong-current-pw", NEW_PASSWORD, NEW_PASSWORD, "Current password", "is not correct"),
    (PASSWORD, "short", "short", "New password", "at least 10 characters"),
    (PASSWORD, "warehouse01", "warehouse01", "New password", "same as the username"),
    (PASSWORD, "WAREHOUSE01", "WAREHOUSE01", "New password", "same as the username"),
    (PASSWORD, PASSWORD, PASSWORD, "New password", "must differ"),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "Confirm new password", "does not match"),
])
def test_change_password_refusals_name_the_field_and_keep_the_old_hash(factories, current, new, confirm, field, text):
    user = factories.user("storekeeper", username="warehouse01")
    actor = load_actor(user.id)
    assert actor is not None
    hash_before = _user("warehouse01").password_hash

    with pytest.raises(ValidationFailed) as refused:
        change_password(actor, current_password=current, new_password=new, confirm_password=confirm)

    assert text in refused.value.errors[field]
    assert _user("warehouse01").password_hash == hash_before
    assert "user.password_changed" not in _actions(entity_id=user.id)
    assert login(username="warehouse01", password=PASSWORD).username == "warehouse01"


def test_change_password_lets_only_the_new_password_in(factories):
    user = factories.user("storekeeper", username="mwangi")
    _set("mwangi", must_change_password=True)
    actor = load_actor(user.id)
    assert actor is not None and actor.must_change_password

    change_password(actor, current_password=PASSWORD, new_password=NEW_PASSWORD, confirm_password=NEW_PASSWORD)

    assert _user("mwangi").must_change_password is False
    assert "user.password_changed" in _actions(entity_id=user.id)
    with pytest.raises(AuthenticationFailed):
        login(username="mwangi", password=PASSWORD)
    assert login(username="mwangi", password=NEW_PASSWORD).user_id == user.id


# --- hashing -------------------------------------------------------------------------------------

def test_passwords_are_hashed_with_argon2_and_verify():
    hashed = passwords.hash_password("correct-horse-battery")
    assert hashed.startswith("$argon2")
    assert "correct-horse-battery" not in hashed
    assert passwords.verify_and_update("correct-horse-battery", hashed) == (True, None)
    assert passwords.verify_and_update("correct-horse-batterY", hashed)[0] is False


def test_the_same_password_hashes_differently_each_time():
    assert passwords.hash_password("correct-horse-battery") != passwords.hash_password("correct-horse-battery")
