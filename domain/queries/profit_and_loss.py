"""SQL for the P&L: delivered sales by tier and product (from the daily sales rollup), production waste (from the
production rollup) and approved expenses by category, for a period and an area (a path prefix) or a factory."""

from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, func, select

from domain.models import OrderTier, Product
from domain.models.finance import Expense, ExpenseCategory, ExpenseStatus
from domain.models.rollups import ProductionDaily, SalesDaily


def delivered_by_tier_and_product(session: Session, *, prefix: str, date_from: date, date_to: date
                                  ) -> list[tuple[OrderTier, Decimal, Decimal, Decimal]]:
    """(tier, delivered quantity, delivered amount, the product's standard cost) per tier and product."""
    rows = session.execute(
        select(col(SalesDaily.tier), func.sum(col(SalesDaily.delivered_qty)),
               func.sum(col(SalesDaily.delivered_amount)), col(Product.standard_cost))
        .join(Product, col(Product.id) == col(SalesDaily.product_id))
        .where(col(SalesDaily.territory_path).startswith(prefix, autoescape=True),
               col(SalesDaily.day) >= date_from, col(SalesDaily.day) <= date_to)
        .group_by(col(SalesDaily.tier), col(SalesDaily.product_id), col(Product.standard_cost)))
    return [(tier, qty or Decimal(0), amount or Decimal(0), cost) for tier, qty, amount, cost in rows]


def production_waste(session: Session, *, prefix: str, factory_id: int | None, date_from: date, date_to: date
                     ) -> Decimal:
    query = select(func.sum(col(ProductionDaily.waste_cost))).where(
        col(ProductionDaily.territory_path).startswith(prefix, autoescape=True),
        col(ProductionDaily.day) >= date_from, col(ProductionDaily.day) <= date_to)
    if factory_id is not None:
        query = query.where(ProductionDaily.factory_id == factory_id)
    return session.execute(query).scalar_one() or Decimal("0.00")


def approved_expenses(session: Session, *, prefix: str, factory_id: int | None, date_from: date, date_to: date
                      ) -> dict[ExpenseCategory, Decimal]:
    query = (select(col(Expense.category), func.sum(col(Expense.amount)))
             .where(Expense.status == ExpenseStatus.APPROVED,
                    col(Expense.territory_path).startswith(prefix, autoescape=True),
                    col(Expense.spent_on) >= date_from, col(Expense.spent_on) <= date_to)
             .group_by(col(Expense.category)))
    if factory_id is not None:
        query = query.where(Expense.factory_id == factory_id)
    return {category: amount for category, amount in session.execute(query)}
