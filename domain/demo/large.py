"""`chesanto seed --scale large`: a year of the large company's trade, written in bulk (domain.demo.large_trade),
for the benchmarks at ten million order lines. Done once: skipped whenever any order or production log exists.
Never in production."""

from sqlalchemy import func, select

from domain.access import SYSTEM
from domain.db import get_engine, reading, transaction
from domain.demo.large_company import read_company
from domain.demo.large_trade import Year
from domain.demo.users import refuse_in_production
from domain.models import Order, ProductionLog
from domain.queries.bulk import BulkWriter, next_ids, set_sequences
from domain.services.production import today

LARGE_DAYS = 365
TABLES = ("sales_order", "sales_order_line", "production_log", "stock_move", "stock_batch", "stock_balance",
          "invoice", "payment", "payment_allocation", "expense")
# What the seed report shows: (line, table written).
REPORTED = (("production logs", "production_log"), ("orders", "sales_order"), ("order lines", "sales_order_line"),
            ("invoices", "invoice"), ("payments", "payment"), ("expenses", "expense"), ("stock moves", "stock_move"),
            ("stock batches", "stock_batch"))


def _documents_exist() -> bool:
    with reading() as session:
        return bool(session.execute(select(func.count()).select_from(Order)).scalar_one()
                    or session.execute(select(func.count()).select_from(ProductionLog)).scalar_one())


def ensure_large_history(*, seed: int, days: int = LARGE_DAYS) -> dict[str, tuple[int, int]]:
    """Write `days` days of the large company's trade up to yesterday, unless any order or production log exists.
    Returns {what: (created, present before)} (present: 0, or what the skipped database holds is not counted)."""
    refuse_in_production()
    if days <= 0 or _documents_exist():
        return {}
    company = read_company(seed)
    engine = get_engine()
    writer = BulkWriter(engine)
    writer.defer_checks(TABLES)
    try:
        year = Year(company, writer, first_ids=next_ids(engine, TABLES), today=today(), days=days, seed=seed)
        numbers = year.run()
    finally:
        writer.close()
    set_sequences(engine, numbers)
    written = {what: writer.written.get(table, 0) for what, table in REPORTED}
    with transaction(SYSTEM) as tx:
        tx.audit("demo.large_history", entity="system", after={"days": days, "seed": seed, **written})
    return {what: (count, 0) for what, count in written.items()}
