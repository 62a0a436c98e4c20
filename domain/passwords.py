"""Password hashing with argon2 through libpass (the maintained passlib). ~130 ms a hash: call off the event loop."""

from passlib.context import CryptContext

from domain.config import get_settings


def _make_context() -> CryptContext:
    if get_settings().env == "test":
        # The test suite hashes hundreds of passwords: same algorithm, deliberately cheap parameters.
        return CryptContext(schemes=["argon2"], deprecated="auto", argon2__memory_cost=1024,
                            argon2__time_cost=1, argon2__parallelism=1)
    return CryptContext(schemes=["argon2"], deprecated="auto")


_context = _make_context()
_DUMMY_HASH = _context.hash("not a real password, compared against when the user is unknown")

MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_and_update(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, new hash when the stored one uses outdated parameters)."""
    return _context.verify_and_update(password, password_hash)


def burn_time() -> None:
    """Spend a verify's time on an unknown username, so response time does not reveal which names exist."""
    _context.verify("x", _DUMMY_HASH)


def password_problem(password: str, *, username: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if password.strip().lower() == username.strip().lower():
        return "must not be the same as the username"
    return None
