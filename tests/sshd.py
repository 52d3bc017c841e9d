"""A real OpenSSH server on loopback for SFTP tests: the demo's (node.demo.sshd), on a
free port, skipped locally and failed in CI when OpenSSH is not installed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from node.demo.sshd import SSHD, DemoSshd, SshdUnavailable
from tests.topology import free_port

SshServer = DemoSshd  # its own host key, client key, authorized_keys and known_hosts


def start_sshd(folder: Path) -> SshServer:
    """Start sshd as the current user's server; skip locally, fail in CI, if it cannot run."""
    if not os.path.exists(SSHD):
        message = "OpenSSH server (sshd) is not installed; .ci/run installs openssh-server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = DemoSshd(folder, free_port())
    try:
        server.prepare()
        server.start()
    except SshdUnavailable as exc:
        pytest.fail(str(exc))
    return server
