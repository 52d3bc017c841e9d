"""Declarative base and the columns every replicated row carries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, FromClause, Integer, MetaData, String, Table, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from uuid6 import uuid7

from node.db.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def new_id() -> uuid.UUID:
    return uuid7()


class Replicated:
    """Mixin for rows that replicate upward (docs/federation.md).

    `origin` is the code of the owning node; only it may change the row. `seq` is this
    node's change sequence, stamped in the same transaction as the change by the unit
    of work (see node.db.stamping). `origin_version` counts changes at the origin.
    `deleted_at` is the tombstone: rows are never hard-deleted by the API.
    """

    if TYPE_CHECKING:
        # Every Replicated class is also declarative (a Base subclass), which gives it
        # these; declared here too, as DeclarativeBase declares them, so code that takes
        # `type[Replicated]` can name the table.
        __tablename__: Any
        __table__: ClassVar[FromClause]

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    origin: Mapped[str] = mapped_column(String(6), index=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    origin_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


def table_of(model: type[Replicated]) -> Table:
    """The Table `model` is mapped to. SQLAlchemy types `__table__` as any FromClause (a
    class may be mapped to a join or a subquery); ours are all declared with
    `__tablename__`, so it is a Table, which Core's insert() and update() take."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
