"""Child side: upload batches into the parent's inbox over SFTP and read the answers.

Host keys are checked against a known_hosts file with paramiko's RejectPolicy: an
unknown or changed key is refused, never added. Only key authentication is used.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import time
import uuid
from pathlib import Path

import orjson
import paramiko

from federation.batches.manifest import Manifest
from federation.sftp import layout
from federation.transport import (
    AwaitingAcknowledgement,
    PermanentRejection,
    TransientError,
)


class SftpTransport:
    name = "sftp"

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        key_file: Path,
        known_hosts: Path,
        inbox: str,
        ack_timeout: float = 30.0,
        connect_timeout: float = 20.0,
    ) -> None:
        self.host, self.port, self.username = host, port, username
        self.key_file, self.known_hosts, self.inbox = key_file, known_hosts, inbox
        self.ack_timeout = ack_timeout
        self.connect_timeout = connect_timeout
        self._client: paramiko.SSHClient | None = None
        self._sftp: paramiko.SFTPClient | None = None

    # ---- connection ---------------------------------------------------------------
    def session(self) -> paramiko.SFTPClient:
        """The open SFTP session (connecting if needed): TransientError or
        PermanentRejection when the parent cannot be reached as configured."""
        return self._connect()

    def path(self, *parts: str) -> str:
        """A path inside this node's folder of the parent's inbox."""
        return self._path(*parts)

    def put_atomically(self, folder: str, name: str, data: bytes) -> None:
        """Write a file into a folder of this node's inbox under a temporary name, then
        rename it into place."""
        self._put_atomically(self._connect(), folder, name, data)

    def _connect(self) -> paramiko.SFTPClient:
        if self._sftp is not None:
            return self._sftp
        if not self.known_hosts.is_file():
            raise PermanentRejection(0, f"known_hosts file {self.known_hosts} not found")
        client = paramiko.SSHClient()
        client.load_host_keys(str(self.known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                self.host,
                port=self.port,
                username=self.username,
                key_filename=str(self.key_file),
                allow_agent=False,
                look_for_keys=False,
                timeout=self.connect_timeout,
                banner_timeout=self.connect_timeout,
                auth_timeout=self.connect_timeout,
            )
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise PermanentRejection(
                0,
                f"host key of {self.host}:{self.port} does not match "
                f"known_hosts (changed key?): {exc}",
            ) from None
        except paramiko.AuthenticationException as exc:
            client.close()
            raise PermanentRejection(
                0, f"SSH key authentication to {self.host} failed: {exc}"
            ) from None
        except paramiko.SSHException as exc:
            client.close()
            if "known_hosts" in str(exc) or "not found in" in str(exc):
                raise PermanentRejection(
                    0,
                    f"host {self.host}:{self.port} is unknown: its "
                    f"key is not in {self.known_hosts}",
                ) from None
            raise TransientError(f"SSH to {self.host}:{self.port} failed: {exc}") from None
        except OSError as exc:
            client.close()
            raise TransientError(f"cannot reach {self.host}:{self.port}: {exc}") from None
        self._client, self._sftp = client, client.open_sftp()
        return self._sftp

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = self._sftp = None

    def _path(self, *parts: str) -> str:
        return posixpath.join(self.inbox, *parts)

    def _put_atomically(
        self, sftp: paramiko.SFTPClient, folder: str, name: str, data: bytes
    ) -> None:
        part = self._path(folder, f"{layout.PART}{uuid.uuid4().hex}-{name}")
        with sftp.open(part, "wb") as handle:
            handle.set_pipelined(True)
            handle.write(data)
        # posix-rename replaces an older upload of the same batch in one step.
        sftp.posix_rename(part, self._path(folder, name))

    # ---- Transport ----------------------------------------------------------------
    def send(self, manifest_header: str, tag: str, body: bytes) -> dict:
        manifest, _ = Manifest.from_header(manifest_header)
        name = layout.batch_name(manifest.table, manifest.prev_seq, manifest.seq_end)
        try:
            sftp = self._connect()
            # An answer left from an earlier upload of this batch (one this node never
            # read) must not be taken for the answer to this upload.
            with contextlib.suppress(FileNotFoundError):
                sftp.remove(self._path(layout.ACKS, name + ".json"))
            self._put_atomically(sftp, layout.INCOMING, name + layout.BODY_SUFFIX, body)
            envelope = orjson.dumps({"manifest": manifest_header, "tag": tag})
            self._put_atomically(sftp, layout.INCOMING, name + layout.MANIFEST_SUFFIX, envelope)
            return self._await_ack(sftp, name)
        except (OSError, EOFError, paramiko.SSHException) as exc:
            self.close()
            raise TransientError(f"SFTP upload to {self.host} failed: {exc}") from None

    def _await_ack(self, sftp: paramiko.SFTPClient, name: str) -> dict:
        path = self._path(layout.ACKS, name + ".json")
        deadline = time.monotonic() + self.ack_timeout
        while True:
            try:
                with sftp.open(path, "rb") as handle:
                    answer = json.loads(handle.read())
                sftp.remove(path)
                break
            except FileNotFoundError:
                if time.monotonic() > deadline:
                    raise AwaitingAcknowledgement(
                        f"no acknowledgement for {name} yet; the batch stays in the inbox"
                    ) from None
                time.sleep(0.5)
        if answer.get("status") != 200:
            error = answer.get("error", {})
            raise PermanentRejection(int(answer.get("status", 0)), error.get("message", "?"))
        return answer

    def checkpoint(self) -> dict[str, int]:
        try:
            sftp = self._connect()
            with sftp.open(self._path(layout.CHECKPOINT), "rb") as handle:
                tables = json.loads(handle.read()).get("tables", {})
        except FileNotFoundError:
            return {}
        except (OSError, EOFError, paramiko.SSHException) as exc:
            self.close()
            raise TransientError(f"cannot read the checkpoint from {self.host}: {exc}") from None
        return {str(k): int(v) for k, v in tables.items()}
