"""The knowledge base's tables. Folders, articles and their versions are the node's own;
what HQ or a province publishes for the nodes below travels as `KbPublication` rows
(docs/federation.md rule 11) and becomes read-only folders and articles there, so each
row names the node that wrote it (`owner`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated, new_id
from node.db.types import UTCDateTime, utcnow
from node.db.value_rules import one_of, shaped, within
from node.knowledge.published_shapes import (
    is_base64,
    is_folder_path,
    is_published_audience,
    is_sha256_hex,
)

NAME_MAX = 100
TITLE_MAX = 200
BODY_MAX = 200_000
NOTE_MAX = 500
REASON_MAX = 500
TAG_MAX = 30
TAGS_MAX = 20
USERNAME_MAX = 80
TERM_MAX = 200
NODE_CODE_MAX = 6
MAX_VERSION_NUMBER = 1_000_000
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_B64_MAX = 4 * -(-ATTACHMENT_MAX_BYTES // 3)  # base64 of the largest file
ATTACHMENTS_MAX = 20  # per article
FILE_NAME_MAX = 200
CONTENT_TYPE_MAX = 100


class Kind(StrEnum):
    policy = "policy"  # 制度
    rule = "rule"  # 规定
    announcement = "announcement"  # 片区公告
    knowledge = "knowledge"  # 业务知识
    phone = "phone"  # 业务电话


class Status(StrEnum):
    draft = "draft"
    in_review = "in_review"
    published = "published"
    archived = "archived"


class KbFolder(Base):
    """目录: a tree; a name is unique among its siblings (checked by the service)."""

    __tablename__ = "kb_folders"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("kb_folders.id"), default=None, index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    owner: Mapped[str] = mapped_column(String(NODE_CODE_MAX))
    created_by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbAudience(Base):
    """群组: who an article is for (node.knowledge.audience_rules), each list a JSON list
    of strings, empty for "anyone". A node's own, or a read-only copy of one an article
    from above carries (same id, its owner's code)."""

    __tablename__ = "kb_audiences"
    # A name is unique among its owner's (checked by the service, not the table: copies
    # from above are renamed one publication at a time, so two may swap names).

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    roles: Mapped[str] = mapped_column(Text, default="[]")
    levels: Mapped[str] = mapped_column(Text, default="[]")
    nodes: Mapped[str] = mapped_column(Text, default="[]")
    areas: Mapped[str] = mapped_column(Text, default="[]")
    owner: Mapped[str] = mapped_column(String(NODE_CODE_MAX))
    created_by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbArticle(Base):
    """文章. `status` is the state of its newest version; readers see the version
    `published_number` names (kept while a newer draft is edited and reviewed)."""

    __tablename__ = "kb_articles"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    folder_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("kb_folders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))  # the newest version's
    tags: Mapped[str] = mapped_column(Text, default="[]")  # a JSON list of strings
    must_read: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[date | None] = mapped_column(Date, default=None)
    expires_at: Mapped[date | None] = mapped_column(Date, default=None)  # first day not shown
    status: Mapped[str] = mapped_column(String(12), default=Status.draft.value)
    latest_number: Mapped[int] = mapped_column(Integer, default=1)
    published_number: Mapped[int | None] = mapped_column(Integer, default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    owner: Mapped[str] = mapped_column(String(NODE_CODE_MAX))
    created_by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None: for every reader; else only for those the audience reaches. Not indexed on
    # purpose: SQLite took an index on it to drive a search's check of a chunk of
    # versions (audience_id IS NULL holds for nearly every article), 10x slower.
    audience_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("kb_audiences.id"), default=None
    )
    # An article from above: the origin_version of the publication it was made from.
    source_version: Mapped[int | None] = mapped_column(Integer, default=None)


class KbPublication(Replicated, Base):
    """An article as its owner (HQ or a province) publishes it for every node below: the
    version readers see, the article's fields and the folders it sits in. Rewritten
    whenever what readers see changes; a tombstone once they may see it no more. Its
    id is the article's. Below, node.knowledge.from_above makes it a read-only article."""

    __tablename__ = "kb_publications"

    folders: Mapped[str] = mapped_column(  # JSON [[folder id hex, name], ...] from the top
        Text, info=shaped("a JSON list of [folder id, name] pairs", is_folder_path)
    )
    kind: Mapped[str] = mapped_column(String(12), info=one_of(Kind))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(String(BODY_MAX))  # Markdown
    tags: Mapped[str] = mapped_column(Text, default="[]")
    must_read: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[date | None] = mapped_column(Date, default=None)
    expires_at: Mapped[date | None] = mapped_column(Date, default=None)
    number: Mapped[int] = mapped_column(Integer, info=within(1, MAX_VERSION_NUMBER))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # JSON {"id", "name", "owner", "roles", "levels", "nodes", "areas"}, or None: for
    # every reader (wire schema 10; a batch of version 9 has none).
    audience: Mapped[str | None] = mapped_column(
        Text,
        default=None,
        info=shaped("an audience (id, name, owner, 4 lists)", is_published_audience),
    )


class KbArticleVersion(Base):
    """One numbered version: every edit of a draft or a published article makes one."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("kb_articles.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)  # Markdown
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    created_by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbStep(Base):
    """One move of the approval flow: who moved which version from what to what, when."""

    __tablename__ = "kb_steps"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("kb_articles.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # the version moved
    from_status: Mapped[str] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")


class KbSearchTerm(Base):
    """The search terms of the versions that can be found: the published one and the
    newest (for editors). Bigrams and unigrams of title and body, title pinyin."""

    __tablename__ = "kb_search_terms"
    # A term's postings in the order search pages through them (title hits, then the
    # newest version first), so a search reads as far as its page and not every match.
    __table_args__ = (
        Index("ix_kb_search_terms_ranked", "term", "in_title", "rank_at", "version_id"),
    )

    version_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("kb_article_versions.id"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(TERM_MAX), primary_key=True)
    article_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("kb_articles.id"), index=True)
    in_title: Mapped[bool] = mapped_column(Boolean, default=False)
    rank_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the version's created_at


class KbAck(Base):
    """A reader's 已阅 of a must-read article (once per reader and article)."""

    __tablename__ = "kb_acks"
    __table_args__ = (UniqueConstraint("article_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("kb_articles.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    number: Mapped[int] = mapped_column(Integer)  # the published version acknowledged
    acked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbAttachment(Base):
    """A file attached to an article (附件): its own node's, or taken from a publication
    of a node above (`source_version` the publication's origin_version)."""

    __tablename__ = "kb_attachments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    article_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("kb_articles.id"), index=True)
    name: Mapped[str] = mapped_column(String(FILE_NAME_MAX))
    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_MAX))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read to download
    owner: Mapped[str] = mapped_column(String(NODE_CODE_MAX))
    created_by: Mapped[str] = mapped_column(String(USERNAME_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source_version: Mapped[int | None] = mapped_column(Integer, default=None)


class KbAttachmentPublication(Replicated, Base):
    """A file of a published article as its owner (HQ or a province) hands it down: one
    row per attachment of an article its readers may see, a tombstone once they may see
    it no more (removed, or the article archived). Its id is the attachment's; the
    content travels as base64 text (Arrow batches carry text, and COPY takes it)."""

    __tablename__ = "kb_attachment_publications"

    article_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(String(FILE_NAME_MAX))
    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_MAX))
    size: Mapped[int] = mapped_column(Integer, info=within(1, ATTACHMENT_MAX_BYTES))
    sha256: Mapped[str] = mapped_column(
        String(64), info=shaped("64 lowercase hex digits", is_sha256_hex)
    )
    content: Mapped[str] = mapped_column(
        String(ATTACHMENT_B64_MAX), info=shaped("base64 of the file", is_base64), deferred=True
    )
