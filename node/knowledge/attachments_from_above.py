"""The files of the articles published above, made into this node's read-only
attachments after every pull (node.knowledge.from_above runs it once the articles are
made). A file whose article is not here yet waits for the pull that brings it; one whose
content does not match its digest is left out and logged, never stored."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging

from sqlalchemy.orm import Session

from node.db.pending_publications import pending_publications
from node.knowledge.models import KbArticle, KbAttachment, KbAttachmentPublication

log = logging.getLogger(__name__)


def _content(publication: KbAttachmentPublication) -> bytes | None:
    try:
        content = base64.b64decode(publication.content, validate=True)
    except (binascii.Error, ValueError):
        return None
    if hashlib.sha256(content).hexdigest() != publication.sha256:
        return None
    return content


def _take(session: Session, publication: KbAttachmentPublication) -> bool:
    attachment = session.get(KbAttachment, publication.id)
    if publication.deleted_at is not None:
        if attachment is not None:
            session.delete(attachment)
        return True
    if session.get(KbArticle, publication.article_id) is None:
        return False  # its article comes with a later pull
    content = _content(publication)
    if content is None:
        log.warning("file %s from %s: content does not match its digest; not taken",
                    publication.id, publication.origin)  # fmt: skip
        return False
    if attachment is None:
        attachment = KbAttachment(id=publication.id, created_by=publication.origin)
        session.add(attachment)
    attachment.article_id, attachment.name = publication.article_id, publication.name
    attachment.content_type, attachment.size = publication.content_type, len(content)
    attachment.sha256, attachment.content = publication.sha256, content
    attachment.owner, attachment.source_version = publication.origin, publication.origin_version
    return True


def take_files(session: Session, owners: tuple[str, ...]) -> int:
    """Take the file publications of `owners` that changed since; how many were taken."""
    pending = pending_publications(
        session, KbAttachmentPublication, KbAttachment, owners, withdrawals=True
    )
    taken = sum(_take(session, publication) for publication in pending)
    session.flush()
    return taken
