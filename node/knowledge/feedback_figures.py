"""What an article's owner (or any editor) reads of its feedback: every row this node
holds for the article, its own and its subtree's (replicated up under the same article
id), summed over the whole and per node; and the latest comments, a page at a time.
Three grouped reads over the article's rows, whatever the number of readers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.knowledge.feedback_models import KbFeedback, KbViewCount

RECENT_DAYS = 30  # "the last 30 days": today and the 29 office days before it


@dataclass
class Figures:
    """Views (all time, last 30 days) and answers of one node, or of all of them."""

    views: int = 0
    views_30d: int = 0
    helpful: int = 0
    not_helpful: int = 0

    @property
    def helpful_share(self) -> float | None:
        """有帮助 among all answers; None before anyone answered."""
        answers = self.helpful + self.not_helpful
        return self.helpful / answers if answers else None

    def add(self, other: Figures) -> None:
        self.views += other.views
        self.views_30d += other.views_30d
        self.helpful += other.helpful
        self.not_helpful += other.not_helpful


@dataclass(frozen=True)
class Comment:
    origin: str
    username: str
    helpful: bool
    comment: str
    updated_at: datetime


@dataclass
class FeedbackReport:
    total: Figures
    by_origin: dict[str, Figures]  # node code -> its figures, by code
    comments: list[Comment] = field(default_factory=list)
    comments_total: int = 0


def _by_origin(session: Session, article_id: uuid.UUID, today: date) -> dict[str, Figures]:
    figures: dict[str, Figures] = {}
    since = today - timedelta(days=RECENT_DAYS - 1)
    V = KbViewCount
    recent = func.sum(V.views).filter(V.day >= since, V.day <= today)
    views = select(V.origin, func.sum(V.views), recent).where(
        V.article_id == article_id, V.deleted_at.is_(None)
    )
    for origin, total, last in session.execute(views.group_by(V.origin)):
        figures.setdefault(origin, Figures()).add(Figures(int(total or 0), int(last or 0)))
    F = KbFeedback
    yes = func.count().filter(F.helpful.is_(True))
    no = func.count().filter(F.helpful.is_(False))
    answers = select(F.origin, yes, no).where(F.article_id == article_id, F.deleted_at.is_(None))
    for origin, helpful, not_helpful in session.execute(answers.group_by(F.origin)):
        figures.setdefault(origin, Figures()).add(Figures(0, 0, int(helpful), int(not_helpful)))
    return dict(sorted(figures.items()))


def _comments(
    session: Session, article_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Comment], int]:
    F = KbFeedback
    where = (
        F.article_id == article_id,
        F.deleted_at.is_(None),
        F.comment.is_not(None),
        F.comment != "",
    )
    total = session.execute(select(func.count()).select_from(F).where(*where)).scalar_one()
    rows = session.execute(
        select(F.origin, F.username, F.helpful, F.comment, F.updated_at)
        .where(*where)
        .order_by(F.updated_at.desc(), F.id.desc())
        .limit(limit)
        .offset(offset)
    )
    page = [Comment(o, u, bool(h), c or "", at) for o, u, h, c, at in rows]
    return page, int(total)


def _summed(by_origin: dict[str, Figures]) -> Figures:
    total = Figures()
    for figures in by_origin.values():
        total.add(figures)
    return total


def article_totals(session: Session, article_id: uuid.UUID, today: date) -> Figures:
    """The article's views and answers over every node whose rows this node holds."""
    return _summed(_by_origin(session, article_id, today))


def feedback_report(
    session: Session, article_id: uuid.UUID, today: date, limit: int, offset: int
) -> FeedbackReport:
    """The article's figures over every node whose rows this node holds, per node, and
    a page of its latest comments (`limit` from `offset`, newest first)."""
    by_origin = _by_origin(session, article_id, today)
    comments, count = _comments(session, article_id, limit, offset)
    return FeedbackReport(_summed(by_origin), by_origin, comments, count)


def own_answer(session: Session, article_id: uuid.UUID, user_id: uuid.UUID) -> KbFeedback | None:
    """The user's answer on the article at this node, if they gave one."""
    F = KbFeedback
    stmt = select(F).where(
        F.origin == session.info["node_code"],
        F.user_id == user_id,
        F.article_id == article_id,
        F.deleted_at.is_(None),
    )
    return session.execute(stmt).scalar_one_or_none()
