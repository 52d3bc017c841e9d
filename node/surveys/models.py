"""Questionnaires and their versions. What HQ or a province publishes reaches the nodes
below as `QuestionnairePublication` rows (docs/federation.md rule 11) and is read-only
there; a questionnaire can also travel as a file (`fedcrm surveys export` / `import`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated, new_id
from node.db.types import UTCDateTime, utcnow

NAME_MAX = 200
DESCRIPTION_MAX = 1000
USERNAME_MAX = 80
DOCUMENT_MAX = 2_000_000  # a questionnaire file: every published version's definition


class VersionStatus(StrEnum):
    draft = "draft"  # editable
    published = "published"  # frozen: answers point at it


class Questionnaire(Base):
    __tablename__ = "questionnaires"

    # Kept when a questionnaire is exported and imported, so every node names it alike.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # From above: the node that published it (None: this node's own) and the version of
    # the publication it was last brought in line with.
    owner: Mapped[str | None] = mapped_column(String(6), default=None)
    source_version: Mapped[int | None] = mapped_column(Integer, default=None)


class QuestionnairePublication(Replicated, Base):
    """A questionnaire as HQ or a province publishes it for every node below: the file
    `fedcrm surveys export` writes (its published versions, never a draft), rewritten
    whenever it publishes a version. Its id is the questionnaire's."""

    __tablename__ = "questionnaire_publications"

    document: Mapped[str] = mapped_column(String(DOCUMENT_MAX))


class QuestionnaireVersion(Base):
    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    questionnaire_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("questionnaires.id"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within its questionnaire
    status: Mapped[str] = mapped_column(String(10), default=VersionStatus.draft.value)
    definition: Mapped[str] = mapped_column(Text)  # definition.Definition as JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A username, not a user id: an imported version was published by someone at HQ.
    published_by: Mapped[str | None] = mapped_column(String(USERNAME_MAX), default=None)
