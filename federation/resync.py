"""Progress of a resync: what the child holds versus what this node has received."""

from __future__ import annotations

from sqlalchemy import func, select

from federation.batches.signatures import Signer
from federation.registry.models import Checkpoint
from federation.registry.service import active_child
from federation.registry.topology import in_subtree
from federation.verify.client import VerifyError, fetch_child_digests
from node.db.unit_of_work import Database
from node.settings import Level


def expected_rows(db: Database, code: str, signer: Signer) -> int | None:
    """Rows the child holds in its subtree (from its digest endpoint, asked with this
    node's own key), or None if unknown."""
    with db.unit_of_work(write=False) as session:
        child = active_child(session, code)
        if child is None or not child.url:
            return None
        url, level = child.url, Level(child.level)
    try:
        tables = fetch_child_digests(url, code, signer)
    except VerifyError:
        return None
    return sum(
        int(v["rows"])
        for per_origin in tables.values()
        for origin, v in per_origin.items()
        if in_subtree(code, level, origin)
    )


def received_rows(db: Database, code: str) -> int:
    with db.unit_of_work(write=False) as session:
        total = session.execute(
            select(func.coalesce(func.sum(Checkpoint.rows_received), 0)).where(
                Checkpoint.sender == code
            )
        ).scalar_one()
    return int(total)
