"""Field checks for input models (pydantic `BeforeValidator`s). Each raises ValueError with text that continues
the field's label — "Quantity must be more than 0" — so `domain.validation.parse` can name the field."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.config import get_settings
from domain.types import to_decimal

LIMIT = Decimal("1000000000")


def business_today() -> date:
    """The business date now, in the company's timezone."""
    return datetime.now(get_settings().tz).date()


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def chosen_id(value: Any) -> int:
    """An id picked from a list (int or digits)."""
    if blank(value):
        raise ValueError("is required")
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise ValueError("must be chosen from the list")
    if not 0 < int(value) < 2**62:
        raise ValueError("must be chosen from the list")
    return int(value)


def past_day(value: Any) -> date:
    """A business date, today or earlier (ISO text accepted)."""
    if blank(value):
        raise ValueError("is required")
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise ValueError("must be a date")
    try:
        day = value if isinstance(value, date) else date.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise ValueError("must be a date such as 2026-11-21") from None
    if day > business_today():
        raise ValueError("cannot be in the future")
    return day


def text(limit: int, *, required: bool) -> Callable[[Any], str | None]:
    """Text with runs of whitespace collapsed; blank is None (or "is required")."""

    def check(value: Any) -> str | None:
        if blank(value):
            if required:
                raise ValueError("is required")
            return None
        if not isinstance(value, str):
            raise ValueError("must be text")
        cleaned = " ".join(value.split())
        if len(cleaned) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return cleaned

    return check


def number(places: int, *, signed: bool = False, zero: bool = False) -> Callable[[Any], Decimal]:
    """An exact number with at most `places` decimals: positive unless `zero` (≥ 0) or `signed` (≠ 0) is allowed."""

    def check(value: Any) -> Decimal:
        if blank(value):
            raise ValueError("is required")
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            parsed = to_decimal(value, places=places, field="value")
        except ValueError as exc:
            raise ValueError(str(exc).removeprefix("value ")) from None
        if parsed == 0 and not zero:
            raise ValueError("must not be zero" if signed else "must be more than 0")
        if parsed < 0 and not signed:
            raise ValueError("must not be negative" if zero else "must be more than 0")
        if abs(parsed) >= LIMIT:
            raise ValueError("is too large")
        return parsed + 0  # no "-0"

    return check
