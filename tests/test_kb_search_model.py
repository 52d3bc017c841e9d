"""Knowledge-base search against a model written here: whatever articles exist (drafts,
published, edited after publishing, archived, expired, not yet in effect) and whatever
the query, paging through `search` with a cursor yields exactly the articles the rules
below select, in their order, and `count_matches` counts them.

The rules, from the API's contract (README, issue 22 §3): a query's terms are its
character bigrams after dropping punctuation and spaces (one character stays itself);
a version matches when its title and body together hold every term, and a query longer
than two characters must also appear as typed in the title or the body. A title hit
holds the query in its title. Readers find the published version of what they may see
(and, of an article limited to an audience, only when the audience is among theirs),
editors the newest version of every article not archived. Title hits first, then the
newest version (its creation time, then its id)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from node.db.unit_of_work import Database
from node.knowledge import articles, audiences, folders, review
from node.knowledge import search as search_module
from node.knowledge.audience_rules import AudienceRule
from node.knowledge.models import KbArticle, KbArticleVersion, KbSearchTerm
from node.knowledge.search import count_matches, search

ALPHABET = "宽带光纤"  # few letters, so titles and bodies share pieces often
TEXT = st.text(st.sampled_from(ALPHABET), min_size=1, max_size=6)
BODY = st.text(st.sampled_from(ALPHABET + "，"), max_size=14)
FATES = ["draft", "published", "edited", "archived", "expired", "future"]
TODAY = date.today()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Walks read postings in chunks that grow when few pass; with these corpora the
    default first chunk would hold every posting, so start at twice the page."""
    monkeypatch.setattr(search_module, "FIRST_CHUNK_EXTRA", 0)


@dataclass
class Version:
    article_id: uuid.UUID
    version_id: uuid.UUID
    created_at: datetime
    title: str
    body: str


def _clean(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _grams(text: str) -> set[str]:
    c = _clean(text)
    return set(c) | {c[i : i + 2] for i in range(len(c) - 1)}


def expected(versions: list[Version], query: str) -> list[tuple[uuid.UUID, bool]]:
    """The model: (article, title hit) in page order."""
    text = query.strip()
    c = _clean(text)
    terms = [c] if len(c) == 1 else [c[i : i + 2] for i in range(len(c) - 1)]
    if not terms:
        return []
    found = []
    for v in versions:
        held = _grams(v.title) | _grams(v.body)
        in_title, in_body = text.lower() in v.title.lower(), text.lower() in v.body.lower()
        if all(t in held for t in terms) and (len(text) <= 2 or in_title or in_body):
            found.append((in_title, v.created_at, v.version_id, v.article_id))
    found.sort(reverse=True)
    return [(article_id, title_hit) for title_hit, _, _, article_id in found]


def findable(
    session, folder_id: uuid.UUID, editor: bool, reach: frozenset | None = None
) -> list[Version]:
    """Each article's version a reader (or an editor) finds, read back as stored; a
    reader's `reach` (None: every audience) holds the audiences they are in."""
    out = []
    for article in session.scalars(select(KbArticle).where(KbArticle.folder_id == folder_id)):
        outside = reach is not None and article.audience_id not in (None, *reach)
        if not editor and outside:
            continue
        if editor:
            number = article.latest_number if article.status != "archived" else None
        else:
            visible = (
                article.published_number is not None
                and article.status != "archived"
                and (article.effective_from is None or article.effective_from <= TODAY)
                and (article.expires_at is None or article.expires_at > TODAY)
            )
            number = article.published_number if visible else None
        if number is None:
            continue
        v = session.scalars(
            select(KbArticleVersion).where(
                KbArticleVersion.article_id == article.id, KbArticleVersion.number == number
            )
        ).one()
        out.append(Version(article.id, v.id, v.created_at, v.title, v.body))
    return out


def _make(
    session,
    folder_id: uuid.UUID,
    fate: str,
    title: str,
    body: str,
    audience_id: uuid.UUID | None = None,
) -> None:
    dates = {"expired": (None, date(2020, 1, 1)), "future": (date(2099, 1, 1), None)}
    start, end = dates.get(fate, (None, None))
    fields = articles.ArticleFields(folder_id, "knowledge", [], False, start, end, audience_id)
    made = articles.create_article(session, fields, title, body, "", "ed")
    if fate == "draft":
        return
    review.submit(session, made, "ed")
    review.approve(session, made, "rv")
    if fate == "edited":  # readers keep the published version; editors see the new one
        articles.edit_article(session, made, fields, body[:6] or title, title, "", "ed")
    if fate == "archived":
        review.archive(session, made, "rv", "旧")


def pages(
    session, query: str, editor: bool, limit: int, reach: frozenset | None = None
) -> list[tuple[uuid.UUID, bool]]:
    seen: list[tuple[uuid.UUID, bool]] = []
    cursor = None
    for _ in range(100):
        hits, cursor = search(session, query, editor, limit, cursor, reach)
        seen += [(h.article.id, h.title_hit) for h in hits]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    corpus=st.lists(
        st.tuples(st.sampled_from(FATES), TEXT, BODY, st.integers(0, 2)), min_size=1, max_size=8
    ),
    data=st.data(),
)
def test_search_pages_through_what_the_model_selects(
    database: Database, corpus: list, data: st.DataObject
) -> None:
    with database.unit_of_work() as session:
        # Earlier examples' articles stay in the database but can be found no more.
        session.execute(delete(KbSearchTerm))
        top = folders.create_folder(session, f"f{uuid.uuid4().hex}", None, "ed")
        groups = [None] + [
            audiences.create_audience(session, uuid.uuid4().hex, AudienceRule(roles=(r,)), "ed").id
            for r in ("agent", "technician")
        ]
        for fate, title, body, group in corpus:
            _make(session, top.id, fate, title, body, groups[group])
    pieces = [t for _, t, b, _ in corpus for t in (t, b) if t]
    start = data.draw(st.sampled_from(pieces), label="piece")
    query = data.draw(
        st.one_of(
            st.integers(0, len(start) - 1).map(lambda i: start[i : i + 4]),
            st.text(st.sampled_from(ALPHABET + "， "), min_size=1, max_size=4),
        ),
        label="query",
    )
    editor = data.draw(st.booleans(), label="editor")
    limit = data.draw(st.integers(1, 3), label="limit")
    # A reader's audiences: none of these, one, both; or every audience (None).
    held = data.draw(st.sampled_from([(), (1,), (2,), (1, 2), None]), label="reach")
    reach = None if held is None else frozenset(groups[i] for i in held)
    with database.unit_of_work() as session:
        want = expected(findable(session, top.id, editor, reach), query)
        assert pages(session, query, editor, limit, reach) == want, query
        assert count_matches(session, query, editor, 3, reach) == min(len(want), 4)


def test_a_body_hit_whose_title_holds_the_walked_term_is_found(database: Database) -> None:
    # 带光 has fewer postings than 宽带 (C adds one), so search walks 带光; A's title
    # holds 带光 but not the phrase 宽带光, which only its body holds: a body hit.
    corpus = [("带光宽", "宽带光纤"), ("宽带光", ""), ("光纤", "宽带")]
    ids = {}
    with database.unit_of_work() as session:
        top = folders.create_folder(session, "带光", None, "ed")
        for title, body in corpus:
            _make(session, top.id, "published", title, body)
        for article in session.scalars(select(KbArticle).where(KbArticle.folder_id == top.id)):
            ids[article.title] = article.id
    with database.unit_of_work() as session:
        assert pages(session, "宽带光", False, 1) == [(ids["宽带光"], True), (ids["带光宽"], False)]


def test_hits_found_in_earlier_chunks_are_kept(database: Database) -> None:
    # Newest first the postings of 宽 are: P1 (found), three drafts (not for readers),
    # P2 (found). A page of one reads 2 hits: the first chunk (4 postings) holds P1 only,
    # the next holds P2; both are on the walk's result, in order.
    fates = [("P2", "published"), ("D3", "draft"), ("D2", "draft"), ("D1", "draft")]
    fates.append(("P1", "published"))  # made last: the newest
    with database.unit_of_work() as session:
        top = folders.create_folder(session, "分块", None, "ed")
        for name, fate in fates:
            _make(session, top.id, fate, name, "宽带")
        ids = {a.title: a.id for a in session.scalars(select(KbArticle))}
    with database.unit_of_work() as session:
        assert pages(session, "宽", False, 1) == [(ids["P1"], False), (ids["P2"], False)]
