"""Search the knowledge base in Chinese, the way customers are found: a query is split
into character bigrams (one character stays itself) that a version's terms must all hold,
and a query of three or more characters is rechecked as the phrase itself; two or more
Latin letters also match the title's pinyin or initials by prefix. Title hits come
first, then the newest version; pages continue after a cursor on that order.

A page costs what it shows, not what matches (100,000 articles: docs/benchmarks.md).
Each term's postings are indexed in the order pages show them (term, in_title, rank_at,
version_id), so a query walks its rarest term's postings backwards from the cursor,
checks each candidate (the other terms, the phrase, what the reader may see) and stops
after limit + 1 hits. Title hits and body hits are separate walks, title first."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    exists,
    func,
    not_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from node.api.pagination import NOT_ISSUED
from node.customers.search_terms import clean, fragment_terms
from node.db.types import UTCDateTime
from node.errors import invalid
from node.knowledge.articles import visible_now
from node.knowledge.models import KbArticle, KbArticleVersion, KbSearchTerm, Status

PINYIN = re.compile(r"^[a-z]{2,40}$")
RARITY_CAP = 2000  # postings counted per term to pick the one to walk
Key = tuple[datetime, uuid.UUID]  # a posting's place in a walk: (rank_at, version_id)


@dataclass
class Hit:
    article: KbArticle
    version: KbArticleVersion
    title_hit: bool


@dataclass(frozen=True)
class Parsed:
    """A query as search uses it."""

    text: str  # as typed, trimmed: what the phrase recheck looks for
    terms: list[str]  # bigrams (or the one character) every hit holds
    pinyin: str | None  # the Latin letters, when they may be title pinyin or initials

    @property
    def phrase(self) -> bool:
        # a set of bigrams also matches scattered pieces: keep the phrase
        return len(self.text) > 2


def parse_query(query: str) -> Parsed | None:
    """The query's parts; None when it holds nothing to search by."""
    text = query.strip()
    terms = sorted(set(fragment_terms(text)))
    if not terms:
        return None
    compact = clean(text)
    return Parsed(text, terms, compact if PINYIN.match(compact) else None)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _title_holds(q: Parsed) -> ColumnElement[bool]:
    return func.lower(KbArticleVersion.title).like(_like(q.text), escape="\\")


def _body_holds(q: Parsed) -> ColumnElement[bool]:
    return func.lower(KbArticleVersion.body).like(_like(q.text), escape="\\")


def _pinyin_range(term: Any, prefix: str) -> ColumnElement[bool]:
    return and_(term >= prefix, term < prefix + "{")  # "{" sorts right after "z"


def _has_pinyin(prefix: str) -> ColumnElement[bool]:
    """The posting's version has a title term (pinyin, initials) starting with `prefix`."""
    other = aliased(KbSearchTerm)
    return exists().where(
        other.version_id == KbSearchTerm.version_id,
        other.in_title.is_(True),
        _pinyin_range(other.term, prefix),
    )


def _has_terms(terms: Iterable[str]) -> list[ColumnElement[bool]]:
    """The posting's version also holds each of `terms` (primary-key look-ups)."""
    conditions: list[ColumnElement[bool]] = []
    for term in terms:
        other = aliased(KbSearchTerm)
        conditions.append(
            exists().where(other.version_id == KbSearchTerm.version_id, other.term == term)
        )
    return conditions


def _readable(include_drafts: bool) -> list[ColumnElement[bool]]:
    if include_drafts:  # editors: each article's newest version, unless archived
        return [
            KbArticleVersion.number == KbArticle.latest_number,
            KbArticle.status != Status.archived.value,
        ]
    return [KbArticleVersion.number == KbArticle.published_number, *visible_now()]


def _postings(include_drafts: bool, *where: ColumnElement[bool]) -> Select:
    """Postings whose version the caller may find, with its article and version joined."""
    return (
        select(KbSearchTerm.rank_at, KbSearchTerm.version_id)
        .join(KbArticleVersion, KbArticleVersion.id == KbSearchTerm.version_id)
        .join(KbArticle, KbArticle.id == KbSearchTerm.article_id)
        .where(*where, *_readable(include_drafts))
    )


def _before(after: Key | None) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    at, version_id = after
    bound = tuple_(
        bindparam(None, at, type_=UTCDateTime()),
        bindparam(None, version_id, type_=KbSearchTerm.version_id.type),
    )
    return [tuple_(KbSearchTerm.rank_at, KbSearchTerm.version_id) < bound]


def _walk(session: Session, stmt: Select, after: Key | None, limit: int) -> list[Key]:
    """The first `limit` keys of `stmt` after `after`, newest first (the index's order,
    read backwards)."""
    ordered = stmt.where(*_before(after)).order_by(
        KbSearchTerm.rank_at.desc(), KbSearchTerm.version_id.desc()
    )
    return [(at, vid) for at, vid in session.execute(ordered.limit(limit)).all()]


def _merged(walks: list[list[Key]], limit: int) -> list[Key]:
    """The newest `limit` distinct keys of several walks, each newest first."""
    return sorted(set().union(*walks), reverse=True)[:limit]


def _rarest(session: Session, terms: list[str], *where: ColumnElement[bool]) -> str:
    """The term with the fewest postings (matching `where`, counted up to RARITY_CAP):
    the walk to take."""
    if len(terms) == 1:
        return terms[0]

    def postings(term: str) -> ScalarSelect[int]:
        capped = select(KbSearchTerm.version_id).where(KbSearchTerm.term == term, *where)
        return (
            select(func.count()).select_from(capped.limit(RARITY_CAP).subquery()).scalar_subquery()
        )

    counts = session.execute(select(*(postings(term) for term in terms))).one()
    return min(zip(counts, terms, strict=True))[1]


def _title_hits(
    session: Session, q: Parsed, lead: str, drafts: bool, after: Key | None, limit: int
) -> list[Key]:
    # A title holding the text holds every term in its title: one walk of the lead term.
    walks = [
        _walk(
            session,
            _postings(
                drafts, KbSearchTerm.term == lead, KbSearchTerm.in_title.is_(True), _title_holds(q)
            ),
            after,
            limit,
        )
    ]
    if q.pinyin:
        walks.append(_pinyin_walk(session, q.pinyin, drafts, after, limit))
    return _merged(walks, limit)


def _pinyin_walk(
    session: Session, prefix: str, drafts: bool, after: Key | None, limit: int
) -> list[Key]:
    """The newest `limit` findable versions whose title pinyin or initials start with
    `prefix`. A prefix spans many terms, so no index gives their order: the keys are
    sorted from the index alone, then only the newest are checked for what the reader
    may see, more when too few pass."""
    wanted = limit * 2 + 8
    while True:
        rows = session.execute(
            select(KbSearchTerm.rank_at, KbSearchTerm.version_id)
            .where(
                KbSearchTerm.in_title.is_(True),
                _pinyin_range(KbSearchTerm.term, prefix),
                *_before(after),
            )
            .order_by(KbSearchTerm.rank_at.desc(), KbSearchTerm.version_id.desc())
            .limit(wanted)
        ).all()
        # Full pinyin and initials may both start with the prefix: a version twice. A
        # DISTINCT would sort every match; the top `wanted` rows sort in a bounded heap.
        keys: list[Key] = list(dict.fromkeys((at, vid) for at, vid in rows))
        findable = set(
            session.scalars(
                select(KbArticleVersion.id)
                .join(KbArticle, KbArticle.id == KbArticleVersion.article_id)
                .where(KbArticleVersion.id.in_([vid for _, vid in keys]), *_readable(drafts))
            )
        )
        found = [key for key in keys if key[1] in findable][:limit]
        if len(found) == limit or len(rows) < wanted:
            return found
        wanted *= 4


def _body_hits(
    session: Session, q: Parsed, lead: str, drafts: bool, after: Key | None, limit: int
) -> list[Key]:
    checks = [*_has_terms(t for t in q.terms if t != lead), not_(_title_holds(q))]
    if q.phrase:
        checks.append(_body_holds(q))
    if q.pinyin:
        checks.append(not_(_has_pinyin(q.pinyin)))
    walks = [
        _walk(
            session,
            _postings(drafts, KbSearchTerm.term == lead, KbSearchTerm.in_title.is_(False), *checks),
            after,
            limit,
        )
    ]
    # A title holding the lead term may still miss the text (a phrase, or punctuation
    # the terms drop); a single bare term in the title is always a title hit.
    if q.phrase or q.terms != [q.text.lower()]:
        walks.append(
            _walk(
                session,
                _postings(
                    drafts, KbSearchTerm.term == lead, KbSearchTerm.in_title.is_(True), *checks
                ),
                after,
                limit,
            )
        )
    return _merged(walks, limit)


def _page_keys(
    session: Session, q: Parsed, drafts: bool, after: tuple[int, Key] | None, limit: int
) -> list[tuple[bool, Key]]:
    """Up to `limit` (title_hit, key) pairs in page order, after the cursor."""
    found: list[tuple[bool, Key]] = []
    if after is None or after[0] == 1:
        # Title postings are few beside body ones: the title walk takes its own rarest.
        lead = _rarest(session, q.terms, KbSearchTerm.in_title.is_(True))
        title_after = after[1] if after else None
        found = [(True, key) for key in _title_hits(session, q, lead, drafts, title_after, limit)]
    if len(found) < limit:
        lead = _rarest(session, q.terms)
        body_after = after[1] if after and after[0] == 0 else None
        body = _body_hits(session, q, lead, drafts, body_after, limit - len(found))
        found += [(False, key) for key in body]
    return found


def _load(session: Session, keys: list[tuple[bool, Key]]) -> list[Hit]:
    ids = [version_id for _, (_, version_id) in keys]
    rows = session.execute(
        select(KbArticleVersion, KbArticle)
        .join(KbArticle, KbArticle.id == KbArticleVersion.article_id)
        .where(KbArticleVersion.id.in_(ids))
    ).all()
    by_id = {version.id: (article, version) for version, article in rows}
    return [Hit(*by_id[version_id], title_hit) for title_hit, (_, version_id) in keys]


def encode_cursor(hit: Hit) -> str:
    raw = orjson.dumps(
        [int(hit.title_hit), hit.version.created_at.isoformat(), str(hit.version.id)]
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, Key]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        title_hit, at, version_id = data
        if title_hit not in (0, 1) or isinstance(title_hit, bool):
            raise ValueError("not a rank")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError("naive")
        return title_hit, (when.astimezone(UTC), uuid.UUID(version_id))
    except (ValueError, TypeError, ArithmeticError):
        raise invalid("cursor", NOT_ISSUED) from None


def count_matches(session: Session, query: str, include_drafts: bool, cap: int) -> int:
    """How many articles `search` pages through for `query`, counted up to `cap` + 1."""
    q = parse_query(query)
    return len(_page_keys(session, q, include_drafts, None, cap + 1)) if q else 0


def search(
    session: Session, query: str, include_drafts: bool, limit: int, cursor: str | None
) -> tuple[list[Hit], str | None]:
    """One page of the articles matching `query`: for readers the published versions
    they may see; with `include_drafts` (editors) every article's newest version."""
    after = decode_cursor(cursor) if cursor else None
    q = parse_query(query)
    if q is None:
        return [], None
    keys = _page_keys(session, q, include_drafts, after, limit + 1)
    hits = _load(session, keys[:limit])
    next_cursor = encode_cursor(hits[-1]) if len(keys) > limit else None
    return hits, next_cursor
