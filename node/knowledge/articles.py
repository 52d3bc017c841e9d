"""Knowledge-base articles: written (version 1, a draft) and edited (a new version beside
the published one), what a reader sees and the lists of articles.

An article's `status` is the state of its newest version (draft, in_review, published,
archived). Readers see the version `published_number` names while today lies inside
[effective_from, expires_at); a newer draft is edited and reviewed beside it and replaces
it only when approved (node.knowledge.review)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.db.types import utcnow
from node.errors import Conflict, NotFound, invalid
from node.knowledge.audiences import Reach, get_audience, is_reached, reached
from node.knowledge.folders import get_folder
from node.knowledge.models import MAX_VERSION_NUMBER, KbArticle, KbArticleVersion, Status
from node.knowledge.ownership import ensure_own
from node.knowledge.publications import sync_publication
from node.knowledge.search_index import unindex_version
from node.knowledge.versions import add_version
from node.office_time import OFFICE_TZ

ARTICLE_ORDERS = ("created_at", "updated_at")


def today() -> date:
    """The office's date (Asia/Shanghai): articles take effect and expire by it."""
    return datetime.now(OFFICE_TZ).date()


@dataclass
class ArticleFields:
    """The article-level fields (not versioned: they apply at once)."""

    folder_id: uuid.UUID
    kind: str
    tags: list[str]
    must_read: bool
    effective_from: date | None
    expires_at: date | None
    audience_id: uuid.UUID | None = None  # None: for every reader


def check_dates(effective_from: date | None, expires_at: date | None) -> None:
    """Refuse (422 naming expires_at) an expiry on or before the effective date."""
    if effective_from is not None and expires_at is not None and expires_at <= effective_from:
        raise invalid("expires_at", "must be after effective_from")


def tags_of(article: KbArticle) -> list[str]:
    """The article's tags, as a list."""
    tags: list[str] = orjson.loads(article.tags)
    return tags


def _check_fields(session: Session, fields: ArticleFields) -> None:
    """422 naming expires_at or audience_id when one is wrong."""
    check_dates(fields.effective_from, fields.expires_at)
    if fields.audience_id is not None:
        get_audience(session, fields.audience_id, "audience_id")


def _apply_fields(article: KbArticle, fields: ArticleFields) -> None:
    article.folder_id = fields.folder_id
    article.kind = fields.kind
    article.tags = orjson.dumps(fields.tags).decode()
    article.must_read = fields.must_read
    article.effective_from = fields.effective_from
    article.expires_at = fields.expires_at
    article.audience_id = fields.audience_id


def create_article(
    session: Session, fields: ArticleFields, title: str, body: str, note: str, username: str
) -> KbArticle:
    """A new article whose version 1 is a draft."""
    ensure_own(session, get_folder(session, fields.folder_id, "folder_id"))
    _check_fields(session, fields)
    article = KbArticle(
        title=title,
        status=Status.draft.value,
        latest_number=1,
        owner=session.info["node_code"],
        created_by=username,
    )
    _apply_fields(article, fields)
    session.add(article)
    session.flush()
    add_version(session, article, 1, title, body, note, username)
    return article


def get_article(session: Session, article_id: uuid.UUID) -> KbArticle:
    """The article, whatever its state; NotFound otherwise."""
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article


def visible_now(on: date | ColumnElement[date] | None = None) -> list[ColumnElement[bool]]:
    """What readers may see: a published version, not archived, inside its dates (on
    `on`: a day, a parameter bound later, or today)."""
    day = today() if on is None else on
    return [
        KbArticle.published_number.is_not(None),
        KbArticle.status != Status.archived.value,
        or_(KbArticle.effective_from.is_(None), KbArticle.effective_from <= day),
        or_(KbArticle.expires_at.is_(None), KbArticle.expires_at > day),
    ]


def is_visible(article: KbArticle, on: date | None = None) -> bool:
    """Whether readers may see the article on `on` (today): `visible_now` for one row."""
    day = on or today()
    return (
        article.published_number is not None
        and article.status != Status.archived.value
        and (article.effective_from is None or article.effective_from <= day)
        and (article.expires_at is None or article.expires_at > day)
    )


def readable_article(
    session: Session, article_id: uuid.UUID, editor: bool, reach: Reach
) -> KbArticle:
    """The article, for an editor any; for a reader only one visible now whose audience
    `reach` holds (else 404: a reader outside it is not told it exists)."""
    article = get_article(session, article_id)
    if not editor and not (is_visible(article) and is_reached(article, reach)):
        raise NotFound(f"no article {article_id}")
    return article


def article_filters(
    editor_view: bool,
    reach: Reach,
    folder_id: uuid.UUID | None,
    kind: str | None,
    status: str | None = None,
) -> list[ColumnElement[bool]]:
    """The conditions of an article list (shared by its pages and its count)."""
    where: list[ColumnElement[bool]] = [] if editor_view else [*visible_now(), *reached(reach)]
    if folder_id is not None:
        where.append(KbArticle.folder_id == folder_id)
    if kind is not None:
        where.append(KbArticle.kind == kind)
    if status is not None:
        where.append(KbArticle.status == status)
    return where


def list_articles(
    session: Session,
    editor_view: bool,
    reach: Reach,
    folder_id: uuid.UUID | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
    order_by: str | None,
    status: str | None = None,
) -> tuple[list[KbArticle], str | None]:
    """A page of articles: readers' (visible now) or, `editor_view`, every article;
    narrowed by folder, kind and (editors' lists) the newest version's status."""
    where = article_filters(editor_view, reach, folder_id, kind, status)
    return keyset_page(
        session, KbArticle, limit, cursor, order_by or "-updated_at", ARTICLE_ORDERS, where
    )


def edit_article(
    session: Session,
    article: KbArticle,
    fields: ArticleFields,
    title: str,
    body: str,
    note: str,
    username: str,
) -> KbArticleVersion:
    """A new version of a draft or published article (readers keep the published one)."""
    ensure_own(session, article)
    if article.status not in (Status.draft.value, Status.published.value):
        raise Conflict(
            f"status: an article {article.status} cannot be edited "
            "(only draft or published; send it back to draft first)"
        )
    if fields.folder_id != article.folder_id:
        ensure_own(session, get_folder(session, fields.folder_id, "folder_id"))
    _check_fields(session, fields)
    number = article.latest_number + 1
    if number > MAX_VERSION_NUMBER:
        raise Conflict(f"article {article.id} has reached {MAX_VERSION_NUMBER} versions")
    previous = article.latest_number
    _apply_fields(article, fields)
    article.title, article.latest_number = title, number
    article.status, article.updated_at = Status.draft.value, utcnow()
    version = add_version(session, article, number, title, body, note, username)
    if previous != article.published_number:  # the superseded draft is found no more
        unindex_version(session, article.id, previous)
    sync_publication(session, article)  # the article's fields are the readers' at once
    return version


def published_titles(session: Session, articles: list[KbArticle]) -> dict[uuid.UUID, str]:
    """The published version's title of each article that has one (readers' lists)."""
    wanted = [(a.id, a.published_number) for a in articles if a.published_number is not None]
    if not wanted:
        return {}
    stmt = select(KbArticleVersion.article_id, KbArticleVersion.number, KbArticleVersion.title)
    stmt = stmt.where(KbArticleVersion.article_id.in_([a for a, _ in wanted]))
    numbers = dict(wanted)
    return {
        article_id: title
        for article_id, number, title in session.execute(stmt)
        if numbers.get(article_id) == number
    }
