"""Domain events: small facts published after a transaction commits, to whoever listens in this process."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """`name` says what happened ("user.login", "order.dispatched"); `scope_path` is where, for scoped viewers."""

    name: str
    scope_path: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[DomainEvent], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def is_subscribed(self, listener: Listener) -> bool:
        with self._lock:
            return listener in self._listeners

    def publish(self, event: DomainEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not undo a committed change
                log.exception("event listener failed for %s", event.name)

    def clear(self) -> None:
        with self._lock:
            self._listeners.clear()


bus = EventBus()
