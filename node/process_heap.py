"""The server process's garbage collector, kept out of request latency.

A full (generation 2) collection walks every tracked object and holds the interpreter
while it does: with the modules, the app, SQLAlchemy's mappers and the caches a node
loads at start-up, one took 100-200 ms, stopping every request thread at once (the
callback pool's p99 at 50 agents: 53 ms with them, 18 ms without, docs/benchmarks.md).
What exists once start-up is done lives as long as the process, so it is moved out of
the collector's sight (`gc.freeze`); garbage made later is collected as before.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect once, then exempt every object alive now from later collections; returns
    how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
