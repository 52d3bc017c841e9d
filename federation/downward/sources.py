"""Where a child finds what its parent serves down: over HTTP (`GET /federation/v1/down`)
or in its SFTP outbox folder the parent writes (docs/federation.md rule 11). Both hand
the puller the same three things an upward batch travels as: the manifest header, the
tag and the Arrow body."""

from __future__ import annotations

from typing import Protocol

import httpx
import orjson
import paramiko

from federation.batches.manifest import MANIFEST_HEADER, TAG_HEADER
from federation.batches.signatures import Signer
from federation.sftp import layout
from federation.sftp.client import SftpTransport
from federation.transport import PermanentRejection, TransientError

Delivered = tuple[str, str, bytes]  # manifest header, tag, body


class PullStopped(Exception):
    """This table's pull stopped for this cycle; the message says why."""


class DownSource(Protocol):
    def fetch(self, table: str, after: int) -> Delivered | None:
        """The parent's batch of `table` continuing from `after`, or None: none newer."""
        ...

    def held(self, tables: dict[str, int]) -> None:
        """Tell the parent what this node now holds from it, per table."""
        ...

    def close(self) -> None: ...


class HttpDownSource:
    """The parent's `GET /federation/v1/down`, asked with requests this node signs."""

    def __init__(self, code: str, signer: Signer, client: httpx.Client) -> None:
        self.code = code
        self.signer = signer
        self.client = client

    def fetch(self, table: str, after: int) -> Delivered | None:
        path = f"/federation/v1/down?table={table}&after={after}"
        headers = self.signer.request_headers(self.code, path)
        try:
            resp = self.client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            raise PullStopped(f"cannot reach the parent: {exc}") from None
        if resp.status_code == 204:
            return None
        if resp.status_code != 200:
            raise PullStopped(f"the parent answered {resp.status_code}: {resp.text[:200]}")
        header = resp.headers.get(MANIFEST_HEADER, "")
        return header, resp.headers.get(TAG_HEADER, ""), resp.content

    def held(self, tables: dict[str, int]) -> None:
        """Nothing to do: the next request's `after` says it."""

    def close(self) -> None:
        self.client.close()


class SftpDownSource:
    """The outbox folder the parent writes for this node (`down/` in this node's folder of
    the parent's inbox, federation/sftp/layout.py), over the SFTP link it uploads by."""

    def __init__(self, transport: SftpTransport, max_bytes: int) -> None:
        self.transport = transport
        self.max_bytes = max_bytes

    def fetch(self, table: str, after: int) -> Delivered | None:
        try:
            return self._fetch(table, after)
        except (TransientError, PermanentRejection) as exc:
            raise PullStopped(str(exc)) from None
        except (OSError, EOFError, paramiko.SSHException, ValueError, KeyError) as exc:
            self.transport.close()
            raise PullStopped(f"cannot read the outbox: {exc}") from None

    def _fetch(self, table: str, after: int) -> Delivered | None:
        sftp = self.transport.session()
        try:
            names = sftp.listdir(self.transport.path(layout.DOWN))
        except FileNotFoundError:
            return None
        waiting = sorted(
            name[: -len(layout.MANIFEST_SUFFIX)]
            for name in names
            if name.endswith(layout.MANIFEST_SUFFIX)
            and (parsed := layout.parse_name(name[: -len(layout.MANIFEST_SUFFIX)]))
            and parsed[:2] == (table, after)
        )
        if not waiting:
            return None
        name = waiting[0]
        body_path = self.transport.path(layout.DOWN, name + layout.BODY_SUFFIX)
        if sftp.stat(body_path).st_size > self.max_bytes:
            raise PullStopped(f"{name}: larger than this node accepts ({self.max_bytes} bytes)")
        with sftp.open(self.transport.path(layout.DOWN, name + layout.MANIFEST_SUFFIX)) as f:
            envelope = orjson.loads(f.read())
        with sftp.open(body_path, "rb") as f:
            body = f.read()
        return str(envelope["manifest"]), str(envelope["tag"]), body

    def held(self, tables: dict[str, int]) -> None:
        try:
            self.transport.put_atomically(
                layout.DOWN, layout.HELD, orjson.dumps({"tables": tables})
            )
        except (TransientError, PermanentRejection) as exc:
            raise PullStopped(str(exc)) from None
        except (OSError, EOFError, paramiko.SSHException) as exc:
            self.transport.close()
            raise PullStopped(f"cannot tell the parent what is held: {exc}") from None

    def close(self) -> None:
        self.transport.close()
