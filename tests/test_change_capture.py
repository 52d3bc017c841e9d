"""Rule 2 groundwork: every committed change gets a fresh, increasing seq."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from node.customers.models import Customer
from node.customers.search_terms import customer_search_terms
from node.db.stamping import ForeignRowError, HardDeleteError
from node.db.types import utcnow


def _new_customer(n: int) -> Customer:
    return Customer(
        customer_no=f"430100-{n:08d}",
        name=f"客户{n}",
        joined_at=utcnow(),
        search_terms=customer_search_terms(f"客户{n}"),
    )


def test_each_change_gets_a_new_seq_and_version(database):
    with database.unit_of_work() as s:
        c = _new_customer(1)
        s.add(c)
    first = (c.seq, c.origin_version)
    with database.unit_of_work() as s:
        row = s.get(Customer, c.id)
        row.note = "改了"
    with database.unit_of_work() as s:
        again = s.get(Customer, c.id)
        assert again.seq > first[0] and again.origin_version == first[1] + 1
        assert again.origin == "430100"


def test_foreign_rows_and_hard_deletes_are_refused_by_the_unit_of_work(database):
    with database.unit_of_work() as s:
        c = _new_customer(2)
        s.add(c)
    with pytest.raises(HardDeleteError), database.unit_of_work() as s:
        s.delete(s.get(Customer, c.id))
    # Handing a row to another node through the ORM is itself a foreign change.
    with pytest.raises(ForeignRowError), database.unit_of_work() as s:
        s.get(Customer, c.id).origin = "430200"
    with database.engine.begin() as conn:  # as federation apply would store it
        conn.execute(Customer.__table__.update().values(origin="430200"))
    # Even a direct ORM edit of a foreign row fails, not just the API.
    with pytest.raises(ForeignRowError), database.unit_of_work() as s:
        s.get(Customer, c.id).note = "x"


def test_concurrent_writers_commit_in_seq_order(database):
    """Gap-free capture: whatever a reader sees, no lower seq may commit after it.

    Writers hold the counter row from their first change to commit, so the seqs
    visible at any moment form a prefix of the seqs that will ever commit.
    """
    writers, per_writer = 4, 15
    observed: list[list[int]] = []
    stop = threading.Event()

    def write(w: int) -> None:
        for i in range(per_writer):
            with database.unit_of_work() as s:
                s.add(_new_customer(1000 * (w + 1) + i))

    def read() -> None:
        while not stop.is_set():
            with database.unit_of_work(write=False) as s:
                observed.append(sorted(s.execute(select(Customer.seq)).scalars()))

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    reader.join()
    with database.unit_of_work(write=False) as s:
        final = sorted(s.execute(select(Customer.seq)).scalars())
        assert s.execute(select(func.count()).select_from(Customer)).scalar_one() == 60
    assert len(set(final)) == len(final) == writers * per_writer
    for snapshot in observed:
        # A watermark at max(snapshot) must not skip any seq that commits later.
        if snapshot:
            assert [q for q in final if q <= snapshot[-1]] == snapshot


def test_overlapping_edits_of_one_row_count_two_versions(database):
    """Two writers that loaded the same row each add a version: the parent keeps a row
    only when its version is newer, so a repeated version would leave it a change behind
    (the concurrent-writers fault test caught this on PostgreSQL)."""
    with database.unit_of_work() as s:
        c = _new_customer(3)
        s.add(c)
    loaded_at = c.origin_version

    def edit_elsewhere() -> None:
        with database.unit_of_work() as s:
            s.get(Customer, c.id).phone = "13900000000"

    first = database.session(write=True)
    other = threading.Thread(target=edit_elsewhere)
    try:
        held = first.get(Customer, c.id)
        other.start()
        if database.dialect == "postgresql":
            other.join()  # the other edit commits while this one holds a stale copy
        # On SQLite this session's write lock keeps the other edit waiting until commit.
        held.note = "改了"
        first.commit()
    finally:
        first.close()
    other.join()
    with database.unit_of_work(write=False) as s:
        row = s.get(Customer, c.id)
        assert (row.origin_version, row.note, row.phone) == (loaded_at + 2, "改了", "13900000000")
