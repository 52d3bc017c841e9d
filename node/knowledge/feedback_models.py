"""Readers' 有帮助 / 没帮助 answers and the article reads a node counts, both replicated
upward (issue 22 §3) so an article's owner sees what every node below says of it: an
article from above keeps its owner's id at every level, so the rows of HQ's article at a
city name the id HQ's own row has."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Boolean, Date, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.value_rules import within
from node.knowledge.models import USERNAME_MAX

COMMENT_MAX = 500
# A day's reads of one article at one node fit PostgreSQL's integer; the value rule keeps
# a child from sending what the column would refuse (docs/federation.md rule 12).
VIEWS_MAX = 2**31 - 1


class KbFeedback(Replicated, Base):
    """One reader's latest answer on one article at the node they read it: changed in
    place when they answer again, so the latest wins and a reader counts once."""

    __tablename__ = "kb_feedback"
    __table_args__ = (
        UniqueConstraint("origin", "user_id", "article_id"),
        # The owner's figures read one article's rows over every origin.
        Index("ix_kb_feedback_article_id", "article_id"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX), default=None)


class KbViewCount(Replicated, Base):
    """How often one article was read at one node on one office day (Asia/Shanghai)."""

    __tablename__ = "kb_view_counts"
    __table_args__ = (
        UniqueConstraint("origin", "article_id", "day"),
        Index("ix_kb_view_counts_article_id_day", "article_id", "day"),
    )

    article_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    day: Mapped[date] = mapped_column(Date)
    views: Mapped[int] = mapped_column(Integer, default=0, info=within(0, VIEWS_MAX))
