"""Screen pops on their way to the agents' open pages: one in-process channel per signed-in
user. A node runs one server process (uvicorn, one worker), so the process is the whole
audience; an event posted from a worker thread reaches the pages on the event loop."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

MAX_WAITING = 20  # pops held for a page that is not reading (the oldest are dropped)


class PopBroker:
    """Who is listening, and the way to them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[uuid.UUID, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]]]
        self._listeners = {}

    @contextmanager
    def listening(self, user_id: uuid.UUID) -> Iterator[asyncio.Queue[str]]:
        """A queue the pops for `user_id` arrive on while the caller listens; call on
        the event loop (one page, one queue: every open page of the agent pops)."""
        entry = (asyncio.get_running_loop(), asyncio.Queue[str](MAX_WAITING))
        with self._lock:
            self._listeners.setdefault(user_id, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._listeners.get(user_id, set()).discard(entry)

    def publish(self, user_id: uuid.UUID, url: str) -> int:
        """Send `url` to every page `user_id` has open; how many were listening. Safe to
        call from any thread."""
        with self._lock:
            listeners = list(self._listeners.get(user_id, ()))
        for loop, queue in listeners:
            loop.call_soon_threadsafe(_offer, queue, url)
        return len(listeners)


def _offer(queue: asyncio.Queue[str], url: str) -> None:
    if queue.full():
        queue.get_nowait()  # a page that stopped reading gets the latest pops
    queue.put_nowait(url)
