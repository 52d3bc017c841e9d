"""The knowledge base's part in the pull from the parent: what arrived from above
becomes read-only articles, in one transaction after each pull."""

from __future__ import annotations

import logging

from node.db.unit_of_work import Database
from node.knowledge.from_above import take_from_above

log = logging.getLogger("fedcrm.knowledge")


def take_articles_from_above(db: Database) -> int:
    """Make the articles published above since the last pull; how many were taken."""
    with db.unit_of_work() as session:
        taken = take_from_above(session)
    if taken:
        log.info("knowledge base: %d article(s) from above made or withdrawn", taken)
    return taken
