"""Building a node's sender from its settings (used by the composition root)."""

from __future__ import annotations

from pathlib import Path

from federation.batches.manifest import credential_key
from federation.metrics import FederationMetrics
from federation.sending.http_transport import HttpTransport
from federation.sending.sender import Sender
from federation.sftp.client import SftpTransport
from federation.transport import Transport
from node.db.unit_of_work import Database
from node.settings import NodeSettings

CREDENTIAL_FILE = "parent.credential"


class NoParent(Exception):
    """This node has no parent link configured; the message says how to add one."""


def credential_path(settings: NodeSettings) -> Path:
    name = settings.federation.credential_file or CREDENTIAL_FILE
    path = Path(name)
    return path if path.is_absolute() else settings.data_dir / path


def node_path(settings: NodeSettings, value: str) -> Path:
    """A configured path: absolute, or relative to the node directory."""
    path = Path(value)
    return path if path.is_absolute() else settings.data_dir / path


def has_parent(settings: NodeSettings) -> bool:
    fed = settings.federation
    return bool(fed.sftp_host if fed.transport == "sftp" else settings.node.parent_url)


def build_transport(settings: NodeSettings, key: bytes) -> Transport:
    fed = settings.federation
    if fed.transport != "sftp":
        return HttpTransport(
            settings.node.parent_url or "", settings.node.code, key, fed.timeout_seconds
        )
    needed = ("sftp_host", "sftp_username", "sftp_key_file", "sftp_known_hosts", "sftp_inbox")
    missing = [name for name in needed if not getattr(fed, name)]
    if missing:
        raise NoParent(
            f"the SFTP transport needs {', '.join(missing)}: run `fedcrm parent "
            f"set {settings.data_dir} --transport sftp ...`"
        )
    return SftpTransport(
        fed.sftp_host or "",
        fed.sftp_port,
        fed.sftp_username or "",
        node_path(settings, fed.sftp_key_file or ""),
        node_path(settings, fed.sftp_known_hosts or ""),
        fed.sftp_inbox or "",
        fed.sftp_ack_timeout_seconds,
    )


def build_sender(
    settings: NodeSettings, db: Database, metrics: FederationMetrics | None = None
) -> Sender:
    """The sender for this node's parent link, over HTTP or SFTP as configured."""
    path = credential_path(settings)
    if not has_parent(settings):
        raise NoParent(
            f"no parent configured: run `fedcrm parent set {settings.data_dir} "
            "--url URL --credential-file FILE` (or --transport sftp ...)"
        )
    if not path.is_file():
        raise NoParent(f"parent credential file {path} is missing: run `fedcrm parent set`")
    key = credential_key(path.read_text(encoding="utf-8"))
    return Sender(
        db,
        build_transport(settings, key),
        key,
        settings.federation,
        metrics,
        lock_dir=settings.data_dir,
    )
