"""A province's sender takes the batches it just applied from memory (RecentlyApplied)
only where they are exactly what a read of its database would return, and a parent
fed from it converges to the province's state."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from federation.receiving.apply import apply_incoming
from federation.sending.capture import read_changes
from federation.sending.recent import RecentlyApplied
from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.types import utcnow
from node.db.unit_of_work import Database
from schemas.wire import TABLES
from tests.conftest import NODE_CODE


def _add(database: Database, start: int, count: int) -> None:
    with database.unit_of_work() as s:
        for i in range(start, start + count):
            name = f"张建国{i}"
            s.add(
                Customer(
                    customer_no=f"{NODE_CODE}-{i:08d}",
                    name=name,
                    joined_at=utcnow() - timedelta(days=i),
                    note=None if i % 2 else "备注",
                    search_terms=customer_search_terms(name),
                )
            )


def _rename(database: Database, customer_no: str, name: str) -> None:
    with database.unit_of_work() as s:
        row = s.scalars(select(Customer).where(Customer.customer_no == customer_no)).one()
        row.name, row.search_terms = name, customer_search_terms(name)


def _deliver(child: Database, parent: Database, sender: str, after: int, recent=None) -> int:
    """Read the child's customers after `after` and apply them at the parent, keeping
    what was written in `recent`; the new watermark."""
    with child.engine.connect() as conn:
        changes = read_changes(conn, "customers", after, 5000)
    result = apply_incoming(parent, sender, "customers", changes.rows, after, changes.seq_end)
    if recent is not None and result.written is not None:
        recent.put("customers", result.written)
    return changes.seq_end


def _held(database: Database) -> list[tuple]:
    cols = [Customer.__table__.c[name] for name in TABLES["customers"].names]
    with database.unit_of_work(write=False) as s:
        return sorted(s.execute(select(*cols)).all())


def test_an_entry_is_exactly_what_the_read_returns(database, parent_database):
    _add(database, 0, 30)
    recent = RecentlyApplied()
    _deliver(database, parent_database, NODE_CODE, 0, recent)
    with parent_database.engine.connect() as conn:
        served = recent.take(conn, "customers", 0)
        read = read_changes(conn, "customers", 0, 5000)
    assert served is not None and recent.hits == 1
    assert served.rows.equals(read.rows)
    assert served.seqs.to_pylist() == read.seqs.to_pylist()


def test_an_entry_is_used_only_right_after_the_watermark(database, parent_database):
    _add(database, 0, 10)
    recent = RecentlyApplied()
    mark = _deliver(database, parent_database, NODE_CODE, 0)  # not kept: must be read
    _add(database, 10, 10)
    _deliver(database, parent_database, NODE_CODE, mark, recent)
    with parent_database.engine.connect() as conn:
        assert recent.take(conn, "customers", 0) is None  # the first batch comes first
        assert not conn.in_transaction()  # the read that follows may take its fast path
        first = read_changes(conn, "customers", 0, 10)
        second = recent.take(conn, "customers", first.seq_end)
    assert second is not None and second.rows.num_rows == 10
    # A batch whose rows were all older than what is held writes nothing to keep.
    again = apply_incoming(parent_database, NODE_CODE, "customers", first.rows, 0, mark)
    assert again.applied == 0 and again.written is None


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_parent_fed_from_memory_converges_with_rows_changed_since(
    database, parent_database, sqlite_template, tmp_path
):
    """The province keeps two batches; a row of the first changes again (a third batch)
    before the province relays: HQ gets its older version from memory, then the newer
    one, and ends equal to the province."""
    shutil.copy(sqlite_template, tmp_path / "hq.db")
    hq = Database(f"sqlite:///{tmp_path / 'hq.db'}", "000000")
    recent = RecentlyApplied()
    _add(database, 0, 20)
    mark = _deliver(database, parent_database, NODE_CODE, 0, recent)
    _add(database, 20, 20)
    mark = _deliver(database, parent_database, NODE_CODE, mark, recent)
    _rename(database, f"{NODE_CODE}-00000003", "李卫东")
    _deliver(database, parent_database, NODE_CODE, mark, recent)

    after, batches = 0, 0
    while True:
        with parent_database.engine.connect() as conn:
            changes = recent.take(conn, "customers", after) or read_changes(
                conn, "customers", after, 5000
            )
        if changes is None:
            break
        apply_incoming(hq, "430000", "customers", changes.rows, after, changes.seq_end)
        after, batches = changes.seq_end, batches + 1
    assert recent.hits == 3 and batches == 3
    assert _held(hq) == _held(parent_database) == _held(database)
    hq.dispose()


def test_memory_is_bounded_oldest_first(database, parent_database):
    _add(database, 0, 10)
    _deliver(database, parent_database, NODE_CODE, 0)
    with parent_database.engine.connect() as conn:
        held = read_changes(conn, "customers", 0, 5000)
    batch = held.rows.append_column("seq", held.seqs)
    tail_after = held.seqs[4].as_py()
    for room, first_kept in ((10 * batch.nbytes, True), (batch.nbytes, False)):
        recent = RecentlyApplied(max_bytes=room)
        recent.put("customers", batch)
        recent.put("customers", batch.slice(5))  # no room for both: the oldest goes
        with parent_database.engine.connect() as conn:
            assert (recent.take(conn, "customers", 0) is not None) is first_kept
            assert recent.take(conn, "customers", tail_after).rows.num_rows == 5
