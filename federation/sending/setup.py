"""Building a node's sender from its settings (used by the composition root)."""

from __future__ import annotations

from pathlib import Path

from federation.batches.manifest import credential_key
from federation.metrics import FederationMetrics
from federation.sending.http_transport import HttpTransport
from federation.sending.sender import Sender
from node.db.unit_of_work import Database
from node.settings import NodeSettings

CREDENTIAL_FILE = "parent.credential"


class NoParent(Exception):
    """This node has no parent link configured; the message says how to add one."""


def credential_path(settings: NodeSettings) -> Path:
    name = settings.federation.credential_file or CREDENTIAL_FILE
    path = Path(name)
    return path if path.is_absolute() else settings.data_dir / path


def build_sender(
    settings: NodeSettings, db: Database, metrics: FederationMetrics | None = None
) -> Sender:
    url = settings.node.parent_url
    path = credential_path(settings)
    if not url:
        raise NoParent(
            f"no parent configured: run `fedcrm parent set {settings.data_dir} "
            "--url URL --credential-file FILE`"
        )
    if not path.is_file():
        raise NoParent(f"parent credential file {path} is missing: run `fedcrm parent set`")
    key = credential_key(path.read_text(encoding="utf-8"))
    transport = HttpTransport(url, settings.node.code, key, settings.federation.timeout_seconds)
    return Sender(db, transport, key, settings.federation, metrics)
