"""PostgreSQL: customers' search terms in their own table, written only when they change

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

The GIN index over search_terms was on customers itself. Every change moves a
customer's seq, which is indexed, so PostgreSQL cannot update the row in place (no HOT
update) and every edit, a note say, added the customer's ~39 terms to the GIN pending
list again. At 1,000 changes/s the 4 MB list filled every few seconds, and the apply
that filled it merged it: 1.3 s instead of 0.1 s, p99 city -> HQ lag 2.72 s at 1M
customers (README "Replication"). customer_search holds (search_key, terms) under the
GIN index and is written only for new customers, changed terms and deletes, by statement
triggers over transition tables (set-based: one statement per write, whatever writes
customers: the API, the importer, a replicated batch). SQLite did the same in 0005, and
PostgreSQL now keys its index by the same lifelong search_key (the seq a customer was
inserted with), which it had left NULL for replicated rows: the backfill rewrites every
customer once (docs/operations.md says how long it takes).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = {
    "customer_search_insert": """
        INSERT INTO customer_search (search_key, terms)
        SELECT search_key, string_to_array(search_terms, ' ') FROM added""",
    "customer_search_update": """
        UPDATE customer_search AS s SET terms = string_to_array(a.search_terms, ' ')
        FROM after_rows AS a JOIN before_rows AS b ON b.id = a.id
        WHERE s.search_key = a.search_key
        AND a.search_terms IS DISTINCT FROM b.search_terms""",
    "customer_search_delete": """
        DELETE FROM customer_search AS s USING removed AS r
        WHERE s.search_key = r.search_key""",
    "customer_search_truncate": "TRUNCATE customer_search",
}

_TRIGGERS = {
    "customer_search_insert": "AFTER INSERT ON customers REFERENCING NEW TABLE AS added",
    "customer_search_update": (
        "AFTER UPDATE ON customers REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows"
    ),
    "customer_search_delete": "AFTER DELETE ON customers REFERENCING OLD TABLE AS removed",
    "customer_search_truncate": "AFTER TRUNCATE ON customers",
}

_OLD_GIN = "ix_customers_search_terms_gin"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    # First, so the backfill below does not feed every customer's terms to it again.
    op.execute(f"DROP INDEX {_OLD_GIN}")
    op.execute("UPDATE customers SET search_key = seq WHERE search_key IS NULL")
    # A customer without a key cannot enter the table (NOT NULL): the insert that made
    # it fails instead of leaving it silently missing from search.
    op.execute(
        "CREATE TABLE customer_search (search_key bigint PRIMARY KEY, terms text[] NOT NULL)"
    )
    # Filled before the index is built: one GIN build is far faster than row by row.
    op.execute(
        "INSERT INTO customer_search (search_key, terms) "
        "SELECT search_key, string_to_array(search_terms, ' ') FROM customers"
    )
    op.execute("CREATE INDEX ix_customer_search_terms ON customer_search USING gin (terms)")
    for name, body in _FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} {_TRIGGERS[name]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        f"CREATE INDEX {_OLD_GIN} ON customers USING gin (string_to_array(search_terms, ' '))"
    )
    for name in _FUNCTIONS:
        op.execute(f"DROP TRIGGER {name} ON customers")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute("DROP TABLE customer_search")
