"""Alembic environment: the connection comes from node.db.migrate, never from a global."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine
from sqlalchemy.schema import SchemaItem

from node.migrations.metadata import metadata

config = context.config
target_metadata = metadata

# Look-up structures managed by hand in migrations and kept by triggers: SQLite's FTS5
# table and its shadows, PostgreSQL's customer_search (GIN over the terms).
HAND_MANAGED = ("customer_fts", "customer_search")


def include_object(
    obj: SchemaItem,
    name: str | None,
    type_: str,
    reflected: bool,
    compare_to: SchemaItem | None,
) -> bool:
    return not (type_ == "table" and name and name.startswith(HAND_MANAGED))


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _configure_and_run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no connection given and no sqlalchemy.url configured to migrate")
    engine = create_engine(url)
    with engine.connect() as conn:
        _configure_and_run(conn)
