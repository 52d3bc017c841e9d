"""The approval flow: draft -> in_review (submit) -> published (approve) or back to
draft (send back, with a reason) -> archived; each move recorded with who and when. A
reviewer may not approve or send back a version they wrote or submitted."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.errors import Conflict
from node.knowledge.models import KbArticle, KbStep, Status
from node.knowledge.ownership import ensure_own
from node.knowledge.publications import sync_publication
from node.knowledge.search_index import unindex_version
from node.knowledge.versions import get_version


def steps_of(session: Session, article_id: uuid.UUID) -> list[KbStep]:
    """The article's moves through the approval flow, oldest first."""
    stmt = select(KbStep).where(KbStep.article_id == article_id).order_by(KbStep.at, KbStep.id)
    return list(session.execute(stmt).scalars())


def _move(
    session: Session, article: KbArticle, to: Status, allowed_from: Status, by: str, reason: str
) -> KbStep:
    ensure_own(session, article)
    if article.status != allowed_from.value:
        raise Conflict(
            f"status: cannot move from {article.status} to {to.value} "
            f"(only from {allowed_from.value})"
        )
    step = KbStep(
        article_id=article.id,
        number=article.latest_number,
        from_status=article.status,
        to_status=to.value,
        by=by,
        at=utcnow(),
        reason=reason,
    )
    session.add(step)
    article.status, article.updated_at = to.value, step.at
    session.flush()
    return step


def submit(session: Session, article: KbArticle, username: str) -> KbStep:
    """draft -> in_review."""
    return _move(session, article, Status.in_review, Status.draft, username, "")


def _submitter(session: Session, article: KbArticle) -> str | None:
    stmt = (
        select(KbStep.by)
        .where(
            KbStep.article_id == article.id,
            KbStep.number == article.latest_number,
            KbStep.to_status == Status.in_review.value,
        )
        .order_by(KbStep.at.desc(), KbStep.id.desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()


def _check_reviewer(session: Session, article: KbArticle, username: str) -> None:
    version = get_version(session, article.id, article.latest_number)
    submitter = _submitter(session, article)
    if username in (submitter, version.created_by) and article.status == Status.in_review.value:
        raise Conflict(
            f"reviewer: {username} wrote or submitted version {version.number} "
            "and cannot review it: another reviewer must"
        )


def approve(session: Session, article: KbArticle, username: str) -> KbStep:
    """in_review -> published: the newest version becomes the one readers see."""
    _check_reviewer(session, article, username)
    step = _move(session, article, Status.published, Status.in_review, username, "")
    superseded = article.published_number
    article.published_number, article.published_at = article.latest_number, step.at
    if superseded is not None and superseded != article.latest_number:
        unindex_version(session, article.id, superseded)
    session.flush()
    sync_publication(session, article)
    return step


def send_back(session: Session, article: KbArticle, username: str, reason: str) -> KbStep:
    """in_review -> draft, with the reviewer's reason."""
    _check_reviewer(session, article, username)
    return _move(session, article, Status.draft, Status.in_review, username, reason)


def archive(session: Session, article: KbArticle, username: str, reason: str) -> KbStep:
    """published -> archived: readers see it no more."""
    step = _move(session, article, Status.archived, Status.published, username, reason)
    sync_publication(session, article)
    return step
