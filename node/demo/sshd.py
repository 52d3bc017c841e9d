"""The demo's own OpenSSH server on loopback, so one city can replicate over SFTP.

It has its own host key, a client key for the city, and accepts only that key; the
city checks the server against a known_hosts file made by ssh-keyscan (nothing is
auto-accepted). Everything lives in DIR/sshd/.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


class SshdUnavailable(RuntimeError):
    """OpenSSH's server cannot run here; the message says what to install."""


@dataclass
class DemoSshd:
    folder: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def client_key(self) -> Path:
        return self.folder / "client_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.folder / "known_hosts"

    @property
    def username(self) -> str:
        return getpass.getuser()

    def prepare(self) -> None:
        """Keys and configuration, once; a reused demo keeps them."""
        if not Path(SSHD).exists() or shutil.which("ssh-keygen") is None:
            raise SshdUnavailable(
                "--sftp needs OpenSSH (Debian: apt-get install openssh-server openssh-client)"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        for key in (self.folder / "host_ed25519", self.client_key):
            if not key.exists():
                subprocess.run(
                    ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True
                )
        shutil.copy(self.client_key.with_suffix(".pub"), self.folder / "authorized_keys")
        (self.folder / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\n"
            f"HostKey {self.folder / 'host_ed25519'}\nPidFile {self.folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.folder / 'authorized_keys'}\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\nLogLevel ERROR\n",
            encoding="utf-8",
        )

    def start(self) -> None:
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)  # sshd refuses to start without it
        log = open(self.folder / "sshd.log", "ab")  # noqa: SIM115 (the child owns it)
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.folder / "sshd_config")],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SshdUnavailable(
                    "sshd exited: " + (self.folder / "sshd.log").read_text(errors="replace")[-500:]
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SshdUnavailable(f"sshd did not listen on port {self.port}")
        self._scan_host_key()

    def _scan_host_key(self) -> None:
        scan = subprocess.run(
            ["ssh-keyscan", "-p", str(self.port), "-t", "ed25519", "127.0.0.1"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if not scan.stdout.strip():
            raise SshdUnavailable(f"ssh-keyscan found no host key: {scan.stderr.strip()}")
        self.known_hosts.write_text(scan.stdout, encoding="utf-8")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
