"""Readers' feedback and view counts of knowledge-base articles (issue 22 §3), written
as one upsert each: a reader's answer replaces their earlier one (the latest wins), a
read adds one to the (node, article, office day) row. Both tables replicate upward, so
an article's owner reads every node's rows under the same article id.

The upserts bypass the ORM (a read must cost one statement, and two clicks at once must
not race to insert the same row), so they stamp what node.db.stamping stamps on an ORM
change themselves: this node's origin, its next seq (docs/federation.md rule 2, taken
before the write as the flush hook takes it), the origin version one up, now."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from node.db.base import new_id, table_of
from node.db.counters import SEQ, allocate
from node.db.types import utcnow
from node.knowledge.articles import is_visible
from node.knowledge.feedback_models import VIEWS_MAX, KbFeedback, KbViewCount
from node.knowledge.models import KbArticle
from node.office_time import OFFICE_TZ


def office_day(at: datetime) -> date:
    """The office day (Asia/Shanghai) a moment falls on: 16:30 UTC is the next day."""
    return at.astimezone(OFFICE_TZ).date()


def _insert(session: Session, model: type[KbFeedback] | type[KbViewCount]) -> Any:
    table = table_of(model)
    if session.connection().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _stamp(session: Session, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "origin": session.info["node_code"],
        "seq": allocate(session, SEQ, 1),
        "origin_version": 1,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
    }


def give_feedback(
    session: Session,
    article_id: uuid.UUID,
    user_id: uuid.UUID,
    username: str,
    helpful: bool,
    comment: str | None,
) -> None:
    """The user's answer on the article at this node, replacing any earlier one. The
    caller checks that the user may read the article."""
    now = utcnow()
    row = _stamp(session, now)
    values = {"article_id": article_id, "user_id": user_id, "username": username,
              "helpful": helpful, "comment": comment or None}  # fmt: skip
    stmt = _insert(session, KbFeedback).values(**row, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["origin", "user_id", "article_id"],
        set_={
            "username": stmt.excluded.username,
            "helpful": stmt.excluded.helpful,
            "comment": stmt.excluded.comment,
            "seq": stmt.excluded.seq,
            "origin_version": KbFeedback.origin_version + 1,
            "updated_at": stmt.excluded.updated_at,
            "deleted_at": None,
        },
    )
    session.execute(stmt)


def count_view(session: Session, article_id: uuid.UUID, at: datetime) -> None:
    """One read of the article at this node, on the office day `at` falls on."""
    row = _stamp(session, utcnow())
    stmt = _insert(session, KbViewCount).values(
        **row, article_id=article_id, day=office_day(at), views=1
    )
    views = KbViewCount.views
    stmt = stmt.on_conflict_do_update(
        index_elements=["origin", "article_id", "day"],
        set_={
            # Held at the column's bound rather than failing the read past it.
            "views": case((views < literal(VIEWS_MAX), views + 1), else_=views),
            "seq": stmt.excluded.seq,
            "origin_version": KbViewCount.origin_version + 1,
            "updated_at": stmt.excluded.updated_at,
        },
    )
    session.execute(stmt)


def counts_as_view(session: Session, article: KbArticle, editor: bool) -> bool:
    """Whether showing the article now is a reader's read: one readers may see, shown to
    someone who is not its editor here (an editor checking their own article is not a
    reader of it; an editor reading an article from above is)."""
    if not is_visible(article):
        return False
    return not (editor and article.owner == session.info["node_code"])


def note_read(session: Session, article: KbArticle, editor: bool, at: datetime) -> None:
    """Count the read when it is a reader's (counts_as_view)."""
    if counts_as_view(session, article, editor):
        count_view(session, article.id, at)
