"""Running `fedcrm serve DIR` as a child process and waiting until it answers /readyz.

Shared by the demo, the tests and the benchmarks, so every one of them starts a node
the way an operator does and reads its log when it dies before it is ready.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from node.atomic_file import PRIVATE
from node.provisioning.errors import ProvisioningError


def start_serving(
    data_dir: Path,
    log: Path,
    env: Mapping[str, str] | None = None,
    *,
    own_session: bool = False,
    listener: socket.socket | None = None,
) -> subprocess.Popen[bytes]:
    """`fedcrm serve data_dir` (this interpreter's), output appended to `log`.

    `env` is added to this process's environment (FEDCRM_* overrides win over
    node.toml); `own_session` keeps a terminal's Ctrl-C from reaching the node, so
    the caller can stop its nodes in order. With `listener`, a socket the caller bound
    on the node's port, the node serves on it (`serve --fd`) instead of binding itself.
    """
    fds = [listener.fileno()] if listener is not None else []
    listen = ["--fd", str(fds[0])] if fds else []
    # Private from creation: a node's log names its users and customers.
    with os.fdopen(os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE), "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "node.cli", "serve", str(data_dir), *listen],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=os.environ | {"PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=own_session,
            pass_fds=fds,
        )


def wait_until_ready(
    proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 90
) -> None:
    """Return once `url`/readyz answers 200; ProvisioningError with the log's tail if
    the process exits first or is not ready within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=1.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ProvisioningError(f"exited with {proc.returncode}:\n{_tail(log)}")
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise ProvisioningError(f"not ready after {timeout:.0f} s:\n{_tail(log)}")


def stop_serving(proc: subprocess.Popen[bytes], hard: bool = False, grace: float = 20) -> None:
    """SIGTERM (SIGKILL when `hard`), then SIGKILL if it has not exited within `grace`."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
    wait_for_exit(proc, grace)


def wait_for_exit(proc: subprocess.Popen[bytes], grace: float = 20) -> None:
    """Wait for a node already told to stop; SIGKILL it after `grace` seconds. (A second
    SIGTERM would make uvicorn skip its graceful shutdown.)"""
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""
