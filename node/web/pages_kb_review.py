"""The approval flow in the browser (issue 22 §4): an editor submits a draft (kb:write);
a reviewer approves it, sends it back with a reason or archives a published article
(kb:review). A refusal (a reviewer approving what they wrote or submitted, a move the
state does not allow, a missing reason) is shown on the article's page beside the form,
with the API's status, never as a 5xx."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import DomainError
from node.knowledge import articles, review
from node.knowledge.models import KbArticle, KbStep
from node.knowledge.schemas import ArchiveIn, ReasonIn
from node.web.errors import WebRoute
from node.web.forms import parse
from node.web.kb_article_view import article_page
from node.web.kb_form_errors import kb_form_errors
from node.web.rendering import lang_of
from node.web.session import PostingViewer, need

router = APIRouter(prefix="/ui/kb/articles", include_in_schema=False, route_class=WebRoute)
Move = Callable[[Session, KbArticle, str], KbStep]
DONE = {"in_review": "submitted", "published": "approved", "draft": "sent_back",
        "archived": "archived"}  # fmt: skip


async def _moved(
    request: Request, article_id: uuid.UUID, viewer: Viewer, session: Session, move: Move
) -> Response:
    """Make the move; on success back to the article, else the article with the refusal."""
    form = await request.form()
    reason = str(form.get("reason", "")).strip()
    article = articles.get_article(session, article_id)
    try:
        step = move(session, article, reason)
    except DomainError as exc:
        session.rollback()
        errors = kb_form_errors(exc, lang_of(request), ("reason",))
        shown = articles.get_article(session, article_id)
        return article_page(
            request, session, viewer, shown, errors.fields, errors.message, errors.status_code,
            {"reason": reason},
        )  # fmt: skip
    detail = {"number": step.number, "from": step.from_status, "to": step.to_status}
    record_by(session, viewer, f"kb.article_{step.to_status}", "kb_article", article.id, detail)
    done = DONE[step.to_status]
    return RedirectResponse(f"/ui/kb/articles/{article_id}?done={done}", status_code=303)


@router.post("/{article_id}/submit")
async def submit_article(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """draft → in review."""
    need(viewer, Perm.kb_write)
    username = viewer.user.username
    return await _moved(
        request, article_id, viewer, session, lambda s, a, _: review.submit(s, a, username)
    )


@router.post("/{article_id}/approve")
async def approve_article(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """in review → published (refused to the one who wrote or submitted it)."""
    need(viewer, Perm.kb_review)
    username = viewer.user.username
    return await _moved(
        request, article_id, viewer, session, lambda s, a, _: review.approve(s, a, username)
    )


@router.post("/{article_id}/send-back")
async def send_back_article(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """in review → draft, with the reason the editor reads (required)."""
    need(viewer, Perm.kb_review)
    username, lang = viewer.user.username, lang_of(request)

    def send_back(s: Session, a: KbArticle, reason: str) -> KbStep:
        body = parse(ReasonIn, {"reason": reason or None}, lang)
        assert isinstance(body, ReasonIn)
        return review.send_back(s, a, username, body.reason)

    return await _moved(request, article_id, viewer, session, send_back)


@router.post("/{article_id}/archive")
async def archive_article(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """published → archived: readers see it no more."""
    need(viewer, Perm.kb_review)
    username, lang = viewer.user.username, lang_of(request)

    def archive(s: Session, a: KbArticle, reason: str) -> KbStep:
        body = parse(ArchiveIn, {"reason": reason}, lang)
        assert isinstance(body, ArchiveIn)
        return review.archive(s, a, username, body.reason)

    return await _moved(request, article_id, viewer, session, archive)
