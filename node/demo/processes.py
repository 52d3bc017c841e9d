"""Every demo node as its own `fedcrm serve` process on loopback, and stopping them all."""

from __future__ import annotations

import signal
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from node.demo.plan import DemoNode, PlanError
from node.provisioning.errors import ProvisioningError
from node.provisioning.serving import start_serving, wait_for_exit, wait_until_ready


@dataclass
class NodeProcesses:
    """The running nodes; a context manager that always stops what it started."""

    root: Path
    interval_seconds: float
    running: dict[str, subprocess.Popen] = field(default_factory=dict)
    listeners: dict[str, socket.socket] = field(default_factory=dict)

    def reserve(self, nodes: list[DemoNode]) -> None:
        """Bind every node's port now, before any node starts (see `_bind_all`)."""
        self.listeners |= _bind_all([n for n in nodes if n.code not in self.listeners])

    def start(self, nodes: list[DemoNode]) -> None:
        """Start `nodes` on their reserved ports and wait until each answers /readyz."""
        self.reserve(nodes)
        env = {
            "FEDCRM_FEDERATION__INTERVAL_SECONDS": str(self.interval_seconds),
            "FEDCRM_FEDERATION__INGEST_INTERVAL_SECONDS": str(self.interval_seconds),
        }
        for node in nodes:
            # Own session: Ctrl-C reaches the demo, which stops them in order.
            log = self.root / node.dir / "serve.log"
            listener = self.listeners.pop(node.code)
            try:
                self.running[node.code] = start_serving(
                    self.root / node.dir, log, env, own_session=True, listener=listener
                )
            finally:
                listener.close()  # the node holds its own copy now
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
        for listener in self.listeners.values():
            listener.close()
        self.listeners.clear()

    def __enter__(self) -> NodeProcesses:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _bind_all(nodes: list[DemoNode]) -> dict[str, socket.socket]:
    """A listening socket on every node's port, all bound before any node starts.

    A node that started first would otherwise connect out (to its parent, or the demo to
    it) from an ephemeral port, and the ephemeral range holds the demo's ports: one such
    connection could take a later node's port from under it."""
    listeners: dict[str, socket.socket] = {}
    busy: list[str] = []
    for node in nodes:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As uvicorn binds: a port a stopped demo left in TIME_WAIT is free again.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", node.port))
            listener.listen(2048)
        except OSError:
            listener.close()
            busy.append(f"{node.port} ({node.code} {node.name})")
            continue
        listeners[node.code] = listener
    if busy:
        for listener in listeners.values():
            listener.close()
        raise PlanError(
            f"port(s) {', '.join(busy)} already in use: is this demo already running? "
            "Stop it, or run a new demo with another --dir"
        )
    return listeners
