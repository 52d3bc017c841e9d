"""附件: files attached to knowledge-base articles.

An editor attaches files (at most ATTACHMENTS_MAX an article, each 1 byte to
ATTACHMENT_MAX_BYTES) to an article of this node's while it is a draft or published;
readers download the files of the articles they may read. Files apply at once, like the
article's tags: a published article's files are republished for the nodes below with it
(node.knowledge.publications).

A download is served as a file to save, never rendered by the browser: only types that
cannot run script are given their own type; everything else is octet-stream."""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.errors import Conflict, NotFound, PayloadTooLarge, invalid
from node.knowledge.models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENTS_MAX,
    CONTENT_TYPE_MAX,
    FILE_NAME_MAX,
    KbArticle,
    KbAttachment,
    Status,
)
from node.knowledge.ownership import ensure_own
from node.knowledge.publications import sync_publication

OCTET_STREAM = "application/octet-stream"
# Served as themselves: documents and images that carry no script a browser would run.
SAFE_TYPES = frozenset({
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/zip",
})  # fmt: skip


def clean_name(raw: str | None) -> str:
    """The file's own name, as a person reads it: no folders (either kind of slash), no
    control characters, at most FILE_NAME_MAX characters; 422 naming `file` if nothing
    is left."""
    base = PureWindowsPath(PurePosixPath(raw or "").name).name
    kept = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if not kept or kept in (".", ".."):
        raise invalid("file", "附件没有文件名 (the file has no name)")
    if len(kept) > FILE_NAME_MAX:
        stem, dot, ext = kept.rpartition(".")
        keep_ext = dot and len(ext) < 20
        kept = (
            stem[: FILE_NAME_MAX - len(ext) - 1] + "." + ext if keep_ext else kept[:FILE_NAME_MAX]
        )
    return kept


def served_type(declared: str | None) -> str:
    """The Content-Type a download is served with: the declared one if it is safe."""
    kind = (declared or "").split(";", 1)[0].strip().lower()
    return kind if kind in SAFE_TYPES else OCTET_STREAM


def add_attachment(
    session: Session,
    article: KbArticle,
    name: str | None,
    content_type: str | None,
    content: bytes,
    username: str,
) -> KbAttachment:
    """Attach a file; 413 over the size limit, 422 empty or nameless, 409 for an
    article from above, in review, archived, or holding ATTACHMENTS_MAX files."""
    ensure_own(session, article)
    if article.status not in (Status.draft.value, Status.published.value):
        raise Conflict(f"status: files cannot be attached to an article {article.status}")
    if len(content) > ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            f"file: 附件不能超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB "
            f"(larger than {ATTACHMENT_MAX_BYTES} bytes)"
        )
    if not content:
        raise invalid("file", "附件是空文件 (the file is empty)")
    held = session.execute(
        select(func.count()).where(KbAttachment.article_id == article.id)
    ).scalar_one()
    if held >= ATTACHMENTS_MAX:
        raise Conflict(f"file: an article holds at most {ATTACHMENTS_MAX} files")
    attachment = KbAttachment(
        article_id=article.id,
        name=clean_name(name),
        content_type=(content_type or OCTET_STREAM)[:CONTENT_TYPE_MAX],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        owner=session.info["node_code"],
        created_by=username,
    )
    session.add(attachment)
    session.flush()
    sync_publication(session, article)
    return attachment


def attachments_of(session: Session, article_id: uuid.UUID) -> list[KbAttachment]:
    """The article's files in the order they were attached (content not loaded)."""
    stmt = (
        select(KbAttachment)
        .where(KbAttachment.article_id == article_id)
        .order_by(KbAttachment.created_at, KbAttachment.id)
    )
    return list(session.execute(stmt).scalars())


def get_attachment(session: Session, attachment_id: uuid.UUID) -> KbAttachment:
    """The file; NotFound otherwise."""
    attachment = session.get(KbAttachment, attachment_id)
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    return attachment


def remove_attachment(session: Session, attachment: KbAttachment) -> None:
    """Detach a file of an article of this node's (409 for one from above)."""
    article = session.get(KbArticle, attachment.article_id)
    assert article is not None  # a foreign key
    ensure_own(session, article)
    session.delete(attachment)
    session.flush()
    sync_publication(session, article)
