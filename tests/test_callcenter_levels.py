"""Issue 20 §7 across levels: each city imports its PBX's queue_log; the partial sums
replicate upward as real processes sync, so the province compares its cities and HQ
its provinces, and a parent's figures are the merge of its children's (by day and
agent, those of the sums per day the cities made).

City 430100 imports the golden log of tests/test_callcenter_queue_log.py (its figures
written out there by hand); city 430200 a log written here: two calls on 2026-12-01,
one answered after 8 s with 60 s of talk, one abandoned after 25 s."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_callcenter_queue_log import GOLDEN, t, write
from tests.topology import Topology, build, db_url_factory, fedcrm

pytestmark = pytest.mark.slow

D1 = "2026-12-01"
ZHUZHOU = [
    f"{t(D1 + ' 10:00:00')}|z1|10000|NONE|ENTERQUEUE||13807330001|1",
    f"{t(D1 + ' 10:00:08')}|z1|10000|SIP/6001|CONNECT|8|z1.1|2",
    f"{t(D1 + ' 10:01:08')}|z1|10000|SIP/6001|COMPLETECALLER|8|60|1",
    f"{t(D1 + ' 10:20:00')}|z2|10000|NONE|ENTERQUEUE||13807330002|1",
    f"{t(D1 + ' 10:20:25')}|z2|10000|NONE|ABANDON|1|1|25",
]
PERIOD = {"from": f"{D1}T00:00", "to": "2026-12-03T00:00", "slot": "day"}
SUMS = ("offered", "answered", "abandoned", "short_abandoned", "timeouts", "exit_empty",
        "exit_key", "answered_within_sl", "transfers", "ring_no_answer", "hold_seconds",
        "talk_seconds")  # fmt: skip

PER_AGENT = ("answered", "talk_seconds", "ring_no_answer")


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    topo = build(tmp_path, db_url_factory("sqlite", tmp_path, None))
    topo.start_all()
    yield topo
    topo.stop_all()


def _kpis(node, **params: str) -> dict:  # type: ignore[no-untyped-def]
    with node.api() as api:
        resp = api.get("/api/v1/callcenter/kpis", params=PERIOD | params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_parent_holds_the_merge_of_its_childrens_figures(topology, tmp_path):
    changsha, zhuzhou = topology["430100"], topology["430200"]
    fedcrm("cti", "import", str(changsha.dir), str(write(tmp_path / "cs.log", GOLDEN)))
    with zhuzhou.api() as api:  # Zhuzhou's admin answers the queue on extension 6001
        me = api.get("/api/v1/auth/me").json()
        made = api.patch(f"/api/v1/users/{me['id']}", json={"extension": "6001"})
        assert made.status_code == 200, made.text
    fedcrm("cti", "import", str(zhuzhou.dir), str(write(tmp_path / "zz.log", ZHUZHOU)))
    for code in ("430100", "430200", "430000"):
        fedcrm("sync", str(topology[code].dir))

    cs, zz = _kpis(changsha)["total"], _kpis(zhuzhou)["total"]
    # By hand: Changsha's golden period holds 8 calls over both days (7 on the 1st and
    # C7 on the 2nd), 3 answered; Zhuzhou 2 calls, 1 answered within 20 s, 1 abandoned.
    assert (cs["offered"], cs["answered"], zz["offered"], zz["answered"]) == (8, 3, 2, 1)
    assert (zz["answered_within_sl"], zz["abandoned"], zz["max_wait"]) == (1, 1, 25)
    for parent in (topology["430000"], topology["000000"]):
        body = _kpis(parent, group_by="node")
        by_node: dict[str, dict[str, int]] = {}
        for row in body["rows"]:
            merged = by_node.setdefault(row["node"], dict.fromkeys(SUMS, 0))
            for name in SUMS:
                merged[name] += row[name]
        assert by_node == {"430100": _sums(cs), "430200": _sums(zz)}
        total = body["total"]
        assert _sums(total) == {name: cs[name] + zz[name] for name in SUMS}
        assert total["max_wait"] == max(cs["max_wait"], zz["max_wait"]) == 300
        # Rates are read from the merged sums: 3 of 10 - 1 short abandon within the level.
        assert total["service_level"] == pytest.approx((2 + 1) / (10 - 1))
        assert total["abandon_rate"] == pytest.approx((2 + 1) / 10)
        # Working time reaches the parents as sums of ended spans plus the running
        # state: 6001 on the call 10:00:08-10:01:08 (60 s), then in wrap-up from 10:01:08
        # (60 s count), read as ready until the period ends on the 3rd at 00:00 (37 h
        # 58 min 52 s = 136,732 s).
        by_agent = _kpis(parent, group_by="agent")
        agents = by_agent["agents"]
        # By day and agent over whole days, read from the sums per day (call_day_figures)
        # the cities made: the merge of theirs. By hand: 1001 answered C1 and C2 (talk
        # 120 + 300), 1002 C6 (180 s) and let C2 ring once, all on the 1st; 6001 answered
        # z1 (60 s).
        answered = {
            (r["slot_start"][:10], r["agent"]): tuple(r[n] for n in PER_AGENT)
            for r in by_agent["rows"]
        }
        assert answered == {
            (D1, "Agent/1001"): (2, 420, 0),
            (D1, "Agent/1002"): (1, 180, 1),
            (D1, "SIP/6001"): (1, 60, 0),
        }
        worked = [(a["node"], a["extension"]) for a in agents if a["signed_in_seconds"]]
        assert worked == [("430200", "6001")]
        six = next(a for a in agents if a["extension"] == "6001")
        assert (six["signed_in_seconds"], six["wrap_up_seconds"]) == (60 + 136_732, 60)
        assert (six["answered"], six["talk_seconds"]) == (1, 60)
    # A parent holds quarter-hour sums only: a period to the minute is refused there.
    with topology["000000"].api() as api:
        refused = api.get("/api/v1/callcenter/kpis", params={**PERIOD, "from": f"{D1}T08:07"})
    assert refused.status_code == 422 and "from" in refused.text
    assert "all children match" in fedcrm("verify", str(topology["000000"].dir)).stdout


def _sums(figures: dict) -> dict[str, int]:
    return {name: figures[name] for name in SUMS}
