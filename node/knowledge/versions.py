"""An article's numbered versions: made (and indexed for search), read one at a time or
a page at a time, and compared (the title change and a unified diff of the body)."""

from __future__ import annotations

import difflib
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.errors import NotFound
from node.knowledge.models import KbArticle, KbArticleVersion
from node.knowledge.search_index import index_version

VERSION_ORDERS = ("number", "created_at")


def add_version(
    session: Session,
    article: KbArticle,
    number: int,
    title: str,
    body: str,
    note: str,
    username: str,
) -> KbArticleVersion:
    """Store version `number` of the article and index it for search."""
    version = KbArticleVersion(
        article_id=article.id,
        number=number,
        title=title,
        body=body,
        note=note,
        created_by=username,
    )
    session.add(version)
    session.flush()
    index_version(session, article, version)
    return version


def get_version(session: Session, article_id: uuid.UUID, number: int) -> KbArticleVersion:
    """The article's version `number`; NotFound otherwise."""
    version = session.execute(
        select(KbArticleVersion).where(
            KbArticleVersion.article_id == article_id, KbArticleVersion.number == number
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(f"article {article_id} has no version {number}")
    return version


def versions_page(
    session: Session, article_id: uuid.UUID, limit: int, cursor: str | None, order_by: str | None
) -> tuple[list[KbArticleVersion], str | None]:
    """A page of the article's versions, the newest first by default."""
    where = [KbArticleVersion.article_id == article_id]
    return keyset_page(
        session, KbArticleVersion, limit, cursor, order_by or "-number", VERSION_ORDERS, where
    )


def diff(session: Session, article_id: uuid.UUID, old: int, new: int) -> dict[str, object]:
    """The title change and a unified diff of the body from version `old` to `new`."""
    before = get_version(session, article_id, old)
    after = get_version(session, article_id, new)
    lines = difflib.unified_diff(
        before.body.splitlines(keepends=True),
        after.body.splitlines(keepends=True),
        fromfile=f"v{old}",
        tofile=f"v{new}",
    )
    return {
        "article_id": article_id,
        "from_number": old,
        "to_number": new,
        "title_from": before.title,
        "title_to": after.title,
        "title_changed": before.title != after.title,
        "body_diff": "".join(_terminated(line) for line in lines),
    }


def _terminated(line: str) -> str:
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
