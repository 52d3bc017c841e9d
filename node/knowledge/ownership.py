"""Folders and articles from above are read-only here (docs/federation.md rule 11):
only the node that published them changes them, and nothing of this node's goes inside
one of their folders."""

from __future__ import annotations

from sqlalchemy.orm import Session

from node.errors import Conflict
from node.knowledge.models import KbArticle, KbAudience, KbFolder


def ensure_own(session: Session, row: KbArticle | KbFolder | KbAudience) -> None:
    """409 naming the owner when `row` came from a node above."""
    here: str = session.info["node_code"]
    if row.owner != here:
        what = {KbArticle: "article", KbFolder: "folder"}.get(type(row), "audience")
        raise Conflict(
            f"owner: this {what} belongs to node {row.owner}; only node {row.owner} "
            f"may change it (this node is {here})"
        )
