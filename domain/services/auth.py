"""Logging in and out, lockout after repeated failures, and changing one's own password."""

from datetime import datetime, timedelta

from domain import passwords
from domain.access import Actor
from domain.config import get_settings
from domain.db import reading, transaction
from domain.errors import AccountLocked, AuthenticationFailed, DomainError, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.formatting import format_datetime
from domain.models import AuditKind, User
from domain.queries import users as users_q
from domain.services.access import load_actor
from domain.types import utcnow


class AccountInactive(DomainError):
    def __init__(self) -> None:
        super().__init__("This account has been deactivated. Ask an administrator.")


def _stranger(username: str) -> Actor:
    """Who an attempt is recorded as when the username matches no one."""
    return Actor(user_id=None, username=username.strip()[:60] or "?", full_name="", role="", role_name="")


def _is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def login(*, username: str, password: str, source_ip: str | None = None) -> Actor:
    """Check the password, record the attempt, and return who logged in.

    Raises AuthenticationFailed (same text for unknown user and wrong password), AccountLocked or AccountInactive.
    The attempt is audited and committed before any refusal is raised.
    """
    settings = get_settings()
    with reading() as session:
        found = users_q.user_by_username(session, username)
        stored_hash = found.password_hash if found else None
    # Hash outside the transaction: ~130 ms must not hold a database lock.
    if stored_hash is None:
        passwords.burn_time()
        matches, new_hash = False, None
    else:
        matches, new_hash = passwords.verify_and_update(password, stored_hash)

    now = utcnow()
    refusal: DomainError | None = None
    with transaction(_stranger(username), source_ip=source_ip) as tx:
        user = found and users_q.user_by_username(tx.session, username, for_update=True)
        if not user:
            tx.audit("auth.login_failed", entity="user", after={"username": username[:60]},
                     kind=AuditKind.USER)
            refusal = AuthenticationFailed()
        else:
            tx.actor = Actor(user_id=user.id, username=user.username, full_name=user.full_name,
                             role="", role_name="")
            if _is_locked(user, now):
                assert user.locked_until is not None
                tx.audit("auth.login_refused", user, before=None, after={"reason": "locked"},
                         kind=AuditKind.USER)
                refusal = AccountLocked(user.locked_until, format_datetime(user.locked_until))
            elif not matches:
                before = {"failed_logins": user.failed_logins}
                user.failed_logins += 1
                if user.failed_logins >= settings.login_max_failures:
                    user.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
                    user.failed_logins = 0
                    refusal = AccountLocked(user.locked_until, format_datetime(user.locked_until))
                    action = "auth.locked"
                else:
                    refusal = AuthenticationFailed()
                    action = "auth.login_failed"
                tx.session.add(user)
                tx.audit(action, user, before=before,
                         after={"failed_logins": user.failed_logins,
                                "locked_until": user.locked_until.isoformat() if user.locked_until else None},
                         kind=AuditKind.USER)
            elif not user.is_active:
                tx.audit("auth.login_refused", user, after={"reason": "inactive"}, kind=AuditKind.USER)
                refusal = AccountInactive()
            else:
                user.failed_logins = 0
                user.locked_until = None
                user.last_login_at = now
                if new_hash:
                    user.password_hash = new_hash
                tx.session.add(user)
                tx.audit("auth.login", user, after={"last_login_at": now.isoformat()}, kind=AuditKind.USER)
                tx.emit(DomainEvent("user.login", data={"user_id": user.id}))
    if refusal is not None:
        raise refusal
    assert user and user.id is not None
    actor = load_actor(user.id)
    assert actor is not None
    return actor


def logout(actor: Actor, *, source_ip: str | None = None) -> None:
    with transaction(actor, source_ip=source_ip) as tx:
        tx.audit("auth.logout", entity="user", entity_id=actor.user_id, kind=AuditKind.USER)


def change_password(actor: Actor, *, current_password: str, new_password: str, confirm_password: str) -> None:
    """Change one's own password: the current one must match; the new one is at least 10 characters."""
    if actor.user_id is None:
        raise NotFound("Only a signed-in user can change a password.")
    errors: dict[str, str] = {}
    problem = passwords.password_problem(new_password, username=actor.username)
    if problem:
        errors["New password"] = problem
    elif new_password == current_password:
        errors["New password"] = "must differ from the current password"
    if new_password != confirm_password:
        errors["Confirm new password"] = "does not match the new password"
    with reading() as session:
        user = users_q.user_by_id(session, actor.user_id)
        if user is None or not user.is_active:
            raise NotFound("Your account no longer exists or is inactive.")
        stored_hash = user.password_hash
    if not current_password or not passwords.verify_and_update(current_password, stored_hash)[0]:
        errors = {"Current password": "is not correct", **errors}
    if errors:
        raise ValidationFailed(errors)
    new_hash = passwords.hash_password(new_password)
    with transaction(actor) as tx:
        user = users_q.user_by_id(tx.session, actor.user_id, for_update=True)
        assert user is not None
        user.password_hash = new_hash
        user.must_change_password = False
        tx.session.add(user)
        tx.audit("user.password_changed", user, before=None, after={"must_change_password": False},
                 kind=AuditKind.USER)

