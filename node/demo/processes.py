"""Every demo node as its own `fedcrm serve` process on loopback, and stopping them all."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from node.demo.plan import DemoNode, PlanError, port_is_free
from node.provisioning.errors import ProvisioningError
from node.provisioning.serving import start_serving, wait_for_exit, wait_until_ready


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
        env = {
            "FEDCRM_FEDERATION__INTERVAL_SECONDS": str(self.interval_seconds),
            "FEDCRM_FEDERATION__INGEST_INTERVAL_SECONDS": str(self.interval_seconds),
        }
        for node in nodes:
            # Own session: Ctrl-C reaches the demo, which stops them in order.
            log = self.root / node.dir / "serve.log"
            self.running[node.code] = start_serving(
                self.root / node.dir, log, env, own_session=True
            )
        for node in nodes:
            try:
                wait_until_ready(
                    self.running[node.code], node.url, self.root / node.dir / "serve.log"
                )
            except ProvisioningError as exc:
                raise PlanError(f"node {node.code} {node.name} {exc}") from exc

    def stop(self) -> None:
        """SIGTERM to all, then SIGKILL to whatever has not exited within 20 s."""
        for proc in self.running.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            wait_for_exit(proc)
        self.running.clear()

    def __enter__(self) -> NodeProcesses:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
