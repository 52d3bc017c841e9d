"""The 「相关知识」 panel beside a ticket and on the customer 360: the titles of the
articles node.knowledge.suggestions picks, for a viewer who may read the knowledge base
(None for one who may not: the page shows no panel)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.knowledge.audiences import reach_of
from node.knowledge.suggestions import Suggestion, suggest_for_customer, suggest_for_ticket
from node.tickets.models import Ticket

PANEL_SIZE = 5


@dataclass(frozen=True)
class SuggestedLink:
    """One line of the panel: the article's reader page, its title, whether must-read."""

    article_id: uuid.UUID
    title: str
    must_read: bool


def _links(found: list[Suggestion]) -> list[SuggestedLink]:
    return [SuggestedLink(s.article.id, s.title, s.article.must_read) for s in found]


def ticket_suggestions(
    session: Session, viewer: Viewer, ticket: Ticket
) -> list[SuggestedLink] | None:
    """The panel beside a ticket the viewer may read; None without kb:read."""
    if not viewer.can(Perm.kb_read):
        return None
    return _links(suggest_for_ticket(session, ticket, reach_of(session, viewer), PANEL_SIZE))


def customer_suggestions(
    session: Session, viewer: Viewer, customer_id: uuid.UUID
) -> list[SuggestedLink] | None:
    """The panel on the 360 of a customer the viewer may read; None without kb:read."""
    if not viewer.can(Perm.kb_read):
        return None
    reach = reach_of(session, viewer)
    return _links(suggest_for_customer(session, customer_id, reach, PANEL_SIZE))
