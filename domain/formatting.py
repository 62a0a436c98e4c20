"""How the business writes numbers and dates: `KES 12,345.00`, `21 Nov 2026`."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.config import get_settings


def format_money(amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    code = currency or get_settings().currency
    sign = "-" if amount < 0 else ""
    return f"{sign}{code} {abs(amount):,.2f}"


def format_quantity(qty: Decimal | None) -> str:
    if qty is None:
        return ""
    text = f"{qty:,.3f}".rstrip("0").rstrip(".")
    return text


def local_time(moment: datetime, tz: ZoneInfo | None = None) -> datetime:
    return moment.astimezone(tz or get_settings().tz)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value)
    return f"{value.day} {value:%b %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = local_time(value)
    return f"{local.day} {local:%b %Y %H:%M}"


def format_percent(value: Decimal | None, *, signed: bool = False) -> str:
    """`42.9 %`, `+42.9 %` (signed), `−3.0 %` (with a minus sign), `—` when there is nothing to compare."""
    if value is None:
        return "—"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value:,.1f} %".replace("-", "−")
