"""benchmarks/knowledge.py without timing anything: its generator makes the articles the
issue describes, the queries it draws from loaded rows all find what they should
through the product's own search, and its bulk load writes exactly the search terms
index_version writes (on SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from node.db.engine import make_engine
from node.db.unit_of_work import Database
from node.knowledge.models import KbArticle, KbArticleVersion, KbSearchTerm, Kind
from node.knowledge.search import search
from node.knowledge.search_index import index_version

# The benchmark scripts import their siblings by name (they run as scripts).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import knowledge
import knowledge_data as kd

SEED = 7
LIMIT = 20
NODE_CODE = "430100"


def test_generator_makes_the_articles_the_issue_describes() -> None:
    folders = kd.make_folders(SEED)
    made = [a for batch in kd.iter_articles(1000, SEED, folders, 300) for a in batch]
    assert len(folders) == 50 and len(made) == 1000
    assert {a.kind for a in made} == {k.value for k in Kind}
    assert all(150 <= len(a.body) <= 400 for a in made)
    assert any(a.must_read for a in made) and not all(a.must_read for a in made)
    today = date(2026, 12, 7)
    assert 0 < sum(not a.visible(today) for a in made) < 100  # a few expired or not yet
    assert sum("street" in a.extra for a in made) > 100
    # The rare words are rare because no template or vocabulary word uses their characters.
    vocabulary = "".join(a.title + a.body.replace(a.extra.get("street", "-"), "") for a in made)
    assert not set(kd.RARE_CHARS) & set(vocabulary)
    again = [a for batch in kd.iter_articles(1000, SEED, folders, 1000) for a in batch]
    assert [(a.title, a.body) for a in again] == [(a.title, a.body) for a in made]


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "node.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _page(session: Session, q: str, cursor: str | None) -> tuple[list[str], str | None]:
    hits, next_cursor = search(session, q, False, LIMIT, cursor, frozenset())
    return [str(hit.article.id) for hit in hits], next_cursor


def test_drawn_queries_all_find_what_they_should(sqlite_url: str) -> None:
    folders = kd.make_folders(SEED)
    loaded = knowledge.load_articles(
        sqlite_url, folders, kd.iter_articles(200, SEED, folders, 64), NODE_CODE, 200
    )
    assert loaded.articles == 200 and loaded.term_rows > 200 * 100
    engine = make_engine(sqlite_url)
    try:
        queries = knowledge.draw_queries(engine, 15, SEED)
        with Session(engine) as session:
            for kind in knowledge.KINDS:
                for query in queries[kind.key]:
                    ids, cursor = _page(session, query.q, None)
                    first = None
                    if kind.key == "common_p2":
                        assert cursor is not None, query.q
                        first, (ids, cursor) = ids, _page(session, query.q, cursor)
                    why = knowledge.check(kind, query, ids, cursor, LIMIT, first)
                    assert why is None, (kind.key, query.q, why)
        # The plans are the ones of the SQL search() sends, one per kind.
        plans = knowledge.explain_all(engine, "sqlite", queries, LIMIT)
        assert set(plans) == {k.key for k in knowledge.KINDS}
        assert all(plan.lines for plan in plans.values())
    finally:
        engine.dispose()


def _stored_terms(session: Session) -> list[tuple[Any, ...]]:
    """Every kb_search_terms row as the driver returns it (no column types applied)."""
    sql = "SELECT version_id, term, article_id, in_title, rank_at FROM kb_search_terms"
    return sorted(tuple(row) for row in session.connection().exec_driver_sql(sql))


def test_bulk_loaded_terms_equal_index_version(database: Database) -> None:
    folders = kd.make_folders(SEED)
    batch = next(kd.iter_articles(5, SEED, folders, 5))
    database.dispose()  # SQLite leaves the WAL for the load only with no other connection
    knowledge.load_articles(database.url, folders, [batch], NODE_CODE)
    with database.session(write=True) as session:
        bulk = _stored_terms(session)
        session.execute(delete(KbSearchTerm))
        for a in batch:
            article = session.get(KbArticle, a.id)
            version = session.get(KbArticleVersion, a.version_id)
            assert article is not None and version is not None
            index_version(session, article, version)
        orm = _stored_terms(session)
        session.rollback()
    assert len(bulk) > 5 * 100
    assert bulk == orm
