"""/api/v1/kb/articles/{id}/feedback: a reader answers 有帮助 / 没帮助 on an article they
may read (kb:read; the latest answer wins), an editor (kb:write) reads the article's
views and answers over the whole subtree this node holds, per node, with its comments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from node.api.deps import SessionDep, require
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.knowledge import articles
from node.knowledge.audiences import reach_of
from node.knowledge.feedback import give_feedback
from node.knowledge.feedback_figures import Figures, article_totals, feedback_report, own_answer
from node.knowledge.feedback_schemas import (
    FeedbackCountsOut,
    FeedbackIn,
    FeedbackQuery,
    FeedbackReportOut,
)

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
Reader = Annotated[Viewer, Depends(require(Perm.kb_read))]
Writer = Annotated[Viewer, Depends(require(Perm.kb_write))]


def figures_out(figures: Figures) -> dict[str, Any]:
    """A Figures as the API answers it."""
    return {
        "views": figures.views,
        "views_30d": figures.views_30d,
        "helpful": figures.helpful,
        "not_helpful": figures.not_helpful,
        "helpful_share": figures.helpful_share,
    }


@router.post("/articles/{article_id}/feedback", response_model=FeedbackCountsOut)
def answer(
    article_id: uuid.UUID, body: FeedbackIn, viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """有帮助 / 没帮助 on an article the caller may read (else 404: a draft, one outside
    its dates or its audience), with an optional
    comment; answering again replaces the earlier answer. Returns the article's counts."""
    reach = reach_of(session, viewer)
    article = articles.readable_article(session, article_id, False, reach)
    user = viewer.user
    give_feedback(session, article.id, user.id, user.username, body.helpful, body.comment)
    detail = {"helpful": body.helpful}
    record_by(session, viewer, "kb.article_feedback", "kb_article", article.id, detail)
    totals = article_totals(session, article.id, articles.today())
    mine = own_answer(session, article.id, user.id)
    return {
        **figures_out(totals),
        "article_id": article.id,
        "mine": None
        if mine is None
        else {"helpful": mine.helpful, "comment": mine.comment, "updated_at": mine.updated_at},
    }


@router.get("/articles/{article_id}/feedback", response_model=FeedbackReportOut)
def report(
    article_id: uuid.UUID,
    query: Annotated[FeedbackQuery, Query()],
    viewer: Writer,
    session: SessionDep,
) -> dict[str, Any]:
    """The article's views (all time, last 30 days) and answers over every node this
    node holds rows of (itself and its subtree: at HQ every city's reads of HQ's
    article), per node, and its latest comments (`limit` from `offset`, with the total)."""
    article = articles.get_article(session, article_id)
    found = feedback_report(session, article.id, articles.today(), query.limit, query.offset)
    return {
        **figures_out(found.total),
        "article_id": article.id,
        "by_origin": [{"origin": o, **figures_out(f)} for o, f in found.by_origin.items()],
        "comments": [vars(c) for c in found.comments],
        "comments_total": found.comments_total,
        "limit": query.limit,
        "offset": query.offset,
    }
