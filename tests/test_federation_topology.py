"""HQ, a province and two cities as real processes: replicate, verify, survive a parent
that is down while the cities keep writing. City 430100 reaches its parent over HTTP or
SFTP: these scenarios are the transport contract, run against both."""

from __future__ import annotations

import getpass
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from federation.verify.record import load_result
from tests.factories import customer_payload
from tests.sshd import start_sshd
from tests.topology import SftpLink, Topology, build, db_url_factory, fedcrm

pytestmark = pytest.mark.slow


@pytest.fixture(params=["http", "sftp"])
def transport(request: pytest.FixtureRequest) -> str:
    """The transport of city 430100's link: the same scenarios run over both (contract)."""
    return request.param


@pytest.fixture
def topology(
    backend: str,
    transport: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Topology]:
    pg_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    url_for = db_url_factory(backend, tmp_path, pg_url)
    sshd = None
    links = None
    if transport == "sftp":
        sshd = start_sshd(tmp_path / "sshd")
        links = {
            "430100": SftpLink(sshd.port, getpass.getuser(), sshd.client_key, sshd.known_hosts)
        }
        # `fedcrm sync` in these tests should not wait long for a parent that is down.
        monkeypatch.setenv("FEDCRM_FEDERATION__SFTP_ACK_TIMEOUT_SECONDS", "3")
    topo = build(tmp_path, url_for, sftp=links)
    topo.start_all()
    yield topo
    topo.stop_all()
    if sshd is not None:
        sshd.stop()


def _rows(node, table: str = "customers") -> set[tuple]:
    engine = create_engine(node.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, origin, origin_version, "
                f"CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END FROM {table}"
            )
        ).all()
    engine.dispose()
    return {tuple(str(v) for v in r) for r in rows}


def _work_at(city, names: list[str]) -> None:
    with city.api() as api:
        made = [api.post("/api/v1/customers", json=customer_payload(name=n)).json() for n in names]
        api.patch(f"/api/v1/customers/{made[0]['id']}", json={"grade": "diamond"})
        api.delete(f"/api/v1/customers/{made[-1]['id']}")
        ticket = api.post("/api/v1/tickets", json={"customer_id": made[1]["id"], "kind": "repair"})
        assert ticket.status_code == 201, ticket.text


def _sync_all(topo: Topology) -> None:
    for code in ("430100", "430200", "430000"):
        fedcrm("sync", str(topo[code].dir))


def test_union_reaches_hq_with_origins_intact_and_verifies(topology):
    _work_at(topology["430100"], ["张建国", "李翔", "王芳"])
    _work_at(topology["430200"], ["赵敏", "钱伟", "孙丽", "周杰"])
    _sync_all(topology)
    cities = _rows(topology["430100"]) | _rows(topology["430200"])
    assert _rows(topology["000000"]) == cities == _rows(topology["430000"])
    assert {r[1] for r in cities} == {"430100", "430200"}
    assert any(r[3] == "1" for r in cities)  # tombstones replicate
    for table in ("tickets", "ticket_events", "users", "dictionary_entries"):
        held = _rows(topology["000000"], table)
        below = _rows(topology["430100"], table) | _rows(topology["430200"], table)
        assert below <= held, table
    assert "all children match" in fedcrm("verify", str(topology["430000"].dir)).stdout
    assert "all children match" in fedcrm("verify", str(topology["000000"].dir)).stdout
    kept = load_result(topology["000000"].dir)  # what the web UI's federation page shows
    assert kept["ok"] and kept["compared"] > 0 and not kept["divergences"]


def test_parent_down_then_full_catch_up(topology):
    province = topology["430000"]
    province.stop()
    _work_at(topology["430100"], ["吴刚", "郑爽", "冯程"])
    failed = fedcrm("sync", str(topology["430100"].dir), check=False)
    assert failed.returncode == 1
    status = fedcrm("status", str(topology["430100"].dir), "--json").stdout
    assert '"backlog_rows": 0' not in status.split('"tables"')[0]
    province.start()
    province.wait_ready()
    _sync_all(topology)
    assert _rows(topology["000000"]) == _rows(topology["430100"]) | _rows(topology["430200"])
    assert fedcrm("verify", str(topology["000000"].dir)).returncode == 0


def test_resync_makes_a_child_resend_everything_with_progress(topology):
    _work_at(topology["430100"], ["陈晨", "林琳", "黄河"])
    _sync_all(topology)
    hq, province = topology["000000"], topology["430000"]
    waiting = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "node.cli",
            "resync",
            str(hq.dir),
            "--child",
            "430000",
            "--timeout",
            "120",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(3)  # the checkpoint is reset before the province's next cycle
        assert "resent" not in fedcrm("sync", str(province.dir)).stdout
        out, _ = waiting.communicate(timeout=120)
    finally:
        waiting.kill()
    assert waiting.returncode == 0, out
    assert "complete" in out
    engine = create_engine(hq.db_url)
    with engine.connect() as conn:
        received = conn.execute(
            text("SELECT sum(rows_received) FROM federation_checkpoints WHERE sender = '430000'")
        ).scalar_one()
    engine.dispose()
    # Everything of the province's subtree, and nothing that flowed down from HQ.
    assert received == sum(
        sum(1 for row in _rows(province, t) if row[1] != "000000")
        for t in ("customers", "users", "dictionary_entries", "tickets", "ticket_events")
    )
    assert fedcrm("verify", str(hq.dir)).returncode == 0
