"""Building a node's puller from its settings (used by the composition root)."""

from __future__ import annotations

import httpx

from federation.downward.pulling import Puller
from federation.downward.sources import DownSource, HttpDownSource, SftpDownSource
from federation.receiving.service import Receiver
from federation.sending.setup import NoParent, build_transport, has_parent, parent_link_signer
from federation.sftp.client import SftpTransport
from federation.verify.endpoints import parent_verifier
from node.settings import NodeSettings


def build_puller(settings: NodeSettings, receiver: Receiver) -> Puller:
    """The puller of this node's parent link, over HTTP or SFTP as configured, checking
    the parent's batches with the parent key `fedcrm parent set --parent-key` stored."""
    if not has_parent(settings):
        raise NoParent(
            f"no parent configured: run `fedcrm parent set {settings.data_dir} "
            "--url URL --parent-key KEY` (or --transport sftp ...)"
        )
    verifier = parent_verifier(settings)
    if verifier is None:
        raise NoParent(
            "no parent key to check the parent's batches with: run `fedcrm parent set "
            f"{settings.data_dir} --url URL --parent-key KEY`"
        )
    return Puller(receiver, _source(settings), verifier)


def _source(settings: NodeSettings) -> DownSource:
    """Where the parent's batches are found: over HTTP, or in the SFTP outbox."""
    signer = parent_link_signer(settings)
    fed = settings.federation
    if fed.transport == "sftp":
        transport = build_transport(settings, signer)
        assert isinstance(transport, SftpTransport)
        return SftpDownSource(transport, fed.receive_max_bytes)
    url = (settings.node.parent_url or "").rstrip("/")
    client = httpx.Client(base_url=url, timeout=fed.timeout_seconds)
    return HttpDownSource(settings.node.code, signer, client)
