"""Simulated dashboard viewers for `benchmarks.dashboard_live`: real HTTP and Socket.IO connections to a running app,
doing what a browser tab does with NiceGUI 3.18 (static/nicegui.js), without drawing anything.

A viewer GETs /dashboard with the session cookie of a signed-in browser: the server builds the page and its NiceGUI
client, whose id (and first message id) the HTML carries in the Socket.IO query. It then opens the WebSocket at
`/_nicegui_ws/socket.io` with the query a browser sends (client_id, next_message_id, implicit_handshake, a new
document_id and tab_id), receives the messages the page pushes ("update" — the changed elements, "run_javascript",
"load_js_components"...), skips repeats by their `_id` as the browser does, answers JavaScript the server waits
for ("javascript_response": only the navigation drawer asks, whether it is open — yes, on a desktop), and
acknowledges the last message every 3 seconds ("ack"), which lets the server drop its resend history. From each
"update" it reads the KPI card it watches ("Orders today", the element with class `kpi-orders_today-value`) and
notes when each new figure arrived.
"""

import ast
import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp
import socketio

WATCHED = "kpi-orders_today-value"
DRAWER_QUESTION = "__IS_DRAWER_OPEN__"  # nicegui/elements/drawer.py asks the browser on connect
_QUERY = re.compile(r"query:\s*(\{[^}]*\})")


@dataclass
class Viewer:
    """One browser tab on /dashboard."""

    base: str
    cookie: str
    sizes: bool = False  # also count the bytes of every message (JSON as sent; costs the driver CPU time)
    seen: list[tuple[float, int]] = field(default_factory=list)  # (wall-clock time received, Orders today)
    messages: int = 0
    bytes_in: int = 0
    rendered: asyncio.Event = field(default_factory=asyncio.Event)
    client_id: str = ""
    _next_message_id: int = 0
    _acked: int = -1
    _sio: socketio.AsyncClient | None = None
    _acker: asyncio.Task[None] | None = None

    @property
    def orders_today(self) -> int | None:
        return self.seen[-1][1] if self.seen else None

    async def open(self, http: aiohttp.ClientSession) -> None:
        async with http.get(self.base + "/dashboard", headers={"Cookie": self.cookie}, allow_redirects=False) as reply:
            html = await reply.text()
            if reply.status != 200 or not (match := _QUERY.search(html)):
                raise RuntimeError(f"/dashboard answered {reply.status} without a page (signed out?)")
        query = ast.literal_eval(match.group(1))  # a Python dict in the page (nicegui.js defines True, False)
        self.client_id, self._next_message_id = query["client_id"], int(query["next_message_id"])
        query |= {"document_id": str(uuid.uuid4()), "tab_id": str(uuid.uuid4())}
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items()}
        sio = socketio.AsyncClient(reconnection=False)
        sio.on("*", self._received)
        self._sio = sio
        await sio.connect(f"{self.base}?{urlencode(query)}", headers={"Cookie": self.cookie},
                          transports=["websocket"], socketio_path="/_nicegui_ws/socket.io", wait_timeout=30)
        self._acker = asyncio.create_task(self._ack_every(3.0))

    async def _received(self, name: str, data: Any = None) -> None:
        now = time.time()
        self.messages += 1
        if isinstance(data, dict):
            message_id = data.pop("_id", None)
            if message_id is not None:
                if message_id < self._next_message_id:
                    return  # a resend the browser would skip too
                self._next_message_id = message_id + 1
        if self.sizes and data is not None:
            self.bytes_in += len(json.dumps(data, separators=(",", ":")))
        if name == "run_javascript" and isinstance(data, dict) and data.get("request_id") and self._sio is not None:
            await self._sio.emit("javascript_response", {  # as a desktop browser: the navigation drawer is open
                "request_id": data["request_id"], "client_id": self.client_id,
                "result": True if DRAWER_QUESTION in str(data.get("code")) else None})
        if name == "update" and isinstance(data, dict):
            for element in data.values():
                if isinstance(element, dict) and WATCHED in (element.get("class") or ()):
                    value = int(str(element.get("text", "")).replace(",", "") or -1)
                    if not self.seen or self.seen[-1][1] != value:
                        self.seen.append((now, value))
                    self.rendered.set()

    async def _ack_every(self, seconds: float) -> None:
        while self._sio is not None and self._sio.connected:
            await asyncio.sleep(seconds)
            if self._acked < self._next_message_id and self._sio.connected:
                await self._sio.emit("ack", {"client_id": self.client_id, "next_message_id": self._next_message_id})
                self._acked = self._next_message_id

    def first_at_least(self, orders: int) -> float | None:
        """When this viewer first showed `orders` or more orders today (None: not yet)."""
        return next((at for at, value in self.seen if value >= orders), None)

    async def close(self) -> None:
        if self._acker is not None:
            self._acker.cancel()
        if self._sio is not None and self._sio.connected:
            await self._sio.disconnect()


async def open_viewers(base: str, cookie: str, count: int, *, at_once: int = 5,
                       timeout: float = 120.0) -> list[Viewer]:
    """`count` viewers, opened `at_once` at a time, each waited for until its cards have arrived."""
    viewers = [Viewer(base, cookie, sizes=n == 0) for n in range(count)]
    gate = asyncio.Semaphore(at_once)
    async with aiohttp.ClientSession() as http:

        async def one(viewer: Viewer) -> None:
            async with gate:
                await viewer.open(http)
                await asyncio.wait_for(viewer.rendered.wait(), timeout)

        await asyncio.gather(*(one(v) for v in viewers))
    return viewers


async def close_viewers(viewers: list[Viewer]) -> None:
    await asyncio.gather(*(v.close() for v in viewers), return_exceptions=True)
