"""Search the knowledge base in Chinese, the way customers are found: a query is split
into character bigrams (one character stays itself) that a version's terms must all hold,
and a query of three or more characters is rechecked as the phrase itself; two or more
Latin letters also match the title's pinyin or initials by prefix. Title hits come
first, then the newest version; pages continue after a cursor on that order."""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from node.api.pagination import NOT_ISSUED
from node.customers.search_terms import clean, fragment_terms
from node.errors import invalid
from node.knowledge.articles import visible_now
from node.knowledge.models import KbArticle, KbArticleVersion, KbSearchTerm, Status

PINYIN = re.compile(r"^[a-z]{2,40}$")


@dataclass
class Hit:
    article: KbArticle
    version: KbArticleVersion
    title_hit: bool


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _holds_all(terms: list[str]) -> Select:
    """The versions whose terms include every one of `terms`."""
    wanted = sorted(set(terms))
    return (
        select(KbSearchTerm.version_id)
        .where(KbSearchTerm.term.in_(wanted))
        .group_by(KbSearchTerm.version_id)
        .having(func.count() == len(wanted))
    )


def _pinyin_prefix(query: str) -> Select:
    """The versions whose title has a term (pinyin, initials) starting with `query`."""
    return select(KbSearchTerm.version_id).where(
        KbSearchTerm.in_title.is_(True),
        KbSearchTerm.term >= query,
        KbSearchTerm.term < query + "{",  # "{" sorts right after "z"
    )


def encode_cursor(hit: Hit) -> str:
    raw = orjson.dumps(
        [int(hit.title_hit), hit.version.created_at.isoformat(), str(hit.article.id)]
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime, uuid.UUID]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        title_hit, at, article_id = data
        if title_hit not in (0, 1) or isinstance(title_hit, bool):
            raise ValueError("not a rank")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive")
        return title_hit, when.astimezone(UTC), uuid.UUID(article_id)
    except (ValueError, TypeError, ArithmeticError):
        raise invalid("cursor", NOT_ISSUED) from None


def _matching(query: str, include_drafts: bool) -> tuple[Select, ColumnElement[int]] | None:
    """The rows (article, version, title_hit) matching `query`, unordered, with the
    title_hit expression; None when the query holds nothing to search by."""
    text = query.strip()
    terms = fragment_terms(text)
    if not terms:
        return None
    compact = clean(text)
    pinyin = PINYIN.match(compact) is not None
    title_like = func.lower(KbArticleVersion.title).like(_like(text), escape="\\")
    body_like = func.lower(KbArticleVersion.body).like(_like(text), escape="\\")
    text_match: ColumnElement[bool] = KbArticleVersion.id.in_(_holds_all(terms))
    if len(text) > 2:  # a set of bigrams also matches scattered pieces: keep the phrase
        text_match = and_(text_match, or_(title_like, body_like))
    pinyin_match: ColumnElement[bool] = (
        KbArticleVersion.id.in_(_pinyin_prefix(compact)) if pinyin else false()
    )
    title_hit = case((or_(and_(text_match, title_like), pinyin_match), 1), else_=0)
    stmt = (
        select(KbArticle, KbArticleVersion, title_hit.label("title_hit"))
        .join(KbArticleVersion, KbArticleVersion.article_id == KbArticle.id)
        .where(or_(text_match, pinyin_match))
    )
    if include_drafts:
        stmt = stmt.where(
            KbArticleVersion.number == KbArticle.latest_number,
            KbArticle.status != Status.archived.value,
        )
    else:
        stmt = stmt.where(KbArticleVersion.number == KbArticle.published_number, *visible_now())
    return stmt, title_hit


def matching_versions(query: str, include_drafts: bool) -> Select | None:
    """Every row `search` pages through for `query`, unordered (to count them); None
    when the query holds nothing to search by."""
    found = _matching(query, include_drafts)
    return found[0] if found is not None else None


def search(
    session: Session, query: str, include_drafts: bool, limit: int, cursor: str | None
) -> tuple[list[Hit], str | None]:
    """One page of the articles matching `query`: for readers the published versions
    they may see; with `include_drafts` (editors) every article's newest version."""
    after = decode_cursor(cursor) if cursor else None
    found = _matching(query, include_drafts)
    if found is None:
        return [], None
    stmt, title_hit = found
    if after is not None:
        rank, at, article_id = after
        stmt = stmt.where(
            or_(
                title_hit < rank,
                and_(
                    title_hit == rank,
                    or_(
                        KbArticleVersion.created_at < at,
                        and_(KbArticleVersion.created_at == at, KbArticle.id < article_id),
                    ),
                ),
            )
        )
    stmt = stmt.order_by(title_hit.desc(), KbArticleVersion.created_at.desc(), KbArticle.id.desc())
    rows = session.execute(stmt.limit(limit + 1)).all()
    hits = [Hit(article, version, bool(hit)) for article, version, hit in rows[:limit]]
    next_cursor = encode_cursor(hits[-1]) if len(rows) > limit else None
    return hits, next_cursor
