"""The stock side of the `large` history: balances, batches and moves kept in memory exactly as the services would
keep them (a balance is the sum of its moves, a batch never below zero, `balance_after` the running balance), and
handed to the bulk writer in an order its foreign keys accept.

A move is held back until every batch it may name has been written: batches are written once, when they are empty
(or at the end, with what is left), and every batch of the history empties within HOLD days of being filled.
"""

from collections import deque
from collections.abc import Callable
from datetime import date
from typing import Any

from domain.queries.bulk import BulkWriter

MOVE_COLUMNS = ("id", "at", "business_date", "location_id", "product_id", "batch_id", "qty", "balance_after", "kind",
                "document", "unit_cost", "actor_id", "note")
BATCH_COLUMNS = ("id", "location_id", "product_id", "batch_no", "produced_on", "expires_on", "qty")
BALANCE_COLUMNS = ("id", "location_id", "product_id", "qty", "updated_at")

BatchKey = tuple[int, int, str]  # (location, product, batch number)


class Ledger:
    """Moves, balances and batches in storage units (thousandths), for one bulk load."""

    def __init__(self, writer: BulkWriter, *, first_ids: dict[str, int], hold_days: int,
                 stamp: Callable[[date, int], Any]) -> None:
        self.w, self.hold, self.stamp = writer, hold_days, stamp
        self.next_move = first_ids["stock_move"]
        self.next_batch = first_ids["stock_batch"]
        self.next_balance = first_ids["stock_balance"]
        self.balance: dict[tuple[int, int], int] = {}
        self.batches: dict[BatchKey, list[Any]] = {}  # key -> [id, qty, produced_on, expires_on]
        self.held: deque[tuple[date, list[tuple[Any, ...]]]] = deque()
        self.moves_today: list[tuple[Any, ...]] = []
        self.moves = 0
        writer.table("stock_batch", BATCH_COLUMNS)
        writer.table("stock_move", MOVE_COLUMNS)
        writer.table("stock_balance", BALANCE_COLUMNS)

    def _move(self, day: date, location: int, product: int, batch_id: int | None, qty: int, kind: str,
              document: str, unit_cost: int, actor: int | None, note: str | None, hour: int) -> None:
        after = self.balance.get((location, product), 0) + qty
        if after < 0:
            raise AssertionError(f"large history: stock of product {product} at {location} would go negative")
        self.balance[(location, product)] = after
        self.moves_today.append((self.next_move, self.stamp(day, hour), self.w.day(day), location, product, batch_id,
                                 qty, after, kind, document, unit_cost, actor, note))
        self.next_move += 1
        self.moves += 1

    def put(self, day: date, location: int, product: int, qty: int, kind: str, document: str, *, unit_cost: int,
            actor: int | None, batch: tuple[str, date, date] | None = None, note: str | None = None,
            hour: int = 8) -> BatchKey | None:
        """Add stock (a perishable into `batch`: number, made on, expires on). Returns the batch's key."""
        key = None
        batch_id = None
        if batch is not None:
            key = (location, product, batch[0])
            held = self.batches.get(key)
            if held is None:
                held = self.batches[key] = [self.next_batch, 0, batch[1], batch[2]]
                self.next_batch += 1
            held[1] += qty
            batch_id = held[0]
        self._move(day, location, product, batch_id, qty, kind, document, unit_cost, actor, note, hour)
        return key

    def take(self, day: date, location: int, product: int, qty: int, kind: str, document: str, *, unit_cost: int,
             actor: int | None, batch: BatchKey | None = None, note: str | None = None, hour: int = 9) -> None:
        """Remove stock (a perishable from the batch `batch`)."""
        batch_id = None
        if batch is not None:
            held = self.batches[batch]
            held[1] -= qty
            if held[1] < 0:
                raise AssertionError(f"large history: batch {batch} would go negative")
            batch_id = held[0]
            if held[1] == 0:
                self._write_batch(batch, self.batches.pop(batch))
        self._move(day, location, product, batch_id, -qty, kind, document, unit_cost, actor, note, hour)

    def held_in(self, batch: BatchKey) -> int:
        found = self.batches.get(batch)
        return 0 if found is None else int(found[1])

    def _write_batch(self, key: BatchKey, held: list[Any]) -> None:
        location, product, number = key
        self.w.add("stock_batch", (held[0], location, product, number, self.w.day(held[2]), self.w.day(held[3]),
                                   held[1]))

    def end_day(self, day: date) -> None:
        """Hold today's moves; write those old enough that their batches are written."""
        self.held.append((day, self.moves_today))
        self.moves_today = []
        while self.held and (day - self.held[0][0]).days >= self.hold:
            self.w.add_many("stock_move", self.held.popleft()[1])

    def finish(self, now: Any) -> None:
        """Write the batches still holding stock, every held move, and the balances."""
        for key, held in self.batches.items():
            self._write_batch(key, held)
        self.batches.clear()
        self.w.flush()
        while self.held:
            self.w.add_many("stock_move", self.held.popleft()[1])
        for (location, product), qty in sorted(self.balance.items()):
            self.w.add("stock_balance", (self.next_balance, location, product, qty, now))
            self.next_balance += 1
        self.w.flush()
