"""The errors services raise; pages and the API turn them into messages, never tracebacks."""

from datetime import datetime


class DomainError(Exception):
    """A business rule refused the request. `message` is fit to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    pass


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    pass


class InsufficientStock(DomainError):
    pass


class CreditLimitExceeded(DomainError):
    pass


class ValidationFailed(DomainError):
    """Bad input. `errors` maps each field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {text}" for field, text in self.errors.items()))

    @classmethod
    def field(cls, name: str, text: str) -> "ValidationFailed":
        return cls({name: text})


class AuthenticationFailed(DomainError):
    """Wrong username or password: one message for both, so usernames cannot be probed."""

    def __init__(self) -> None:
        super().__init__("Invalid username or password")


class AccountLocked(DomainError):
    def __init__(self, until: datetime, shown_as: str) -> None:
        super().__init__(f"This account is locked after too many failed logins until {shown_as}.")
        self.until = until
