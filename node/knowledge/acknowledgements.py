"""Must-read acknowledgements: a reader's 已阅 (once per reader and article) and, for
editors, who has acknowledged an article and which of this node's people have not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.db.types import utcnow
from node.errors import Conflict
from node.knowledge.audience_rules import ReaderFacts, reaches, rule_of
from node.knowledge.models import KbAck, KbArticle, KbAudience

# Who may read the knowledge base without being a person: the PBX connector reads nothing.
MACHINE_ROLES = frozenset({Role.cti.value})


def acknowledge(session: Session, article: KbArticle, user: User) -> tuple[KbAck, bool]:
    """The reader's acknowledgement of a must-read article, and whether it is new."""
    if not article.must_read:
        raise Conflict(f"must_read: article {article.id} is not a must-read article")
    held = session.execute(
        select(KbAck).where(KbAck.article_id == article.id, KbAck.user_id == user.id)
    ).scalar_one_or_none()
    if held is not None:
        return held, False
    assert article.published_number is not None  # a reader sees only published articles
    ack = KbAck(
        article_id=article.id,
        user_id=user.id,
        username=user.username,
        number=article.published_number,
        acked_at=utcnow(),
    )
    session.add(ack)
    session.flush()
    return ack, True


def acks_of(session: Session, article: KbArticle) -> tuple[list[tuple[KbAck, str]], list[User]]:
    """Who acknowledged the article, when (with display names), and which of this
    node's active users (people, not machines) it is for have not yet."""
    acked = session.execute(
        select(KbAck, User.display_name)
        .join(User, User.id == KbAck.user_id)
        .where(KbAck.article_id == article.id)
        .order_by(KbAck.acked_at, KbAck.id)
    ).all()
    done = select(KbAck.user_id).where(KbAck.article_id == article.id)
    pending = session.execute(
        select(User)
        .where(
            User.origin == session.info["node_code"],
            User.deleted_at.is_(None),
            User.active.is_(True),
            User.role.not_in(MACHINE_ROLES),
            User.id.not_in(done),
        )
        .order_by(User.username)
    ).scalars()
    return [(ack, name) for ack, name in acked], _in_audience(session, article, list(pending))


def _in_audience(session: Session, article: KbArticle, users: list[User]) -> list[User]:
    """Those of `users` the article's audience reaches (all, for an article for all)."""
    audience = session.get(KbAudience, article.audience_id) if article.audience_id else None
    if audience is None:
        return users
    rule, here = rule_of(audience), session.info["node_code"]
    return [u for u in users if reaches(rule, ReaderFacts(u.role, here, u.service_area))]
