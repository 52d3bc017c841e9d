"""SQLite's bulk paths through the scratch schema (node.db.scratch) give exactly what the
row-by-row paths give: every wire type, NULLs, Chinese text, money stored as INTEGER or
REAL; and a connection hands its scratch back empty."""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from sqlalchemy import event, select

from federation.receiving.apply import apply_incoming
from federation.sending import capture
from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.types import utcnow
from node.subscriptions.models import Subscription
from schemas.wire import TABLES
from tests.conftest import NODE_CODE

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # SQLite-only paths


def _fill(database, n: int = 1100) -> None:
    """Customers and subscriptions with every kind of value the wire carries."""
    now = utcnow()
    with database.unit_of_work() as s:
        for i in range(n):
            name = ["张建国", "李翔", "欧阳娜娜", "王芳"][i % 4] + str(i)
            customer = Customer(
                customer_no=f"{NODE_CODE}-{i:08d}",
                name=name,
                joined_at=now - timedelta(days=i, microseconds=i),
                # The first 1,024+ rows hold NULLs in columns later rows fill: the image
                # path must type a column from all its values, not its first batch.
                birth_date=None if i < n - 10 else date(1980, 1, 1) + timedelta(days=i),
                phone=None if i < n - 5 else f"139{i:08d}",
                note=None if i % 3 else '备注\n第二行 "引号" \\ 反斜杠',
                is_key_account=i % 5 == 0,
                search_terms=customer_search_terms(name),
            )
            s.add(customer)
            s.flush()
            fee = Decimal(58) if i % 2 else Decimal("99.50")  # INTEGER and REAL storage
            s.add(
                Subscription(
                    customer_id=customer.id,
                    product_id=uuid.uuid4(),
                    monthly_fee=fee,
                    started_at=now,
                    ended_at=None if i < n - 2 else now,
                )
            )


def _both_reads(database, table: str):
    with database.engine.connect() as conn:
        image = capture._read_sqlite_image(conn, table, 0, "seq > 0", 5000)
        rows = capture._read_rows(conn, table, 0, "seq > 0", 5000)
    return image, rows


@pytest.mark.parametrize("table", ["customers", "subscriptions", "dictionary_entries"])
def test_the_image_read_returns_exactly_the_row_by_row_read(database, table):
    _fill(database)
    image, rows = _both_reads(database, table)
    assert image is not None and image.rows.num_rows == rows.rows.num_rows > 0
    assert image.rows.schema == rows.rows.schema
    assert image.rows.equals(rows.rows)
    assert image.seqs.equals(rows.seqs)


def test_a_failing_image_read_falls_back_to_rows_and_says_so(database, monkeypatch, caplog):
    _fill(database)

    def broken(*_args):
        raise pa.ArrowInvalid("cannot type column")

    monkeypatch.setattr(capture, "FAST_READ_MIN_ROWS", 1)
    monkeypatch.setattr(capture, "image_table", broken)
    with caplog.at_level(logging.WARNING), database.engine.connect() as conn:
        got = capture.read_changes(conn, "customers", 0, 5000)
        want = capture._read_rows(conn, "customers", 0, "seq > 0", 5000)
    assert got.rows.equals(want.rows)
    assert "reading row by row" in caplog.text


def test_small_backlogs_skip_the_image_path(database, monkeypatch):
    _fill(database, n=3)
    monkeypatch.setattr(capture, "image_table", lambda *_a: pytest.fail("image path used"))
    with database.engine.connect() as conn:
        assert capture.read_changes(conn, "customers", 0, 1000).rows.num_rows == 3


def test_apply_through_scratch_matches_and_leaves_the_scratch_empty(database, parent_database):
    _fill(database)
    image, _ = _both_reads(database, "customers")
    result = apply_incoming(parent_database, NODE_CODE, "customers", image.rows, 0, image.seq_end)
    assert result.applied == image.rows.num_rows
    cols = [Customer.__table__.c[name] for name in TABLES["customers"].names]
    with database.unit_of_work(write=False) as s, parent_database.unit_of_work(write=False) as p:
        assert sorted(s.execute(select(*cols)).all()) == sorted(p.execute(select(*cols)).all())
    with parent_database.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT count(*) FROM scratch.sqlite_master").scalar_one()
        size = len(conn.connection.driver_connection.serialize(name="scratch"))
    assert left == 0 and size <= 8192  # the batch image was freed when the pool took it back


def test_a_relay_reads_through_a_scratch_that_an_apply_used(
    database, parent_database, monkeypatch, caplog
):
    """A province applies (its scratch deserialized) and then relays on the same pooled
    connection: the image read must still see its own copy (it once saw an empty image)."""
    _fill(database)
    image, _ = _both_reads(database, "customers")
    apply_incoming(parent_database, NODE_CODE, "customers", image.rows, 0, image.seq_end)
    used = []
    real = capture.image_table
    monkeypatch.setattr(capture, "FAST_READ_MIN_ROWS", 1)
    monkeypatch.setattr(capture, "image_table", lambda *a: used.append(1) or real(*a))
    with caplog.at_level(logging.WARNING), parent_database.engine.connect() as conn:
        relayed = capture.read_changes(conn, "customers", 0, 5000)
        want = capture._read_rows(conn, "customers", 0, "seq > 0", 5000)
    assert used and "row by row" not in caplog.text  # the image path worked, no fallback
    assert relayed.rows.equals(want.rows)
    assert relayed.rows.num_rows == image.rows.num_rows


def test_inside_an_open_transaction_the_read_goes_row_by_row(database, monkeypatch):
    _fill(database, n=20)
    monkeypatch.setattr(capture, "FAST_READ_MIN_ROWS", 1)
    monkeypatch.setattr(capture, "image_table", lambda *_a: pytest.fail("image path used"))
    with database.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # SQLAlchemy has begun a transaction
        assert capture.read_changes(conn, "customers", 0, 5000).rows.num_rows == 20


def _replicate(database, parent_database, after: int = 0) -> int:
    """Send everything after `after` from the child to the parent; the new watermark."""
    with database.engine.connect() as conn:
        changes = capture.read_changes(conn, "customers", after, 5000)
    apply_incoming(parent_database, NODE_CODE, "customers", changes.rows, after, changes.seq_end)
    return changes.seq_end


def test_edits_with_and_without_indexed_columns_keep_every_index_true(database, parent_database):
    """Note edits take the narrow UPDATE, phone edits the full upsert: afterwards the
    parent equals the child, its indexes agree with its rows and search finds both."""
    _fill(database, n=50)
    mark = _replicate(database, parent_database)
    with database.unit_of_work() as s:
        rows = s.scalars(select(Customer).order_by(Customer.customer_no)).all()
        for row in rows[:20]:
            row.note = "只改备注"
        for row in rows[20:30]:
            row.phone = f"138{row.customer_no[-8:]}"
            row.note = "改了电话"
    counts: list[tuple[str, int]] = []

    def seen(_conn, cursor, statement, *_args) -> None:
        counts.append((statement.split(" ", 1)[0], cursor.rowcount))

    event.listen(parent_database.engine, "after_cursor_execute", seen)
    _replicate(database, parent_database, mark)
    event.remove(parent_database.engine, "after_cursor_execute", seen)
    assert ("UPDATE", 20) in counts  # the note edits, by the narrow UPDATE
    assert ("INSERT", 10) in counts  # the phone edits, by the upsert
    cols = [Customer.__table__.c[name] for name in TABLES["customers"].names]
    with database.unit_of_work(write=False) as s, parent_database.unit_of_work(write=False) as p:
        assert sorted(s.execute(select(*cols)).all()) == sorted(p.execute(select(*cols)).all())
    with parent_database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        by_phone = conn.exec_driver_sql(
            "SELECT count(*) FROM customers WHERE phone LIKE '138%'"
        ).scalar_one()
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM customer_fts f JOIN customers c ON c.search_key = f.rowid "
            "WHERE customer_fts MATCH '\"建国\"'"
        ).scalar_one()
        fts_rows = conn.exec_driver_sql("SELECT count(*) FROM customer_fts").scalar_one()
    assert by_phone == 10
    assert found == len([i for i in range(50) if i % 4 == 0])  # 张建国 every fourth
    assert fts_rows == 50  # no stale index rows left behind by moved seqs


def test_the_narrow_update_never_takes_over_another_origins_row(database, parent_database):
    _fill(database, n=5)
    with database.engine.connect() as conn:
        changes = capture.read_changes(conn, "customers", 0, 5000)
    apply_incoming(parent_database, NODE_CODE, "customers", changes.rows, 0, changes.seq_end)
    import pyarrow.compute as pc

    foreign = changes.rows.set_column(
        changes.rows.schema.get_field_index("origin"),
        "origin",
        pa.array(["430200"] * changes.rows.num_rows),
    )
    foreign = foreign.set_column(
        foreign.schema.get_field_index("origin_version"),
        "origin_version",
        pc.add(foreign.column("origin_version"), 5),
    )
    foreign = foreign.set_column(
        foreign.schema.get_field_index("note"), "note", pa.array(["夺取"] * foreign.num_rows)
    )
    result = apply_incoming(parent_database, "430200", "customers", foreign, 0, changes.seq_end)
    assert result.applied == 0
    with parent_database.unit_of_work(write=False) as p:
        assert set(p.scalars(select(Customer.origin))) == {NODE_CODE}
        assert "夺取" not in set(p.scalars(select(Customer.note)))
