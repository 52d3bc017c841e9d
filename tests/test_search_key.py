"""The search index is written only when a customer's search terms change: SQLite's
customer_fts (migration 0005) and PostgreSQL's customer_search, which holds the GIN
index (migration 0006), are both keyed by a customer's lifelong search_key. Edits that
keep the terms leave the index alone, edits that change them move the terms, at the
origin (triggers) and at a parent (bulk apply), and nothing can insert a customer that
search would silently miss."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from federation.receiving.apply import apply_incoming
from federation.sending import capture
from node.customers.lookup import apply_lookup, classify
from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.types import utcnow
from tests.conftest import NODE_CODE

POSTGRES_ONLY = pytest.mark.parametrize("backend", ["postgresql"])


def _add(database, names: list[str]) -> None:
    with database.unit_of_work() as s:
        for i, name in enumerate(names):
            s.add(
                Customer(
                    customer_no=f"{NODE_CODE}-{i:08d}",
                    name=name,
                    joined_at=utcnow() - timedelta(days=i),
                    search_terms=customer_search_terms(name),
                )
            )


def _index(database) -> list[tuple]:
    """Every index row with what identifies its version: on PostgreSQL the row's xmin,
    which any rewrite of it changes."""
    with database.engine.connect() as conn:
        if database.dialect == "postgresql":
            sql = "SELECT search_key, terms, xmin::text FROM customer_search ORDER BY 1"
            return conn.exec_driver_sql(sql).all()
        conn.exec_driver_sql("INSERT INTO customer_fts (customer_fts) VALUES ('integrity-check')")
        return conn.exec_driver_sql("SELECT rowid, terms FROM customer_fts ORDER BY 1").all()


def _found(database, q: str) -> list[str]:
    with database.unit_of_work(write=False) as s:
        stmt = apply_lookup(select(Customer), classify(q), database.dialect, None)
        return sorted(c.name for c in s.scalars(stmt))


def _replicate(child, parent, after: int) -> int:
    with child.engine.connect() as conn:
        changes = capture.read_changes(conn, "customers", after, 5000)
    apply_incoming(parent, NODE_CODE, "customers", changes.rows, after, changes.seq_end)
    return changes.seq_end


def _edit(database, changes: dict[str, dict[str, str]]) -> None:
    with database.unit_of_work() as s:
        for row in s.scalars(select(Customer)):
            wanted = changes.get(row.name, {})
            for field, value in wanted.items():
                setattr(row, field, value)
            if "name" in wanted:
                row.search_terms = customer_search_terms(row.name)


NAMES = ["张建国", "李翔", "欧阳娜娜", "王芳", "赵建国"]


def test_note_edits_leave_the_index_alone_and_renames_move_it(database, parent_database):
    _add(database, NAMES)
    mark = _replicate(database, parent_database, 0)
    before = {db: _index(db) for db in (database, parent_database)}
    _edit(database, {n: {"note": "回访：满意"} for n in NAMES})
    mark = _replicate(database, parent_database, mark)
    for db in (database, parent_database):
        assert _index(db) == before[db]  # same keys, same terms: untouched
        with db.engine.connect() as conn:
            moved = conn.exec_driver_sql(
                "SELECT count(*) FROM customers WHERE seq != search_key"
            ).scalar_one()
        assert moved == len(NAMES)  # every seq moved on; the keys stayed

    _edit(database, {"张建国": {"name": "张卫东"}})
    _replicate(database, parent_database, mark)
    for db in (database, parent_database):
        assert _found(db, "建国") == ["赵建国"]
        assert _found(db, "卫东") == ["张卫东"]
        assert len(_index(db)) == len(NAMES)  # the old terms went, none left behind


def test_a_parent_keys_new_customers_by_its_own_seq(database, parent_database):
    _add(database, NAMES)
    _replicate(database, parent_database, 0)
    index, key = (
        ("customer_fts", "rowid")
        if parent_database.dialect == "sqlite"
        else ("customer_search", "search_key")
    )
    with parent_database.engine.connect() as conn:
        keys = conn.exec_driver_sql(
            f"SELECT c.search_key = c.seq AND f.{key} IS NOT NULL FROM customers c "
            f"LEFT JOIN {index} f ON f.{key} = c.search_key"
        ).scalars()
        assert list(keys) == [True] * len(NAMES)
    assert _found(parent_database, "娜娜") == ["欧阳娜娜"]


def test_a_customer_without_a_search_key_is_refused(database):
    _add(database, ["张建国"])
    sqlite = database.dialect == "sqlite"
    new_id, false = ("'ab' || id", "0") if sqlite else ("gen_random_uuid()", "false")
    refused = pytest.raises(IntegrityError, match="search_key")
    with refused, database.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO customers (id, origin, seq, origin_version, created_at, updated_at, "
            "customer_no, name, type, status, is_key_account, joined_at, search_terms) "
            f"SELECT {new_id}, origin, seq + 100, 1, created_at, updated_at, "
            f"'430100-99999999', name, type, status, {false}, joined_at, search_terms "
            "FROM customers"
        )
    assert _found(database, "建国") == ["张建国"]


@POSTGRES_ONLY
def test_deleted_and_truncated_customers_leave_no_terms(database):
    _add(database, NAMES)
    assert _found(database, "建国") == ["张建国", "赵建国"]
    with database.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM customers WHERE name = '张建国'")
    assert _found(database, "建国") == ["赵建国"]
    assert len(_index(database)) == len(NAMES) - 1
    with database.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE customers")
    assert _index(database) == []


@POSTGRES_ONLY
def test_an_upsert_indexes_its_inserts_and_its_changed_terms(database, parent_database):
    """One INSERT .. ON CONFLICT both inserts and updates: each half reaches the index."""
    _add(database, NAMES[:2])
    mark = _replicate(database, parent_database, 0)
    _edit(database, {"张建国": {"name": "张卫东"}})
    _add_more = NAMES[2:]
    with database.unit_of_work() as s:
        for i, name in enumerate(_add_more, start=10):
            s.add(
                Customer(
                    customer_no=f"{NODE_CODE}-{i:08d}",
                    name=name,
                    joined_at=utcnow(),
                    search_terms=customer_search_terms(name),
                )
            )
    _replicate(database, parent_database, mark)
    assert _found(parent_database, "卫东") == ["张卫东"]
    assert _found(parent_database, "建国") == ["赵建国"]
    assert _found(parent_database, "娜娜") == ["欧阳娜娜"]
    assert len(_index(parent_database)) == len(NAMES)
