"""Integer arithmetic on fixed-point columns, done in the database the same way on SQLite and PostgreSQL.

    raw(col(StockBalance.qty))                        # the stored integer (thousandths), not a Decimal
    quotient(raw(qty) * 1000, raw(level))             # integer division
    at_cost(col(StockBalance.qty))                    # qty × standard cost, in cents, rounded half up per row

`quotient` is SQL's own `/` on two integers (integer division on both databases), not SQLAlchemy's `//`: on
SQLite that renders `FLOOR(a / b)` through a `floor()` that SQLAlchemy registers as a *Python* function, called
once per row (a sum over 15,000 stock positions took 11 ms instead of 4). For the non-negative operands used here
truncation and floor agree.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import Grouping

from domain.models import Product


def raw(column: Any) -> Any:
    """The stored integer behind a fixed-point column (so literals are not scaled by the column's type)."""
    return sa.type_coerce(column, sa.BigInteger)


def quotient(numerator: Any, denominator: Any) -> Any:
    """numerator / denominator in integers (both parenthesised: the result nests safely in larger expressions)."""
    return _operand(numerator).op("/", precedence=0, return_type=sa.BigInteger())(_operand(denominator))


def _operand(value: Any) -> Any:
    return Grouping(value) if isinstance(value, sa.ColumnElement) else sa.literal_column(str(int(value)))


def at_cost(qty: Any) -> Any:
    """qty (thousandths) × the product's standard cost (cents), rounded half up to cents, per row."""
    return quotient(raw(qty) * raw(Product.standard_cost) + sa.literal_column("500"), 1000)
