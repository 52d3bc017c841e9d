"""SFTP transport against a real OpenSSH server: the same guarantees as HTTP."""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from federation.sftp import layout
from node.db.unit_of_work import Database
from node.demo.city_data import generate_city
from node.demo.plan import city_of
from tests.cutting_proxy import CuttingProxy
from tests.sshd import SshServer, start_sshd
from tests.test_federation_topology import _rows, _sync_all, _work_at
from tests.topology import SftpLink, Topology, build, fedcrm

pytestmark = pytest.mark.slow
CUT_AFTER_BYTES = 150_000  # past the SSH handshake, inside the first batch body


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    server = start_sshd(tmp_path / "sshd")
    yield server
    server.stop()


@pytest.fixture
def mixed(sshd: SshServer, tmp_path: Path) -> Iterator[Topology]:
    """HQ, province, 430100 over SFTP and 430200 over HTTP (SQLite nodes)."""
    link = SftpLink(sshd.port, getpass.getuser(), sshd.client_key, sshd.known_hosts)
    topo = build(
        tmp_path, lambda code: f"sqlite:///{tmp_path / f'{code}.db'}", sftp={"430100": link}
    )
    topo.start_all()
    yield topo
    topo.stop_all()


def test_mixed_topology_converges_and_verifies(mixed: Topology):
    _work_at(mixed["430100"], ["张建国", "李翔", "王芳"])
    _work_at(mixed["430200"], ["赵敏", "钱伟", "孙丽"])
    _sync_all(mixed)
    union = _rows(mixed["430100"]) | _rows(mixed["430200"])
    assert _rows(mixed["000000"]) == union == _rows(mixed["430000"])
    assert fedcrm("verify", str(mixed["000000"].dir)).returncode == 0
    status = json.loads(fedcrm("status", str(mixed["430100"].dir), "--json").stdout)
    assert status["parent"]["transport"] == "sftp" and status["parent"]["backlog_rows"] == 0
    done = mixed["430000"].dir / "inbox" / "430100" / layout.DONE
    assert any(done.iterdir())  # applied batches are kept in done/ until pruned


def test_connection_cut_mid_upload_loses_and_doubles_nothing(mixed: Topology, sshd: SshServer):
    city, province = mixed["430100"], mixed["430000"]
    _work_at(city, [f"客户{i}" for i in range(30)])
    incoming = province.dir / "inbox" / "430100" / layout.INCOMING
    # A half-uploaded batch left by a cut connection: a .part- file, and a body whose
    # manifest never arrived. Neither may ever be ingested.
    (incoming / f"{layout.PART}abc-customers.arrows").write_bytes(b"\x00" * 100)
    (incoming / ("customers.000000000000000-000000000000099" + layout.BODY_SUFFIX)).write_bytes(
        b"partial"
    )
    sshd.stop()
    cut = fedcrm("sync", str(city.dir), check=False)
    assert cut.returncode == 1 and "cannot reach" in cut.stdout + cut.stderr
    sshd.start()
    fedcrm("sync", str(city.dir))
    fedcrm("sync", str(province.dir))
    assert _rows(province) >= _rows(city)
    assert _rows(mixed["000000"]) == _rows(city) | _rows(mixed["430200"])
    assert fedcrm("verify", str(province.dir)).returncode == 0


def test_a_live_upload_cut_half_way_is_never_ingested_and_is_sent_again(
    mixed: Topology, sshd: SshServer, monkeypatch: pytest.MonkeyPatch
):
    city, province = mixed["430100"], mixed["430000"]
    city.stop()  # its own scheduler would send the new rows before the cut link does
    db = Database(city.db_url, city.code)
    generate_city(db, city_of(city.code), 1500, seed=5)  # batches of a few hundred KB
    db.dispose()
    proxy = CuttingProxy(sshd.port, cut_after=CUT_AFTER_BYTES)
    scanned = sshd.known_hosts.read_text()
    sshd.known_hosts.write_text(scanned + scanned.replace(f"]:{sshd.port} ", f"]:{proxy.port} "))
    monkeypatch.setenv("FEDCRM_FEDERATION__SFTP_PORT", str(proxy.port))
    try:
        cut = fedcrm("sync", str(city.dir), check=False)
    finally:
        proxy.close()
        monkeypatch.delenv("FEDCRM_FEDERATION__SFTP_PORT")
    assert proxy.cut.is_set() and cut.returncode == 1, cut.stdout + cut.stderr
    inbox = province.dir / "inbox" / "430100"
    partial = list((inbox / layout.INCOMING).glob(layout.PART + "*"))
    assert partial, "the cut should leave a half-written file under its temporary name"
    time.sleep(2)  # the province ingests its inbox every 0.3 s: give it every chance
    assert all(p.exists() for p in partial)  # never picked up, never moved
    assert not any((inbox / layout.QUARANTINE).iterdir())  # nothing was taken for a batch
    assert _rows(province) <= _rows(city)
    city.start()  # straight to sshd again; `verify` asks it for its digests
    city.wait_ready()
    assert fedcrm("sync", str(city.dir)).returncode == 0  # the batch is sent again
    # 430200 too: its start-up cycle may have run before the province listened.
    fedcrm("sync", str(mixed["430200"].dir))
    fedcrm("sync", str(province.dir))
    assert {r for r in _rows(province) if r[1] == "430100"} == _rows(city)
    assert fedcrm("verify", str(province.dir)).returncode == 0
    assert fedcrm("verify", str(mixed["000000"].dir)).returncode == 0


def test_unknown_host_key_and_wrong_client_key_are_refused(
    mixed: Topology, sshd: SshServer, tmp_path: Path
):
    city = mixed["430100"]
    other = start_sshd(tmp_path / "other-sshd")  # a different host key
    try:
        sshd.known_hosts.write_text(
            other.known_hosts.read_text().replace(f":{other.port}]", f":{sshd.port}]")
        )
        changed = fedcrm("sync", str(city.dir), check=False)
        assert changed.returncode == 1
        assert "does not match" in changed.stdout or "unknown" in changed.stdout
        sshd.known_hosts.write_text("")
        unknown = fedcrm("sync", str(city.dir), check=False)
        assert unknown.returncode == 1 and "unknown" in unknown.stdout
        scan = other.known_hosts.read_text().replace(f":{other.port}]", f":{sshd.port}]")
        assert scan  # restore the right key below
    finally:
        other.stop()
    import subprocess

    right = subprocess.run(
        ["ssh-keyscan", "-p", str(sshd.port), "-t", "ed25519", "127.0.0.1"],
        capture_output=True,
        text=True,
    ).stdout
    sshd.known_hosts.write_text(right)
    stranger = tmp_path / "stranger_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    original = sshd.client_key.read_bytes()
    sshd.client_key.write_bytes(stranger.read_bytes())
    try:
        wrong = fedcrm("sync", str(city.dir), check=False)
        assert wrong.returncode == 1 and "authentication" in wrong.stdout
    finally:
        sshd.client_key.write_bytes(original)
    assert fedcrm("sync", str(city.dir)).returncode == 0


def test_altered_batch_on_disk_is_refused_and_set_aside(
    mixed: Topology, sshd: SshServer, monkeypatch: pytest.MonkeyPatch
):
    city, province = mixed["430100"], mixed["430000"]
    monkeypatch.setenv("FEDCRM_FEDERATION__SFTP_ACK_TIMEOUT_SECONDS", "2")
    _work_at(city, ["周周", "吴吴", "郑郑"])
    province.stop()  # nobody ingests: the upload waits in the inbox
    waited = fedcrm("sync", str(city.dir), check=False)
    assert waited.returncode == 1 and "no acknowledgement" in waited.stdout
    incoming = province.dir / "inbox" / "430100" / layout.INCOMING
    bodies = sorted(incoming.glob("*" + layout.BODY_SUFFIX))
    assert bodies
    data = bytearray(bodies[0].read_bytes())
    data[len(data) // 2] ^= 0xFF
    bodies[0].write_bytes(bytes(data))
    result = fedcrm("ingest", str(province.dir))
    assert "rejected" in result.stdout and "1 rejected" in result.stdout
    # The answer the child reads back names the digest; the files are set aside in the
    # child's own inbox. A body that does not match its manifest is not shown to come
    # from anyone, so nothing it claims enters the quarantine table (federation rule 12).
    inbox = province.dir / "inbox" / "430100"
    answer = inbox / layout.ACKS / (bodies[0].name.removesuffix(layout.BODY_SUFFIX) + ".json")
    assert "SHA-256" in answer.read_text()
    assert any((inbox / layout.QUARANTINE).iterdir())
    assert "SHA-256" not in fedcrm("quarantine", "list", str(province.dir)).stdout
    province.start()
    province.wait_ready()
    # The child resends on its next cycle and converges.
    assert fedcrm("sync", str(city.dir)).returncode == 0
    assert _rows(province) >= _rows(city)


def test_done_files_older_than_the_retention_are_pruned(tmp_path: Path):
    import os
    import time

    from federation.sftp.inbox import prepare_child_inbox, prune_done

    child = prepare_child_inbox(tmp_path, "430100")
    old, new = child / layout.DONE / "old.arrows", child / layout.DONE / "new.arrows"
    stale = child / layout.INCOMING / f"{layout.PART}abc-customers.arrows"  # a cut upload
    fresh = child / layout.INCOMING / f"{layout.PART}def-customers.arrows"  # in flight
    waiting = child / layout.INCOMING / "customers.0-9.arrows"  # a batch not yet ingested
    for path in (old, new, stale, fresh, waiting):
        path.write_bytes(b"x")
    week_ago = time.time() - 8 * 86400
    for path in (old, stale, waiting):
        os.utime(path, (week_ago, week_ago))
    assert prune_done(tmp_path, older_than_days=7) == 2
    assert not old.exists() and not stale.exists()
    assert new.exists() and fresh.exists() and waiting.exists()
