"""Every demo node as its own `fedcrm serve` process on loopback, and stopping them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from node.demo.plan import DemoNode, PlanError, port_is_free


@dataclass
class NodeProcesses:
    """The running nodes; a context manager that always stops what it started."""

    root: Path
    interval_seconds: float
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, nodes: list[DemoNode]) -> None:
        busy = [f"{n.port} ({n.code} {n.name})" for n in nodes if not port_is_free(n.port)]
        if busy:
            raise PlanError(
                f"port(s) {', '.join(busy)} already in use: is this demo already running? "
                "Stop it, or run a new demo with another --dir"
            )
        env = os.environ | {
            "PYTHONUNBUFFERED": "1",
            "FEDCRM_FEDERATION__INTERVAL_SECONDS": str(self.interval_seconds),
            "FEDCRM_FEDERATION__INGEST_INTERVAL_SECONDS": str(self.interval_seconds),
        }
        for node in nodes:
            log = open(self.root / node.dir / "serve.log", "ab")  # noqa: SIM115 (the child owns it)
            self.running[node.code] = subprocess.Popen(
                [sys.executable, "-m", "node.cli", "serve", str(self.root / node.dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # Ctrl-C reaches the demo, which stops them in order
            )
            log.close()
        for node in nodes:
            self._wait_ready(node)

    def _wait_ready(self, node: DemoNode, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running[node.code].poll() is not None:
                log = (self.root / node.dir / "serve.log").read_text(errors="replace")
                raise PlanError(f"node {node.code} {node.name} exited:\n{log[-2000:]}")
            try:
                if httpx.get(f"{node.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise PlanError(f"node {node.code} {node.name} not ready after {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM to all, then SIGKILL to whatever has not exited within 20 s."""
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.running.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.running.clear()

    def __enter__(self) -> NodeProcesses:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
