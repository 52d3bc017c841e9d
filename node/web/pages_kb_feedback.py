"""有帮助 / 没帮助 in the browser (issue 22 §3): a reader answers on an article they may
read, with an optional comment, and is shown the article again with their answer; a
second answer replaces the first. A bad form (no answer, a comment too long) is shown
on the article's page beside its field, with the API's status, never as a 5xx."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.errors import InvalidFields
from node.knowledge import articles
from node.knowledge.audiences import reach_of
from node.knowledge.feedback import give_feedback
from node.knowledge.feedback_schemas import FeedbackIn
from node.web.errors import WebRoute
from node.web.forms import parse
from node.web.i18n import translator
from node.web.kb_article_view import article_page
from node.web.kb_form_errors import kb_form_errors
from node.web.rendering import lang_of
from node.web.session import PostingViewer, need

router = APIRouter(prefix="/ui/kb/articles", include_in_schema=False, route_class=WebRoute)
ANSWERS = {"1": True, "0": False}  # the value of the button pressed


@router.post("/{article_id}/feedback")
async def answer(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """The reader's answer on an article they may read (else the 404 page: one outside
    its dates or its audience); back to the article."""
    need(viewer, Perm.kb_read)
    article = articles.readable_article(session, article_id, False, reach_of(session, viewer))
    form = await request.form()
    lang = lang_of(request)
    raw_helpful, comment = str(form.get("helpful", "")), str(form.get("comment", ""))
    try:
        if raw_helpful not in ANSWERS:
            raise InvalidFields({"helpful": translator(lang)("kbf.pick")})
        values = {"helpful": ANSWERS[raw_helpful], "comment": comment}
        body = parse(FeedbackIn, values, lang)
        assert isinstance(body, FeedbackIn)
    except InvalidFields as exc:
        errors = kb_form_errors(exc, lang, ("helpful", "comment"))
        return article_page(request, session, viewer, article, errors.fields, errors.message,
                            errors.status_code, {"comment": comment})  # fmt: skip
    user = viewer.user
    give_feedback(session, article.id, user.id, user.username, body.helpful, body.comment)
    detail = {"helpful": body.helpful}
    record_by(session, viewer, "kb.article_feedback", "kb_article", article.id, detail)
    return RedirectResponse(f"/ui/kb/articles/{article_id}?done=feedback", status_code=303)
