"""One sender per node at a time: `fedcrm sync` and the scheduler in `fedcrm serve` take
the same lock file, so they never race (over SFTP they would take each other's answers)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILE = "sender.lock"


class SenderBusy(Exception):
    """Another sender of this node is running a cycle."""


@contextmanager
def sender_lock(data_dir: Path, wait: bool) -> Iterator[None]:
    """Hold the node's sender lock; wait for it, or raise SenderBusy at once."""
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise SenderBusy("another replication cycle of this node is running") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
