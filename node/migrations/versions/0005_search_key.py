"""Key SQLite's search index by a customer's lifelong search_key, not its seq

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

customer_fts was keyed by the customer's seq, which every change moves: a note edit
deleted and re-inserted the customer's index row (about 80 of the 110 microseconds an
edit cost a parent at 1M customers). The key is now search_key, the seq the row was
inserted with, and the triggers touch the index only when the search terms change.
Existing rows keep their index rows: their search_key starts as their current seq.

Why not the implicit rowid: customers has a text primary key, so VACUUM (and VACUUM
INTO, a common backup) may renumber rowids, which would silently break search.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "NOT EXISTS (SELECT 1 FROM customer_fts_suspended)"
_TRIGGERS = ("customers_fts_insert", "customers_fts_update", "customers_fts_delete")

# A customer inserted without a key would be missing from search without any error:
# refuse it instead (every insert path sets search_key = seq).
_KEY_REQUIRED = """CREATE TRIGGER customers_search_key_required BEFORE INSERT ON customers
    WHEN new.search_key IS NULL BEGIN
    SELECT RAISE(ABORT, 'customers.search_key is required: the seq the row is inserted with');
END"""

_BY_SEARCH_KEY = [
    f"""CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers WHEN {_ACTIVE} BEGIN
        INSERT INTO customer_fts (rowid, terms) VALUES (new.search_key, new.search_terms);
    END""",
    f"""CREATE TRIGGER customers_fts_update AFTER UPDATE OF search_terms ON customers
        WHEN {_ACTIVE} AND old.search_terms IS NOT new.search_terms BEGIN
        DELETE FROM customer_fts WHERE rowid = old.search_key;
        INSERT INTO customer_fts (rowid, terms) VALUES (new.search_key, new.search_terms);
    END""",
    """CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
        DELETE FROM customer_fts WHERE rowid = old.search_key;
    END""",
]

# Revision 0003's triggers, for the downgrade.
_BY_SEQ = [
    f"""CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers WHEN {_ACTIVE} BEGIN
        INSERT INTO customer_fts (rowid, terms) VALUES (new.seq, new.search_terms);
    END""",
    f"""CREATE TRIGGER customers_fts_update AFTER UPDATE ON customers WHEN {_ACTIVE} BEGIN
        DELETE FROM customer_fts WHERE rowid = old.seq;
        INSERT INTO customer_fts (rowid, terms) VALUES (new.seq, new.search_terms);
    END""",
    """CREATE TRIGGER customers_fts_delete AFTER DELETE ON customers BEGIN
        DELETE FROM customer_fts WHERE rowid = old.seq;
    END""",
]


def _replace_triggers(ddl: list[str]) -> None:
    for name in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in ddl:
        op.execute(statement)


def upgrade() -> None:
    op.add_column("customers", sa.Column("search_key", sa.BigInteger(), nullable=True))
    if op.get_context().dialect.name == "sqlite":
        op.execute("UPDATE customers SET search_key = seq")
    # On PostgreSQL too, so both databases have the models' schema (nearly all NULL there).
    op.create_index("ix_customers_search_key", "customers", ["search_key"], unique=True)
    if op.get_context().dialect.name != "sqlite":
        return
    op.execute(_KEY_REQUIRED)
    _replace_triggers(_BY_SEARCH_KEY)


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        op.drop_index("ix_customers_search_key", table_name="customers")
        op.drop_column("customers", "search_key")
        return
    op.execute("DROP TRIGGER IF EXISTS customers_search_key_required")
    _replace_triggers(_BY_SEQ)
    op.execute("DELETE FROM customer_fts")
    op.execute("INSERT INTO customer_fts (rowid, terms) SELECT seq, search_terms FROM customers")
    op.drop_index("ix_customers_search_key", table_name="customers")
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of the table would drop its triggers.
    op.execute("ALTER TABLE customers DROP COLUMN search_key")
