"""The database handle a node holds, and the unit of work a request or job runs in.

One transaction per request or job: the boundary (API dependency, CLI command, job)
opens a UnitOfWork and commits it; services only add and flush.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from node.db.engine import IMMEDIATE, make_engine
from node.db.stamping import install_stamping


class Database:
    """Engine plus two session factories: read (plain BEGIN) and write (BEGIN IMMEDIATE)."""

    def __init__(self, url: str, node_code: str, echo: bool = False) -> None:
        self.url = url
        self.node_code = node_code
        self.engine: Engine = make_engine(url, echo=echo)
        # Every session starts with a copy of this: the node's code, and what the
        # composition root adds once at start-up (the SMS settings, node/sms/outbox.py).
        self.info: dict[str, Any] = {"node_code": node_code}
        info = self.info
        self._read = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self._write = sessionmaker(
            self.engine.execution_options(**IMMEDIATE), expire_on_commit=False, info=info
        )
        install_stamping(self._read)
        install_stamping(self._write)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, write: bool = False) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def unit_of_work(self, write: bool = True) -> Iterator[Session]:
        """A session whose transaction commits when the block ends without error."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
