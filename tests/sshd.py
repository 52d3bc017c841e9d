"""A real OpenSSH server on loopback for SFTP tests: its own host key, config and port."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.topology import free_port

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


@dataclass
class SshServer:
    port: int
    folder: Path
    client_key: Path
    known_hosts: Path
    process: subprocess.Popen | None = None

    @property
    def config(self) -> Path:
        return self.folder / "sshd_config"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=open(  # noqa: SIM115
                self.folder / "sshd.log", "ab"
            ),
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.folder / "sshd.log").read_text()
            try:
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("sshd did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def start_sshd(folder: Path) -> SshServer:
    """Start sshd as the current user's server; skip locally, fail in CI, if it cannot run."""
    if not os.path.exists(SSHD):
        message = "OpenSSH server (sshd) is not installed; .ci/run installs openssh-server"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    folder.mkdir(parents=True, exist_ok=True)
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd refuses to start without it
    host_key, client_key = folder / "host_ed25519", folder / "client_ed25519"
    _keygen(host_key)
    _keygen(client_key)
    authorized = folder / "authorized_keys"
    shutil.copy(client_key.with_suffix(".pub"), authorized)
    port = free_port()
    (folder / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {host_key}
PidFile {folder / "sshd.pid"}
AuthorizedKeysFile {authorized}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
Subsystem sftp internal-sftp
LogLevel ERROR
""")
    server = SshServer(port, folder, client_key, folder / "known_hosts")
    server.start()
    scan = subprocess.run(
        ["ssh-keyscan", "-p", str(port), "-t", "ed25519", "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert scan.stdout.strip(), scan.stderr
    server.known_hosts.write_text(scan.stdout)
    return server
