"""Articles published by the nodes above become read-only articles here, in a folder
tree under one top folder per publishing node (总部, the province), searchable and
acknowledged like this node's own. Run after every pull from the parent: it makes what
changed since, so a pull that stopped half-way is finished by the next one."""

from __future__ import annotations

import uuid

import orjson
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from node.db.pending_publications import pending_publications
from node.db.types import utcnow
from node.divisions import ancestors, division_name
from node.knowledge.attachments_from_above import take_files
from node.knowledge.audiences import take_published
from node.knowledge.models import (
    KbArticle,
    KbArticleVersion,
    KbFolder,
    KbPublication,
    Status,
)
from node.knowledge.search_index import index_version, unindex_version
from node.settings import HQ_CODE

# The top folder of a publishing node's articles has an id derived from its code, so
# every node below names it alike and a second pull finds it again.
_TOP_FOLDER = uuid.UUID("6f1c2b0e-3d5a-4f4e-9b7a-2c8d1e0f5a61")


def top_folder_id(owner: str) -> uuid.UUID:
    """The id of the folder holding everything `owner` publishes."""
    return uuid.uuid5(_TOP_FOLDER, owner)


def _owner_name(owner: str) -> str:
    if owner == HQ_CODE:
        return "总部发布"
    return f"{division_name(owner) or owner}发布"


def _folder(session: Session, folder_id: uuid.UUID, name: str, parent: uuid.UUID | None,
            owner: str) -> uuid.UUID:  # fmt: skip
    folder = session.get(KbFolder, folder_id)
    if folder is None:
        folder = KbFolder(id=folder_id, name=name, parent_id=parent, owner=owner, created_by=owner)
        session.add(folder)
    elif (folder.name, folder.parent_id) != (name, parent):
        folder.name, folder.parent_id, folder.updated_at = name, parent, utcnow()
    return folder_id


def _place(session: Session, publication: KbPublication) -> uuid.UUID:
    """The folder the article goes in, made (or renamed, moved) as its owner has it."""
    owner = publication.origin
    parent = _folder(session, top_folder_id(owner), _owner_name(owner), None, owner)
    for hex_id, name in orjson.loads(publication.folders):
        parent = _folder(session, uuid.UUID(hex=hex_id), name, parent, owner)
    session.flush()
    return parent


def _version(session: Session, publication: KbPublication) -> KbArticleVersion:
    version = session.execute(
        select(KbArticleVersion).where(
            KbArticleVersion.article_id == publication.id,
            KbArticleVersion.number == publication.number,
        )
    ).scalar_one_or_none()
    if version is None:
        version = KbArticleVersion(
            article_id=publication.id, number=publication.number, created_by=publication.origin
        )
        session.add(version)
    version.title, version.body = publication.title, publication.body
    version.created_at = publication.published_at
    return version


def _withdraw(session: Session, article: KbArticle, publication: KbPublication) -> None:
    if article.published_number is not None:
        unindex_version(session, article.id, article.published_number)
    article.status, article.updated_at = Status.archived.value, utcnow()
    article.source_version = publication.origin_version


def _make(session: Session, publication: KbPublication) -> None:
    article = session.get(KbArticle, publication.id)
    if publication.deleted_at is not None:
        if article is not None:
            _withdraw(session, article, publication)
        return
    folder_id = _place(session, publication)
    if article is None:
        owner = publication.origin
        article = KbArticle(id=publication.id, owner=owner, created_by=owner)
        session.add(article)
    elif article.published_number is not None:
        unindex_version(session, article.id, article.published_number)
    article.folder_id, article.kind, article.title = folder_id, publication.kind, publication.title
    article.tags, article.must_read = publication.tags, publication.must_read
    article.effective_from, article.expires_at = publication.effective_from, publication.expires_at
    article.audience_id = take_published(session, publication.audience)
    article.status = Status.published.value
    article.latest_number = article.published_number = publication.number
    article.published_at, article.updated_at = publication.published_at, utcnow()
    article.source_version = publication.origin_version
    version = _version(session, publication)
    session.flush()
    index_version(session, article, version)


def _drop_empty_folders(session: Session, owners: tuple[str, ...]) -> None:
    """Folders from above that hold no article and no folder any more (their owner moved
    everything out) go, deepest first."""
    inner = aliased(KbFolder)
    while True:
        empty = list(
            session.execute(
                select(KbFolder).where(
                    KbFolder.owner.in_(owners),
                    ~exists(select(KbArticle.id).where(KbArticle.folder_id == KbFolder.id)),
                    ~exists(select(inner.id).where(inner.parent_id == KbFolder.id)),
                )
            ).scalars()
        )
        if not empty:
            return
        for folder in empty:
            session.delete(folder)
        session.flush()


def take_from_above(session: Session) -> int:
    """Make every publication of the nodes above that changed since into this node's
    read-only articles and their files; the number of publications taken."""
    owners = ancestors(session.info["node_code"])
    if not owners:
        return 0
    pending = pending_publications(session, KbPublication, KbArticle, owners, withdrawals=True)
    for publication in pending:
        _make(session, publication)
    if pending:
        _drop_empty_folders(session, owners)
    return len(pending) + take_files(session, owners)
