"""Process-level faults of replication, with real `fedcrm` processes on loopback.

- The parent is killed with SIGKILL while it applies a city's batches, twenty times
  over, with the city writing between kills: in the end the parent holds exactly the
  city's rows (nothing lost, nothing doubled) and its checkpoint is the city's last seq.
- Several writers commit concurrently at the city while the city's own scheduler sends
  in a loop: the parent ends with every row. On PostgreSQL this is what makes change
  capture's gap-freedom matter (rule 2): a reader that skipped a seq committed late
  would never send that row, since the watermark would already have passed it.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from node.customers.models import Customer
from node.db.unit_of_work import Database
from tests.topology import Node, Topology, build, db_url_factory

pytestmark = pytest.mark.slow

CITY, PROVINCE = "430100", "430000"
KILLS = 20


@pytest.fixture
def topology(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Topology]:
    pg_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    topo = build(tmp_path, db_url_factory(backend, tmp_path, pg_url))
    yield topo
    topo.stop_all()


def _create_customers(db: Database, prefix: str, n: int) -> None:
    """n customers in one transaction, straight through the ORM (stamped like any edit)."""
    now = datetime.now(UTC)
    with db.unit_of_work() as session:
        session.add_all(
            Customer(customer_no=f"{prefix}{i:06d}", name=f"客户{prefix}{i}", joined_at=now)
            for i in range(n)
        )


def _touch_some(db: Database, k: int) -> None:
    """Edit k random customers through the ORM, so each gets a new seq and version."""
    with db.unit_of_work() as session:
        ids = session.execute(select(Customer.id)).scalars().all()
        for row_id in random.sample(list(ids), min(k, len(ids))):
            session.get(Customer, row_id).note = f"改 {time.time()}"  # type: ignore[union-attr]


def _held(node: Node, sql: str) -> list[tuple]:
    engine = create_engine(node.db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


def _versions(node: Node) -> set[tuple]:
    rows = _held(node, "SELECT id, origin, origin_version, note FROM customers")
    return {tuple(str(v) for v in r) for r in rows}


def _checkpoint(node: Node) -> int:
    rows = _held(
        node,
        f"SELECT last_seq FROM federation_checkpoints WHERE sender = '{CITY}' "
        "AND table_name = 'customers'",
    )
    return int(rows[0][0]) if rows else 0


def _sync(city: Node, batch_rows: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"FEDCRM_FEDERATION__BATCH_MAX_ROWS": str(batch_rows)}
    return subprocess.Popen(
        [sys.executable, "-m", "node.cli", "sync", str(city.dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _kill_mid_stream(province: Node, city: Node, before: int) -> bool:
    """Start a sync, SIGKILL the parent as soon as its checkpoint moves past `before`.

    Returns whether the kill landed mid-stream: the city still had unsent batches.
    """
    sync = _sync(city, batch_rows=200)
    deadline = time.monotonic() + 60
    while _checkpoint(province) <= before and time.monotonic() < deadline:
        if sync.poll() is not None:
            break
        time.sleep(0.01)
    province.stop(hard=True)
    mid_stream = sync.poll() is None
    sync.kill()
    sync.wait()
    return mid_stream


def test_parent_killed_during_apply_twenty_times_loses_and_doubles_nothing(topology):
    city, province = topology[CITY], topology[PROVINCE]
    city_db = Database(city.db_url, CITY)
    try:
        _create_customers(city_db, "K", 3000)
        mid_stream = 0
        for round_no in range(KILLS):
            province.start()
            province.wait_ready()
            mid_stream += _kill_mid_stream(province, city, _checkpoint(province))
            # The city keeps working while its parent is down.
            _create_customers(city_db, f"R{round_no:02d}", 1000)
            _touch_some(city_db, 200)
        province.start()
        province.wait_ready()
        done = subprocess.run(
            [sys.executable, "-m", "node.cli", "sync", str(city.dir)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        held = _held(province, "SELECT count(*), count(DISTINCT id) FROM customers")[0]
        expected = _versions(city)
        assert held == (len(expected), len(expected))  # nothing doubled
        assert _versions(province) == expected  # nothing lost, every newest version
        (city_last,) = _held(city, "SELECT max(seq) FROM customers")[0]
        assert _checkpoint(province) == city_last
        # Most kills must have cut a stream, or the test proves little.
        assert mid_stream >= KILLS * 3 // 4, f"only {mid_stream} of {KILLS} kills mid-stream"
    finally:
        city_db.dispose()


def test_concurrent_writers_while_the_sender_loops_lose_nothing(topology, monkeypatch):
    city, province = topology[CITY], topology[PROVINCE]
    province.start()
    province.wait_ready()
    # The city's own scheduler sends every 0.2 s while the writers below commit.
    monkeypatch.setenv("FEDCRM_FEDERATION__BATCH_MAX_ROWS", "50")
    city.start(interval=0.2)
    city.wait_ready()
    city_db = Database(city.db_url, CITY)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(40):
                _create_customers(city_db, f"{name}{i:03d}", 5)
                if i % 4 == 0:
                    _touch_some(city_db, 3)
                time.sleep(random.uniform(0, 0.02))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=writer, args=(f"W{w}",)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        expected = _versions(city)
        assert len(expected) == 4 * 40 * 5
        deadline = time.monotonic() + 60
        while _versions(province) != expected and time.monotonic() < deadline:
            time.sleep(0.3)
        assert _versions(province) == expected
    finally:
        city_db.dispose()
