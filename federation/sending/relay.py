"""Running the sender from the scheduler, and waking it when children's rows arrive.

A province that waited for its own timer after applying a city's batch would add a whole
interval to the city -> HQ lag and keep the two hops from overlapping. `wake()` asks for
a cycle now; a wake during a running cycle makes it run once more when it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from federation.sending.sender import Sender

if TYPE_CHECKING:
    import pyarrow as pa


class Relay:
    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self._again = threading.Event()
        self._running = threading.Event()
        self.trigger: Callable[[], None] | None = None  # set by whoever schedules run()

    def run(self) -> None:
        """One or more cycles: repeat while wakes arrived during the last one."""
        self._running.set()
        try:
            while True:
                self._again.clear()
                self.sender.sync_once()
                if not self._again.is_set():
                    return
        finally:
            self._running.clear()

    def applied(self, table: str, written: pa.Table | None) -> None:
        """Children's rows were applied here: keep them for the sender (when every row
        of the batch was written, see recent.py) and relay them now."""
        if written is not None:
            self.sender.recent.put(table, written)
        self.wake()

    def wake(self) -> None:
        self._again.set()
        if not self._running.is_set() and self.trigger is not None:
            self.trigger()
