"""An SFTP-only city gets what flows down (docs/federation.md rule 11) from the outbox its
province writes into its inbox folder, over a real OpenSSH server, with no port of its
own: the same rows, the same checks and the same checkpoints as a city pulling over
HTTP. Expectations are written out here: which rows, by origin and version."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from federation.sftp import layout
from tests.sshd import SshServer, start_sshd
from tests.test_federation_downward import _entry, _held
from tests.topology import SftpLink, Topology, build, fedcrm

pytestmark = pytest.mark.slow


@pytest.fixture
def sftp_city(tmp_path: Path) -> Iterator[Topology]:
    """HQ, the province, 430100 over SFTP only and 430200 over HTTP (SQLite nodes)."""
    sshd: SshServer = start_sshd(tmp_path / "sshd")
    link = SftpLink(sshd.port, getpass.getuser(), sshd.client_key, sshd.known_hosts)
    topo = build(
        tmp_path, lambda code: f"sqlite:///{tmp_path / f'{code}.db'}", sftp={"430100": link}
    )
    topo.start_all()
    yield topo
    topo.stop_all()
    sshd.stop()


def _down_folder(topo: Topology) -> Path:
    return topo["430000"].dir / "inbox" / "430100" / layout.DOWN


def _waiting(topo: Topology) -> list[str]:
    return sorted(p.name for p in _down_folder(topo).glob("*" + layout.BODY_SUFFIX))


def test_an_sftp_only_city_pulls_from_its_outbox(sftp_city: Topology):
    hq, province, city = sftp_city["000000"], sftp_city["430000"], sftp_city["430100"]
    entry = _entry(hq, "ticket_kind", "fiber_cut", "光缆中断")
    _entry(province, "ticket_kind", "hn_flood", "汛期抢修")
    fedcrm("pull", str(province.dir))
    ingest = fedcrm("ingest", str(province.dir))
    assert "written for the children to pull" in ingest.stdout
    assert _waiting(sftp_city)  # the province's and HQ's rows wait in the outbox

    pulled = fedcrm("pull", str(city.dir))
    assert "ok" in pulled.stdout, pulled.stdout
    for origin in ("000000", "430000"):
        where = f"origin = '{origin}'"
        assert _held(city, "dictionary_entries", where) == _held(
            province, "dictionary_entries", where
        )
    held = json.loads((_down_folder(sftp_city) / layout.HELD).read_text())["tables"]
    assert held["dictionary_entries"] > 0
    fedcrm("ingest", str(province.dir))
    assert _waiting(sftp_city) == []  # what the city holds is deleted from its outbox

    with hq.api() as api:
        api.patch(f"/api/v1/dictionaries/{entry['id']}", json={"label": "光缆阻断"})
    fedcrm("pull", str(province.dir))
    fedcrm("ingest", str(province.dir))
    fedcrm("pull", str(city.dir))
    at_city = {r[0].replace("-", ""): r for r in _held(city, "dictionary_entries")}
    assert at_city[entry["id"].replace("-", "")][1:] == ("000000", "2", "0")
    again = fedcrm("pull", str(city.dir))  # nothing newer: nothing applied twice
    assert " 0 " in again.stdout.split("dictionary_entries", 1)[1].splitlines()[0]
