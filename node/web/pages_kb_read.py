"""Reading a knowledge-base article (issue 22 §3): the published version rendered, 必读
with its 我已阅读 button and, once clicked, when the reader acknowledged it. A reader
sees only what the API shows them (published, inside its dates, for an audience they
are in; anything else is the 404 page); an editor sees every article with its draft
and approval steps."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep, writes_on_read
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.db.types import utcnow
from node.knowledge import acknowledgements, articles
from node.knowledge.audiences import reach_of
from node.knowledge.feedback import note_read
from node.web.errors import WebRoute
from node.web.kb_article_view import article_page
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/kb/articles", include_in_schema=False, route_class=WebRoute)


@router.get("/{article_id}")
@writes_on_read  # a reader's read counts one view (node.knowledge.feedback)
def read_article(
    request: Request, article_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The article as the viewer may see it; a missing or hidden one is a 404 page. A
    reader's read counts one view, but not the page shown again after their own action
    (已阅, an answer), which redirects here with `done`."""
    need(viewer, Perm.kb_read)
    editor, reach = viewer.can(Perm.kb_write), reach_of(session, viewer)
    article = articles.readable_article(session, article_id, editor, reach)
    if not request.query_params.get("done"):
        note_read(session, article, editor, utcnow())
    return article_page(request, session, viewer, article)


@router.post("/{article_id}/ack")
def acknowledge(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """我已阅读: the reader acknowledges a must-read article they can see (again is a
    no-op), then sees the article saying when; 409 for an article not must-read."""
    need(viewer, Perm.kb_read)
    article = articles.readable_article(session, article_id, False, reach_of(session, viewer))
    _, new = acknowledgements.acknowledge(session, article, viewer.user)
    if new:
        record_by(session, viewer, "kb.article_acknowledged", "kb_article", article.id)
    return RedirectResponse(f"/ui/kb/articles/{article_id}?done=acked", status_code=303)
