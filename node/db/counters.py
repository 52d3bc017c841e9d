"""Node-local counters (change sequence, readable numbers) in one table.

`UPDATE ... RETURNING` takes the counter row's write lock until commit. On PostgreSQL
that serialises writers from their first change to their commit, which is exactly what
makes the change sequence gap-free for a reader: no transaction can hold seq n+1
while another still holds an uncommitted n. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from node.db.base import Base

SEQ = "seq"


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


_BUMP = text("UPDATE counters SET value = value + :n WHERE name = :name RETURNING value")
_CREATE = text("INSERT INTO counters (name, value) VALUES (:name, 0)")


def allocate(session: Session, name: str, n: int = 1) -> int:
    """Reserve `n` consecutive values of counter `name`; return the first of them."""
    conn = session.connection()
    last = conn.execute(_BUMP, {"n": n, "name": name}).scalar()
    if last is None:
        # First use of this counter. A concurrent first use on PostgreSQL would hit the
        # primary key; counters are created by the migration for the hot ones (seq).
        conn.execute(_CREATE, {"name": name})
        last = conn.execute(_BUMP, {"n": n, "name": name}).scalar_one()
    return int(last) - n + 1
