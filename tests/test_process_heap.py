"""The served process's heap freeze (node.process_heap): what lived at start-up leaves
the collector's sight, garbage made later is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from node.process_heap import freeze_startup_heap


@pytest.fixture
def thawed() -> Iterator[None]:
    yield
    gc.unfreeze()  # the test process goes on collecting everything, as before


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_startup_objects_are_frozen_and_later_cycles_still_collected(thawed: None) -> None:
    before = Node()
    frozen = freeze_startup_heap()
    assert frozen >= 1 and gc.get_freeze_count() == frozen
    # Python's own contract: a frozen object is not in any generation's list.
    assert not any(o is before for o in gc.get_objects())
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector frees
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
