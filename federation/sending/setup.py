"""Building a node's sender from its settings (used by the composition root)."""

from __future__ import annotations

from pathlib import Path

from federation.batches.signatures import Signer, credential_key, load_node_key
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
    """Where a legacy link keeps its credential (links made before node keys)."""
    name = settings.federation.credential_file or CREDENTIAL_FILE
    path = Path(name)
    return path if path.is_absolute() else settings.data_dir / path


def node_signer(settings: NodeSettings) -> Signer:
    """What this node signs with: its own key (DIR/node.key, made on first need)."""
    return Signer(private_key=load_node_key(settings.data_dir))


def parent_link_signer(settings: NodeSettings) -> Signer:
    """What this node signs for its parent with: its node key, or on a link made before
    keys and not yet moved by `fedcrm parent rotate`, its legacy credential (HMAC), which
    the parent accepts only inside the link's window (docs/operations.md)."""
    if settings.federation.credential_file:
        path = credential_path(settings)
        if not path.is_file():
            raise NoParent(
                f"legacy parent credential {path} is missing: run `fedcrm parent rotate`"
            )
        return Signer(hmac_key=credential_key(path.read_text(encoding="utf-8")))
    return node_signer(settings)


def node_path(settings: NodeSettings, value: str) -> Path:
    """A configured path: absolute, or relative to the node directory."""
    path = Path(value)
    return path if path.is_absolute() else settings.data_dir / path


def has_parent(settings: NodeSettings) -> bool:
    fed = settings.federation
    return bool(fed.sftp_host if fed.transport == "sftp" else settings.node.parent_url)


def build_transport(settings: NodeSettings, signer: Signer) -> Transport:
    fed = settings.federation
    if fed.transport != "sftp":
        return HttpTransport(
            settings.node.parent_url or "", settings.node.code, signer, fed.timeout_seconds
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
    if not has_parent(settings):
        raise NoParent(
            f"no parent configured: run `fedcrm parent set {settings.data_dir} "
            "--url URL --parent-key KEY` (or --transport sftp ...)"
        )
    signer = parent_link_signer(settings)
    return Sender(
        db,
        build_transport(settings, signer),
        signer,
        settings.federation,
        metrics,
        lock_dir=settings.data_dir,
    )
