"""The article page's feedback parts (issue 22 §3): for an editor the 「读者反馈」 panel,
the article's views and answers over every node this node holds rows of, per node, with
a page of the latest comments; for a reader of a visible article the 有帮助 / 没帮助
form and their current answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.knowledge import articles
from node.knowledge.audiences import is_reached, reach_of
from node.knowledge.feedback_figures import Figures, feedback_report, own_answer
from node.knowledge.feedback_schemas import MAX_OFFSET
from node.knowledge.models import KbArticle
from node.web.tables import time_cell

PANEL_COMMENTS = 10
OFFSET_PARAM = "fb_offset"


@dataclass(frozen=True)
class Line:
    """One row of the panel's table: a node (or the total) and its figures."""

    name: str
    views: int
    views_30d: int
    helpful: int
    not_helpful: int
    share: str  # "66.7%", or "" before anyone answered


def _line(name: str, figures: Figures) -> Line:
    share = figures.helpful_share
    shown = "" if share is None else f"{share:.1%}"
    return Line(name, figures.views, figures.views_30d, figures.helpful, figures.not_helpful,
                shown)  # fmt: skip


def _offset(request: Request) -> int:
    """The comments page asked for; anything but a whole number in range is the first."""
    raw = request.query_params.get(OFFSET_PARAM, "")
    if not raw.isdigit() or len(raw) > 7:
        return 0
    return min(int(raw), MAX_OFFSET)


def editor_panel(request: Request, session: Session, article: KbArticle) -> dict[str, Any]:
    """The 「读者反馈」 panel's figures, per node and in all, and a page of comments."""
    offset = _offset(request)
    found = feedback_report(session, article.id, articles.today(), PANEL_COMMENTS, offset)
    older = offset + PANEL_COMMENTS
    return {
        "total": _line("", found.total),
        "nodes": [_line(origin, f) for origin, f in found.by_origin.items()],
        "comments": [
            {
                "origin": c.origin,
                "username": c.username,
                "helpful": c.helpful,
                "comment": c.comment,
                "at": str(time_cell(c.updated_at)),
            }
            for c in found.comments
        ],
        "comments_total": found.comments_total,
        "older": older if older < found.comments_total else None,
        "newer": max(offset - PANEL_COMMENTS, 0) if offset else None,
        "param": OFFSET_PARAM,
    }


def reader_part(session: Session, viewer: Viewer, article: KbArticle) -> dict[str, Any] | None:
    """The 有帮助 / 没帮助 form with the viewer's answer; None where they may not answer
    (an article readers cannot see now or whose audience leaves the viewer out, a
    viewer without kb:read)."""
    if not viewer.can(Perm.kb_read) or not articles.is_visible(article):
        return None
    if not is_reached(article, reach_of(session, viewer)):
        return None  # an editor outside the audience reads it, but answers as no reader
    mine = own_answer(session, article.id, viewer.user.id)
    if mine is None:
        return {"helpful": None, "comment": "", "at": ""}
    return {"helpful": mine.helpful, "comment": mine.comment or "",
            "at": str(time_cell(mine.updated_at))}  # fmt: skip
