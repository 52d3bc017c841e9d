"""The search terms kept for the versions that can be found (the published one and the
newest, for editors): written when a version is made, removed when it is superseded."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from node.knowledge.models import KbArticle, KbArticleVersion, KbSearchTerm
from node.knowledge.terms import version_terms


def index_version(session: Session, article: KbArticle, version: KbArticleVersion) -> None:
    """Write the search terms of `version` (title and body bigrams, title pinyin)."""
    session.flush()  # the version (and its creation time) is in before its terms
    rows = [
        {
            "version_id": version.id,
            "article_id": article.id,
            "term": term,
            "in_title": in_title,
            "rank_at": version.created_at,
        }
        for term, in_title in version_terms(version.title, version.body).items()
    ]
    # One executemany, not an ORM object per term: an article has about 360 of them.
    if rows:
        session.execute(insert(KbSearchTerm), rows)


def unindex_version(session: Session, article_id: uuid.UUID, number: int) -> None:
    """Remove the search terms of the article's version `number` (superseded)."""
    version_id = select(KbArticleVersion.id).where(
        KbArticleVersion.article_id == article_id, KbArticleVersion.number == number
    )
    session.execute(
        delete(KbSearchTerm).where(KbSearchTerm.version_id.in_(version_id.scalar_subquery()))
    )
