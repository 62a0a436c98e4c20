"""Run in a separate process by the concurrency tests: many threads draw on the same stock at once."""

import os
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal


def draw_in_threads(url: str, user_id: int, from_id: int, to_id: int, product_id: int, threads: int,
                    attempts: int) -> tuple[int, int, list[str]]:
    """(transfers that succeeded, refused for insufficient stock, unexpected errors). Opens its own engine."""
    os.environ["CHESANTO_ENV"] = "test"
    os.environ["CHESANTO_DATABASE_URL"] = url
    from domain import db
    from domain.config import reload_settings

    reload_settings()
    db.configure(url)
    try:
        return draw(user_id, from_id, to_id, product_id, threads, attempts)
    finally:
        db.dispose()


def draw(user_id: int, from_id: int, to_id: int, product_id: int, threads: int,
         attempts: int) -> tuple[int, int, list[str]]:
    from domain.errors import InsufficientStock
    from domain.services.access import load_actor
    from domain.services.inventory import transfer_stock

    actor = load_actor(user_id)
    assert actor is not None

    def one(_: int) -> str:
        try:
            transfer_stock(actor, from_id=from_id, to_id=to_id, business_date="2026-11-20",
                           lines=[{"product": product_id, "qty": Decimal("1")}])
            return "ok"
        except InsufficientStock:
            return "short"
        except Exception as exc:  # reported to the test, which fails on any
            return f"{type(exc).__name__}: {exc}"

    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(one, range(threads * attempts)))
    errors = [o for o in outcomes if o not in ("ok", "short")]
    return outcomes.count("ok"), outcomes.count("short"), errors
