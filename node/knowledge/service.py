"""Folders and articles: the tree, versions, the approval flow, what a reader sees,
differences between versions and must-read acknowledgements.

An article's `status` is the state of its newest version (draft, in_review, published,
archived). Readers see the version `published_number` names while today lies inside
[effective_from, expires_at); a newer draft is edited and reviewed beside it and replaces
it only when approved."""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.auth.accounts import Role, User
from node.db.types import utcnow
from node.errors import Conflict, NotFound, invalid
from node.knowledge.models import (
    KbAck,
    KbArticle,
    KbArticleVersion,
    KbFolder,
    KbSearchTerm,
    KbStep,
    Status,
)
from node.knowledge.terms import version_terms
from node.office_time import OFFICE_TZ

FOLDER_ORDERS = ("name", "created_at")
ARTICLE_ORDERS = ("created_at", "updated_at")
VERSION_ORDERS = ("number", "created_at")
MAX_VERSION_NUMBER = 1_000_000
# Who may read the knowledge base without being a person: the PBX connector reads nothing.
MACHINE_ROLES = frozenset({Role.cti.value})


def today() -> date:
    """The office's date (Asia/Shanghai): articles take effect and expire by it."""
    return datetime.now(OFFICE_TZ).date()


# ---- folders -----------------------------------------------------------------------


def get_folder(session: Session, folder_id: uuid.UUID, field: str | None = None) -> KbFolder:
    """The folder; NotFound, or 422 naming `field` when a body refers to it."""
    folder = session.get(KbFolder, folder_id)
    if folder is None:
        if field is not None:
            raise invalid(field, f"no folder {folder_id}")
        raise NotFound(f"no folder {folder_id}")
    return folder


def _sibling_named(
    session: Session, parent_id: uuid.UUID | None, name: str, other_than: uuid.UUID | None
) -> KbFolder | None:
    parent = KbFolder.parent_id.is_(None) if parent_id is None else KbFolder.parent_id == parent_id
    stmt = select(KbFolder).where(parent, KbFolder.name == name)
    if other_than is not None:
        stmt = stmt.where(KbFolder.id != other_than)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def _check_name_free(
    session: Session, parent_id: uuid.UUID | None, name: str, folder_id: uuid.UUID | None = None
) -> None:
    taken = _sibling_named(session, parent_id, name, folder_id)
    if taken is not None:
        where = "at the top" if parent_id is None else "in this folder"
        raise Conflict(f"name: a folder named 「{name}」 is already {where} ({taken.id})")


def create_folder(
    session: Session, name: str, parent_id: uuid.UUID | None, username: str
) -> KbFolder:
    if parent_id is not None:
        get_folder(session, parent_id, "parent_id")
    _check_name_free(session, parent_id, name)
    folder = KbFolder(
        name=name, parent_id=parent_id, owner=session.info["node_code"], created_by=username
    )
    session.add(folder)
    session.flush()
    return folder


def _ancestors(session: Session, folder_id: uuid.UUID) -> list[uuid.UUID]:
    """The folder and every folder above it."""
    chain: list[uuid.UUID] = []
    current: uuid.UUID | None = folder_id
    while current is not None and current not in chain:
        chain.append(current)
        current = session.execute(
            select(KbFolder.parent_id).where(KbFolder.id == current)
        ).scalar_one_or_none()
    return chain


def update_folder(
    session: Session,
    folder: KbFolder,
    name: str | None,
    move: bool,
    parent_id: uuid.UUID | None,
) -> KbFolder:
    """Rename and/or move (`move`: parent_id was given, None for the top level)."""
    new_parent = parent_id if move else folder.parent_id
    if move and parent_id is not None:
        get_folder(session, parent_id, "parent_id")
        if folder.id in _ancestors(session, parent_id):
            raise invalid("parent_id", "a folder cannot move into itself or a folder inside it")
    new_name = name if name is not None else folder.name
    _check_name_free(session, new_parent, new_name, folder.id)
    folder.name, folder.parent_id, folder.updated_at = new_name, new_parent, utcnow()
    session.flush()
    return folder


def delete_folder(session: Session, folder: KbFolder) -> None:
    """Delete an empty folder; 409 naming the folders and articles inside otherwise."""
    children = list(
        session.execute(
            select(KbFolder.name).where(KbFolder.parent_id == folder.id).order_by(KbFolder.name)
        ).scalars()
    )
    articles = list(
        session.execute(
            select(KbArticle.title)
            .where(KbArticle.folder_id == folder.id)
            .order_by(KbArticle.created_at)
        ).scalars()
    )
    if children or articles:
        held = []
        if children:
            held.append(f"{len(children)} folder(s): " + "、".join(children[:5]))
        if articles:
            held.append(f"{len(articles)} article(s): " + "、".join(articles[:5]))
        raise Conflict(f"folder 「{folder.name}」 is not empty: it holds " + "; ".join(held))
    session.delete(folder)
    session.flush()


def list_folders(
    session: Session,
    parent_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
    order_by: str | None,
) -> tuple[list[KbFolder], str | None]:
    where = [] if parent_id is None else [KbFolder.parent_id == parent_id]
    return keyset_page(session, KbFolder, limit, cursor, order_by or "name", FOLDER_ORDERS, where)


# ---- articles ----------------------------------------------------------------------


@dataclass
class ArticleFields:
    """The article-level fields (not versioned: they apply at once)."""

    folder_id: uuid.UUID
    kind: str
    tags: list[str]
    must_read: bool
    effective_from: date | None
    expires_at: date | None


def check_dates(effective_from: date | None, expires_at: date | None) -> None:
    if effective_from is not None and expires_at is not None and expires_at <= effective_from:
        raise invalid("expires_at", "must be after effective_from")


def tags_of(article: KbArticle) -> list[str]:
    tags: list[str] = orjson.loads(article.tags)
    return tags


def _apply_fields(article: KbArticle, fields: ArticleFields) -> None:
    article.folder_id = fields.folder_id
    article.kind = fields.kind
    article.tags = orjson.dumps(fields.tags).decode()
    article.must_read = fields.must_read
    article.effective_from = fields.effective_from
    article.expires_at = fields.expires_at


def create_article(
    session: Session, fields: ArticleFields, title: str, body: str, note: str, username: str
) -> KbArticle:
    """A new article whose version 1 is a draft."""
    get_folder(session, fields.folder_id, "folder_id")
    check_dates(fields.effective_from, fields.expires_at)
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
    _add_version(session, article, 1, title, body, note, username)
    return article


def _add_version(
    session: Session,
    article: KbArticle,
    number: int,
    title: str,
    body: str,
    note: str,
    username: str,
) -> KbArticleVersion:
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
    _index(session, article, version)
    return version


def get_article(session: Session, article_id: uuid.UUID) -> KbArticle:
    article = session.get(KbArticle, article_id)
    if article is None:
        raise NotFound(f"no article {article_id}")
    return article


def visible_now(on: date | None = None) -> list[ColumnElement[bool]]:
    """What readers may see: a published version, not archived, inside its dates."""
    day = on or today()
    return [
        KbArticle.published_number.is_not(None),
        KbArticle.status != Status.archived.value,
        or_(KbArticle.effective_from.is_(None), KbArticle.effective_from <= day),
        or_(KbArticle.expires_at.is_(None), KbArticle.expires_at > day),
    ]


def is_visible(article: KbArticle, on: date | None = None) -> bool:
    day = on or today()
    return (
        article.published_number is not None
        and article.status != Status.archived.value
        and (article.effective_from is None or article.effective_from <= day)
        and (article.expires_at is None or article.expires_at > day)
    )


def readable_article(session: Session, article_id: uuid.UUID, editor: bool) -> KbArticle:
    """The article, for an editor any; for a reader only a visible one (else 404)."""
    article = get_article(session, article_id)
    if not editor and not is_visible(article):
        raise NotFound(f"no article {article_id}")
    return article


def article_filters(
    editor_view: bool, folder_id: uuid.UUID | None, kind: str | None, status: str | None = None
) -> list[ColumnElement[bool]]:
    """The conditions of an article list (shared by its pages and its count)."""
    where: list[ColumnElement[bool]] = [] if editor_view else visible_now()
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
    folder_id: uuid.UUID | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
    order_by: str | None,
    status: str | None = None,
) -> tuple[list[KbArticle], str | None]:
    """A page of articles: readers' (visible now) or, `editor_view`, every article;
    narrowed by folder, kind and (editors' lists) the newest version's status."""
    where = article_filters(editor_view, folder_id, kind, status)
    return keyset_page(
        session, KbArticle, limit, cursor, order_by or "-updated_at", ARTICLE_ORDERS, where
    )


def get_version(session: Session, article_id: uuid.UUID, number: int) -> KbArticleVersion:
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
    where = [KbArticleVersion.article_id == article_id]
    return keyset_page(
        session, KbArticleVersion, limit, cursor, order_by or "-number", VERSION_ORDERS, where
    )


def steps_of(session: Session, article_id: uuid.UUID) -> list[KbStep]:
    stmt = select(KbStep).where(KbStep.article_id == article_id).order_by(KbStep.at, KbStep.id)
    return list(session.execute(stmt).scalars())


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
    if article.status not in (Status.draft.value, Status.published.value):
        raise Conflict(
            f"status: an article {article.status} cannot be edited "
            "(only draft or published; send it back to draft first)"
        )
    if fields.folder_id != article.folder_id:
        get_folder(session, fields.folder_id, "folder_id")
    check_dates(fields.effective_from, fields.expires_at)
    number = article.latest_number + 1
    if number > MAX_VERSION_NUMBER:
        raise Conflict(f"article {article.id} has reached {MAX_VERSION_NUMBER} versions")
    previous = article.latest_number
    _apply_fields(article, fields)
    article.title, article.latest_number = title, number
    article.status, article.updated_at = Status.draft.value, utcnow()
    version = _add_version(session, article, number, title, body, note, username)
    if previous != article.published_number:  # the superseded draft is found no more
        _unindex(session, article.id, previous)
    return version


# ---- the approval flow ---------------------------------------------------------------


def _move(
    session: Session, article: KbArticle, to: Status, allowed_from: Status, by: str, reason: str
) -> KbStep:
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
        _unindex(session, article.id, superseded)
    session.flush()
    return step


def send_back(session: Session, article: KbArticle, username: str, reason: str) -> KbStep:
    """in_review -> draft, with the reviewer's reason."""
    _check_reviewer(session, article, username)
    return _move(session, article, Status.draft, Status.in_review, username, reason)


def archive(session: Session, article: KbArticle, username: str, reason: str) -> KbStep:
    """published -> archived: readers see it no more."""
    return _move(session, article, Status.archived, Status.published, username, reason)


# ---- differences -------------------------------------------------------------------


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


# ---- the search index --------------------------------------------------------------


def _index(session: Session, article: KbArticle, version: KbArticleVersion) -> None:
    terms = version_terms(version.title, version.body)
    session.add_all(
        KbSearchTerm(version_id=version.id, article_id=article.id, term=term, in_title=in_title)
        for term, in_title in terms.items()
    )
    session.flush()


def _unindex(session: Session, article_id: uuid.UUID, number: int) -> None:
    version_id = select(KbArticleVersion.id).where(
        KbArticleVersion.article_id == article_id, KbArticleVersion.number == number
    )
    session.execute(
        delete(KbSearchTerm).where(KbSearchTerm.version_id.in_(version_id.scalar_subquery()))
    )


# ---- acknowledgements --------------------------------------------------------------


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
    node's active users (people, not machines) have not yet."""
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
    return [(ack, name) for ack, name in acked], list(pending)


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
