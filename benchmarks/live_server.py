"""The app as `chesanto serve` runs it, plus — for `benchmarks.dashboard_live` — a thread that commits retail sales
inside the serving process when told to, the way `chesanto demo --simulate` posts documents.

    python -m benchmarks.live_server            # CHESANTO_DATABASE_URL, PORT, HOST... from the environment

A line `prepare` on standard input (sent once the app answers) picks the shops and answers `READY`; each line `sale`
then makes the thread record one tertiary order through `domain.services.orders.submit_order`, acting as the demo
administrator — a retailer's sell-out of one unit, delivered as it is written: one transaction, and "Orders today"
goes up by one — and print one line back:

    COMMIT {"at": <wall-clock seconds when the COMMIT was sent>, "number": "TO-000412"}

`at` is taken by an engine `commit` listener on the committing thread, just before the driver's commit call: the
transaction's work is done, its COMMIT (and, on PostgreSQL, the notification) about to be sent. Timing from there
counts the COMMIT itself against the latency, never in its favour.
"""

import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from domain import db
from domain.demo.reads import balances, demo_actor
from domain.services.orders import submit_order
from domain.services.parties import list_parties

COMMIT_MARK = "COMMIT "
READY_MARK = "READY"


class Seller:
    """Retail sales of one unit from the retailers that hold the most stock of something, taken in turn."""

    def __init__(self, shops: int = 8) -> None:
        self.actor = demo_actor("admin")
        held = []
        for party in list_parties(self.actor, kind="retailer", limit=5000):
            stock = balances(party.id)
            if stock:
                product, qty = max(stock.items(), key=lambda item: item[1])
                held.append((qty, party.id, product))
        held.sort(reverse=True)
        if not held or held[0][0] < 1:
            raise SystemExit("no retailer holds stock to sell: seed the demo company with some history first")
        self.shops = [(party, product) for qty, party, product in held[:shops] if qty >= 1]
        self.turn = 0
        self._commits: dict[int, float] = {}
        event.listen(db.get_engine(), "commit", self._committing)

    def _committing(self, connection: Any) -> None:
        if not connection.get_execution_options().get("chesanto_read_only", False):
            self._commits[threading.get_ident()] = time.time()

    def sale(self) -> dict[str, Any]:
        """One retail sale through the services; when its COMMIT was sent and the order's number."""
        party, product = self.shops[self.turn % len(self.shops)]
        self.turn += 1
        order = submit_order(self.actor, tier="tertiary", customer_id=party,
                             lines=[{"product_id": product, "qty": str(Decimal(1))}],
                             client_reference=f"bench-live-{uuid.uuid4().hex}")
        return {"at": self._commits.pop(threading.get_ident()), "number": order.number}


def _commands(lines: Iterator[str]) -> None:
    """`prepare` (once the app is up: it picks the shops) answers READY; each `sale` answers its COMMIT line."""
    seller: Seller | None = None
    for line in lines:
        command = line.strip()
        if command in ("prepare", "sale"):
            seller = seller or Seller()
        if command == "prepare":
            print(READY_MARK, flush=True)
        elif command == "sale" and seller is not None:
            print(COMMIT_MARK + json.dumps(seller.sale()), flush=True)


def main() -> None:
    from dashboard.app import serve

    threading.Thread(target=_commands, args=(iter(sys.stdin.readline, ""),), name="bench-sales", daemon=True).start()
    serve()


if __name__ == "__main__":
    main()
