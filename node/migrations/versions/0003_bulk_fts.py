"""Let bulk apply suspend per-row FTS maintenance on SQLite

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

A federation apply writes tens of thousands of customers in one statement; per-row
FTS5 triggers made it five times slower than the upsert itself. While a row exists in
customer_fts_suspended (only ever inside the applying write transaction, so no other
connection sees it), the triggers stand aside and the apply indexes the whole batch
with one INSERT .. SELECT.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "WHEN NOT EXISTS (SELECT 1 FROM customer_fts_suspended)"


def _triggers(when: str) -> list[str]:
    return [
        f"""CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers {when} BEGIN
            INSERT INTO customer_fts (rowid, terms) VALUES (new.seq, new.search_terms);
        END""",
        f"""CREATE TRIGGER customers_fts_update AFTER UPDATE ON customers {when} BEGIN
            DELETE FROM customer_fts WHERE rowid = old.seq;
            INSERT INTO customer_fts (rowid, terms) VALUES (new.seq, new.search_terms);
        END""",
    ]


def _replace_triggers(when: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS customers_fts_insert")
    op.execute("DROP TRIGGER IF EXISTS customers_fts_update")
    for ddl in _triggers(when):
        op.execute(ddl)


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE customer_fts_suspended (flag INTEGER NOT NULL)")
    _replace_triggers(_ACTIVE)


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    _replace_triggers("")
    op.execute("DROP TABLE customer_fts_suspended")
