"""What flows down, as digests per table and origin (rule 7 turned round): a child
holds exactly its ancestors' rows of the tables that flow down."""

from __future__ import annotations

from federation.registry.topology import served_down
from federation.verify.compare import Digests
from federation.verify.digest import table_digests
from node.db.unit_of_work import Database
from schemas.wire import DOWN_TABLES


def served_digests(db: Database) -> Digests:
    """This node's digests of the rows it serves down: its own and its ancestors'."""
    return _of_origins(db, served_down(db.node_code))


def held_from_above(db: Database, above: tuple[str, ...]) -> Digests:
    """This node's digests of the rows it holds from the nodes `above` it."""
    return _of_origins(db, above)


def _of_origins(db: Database, origins: tuple[str, ...]) -> Digests:
    with db.engine.connect() as conn:
        return {
            table: {o: v for o, v in table_digests(conn, table).items() if o in origins}
            for table in DOWN_TABLES
        }
