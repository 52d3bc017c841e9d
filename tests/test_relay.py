"""The relay runs another cycle when woken during one, and asks for a cycle when idle."""

from __future__ import annotations

import threading

from federation.sending.relay import Relay


class _SlowSender:
    def __init__(self) -> None:
        self.cycles = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def sync_once(self) -> None:
        self.cycles += 1
        if self.cycles == 1:
            self.started.set()
            self.release.wait(5)


def test_wake_during_a_cycle_runs_one_more():
    sender = _SlowSender()
    relay = Relay(sender)  # type: ignore[arg-type]
    triggered: list[int] = []
    relay.trigger = lambda: triggered.append(1)
    worker = threading.Thread(target=relay.run)
    worker.start()
    sender.started.wait(5)
    relay.wake()
    relay.wake()  # several wakes during one cycle: one more cycle, not one each
    sender.release.set()
    worker.join(5)
    assert sender.cycles == 2 and triggered == []
    relay.wake()  # idle: it asks the scheduler for a cycle now
    assert triggered == [1]
