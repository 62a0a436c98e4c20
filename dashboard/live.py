"""Live pages: domain events (after commit, from this process or — on PostgreSQL — another one) pushed to every
open page that may see them.

One bus subscription per process forwards each event onto the event loop as a NiceGUI `Event`; a page follows it
with `follow(...)`, which filters by event name and by the viewer's area and calls the page back once per burst,
in the page's own context. Nothing polls the database.

The first event after a quiet spell is acted on promptly: the page is called back `gather` seconds later (25 ms:
the events of one commit are published together, and commits a few milliseconds apart come along). Events heard while
the page is busy with the call wait and are handled together in one more call, at most one per `delay` seconds; a
page never runs two calls at once. Every viewer of a page hears the same event at the same moment, so their calls
line up and share one memoised computation where the page has one (the dashboard does).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from nicegui import Client, Event, background_tasks, ui

from domain.access import Actor
from domain.events import DomainEvent, bus
from domain.services import dashboard

domain_events: Event[DomainEvent] = Event()
_state: dict[str, object] = {}


def start() -> None:
    """Forward the domain bus onto this process's event loop (called at app startup)."""
    if "unsubscribe" in _state:
        return
    dashboard.forget_on_change()  # subscribed first: the memo is emptied before any page hears of an event
    loop = asyncio.get_running_loop()

    def forward(event: DomainEvent) -> None:  # runs on the committing thread
        if not loop.is_closed():
            loop.call_soon_threadsafe(domain_events.emit, event)

    _state["unsubscribe"] = bus.subscribe(forward)


def stop() -> None:
    unsubscribe = _state.pop("unsubscribe", None)
    if callable(unsubscribe):
        unsubscribe()


def visible_to(actor: Actor, event: DomainEvent) -> bool:
    """Is the event inside the actor's area: where it happened or, for orders, where the seller is."""
    return actor.sees(event.scope_path) or (
        isinstance(seller := event.data.get("seller_path"), str) and actor.sees(seller))


@dataclass
class _Follower:
    client: Client
    actor: Actor
    prefixes: tuple[str, ...]
    on_change: Callable[[list[DomainEvent]], Awaitable[None] | None]
    gather: float
    delay: float
    pending: list[DomainEvent] = field(default_factory=list)
    busy: bool = False  # a call is waiting or running
    last_call: float = float("-inf")  # event-loop time of the last call

    def heard(self, event: DomainEvent) -> None:
        if not event.name.startswith(self.prefixes) or not visible_to(self.actor, event):
            return
        self.pending.append(event)
        if not self.busy:
            self.busy = True
            background_tasks.create(self._flush(), name="live-refresh")

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.pending:
                await asyncio.sleep(max(self.gather, self.last_call + self.delay - loop.time()))
                burst, self.pending = self.pending, []
                if self.client.is_deleted:  # the page closed while the burst gathered
                    return
                self.last_call = loop.time()
                with self.client:
                    result = self.on_change(burst)
                    if asyncio.iscoroutine(result):
                        await result
        finally:
            self.busy = False


def follow(actor: Actor, prefixes: tuple[str, ...], on_change: Callable[[list[DomainEvent]], Awaitable[None] | None],
           *, gather: float = 0.025, delay: float = 0.25) -> None:
    """Call `on_change(events)` in this page's context when events named with one of `prefixes` land inside the
    actor's area: `gather` seconds after the first one (the others arriving meanwhile come along), then at most once
    per `delay` seconds while more keep coming, never two calls at once. Unsubscribed when the page's client goes
    away."""
    client = ui.context.client
    follower = _Follower(client, actor, prefixes, on_change, gather, delay)
    with client:
        domain_events.subscribe(follower.heard)
