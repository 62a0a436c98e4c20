"""Column types: exact fixed-point numbers, UTC-aware timestamps, enums stored as their values."""

import enum
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def to_decimal(value: Any, *, places: int, field: str = "value") -> Decimal:
    """Parse a number exactly; refuse floats' noise, text and more decimals than `places`."""
    if isinstance(value, float):
        value = repr(value)
    try:
        text = str(value).strip()
        if _GROUPED.match(text):  # "12,345.50": thousands separators, nothing else
            text = text.replace(",", "")
        number = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{field} must be a number") from exc
    if not number.is_finite():
        raise ValueError(f"{field} must be a number")
    try:
        exact = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:  # more digits than Decimal's precision holds
        raise ValueError(f"{field} is too large") from exc
    if number != exact:
        raise ValueError(f"{field} has more than {places} decimal places")
    return exact


class FixedPoint(TypeDecorator[Decimal]):
    """A Decimal stored as an integer count of 10**-scale units (SQLite would turn NUMERIC into floats)."""

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> int | None:
        if value is None:
            return None
        units = int(to_decimal(value, places=self.scale).scaleb(self.scale))
        if not -(2**63) < units < 2**63:
            raise ValueError("value is too large")
        return units

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale).quantize(Decimal(1).scaleb(-self.scale))


def Money() -> FixedPoint:
    """Money in minor units (cents): exact to 0.01."""
    return FixedPoint(2)


def Quantity() -> FixedPoint:
    """Quantities in thousandths: exact to 0.001 of a unit."""
    return FixedPoint(3)


MONEY_PLACES = 2
QUANTITY_PLACES = 3


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned as UTC-aware datetimes on every database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum], length: int = 24) -> sa.Enum:
    """An enum stored as its value in VARCHAR, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)
