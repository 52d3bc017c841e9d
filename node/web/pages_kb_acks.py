"""Who has read a must-read article (issue 22 §4, kb:write): the readers who clicked
我已阅读, which version and when, and this node's active people who have not yet
(acknowledgements.acks_of: machines such as the PBX connector are not expected to read)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.knowledge import acknowledgements, articles
from node.web.errors import WebRoute
from node.web.rendering import render
from node.web.session import WebViewer, need
from node.web.tables import time_cell

router = APIRouter(prefix="/ui/kb/articles", include_in_schema=False, route_class=WebRoute)


@router.get("/{article_id}/acks")
def acks(
    request: Request, article_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """Acknowledged (in the order they clicked) and not yet (by username)."""
    need(viewer, Perm.kb_write)
    article = articles.get_article(session, article_id)
    acked, pending = acknowledgements.acks_of(session, article)
    context = {
        "a": article,
        "acked": [
            {"name": name, "username": ack.username, "number": ack.number,
             "at": str(time_cell(ack.acked_at))}
            for ack, name in acked
        ],
        "pending": [{"name": u.display_name, "username": u.username} for u in pending],
    }  # fmt: skip
    return render(request, "kb_acks.html", viewer, context)
