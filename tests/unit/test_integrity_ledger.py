"""`chesanto check` over the ledger: a corrupted balance, a negative balance or batches that do not add up to
their balance make it exit non-zero, naming the place and product of each."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from dashboard.cli import main
from domain.access import SYSTEM
from domain.db import get_engine, reading, transaction
from domain.models import MoveKind, ProductKind
from domain.services import integrity, stock

D = Decimal
DAY = date(2026, 11, 20)
CHECK_NAME = "ck_stock_balance_qty_not_negative"


@pytest.fixture
def ledger(factories, monkeypatch):
    """Nakuru Factory holding 10 kg of flour and 8 loaves; the schema check left out (the `db` fixture's tables are
    not built by migrations), so `check` passes on a sound ledger."""
    monkeypatch.delitem(integrity.CHECKS, "schema")
    geo = factories.geography()
    factory = factories.party("factory", geo["nakuru_town"], name="Nakuru Factory")
    flour = factories.product(kind=ProductKind.RAW_MATERIAL, name="Wheat Flour", unit="kg")
    bread = factories.product(name="White Bread 400g", shelf_life_days=4)
    with transaction(SYSTEM) as tx:
        stock.put(tx, location_id=factory.id, product_id=flour.id, qty=D("10"), kind=MoveKind.RECEIPT,
                  document="GR-1", business_date=DAY)
        stock.put(tx, location_id=factory.id, product_id=bread.id, qty=D("8"), kind=MoveKind.PRODUCTION,
                  document="PL-1", business_date=DAY)
    return {"factory": factory, "flour": flour, "bread": bread}


def corrupt(sql: str, **params: object) -> None:
    """Change a row behind the services' back, as a bad manual fix or a bug would."""
    with get_engine().begin() as conn:
        conn.execute(text(sql), params)


def test_check_passes_on_a_sound_ledger(ledger, capsys):
    assert main(["check"]) == 0
    assert "ok   ledger_balances" in capsys.readouterr().out


def test_a_corrupted_balance_fails_the_check_naming_place_and_product(ledger, capsys):
    # quantities are stored in thousandths: 12000 is 12 kg
    corrupt("UPDATE stock_balance SET qty = 12000 WHERE product_id = :p", p=ledger["flour"].id)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL ledger_balances: Nakuru Factory / Wheat Flour: balance 12, moves sum to 10" in out
    assert "ok   permissions" in out and "White Bread" not in out


def _negative_balance(product_id: int) -> None:
    """Force a balance below zero past its CHECK constraint (dropped on PostgreSQL, ignored on SQLite)."""
    with get_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ALTER TABLE stock_balance DROP CONSTRAINT {CHECK_NAME}")
        else:
            conn.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
        conn.execute(text("UPDATE stock_balance SET qty = -1000 WHERE product_id = :p"), {"p": product_id})
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA ignore_check_constraints = OFF")


def _restore_constraint() -> None:
    """PostgreSQL's tables are shared by the whole run: put the constraint back."""
    with get_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("UPDATE stock_balance SET qty = 0 WHERE qty < 0")
            conn.exec_driver_sql(f"ALTER TABLE stock_balance ADD CONSTRAINT {CHECK_NAME} CHECK (qty >= 0)")


def test_batches_that_do_not_add_up_and_negative_balances_are_named(ledger, capsys):
    corrupt("UPDATE stock_batch SET qty = 5000 WHERE product_id = :p", p=ledger["bread"].id)
    _negative_balance(ledger["flour"].id)
    try:
        with reading() as session:
            problems = integrity.ledger_balances(session)
        assert problems == [
            "Nakuru Factory / Wheat Flour: balance -1 is negative",
            "Nakuru Factory / Wheat Flour: balance -1, moves sum to 10",
            "Nakuru Factory / White Bread 400g: balance 8, batches sum to 5",
        ]
        assert main(["check"]) == 1
        out = capsys.readouterr().out
        assert out.count("FAIL ledger_balances") == 3
        assert "FAIL ledger_balances: Nakuru Factory / White Bread 400g: balance 8, batches sum to 5" in out
    finally:
        _restore_constraint()
