"""The files of a published article, handed down with it: one KbAttachmentPublication
per file of an article of this node's that readers may see, rewritten when the file
changes and a tombstone once readers may see it no more (the file removed, the article
archived). Kept by node.knowledge.publications.sync_publication whenever the article's
publication is."""

from __future__ import annotations

import base64
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.db.types import utcnow
from node.knowledge.models import KbArticle, KbAttachment, KbAttachmentPublication


def _files(session: Session, article_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str, str]]:
    """{id: (name, content_type, sha256)} of the article's files, their content unread."""
    stmt = select(
        KbAttachment.id, KbAttachment.name, KbAttachment.content_type, KbAttachment.sha256
    ).where(KbAttachment.article_id == article_id)
    return {row.id: (row.name, row.content_type, row.sha256) for row in session.execute(stmt)}


def sync_attachment_publications(session: Session, article: KbArticle, visible: bool) -> None:
    """Publish the files of `article` (of this node's) when `visible`, else withdraw them."""
    wanted = _files(session, article.id) if visible else {}
    held = session.execute(
        select(KbAttachmentPublication).where(KbAttachmentPublication.article_id == article.id)
    ).scalars()
    now, here = utcnow(), session.info["node_code"]
    for publication in held:
        live = publication.deleted_at is None
        if publication.id not in wanted:
            if live:
                publication.deleted_at = publication.updated_at = now
            continue
        same = (publication.name, publication.content_type, publication.sha256)
        if live and same == wanted.pop(publication.id):
            continue
        _fill(session, publication)
        publication.deleted_at, publication.updated_at = None, now
    for attachment_id in wanted:
        publication = KbAttachmentPublication(id=attachment_id, origin=here)
        _fill(session, publication)
        session.add(publication)
    session.flush()


def _fill(session: Session, publication: KbAttachmentPublication) -> None:
    attachment = session.get(KbAttachment, publication.id)
    assert attachment is not None
    publication.article_id, publication.name = attachment.article_id, attachment.name
    publication.content_type, publication.size = attachment.content_type, attachment.size
    publication.sha256 = attachment.sha256
    publication.content = base64.b64encode(attachment.content).decode("ascii")
