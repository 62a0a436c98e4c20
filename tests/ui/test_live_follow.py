"""`dashboard.live.follow`: the first event after a quiet spell is acted on at once (after a short gather), a burst
comes as one call, and what arrives while the page is busy comes as one more call, no sooner than `delay` after the
last one — never two calls at once."""

import asyncio
import time

from nicegui import ui
from nicegui.testing import User

from dashboard import live
from domain.access import SYSTEM
from domain.events import DomainEvent, bus
from tests.ui.helpers import eventually


def _probe(delay: float, busy_for: float = 0.0) -> tuple[list[tuple[float, list[str]]], list[int]]:
    """A page following "order." events; what it was called with (when, event names) and how many calls ran at once."""
    calls: list[tuple[float, list[str]]] = []
    running = [0, 0]  # now, most at once

    async def heard(events: list[DomainEvent]) -> None:
        running[0] += 1
        running[1] = max(running)
        calls.append((time.monotonic(), [e.name for e in events]))
        await asyncio.sleep(busy_for)
        running[0] -= 1

    @ui.page("/live-probe")
    async def probe() -> None:
        ui.label("Following orders")
        await ui.context.client.connected()
        live.follow(SYSTEM, ("order.",), heard, delay=delay)

    return calls, running


async def test_a_burst_is_handled_at_once_in_one_call(user: User) -> None:
    calls, _ = _probe(delay=60.0)  # the old debounce waited `delay` before the first call: this test would time out
    await user.open("/live-probe")
    await user.should_see("Following orders")
    for name in ("order.submitted", "payment.recorded", "order.confirmed", "order.dispatched"):
        bus.publish(DomainEvent(name, scope_path="/1/"))
    await eventually(lambda: calls, "the page to be called")
    await asyncio.sleep(0.3)
    assert [names for _, names in calls] == [["order.submitted", "order.confirmed", "order.dispatched"]]


async def test_events_during_a_call_come_together_in_one_more_call_after_the_delay(user: User) -> None:
    calls, running = _probe(delay=1.0, busy_for=1.5)
    await user.open("/live-probe")
    await user.should_see("Following orders")
    bus.publish(DomainEvent("order.submitted", scope_path="/1/"))
    await eventually(lambda: calls, "the first call")
    bus.publish(DomainEvent("order.confirmed", scope_path="/1/"))  # while the page is busy with the first (1.5 s)
    bus.publish(DomainEvent("order.dispatched", scope_path="/1/"))
    await eventually(lambda: len(calls) == 2, "the second call")
    assert calls[1][1] == ["order.confirmed", "order.dispatched"]
    assert calls[1][0] - calls[0][0] >= 1.0  # no sooner than `delay` after the first call
    assert running[1] == 1  # never two at once
