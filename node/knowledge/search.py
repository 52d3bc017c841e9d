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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from node.api.pagination import NOT_ISSUED
from node.customers.search_terms import clean, fragment_terms
from node.errors import invalid
from node.knowledge import search_statements as stmts
from node.knowledge.articles import today
from node.knowledge.audiences import Reach
from node.knowledge.models import KbArticle, KbArticleVersion

PINYIN = re.compile(r"^[a-z]{2,40}$")
FIRST_CHUNK_EXTRA = 8  # postings read first beyond twice the page (a tuning knob)
MAX_CHUNK = 1000  # postings read at once when few pass the checks
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


@dataclass
class Walks:
    """One search's values, bound into the statements of node.knowledge.search_statements."""

    session: Session
    q: Parsed
    drafts: bool
    reach: Reach  # the reader's audiences; None: every audience
    counted: dict[bool, dict[str, int]] = field(default_factory=dict)

    def values(self, **more: Any) -> dict[str, Any]:
        found: dict[str, Any] = {"like": _like(self.q.text), "day": today(), **more}
        if self.audience == stmts.SOME:
            found["audiences"] = sorted(self.reach or ())
        if self.q.pinyin:
            found |= {"plo": self.q.pinyin, "phi": self.q.pinyin + "{"}  # "{" follows "z"
        return found

    @property
    def audience(self) -> int:
        """Which articles the walks keep for the reader's audiences (search_statements)."""
        if self.drafts or self.reach is None:
            return stmts.ANY_AUDIENCE
        return stmts.SOME if self.reach else stmts.EVERYBODY

    def counts(self, titles_only: bool) -> dict[str, int]:
        """Each query term's postings (in titles only, if asked), counted up to a cap;
        read once a search."""
        if titles_only not in self.counted:
            terms = self.q.terms
            row = self.session.execute(
                stmts.rarity(len(terms), titles_only), {f"t{i}": t for i, t in enumerate(terms)}
            ).one()
            self.counted[titles_only] = dict(zip(terms, row, strict=True))
        return self.counted[titles_only]

    def rarest(self, titles_only: bool) -> str:
        """The term with the fewest postings: the walk to take."""
        terms = self.q.terms
        if len(terms) == 1:
            return terms[0]
        counts = self.counts(titles_only)
        return min(terms, key=lambda t: (counts[t], t))

    def in_some_title(self, term: str) -> bool:
        """Whether any title holds `term` (a query of one term: not counted, so yes)."""
        return len(self.q.terms) == 1 or self.counts(True)[term] > 0

    def walk(self, checks: stmts.Checks, after: Key | None, limit: int, **which: Any) -> list[Key]:
        """The newest `limit` versions after `after` among the postings `which` names
        (`lead` and `in_title`, or none: the pinyin prefix) that pass `checks`, at a
        cost that follows the page, not the matches: on SQLite one joined statement;
        otherwise (and for a pinyin prefix, which no index orders) postings are read in
        growing chunks and each chunk's versions checked in one statement."""
        pinyin = "lead" not in which
        if not pinyin and self.session.get_bind().dialect.name == "sqlite":
            # SQLite follows the index through the join and stops at the page.
            cursor = {"at": after[0], "vid": after[1]} if after else {}
            stmt = stmts.walk(checks, after is not None)
            rows = self.session.execute(stmt, self.values(n=limit, **cursor, **which)).all()
            return [(at, vid) for at, vid in rows]
        wanted, found = min(limit * 2 + FIRST_CHUNK_EXTRA, MAX_CHUNK), []
        while True:
            cursor = {"at": after[0], "vid": after[1]} if after else {}
            stmt = stmts.postings(pinyin, after is not None)
            rows = self.session.execute(stmt, self.values(n=wanted, **cursor, **which)).all()
            keys = list(dict.fromkeys((at, vid) for at, vid in rows))  # pinyin: twice
            ids = [vid for _, vid in keys]
            passed = set(self.session.scalars(stmts.passing(checks), self.values(ids=ids, **which)))
            found += [key for key in keys if key[1] in passed]
            if len(found) >= limit or len(rows) < wanted:
                return found[:limit]
            after, wanted = keys[-1], min(wanted * 4, MAX_CHUNK)

    def title_hits(self, after: Key | None, limit: int) -> list[Key]:
        # A title holding the text holds every term in its title: one walk of the lead
        # term, the one rarest in titles.
        checks = stmts.Checks(self.drafts, 0, True, False, False, self.audience)
        lead = self.rarest(True)
        walks = []
        if self.in_some_title(lead):  # else no title holds every term: no walk
            walks.append(self.walk(checks, after, limit, lead=lead, in_title=True))
        if self.q.pinyin:  # a title whose pinyin or initials start with the letters
            walks.append(self.walk(replace(checks, title_holds=None), after, limit))
        return _merged(walks, limit)

    def body_hits(self, after: Key | None, limit: int) -> list[Key]:
        q, lead = self.q, self.rarest(False)
        others = {f"o{i}": t for i, t in enumerate(t for t in q.terms if t != lead)}
        pinyin = q.pinyin is not None
        checks = stmts.Checks(self.drafts, len(others), False, q.phrase, pinyin, self.audience)
        walks = [self.walk(checks, after, limit, lead=lead, in_title=False, **others)]
        # A title holding the lead term may still miss the text (a phrase, or punctuation
        # the terms drop); a single bare term in the title is always a title hit.
        if (q.phrase or q.terms != [q.text.lower()]) and self.in_some_title(lead):
            walks.append(self.walk(checks, after, limit, lead=lead, in_title=True, **others))
        return _merged(walks, limit)


def _merged(walks: list[list[Key]], limit: int) -> list[Key]:
    """The newest `limit` distinct keys of several walks, each newest first."""
    return sorted(set().union(*walks), reverse=True)[:limit]


def _page_keys(walks: Walks, after: tuple[int, Key] | None, limit: int) -> list[tuple[bool, Key]]:
    """Up to `limit` (title_hit, key) pairs in page order, after the cursor."""
    found: list[tuple[bool, Key]] = []
    if after is None or after[0] == 1:
        title_after = after[1] if after else None
        found = [(True, key) for key in walks.title_hits(title_after, limit)]
    if len(found) < limit:
        body_after = after[1] if after and after[0] == 0 else None
        found += [(False, key) for key in walks.body_hits(body_after, limit - len(found))]
    return found


def _load(session: Session, keys: list[tuple[bool, Key]]) -> list[Hit]:
    ids = [version_id for _, (_, version_id) in keys]
    rows = session.execute(stmts.versions(), {"ids": ids}).all()
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


def count_matches(
    session: Session, query: str, include_drafts: bool, cap: int, reach: Reach
) -> int:
    """How many articles `search` pages through for `query`, counted up to `cap` + 1."""
    q = parse_query(query)
    return len(_page_keys(Walks(session, q, include_drafts, reach), None, cap + 1)) if q else 0


def search(
    session: Session,
    query: str,
    include_drafts: bool,
    limit: int,
    cursor: str | None,
    reach: Reach,
) -> tuple[list[Hit], str | None]:
    """One page of the articles matching `query`: for readers the published versions
    they may see, of articles for everybody or for an audience in `reach` (None: any);
    with `include_drafts` (editors) every article's newest version."""
    after = decode_cursor(cursor) if cursor else None
    q = parse_query(query)
    if q is None:
        return [], None
    keys = _page_keys(Walks(session, q, include_drafts, reach), after, limit + 1)
    hits = _load(session, keys[:limit])
    next_cursor = encode_cursor(hits[-1]) if len(keys) > limit else None
    return hits, next_cursor
