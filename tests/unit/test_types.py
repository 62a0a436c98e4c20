"""Exact money and quantities, UTC-aware timestamps, and how the business writes them."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from domain import db as domain_db
from domain.config import reload_settings
from domain.formatting import format_date, format_datetime, format_money, format_quantity
from domain.types import FixedPoint, Money, Quantity, UTCDateTime

NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.fixture
def scratch_table(db: str) -> Iterator[sa.Table]:
    """A throwaway table (its own MetaData, so the app's tables are untouched), dropped afterwards."""
    metadata = sa.MetaData()
    table = sa.Table(
        "types_scratch", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("amount", Money()),
        sa.Column("qty", Quantity()),
        sa.Column("at", UTCDateTime()),
    )
    engine = domain_db.get_engine()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    yield table
    metadata.drop_all(domain_db.get_engine())


def _count(table: sa.Table) -> int:
    with domain_db.get_engine().connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


# --- FixedPoint, directly -------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "stored"), [
    (Decimal("12345.67"), 1234567),
    (Decimal("0.1"), 10),
    ("1,250.50", 125050),
    (7, 700),
    (0.1, 10),  # a float goes through its shortest repr, not its binary noise
    (Decimal("-3.05"), -305),
    (Decimal("1E+3"), 100000),
])
def test_money_binds_as_an_exact_count_of_cents(value, stored):
    assert Money().process_bind_param(value, sa.Dialect()) == stored


@pytest.mark.parametrize(("stored", "value"), [(1234567, "12345.67"), (10, "0.10"), (-305, "-3.05"), (0, "0.00")])
def test_money_reads_back_as_a_decimal_with_two_places(stored, value):
    result = Money().process_result_value(stored, sa.Dialect())
    assert isinstance(result, Decimal)
    assert str(result) == value


def test_quantity_round_trips_thousandths_exactly():
    qty = Quantity()
    stored = qty.process_bind_param(Decimal("2.125"), sa.Dialect())
    assert stored == 2125
    assert str(qty.process_result_value(stored, sa.Dialect())) == "2.125"


def test_none_passes_through_both_ways():
    assert Money().process_bind_param(None, sa.Dialect()) is None
    assert Money().process_result_value(None, sa.Dialect()) is None


@pytest.mark.parametrize(("type_", "value"), [
    (Money(), Decimal("0.001")),
    (Money(), "12.345"),
    (Money(), 0.125),
    (Quantity(), Decimal("1.0005")),
])
def test_more_decimal_places_than_the_column_holds_are_refused(type_, value):
    with pytest.raises(ValueError, match=r"more than \d decimal places"):
        type_.process_bind_param(value, sa.Dialect())


@pytest.mark.parametrize("value", ["abc", "", "12 KES", "NaN", "Infinity", float("inf"), object()])
def test_non_numbers_are_refused(value):
    with pytest.raises(ValueError, match="must be a number"):
        Money().process_bind_param(value, sa.Dialect())


def test_a_number_beyond_decimal_precision_is_refused_as_bad_input_not_a_crash():
    with pytest.raises(ValueError, match="too large"):
        Money().process_bind_param("1e30", sa.Dialect())


def test_fixed_point_keeps_its_scale():
    assert FixedPoint(4).process_bind_param("1.2345", sa.Dialect()) == 12345


# --- through a real table, on both databases ----------------------------------------------------

def test_ten_cents_three_times_sums_to_exactly_thirty_cents(scratch_table):
    engine = domain_db.get_engine()
    with engine.begin() as conn:
        for _ in range(3):
            conn.execute(scratch_table.insert().values(amount=Decimal("0.10"), qty=Decimal("0.001")))
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.sum(scratch_table.c.amount))).scalar_one()
        qty_total = conn.execute(sa.select(sa.func.sum(scratch_table.c.qty))).scalar_one()
        raw = conn.execute(sa.text("SELECT amount FROM types_scratch")).scalars().all()
    assert total == Decimal("0.30") and str(total) == "0.30"
    assert str(qty_total) == "0.003"
    assert raw == [10, 10, 10]  # stored as integer cents, never a float


def test_a_row_with_too_many_decimal_places_is_refused_and_not_written(scratch_table):
    with pytest.raises(sa.exc.StatementError, match="more than 2 decimal places"), \
            domain_db.get_engine().begin() as conn:
        conn.execute(scratch_table.insert().values(amount=Decimal("0.105")))
    assert _count(scratch_table) == 0


def test_utc_datetime_returns_aware_utc_for_an_aware_local_time(scratch_table):
    local = datetime(2026, 11, 21, 8, 30, 15, 123456, tzinfo=NAIROBI)
    with domain_db.get_engine().begin() as conn:
        conn.execute(scratch_table.insert().values(at=local))
    with domain_db.get_engine().connect() as conn:
        at = conn.execute(sa.select(scratch_table.c.at)).scalar_one()
    assert at.tzinfo is UTC
    assert at == local
    assert at == datetime(2026, 11, 21, 5, 30, 15, 123456, tzinfo=UTC)


def test_utc_datetime_refuses_a_naive_datetime_and_writes_nothing(scratch_table):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"), domain_db.get_engine().begin() as conn:
        conn.execute(scratch_table.insert().values(at=datetime(2026, 11, 21, 8, 30)))
    assert _count(scratch_table) == 0


def test_utc_datetime_refuses_naive_directly_and_converts_offsets_to_utc():
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), sa.Dialect())
    bound = column.process_bind_param(datetime(2026, 1, 1, 3, 0, tzinfo=timezone(timedelta(hours=3))), sa.Dialect())
    assert bound == datetime(2026, 1, 1, 0, 0, tzinfo=UTC) and bound.utcoffset() == timedelta(0)
    assert column.process_result_value(datetime(2026, 1, 1), sa.Dialect()) == datetime(2026, 1, 1, tzinfo=UTC)


# --- how the business writes them ------------------------------------------------------------------

@pytest.fixture
def default_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The default currency (KES) and timezone (Africa/Nairobi), whatever the environment or a `.env` says."""
    monkeypatch.delenv("CHESANTO_CURRENCY", raising=False)
    monkeypatch.delenv("CHESANTO_TIMEZONE", raising=False)
    monkeypatch.chdir(tmp_path)
    reload_settings()
    yield
    reload_settings()


def test_money_is_written_with_currency_thousands_and_two_places(default_settings):
    assert format_money(Decimal("12345")) == "KES 12,345.00"
    assert format_money(Decimal("1234567.5")) == "KES 1,234,567.50"
    assert format_money(Decimal("0")) == "KES 0.00"
    assert format_money(None) == ""


def test_negative_money_puts_the_sign_before_the_currency(default_settings):
    assert format_money(Decimal("-12345.5")) == "-KES 12,345.50"
    assert format_money(Decimal("-0.01"), "USD") == "-USD 0.01"


def test_quantity_is_written_without_trailing_zeros():
    assert format_quantity(Decimal("1250.500")) == "1,250.5"
    assert format_quantity(Decimal("12.000")) == "12"


def test_a_late_evening_utc_time_is_the_next_day_in_nairobi(default_settings):
    late = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)
    assert format_date(late) == "21 Nov 2026"
    assert format_datetime(late) == "21 Nov 2026 01:30"
    assert format_date(datetime(2026, 11, 20, 20, 59, tzinfo=UTC)) == "20 Nov 2026"


def test_a_business_date_is_written_as_is(default_settings):
    assert format_date(date(2026, 11, 21)) == "21 Nov 2026"
    assert format_date(date(2026, 1, 5)) == "5 Jan 2026"
    assert format_date(None) == ""
