"""Incremental recompute: only origins with changes after the last run's watermark, and
the scheduled jobs that trigger it (nightly, and after changes settle)."""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update

from node.customers.models import Customer
from node.db.counters import SEQ, allocate
from rollup.compute import compute_partials
from rollup.models import RollupPartial
from rollup.periods import Window, parse_period
from rollup.refresh import refresh
from rollup.schedule import RollupJobs
from rollup.store import load_partials
from tests.rollup_data import Rows, at, generate, insert_rows, source_tables
from tests.test_rollup_levels import _canonical

NOW = datetime(2026, 11, 20, tzinfo=UTC)
WINDOW = Window.ending(parse_period("2026-11"))
ORIGINS = ["430100", "430200", "430000"]


def _stored(db) -> dict[tuple, tuple]:  # type: ignore[no-untyped-def]
    with db.unit_of_work(write=False) as session:
        rows = session.execute(select(RollupPartial)).scalars().all()
        return {(r.origin, r.period, r.kind): (r.computed_at, r.body) for r in rows}


def _all_stored(db):  # type: ignore[no-untyped-def]
    with db.unit_of_work(write=False) as session:
        return load_partials(session, list(WINDOW.months))


def test_a_second_run_recomputes_only_the_changed_origin(database):
    rows = generate(ORIGINS, customers_per_origin=30, seed=3)
    insert_rows(database, rows)
    first = refresh(database, "test", now=NOW)
    assert first.full and first.rows_read > 0
    before = _stored(database)

    # A churn event arrives for one of 430200's customers (as replication would bring it).
    change = Rows()
    customer = next(c for c in rows.customers if c["origin"] == "430200" and not c["deleted_at"])
    change.churn(customer["id"], "430200", at(2026, 11, 3), "price", "china_mobile", "59.00")
    insert_rows(database, change)
    second = refresh(database, "test", now=NOW)

    assert not second.full and second.origins == ["430200"]
    assert second.rows_read < first.rows_read / 2  # only 430200's rows were read
    after = _stored(database)
    for key, (computed_at, body) in after.items():
        if key[0] == "430200":
            assert computed_at > before[next(iter(before))][0]
        else:
            assert before[key] == (computed_at, body), key  # untouched
    assert {k for k in before if k[0] != "430200"} == {k for k in after if k[0] != "430200"}
    # And the result is what a full computation over all rows gives.
    everything = rows + change
    assert _canonical(_all_stored(database)) == _canonical(
        compute_partials(source_tables(everything), WINDOW)
    )

    third = refresh(database, "test", now=NOW)
    assert not third.full and third.origins == [] and third.rows_read == 0
    assert _stored(database) == after


def test_a_tombstone_makes_its_origin_recompute(database):
    rows = generate(ORIGINS, customers_per_origin=20, seed=4)
    insert_rows(database, rows)
    refresh(database, "test", now=NOW)
    victim = next(c for c in rows.customers if c["origin"] == "430000" and not c["deleted_at"])
    with database.unit_of_work() as session:
        seq = allocate(session, SEQ)
        session.execute(
            update(Customer)
            .where(Customer.id == victim["id"])
            .values(deleted_at=datetime(2026, 11, 5, tzinfo=UTC), seq=seq)
        )
    result = refresh(database, "test", now=NOW)
    assert result.origins == ["430000"]
    victim["deleted_at"] = datetime(2026, 11, 5, tzinfo=UTC)
    assert _canonical(_all_stored(database)) == _canonical(
        compute_partials(source_tables(rows), WINDOW)
    )


def test_a_new_month_recomputes_everything(database):
    insert_rows(database, generate(["430100"], customers_per_origin=10, seed=6))
    assert refresh(database, "test", now=NOW).full
    assert not refresh(database, "test", now=NOW).full
    december = refresh(database, "test", now=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert december.full and december.window.describe() == "2025-01 .. 2026-12"


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_after_changes_waits_for_quiet_or_the_longest_delay(database):
    clock = FakeClock()
    jobs = RollupJobs(
        database, quiet_seconds=60, max_delay_seconds=300, clock=clock, now=lambda: NOW
    )
    # No run yet: the first check starts the wait, a quiet minute later it runs.
    assert jobs.after_changes() is None
    clock.t = 61
    assert jobs.after_changes().full
    clock.t = 90
    assert jobs.after_changes() is None  # nothing changed
    # A burst of replicated rows: wait until it stops for a minute.
    insert_rows(database, generate(["430100"], customers_per_origin=5, seed=8))
    clock.t = 100
    assert jobs.after_changes() is None
    insert_rows(database, generate(["430200"], customers_per_origin=5, seed=9))
    clock.t = 130
    assert jobs.after_changes() is None
    clock.t = 189
    assert jobs.after_changes() is None
    clock.t = 191
    done = jobs.after_changes()
    assert done is not None and done.origins == ["430100", "430200"]
    # Rows that never stop coming are still rolled up after the longest delay.
    for step, t in enumerate(range(200, 600, 30)):
        insert_rows(database, generate(["430000"], customers_per_origin=1, seed=100 + step))
        clock.t = t
        result = jobs.after_changes()
        if result is not None:
            break
    assert result is not None and t - 200 >= 300 and result.origins == ["430000"]


def test_after_changes_runs_when_a_new_month_begins(database):
    month = {"now": NOW}
    jobs = RollupJobs(database, clock=FakeClock(), now=lambda: month["now"])
    refresh(database, "test", now=NOW)
    assert jobs.after_changes() is None
    month["now"] = datetime(2026, 12, 1, 1, tzinfo=UTC)
    assert jobs.after_changes().full


def test_the_node_schedules_both_jobs(database):
    from rollup.entry import schedule_rollups

    scheduler = BackgroundScheduler(timezone="UTC")
    schedule_rollups(scheduler, database)
    scheduler.start(paused=True)
    try:
        nightly = scheduler.get_job("rollup-nightly")
        assert str(nightly.trigger).startswith("cron[hour='2', minute='30'")
        assert scheduler.get_job("rollup-after-changes").trigger.interval.total_seconds() == 30
        assert nightly.next_run_time.astimezone(UTC).hour == 18  # 02:30 in Shanghai
    finally:
        scheduler.shutdown(wait=False)


def test_a_big_node_is_computed_a_batch_of_origins_at_a_time(database):
    rows = generate(ORIGINS, customers_per_origin=30, seed=12)
    insert_rows(database, rows)
    steps: list[str] = []
    result = refresh(database, "test", now=NOW, batch_customers=35, progress=steps.append)
    assert result.full and sum("batch" in s for s in steps) == 3  # one origin per batch
    assert _canonical(_all_stored(database)) == _canonical(
        compute_partials(source_tables(rows), WINDOW)
    )
