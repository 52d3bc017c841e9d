"""What a node has still to make of the publications of the nodes above (docs/federation.md
rule 11): the articles, files and questionnaires HQ or a province hands down arrive as
publication rows, and each is made into a local row that records the publication's
`origin_version` it was made from (`source_version`). A publication is pending while no
local row holds its current version, so a node that stopped half-way makes the rest on
its next pull."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session


def pending_publications(
    session: Session, publication: Any, made_as: Any, owners: tuple[str, ...], withdrawals: bool
) -> list[Any]:
    """The rows of `publication` (a Replicated model) from `owners` that no `made_as` row
    (same id, a `source_version` column) holds at their version yet, oldest change
    first. With `withdrawals`, a tombstone is pending only where a made row is held
    (there is something to withdraw); without, tombstones are never pending."""
    made = select(made_as.id).where(
        made_as.id == publication.id, made_as.source_version == publication.origin_version
    )
    held = select(made_as.id).where(made_as.id == publication.id)
    live = publication.deleted_at.is_(None)
    stmt = select(publication).where(
        publication.origin.in_(owners),
        ~exists(made),
        or_(live, exists(held)) if withdrawals else live,
    )
    return list(session.execute(stmt.order_by(publication.seq)).scalars())
