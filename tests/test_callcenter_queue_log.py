"""Issue 20 §2 and §7: Asterisk's queue_log in, CCmonitor's figures out.

The golden log below is written by hand in Asterisk's format (doc/queuelog.txt: CONNECT
is holdtime|bridged uniqueid|ringtime, COMPLETE* holdtime|calltime|origposition,
ABANDON and EXIT* position|origposition|waittime, EXITWITHKEY key|position|origposition|
waittime, TRANSFER extension|context|holdtime|calltime|origposition), and every figure
expected from it is worked out by hand in the comments beside it."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.callcenter.calls import assemble
from node.callcenter.importer import import_queue_log
from node.callcenter.kpis import GroupBy, Rules, Slot, compute
from node.callcenter.queue_log import MalformedLine, parse_line

BEIJING = ZoneInfo("Asia/Shanghai")


def t(moment: str) -> int:
    """Unix time of a Beijing wall-clock time ("2026-12-01 08:29:50")."""
    return int(datetime.fromisoformat(moment).replace(tzinfo=BEIJING).timestamp())


D1, D2 = "2026-12-01", "2026-12-02"
GOLDEN = [
    # C1, queue 96296: entered 08:29:50, answered by 1001 at 08:30:05 after 15 s, talked
    # 120 s. Slot 08:00 (where it entered), within the 20 s service level.
    f"{t(D1 + ' 08:29:50')}|c1|96296|NONE|ENTERQUEUE||13907310001|1",
    f"{t(D1 + ' 08:30:05')}|c1|96296|Agent/1001|CONNECT|15|c1.1|3",
    f"{t(D1 + ' 08:30:05')}|c1|96296|Agent/1001|CONNECT|15|c1.1|3",  # Asterisk wrote it twice
    f"{t(D1 + ' 08:32:05')}|c1|96296|Agent/1001|COMPLETECALLER|15|120|1",
    # C2: its end comes first in the file (out of order). 1002 did not answer; 1001
    # answered after 30 s (outside the service level), talked 300 s. Slot 08:30.
    f"{t(D1 + ' 08:45:30')}|c2|96296|Agent/1001|COMPLETEAGENT|30|300|1",
    f"{t(D1 + ' 08:40:00')}|c2|96296|NONE|ENTERQUEUE||13907310002|1",
    f"{t(D1 + ' 08:40:15')}|c2|96296|Agent/1002|RINGNOANSWER|15000",
    f"{t(D1 + ' 08:40:30')}|c2|96296|Agent/1001|CONNECT|30|c2.1|5",
    # C3: abandoned after 3 s (a short abandon). C4: abandoned after 60 s. Slot 08:30.
    f"{t(D1 + ' 08:50:00')}|c3|96296|NONE|ENTERQUEUE||13907310003|1",
    f"{t(D1 + ' 08:50:03')}|c3|96296|NONE|ABANDON|1|1|3",
    f"{t(D1 + ' 08:55:00')}|c4|96296|NONE|ENTERQUEUE||13907310004|1",
    f"{t(D1 + ' 08:56:00')}|c4|96296|NONE|ABANDON|1|1|60",
    # C5: entered 08:58, timed out at 09:03 after 300 s: still slot 08:30.
    f"{t(D1 + ' 08:58:00')}|c5|96296|NONE|ENTERQUEUE||13907310005|1",
    f"{t(D1 + ' 09:03:00')}|c5|96296|NONE|EXITWITHTIMEOUT|1|1|300",
    # C8: left with key 1 after 12 s. Slot 09:00.
    f"{t(D1 + ' 09:10:00')}|c8|96296|NONE|ENTERQUEUE||13907310008|1",
    f"{t(D1 + ' 09:10:12')}|c8|96296|NONE|EXITWITHKEY|1|1|1|12",
    # C6, queue billing: entered 23:59:50 on the 1st, answered by 1002 after exactly
    # 20 s (within the level: at most 20) on the 2nd, transferred after 180 s of talk.
    f"{t(D1 + ' 23:59:50')}|c6|billing|NONE|ENTERQUEUE||13907310006|1",
    f"{t(D2 + ' 00:00:10')}|c6|billing|Agent/1002|CONNECT|20|c6.1|4",
    f"{t(D2 + ' 00:03:10')}|c6|billing|Agent/1002|TRANSFER|8000|from-internal|20|180|1",
    # C7, billing, on the 2nd: nobody logged in, out at once.
    f"{t(D2 + ' 09:00:00')}|c7|billing|NONE|ENTERQUEUE||13907310007|1",
    f"{t(D2 + ' 09:00:00')}|c7|billing|NONE|EXITEMPTY|1|1|0",
    # Agent events kept, not counted as calls; an event fedcrm does not keep.
    f"{t(D1 + ' 08:00:00')}|NONE|96296|Agent/1001|ADDMEMBER|",
    f"{t(D1 + ' 08:00:00')}|NONE|NONE|Agent/1001|PAUSEALL|培训",
    f"{t(D1 + ' 07:59:00')}|NONE|NONE|NONE|QUEUESTART|",
    # Two malformed lines (lines 25 and 26).
    "this is not a queue_log line",
    f"{t(D1 + ' 08:31:00')}|c9|96296|Agent/1001|CONNECT|soon|c9.1|3",
]
KEPT = 23  # 26 lines: 2 malformed, 1 QUEUESTART; 23 kept events, 22 distinct


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_published_example_line_parses():
    """The example line of the Asterisk documentation's "Queue Logs" page."""
    event = parse_line("1366720340|1366720340.303267|MYQUEUE|SIP/8007|RINGNOANSWER|1000")
    assert (event.epoch, event.callid, event.queue, event.agent) == (
        1366720340,
        "1366720340.303267",
        "MYQUEUE",
        "SIP/8007",
    )
    assert event.event == "RINGNOANSWER" and event.data == ("1000",)


@pytest.mark.parametrize(
    "line, says",
    [
        ("1|2|3|4", "至少需要 5 个"),
        ("12ab|c|q|a|ENTERQUEUE", "不是 Unix 秒数"),
        ("100|c|q|a|ENTERQUEUE", "2000–2100"),
        ("1764548000|c|q|a|CONNECT|x|y|3", "data1（holdtime）"),
        ("1764548000|c|q|a|ABANDON|1|1|-3", "data3（waittime）"),
        ("1764548000|c|q|a|ENTER QUEUE", "事件名"),
        ("1764548000|c|q|a|TRANSFER|1|2|3|4|5|6", "数据字段过多"),
    ],
)
def test_a_malformed_line_says_why(line, says):
    with pytest.raises(MalformedLine, match=says):
        parse_line(line)


def test_padding_does_not_make_a_second_event():
    assert parse_line("1764548000|c|q|a|PAUSE|||||").key == parse_line("1764548000|c|q|a|PAUSE").key


def test_import_counts_lines_and_is_idempotent(database, tmp_path):
    path = write(tmp_path / "queue_log", GOLDEN)
    with database.unit_of_work() as session:
        first = import_queue_log(session, path)
    assert first.lines == 26 and first.events == KEPT and first.added == KEPT - 1
    assert dict(first.unknown) == {"QUEUESTART": 1}
    assert [n for n, _ in first.malformed] == [25, 26]
    # The same file again, and two overlapping halves: nothing new.
    halves = (write(tmp_path / "a", GOLDEN[:15]), write(tmp_path / "b", GOLDEN[10:]))
    with database.unit_of_work() as session:
        again = [import_queue_log(session, p).added for p in (path, *halves)]
    assert again == [0, 0, 0]


def test_strict_imports_nothing_when_a_line_is_bad(database, tmp_path):
    path = write(tmp_path / "queue_log", GOLDEN)
    with database.unit_of_work() as session:
        report = import_queue_log(session, path, strict=True)
        assert report.added == 0 and len(report.malformed) == 2
    with database.unit_of_work() as session:
        clean = write(tmp_path / "clean", GOLDEN[:-2])
        assert import_queue_log(session, clean, strict=True).added == KEPT - 1


def _kpis(client, admin, **params):  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/callcenter/kpis", params=params, headers=admin)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def golden(database, tmp_path):  # type: ignore[no-untyped-def]
    with database.unit_of_work() as session:
        import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))


def test_figures_by_half_hour_are_the_hand_computed_ones(client, admin, golden):
    body = _kpis(client, admin, **{"from": "2026-12-01T08:00", "to": "2026-12-02T00:00"})
    rows = {r["slot_start"][11:16]: r for r in body["rows"]}
    assert sorted(rows) == ["08:00", "08:30", "09:00", "23:30"]
    assert rows["08:00"]["slot_start"] == "2026-12-01T08:00:00+08:00"
    # 08:00: C1 only.
    assert _pick(rows["08:00"]) == dict(
        offered=1, answered=1, abandoned=0, short_abandoned=0, timeouts=0,
        answered_within_sl=1, hold_seconds=15, talk_seconds=120, max_wait=15,
        service_level=1.0, abandon_rate=0.0, asa=15.0, att=120.0, ring_no_answer=0,
    )  # fmt: skip
    # 08:30: C2 (answered after 30 s), C3 (short abandon), C4 (abandon), C5 (timeout,
    # 300 s). Service level 0 / (4 - 1 short) = 0; abandon rate 2 / 4.
    assert _pick(rows["08:30"]) == dict(
        offered=4, answered=1, abandoned=2, short_abandoned=1, timeouts=1,
        answered_within_sl=0, hold_seconds=30, talk_seconds=300, max_wait=300,
        service_level=0.0, abandon_rate=0.5, asa=30.0, att=300.0, ring_no_answer=1,
    )  # fmt: skip
    # 09:00: C8 left with a key after 12 s: offered, not answered, not abandoned.
    assert rows["09:00"]["exit_key"] == 1 and rows["09:00"]["service_level"] == 0.0
    assert rows["09:00"]["asa"] is None and rows["09:00"]["max_wait"] == 12
    # 23:30 on the 1st: C6, though answered and transferred after midnight.
    assert _pick(rows["23:30"]) | {"transfers": rows["23:30"]["transfers"]} == dict(
        offered=1, answered=1, abandoned=0, short_abandoned=0, timeouts=0,
        answered_within_sl=1, hold_seconds=20, talk_seconds=180, max_wait=20,
        service_level=1.0, abandon_rate=0.0, asa=20.0, att=180.0, ring_no_answer=0,
        transfers=1,
    )  # fmt: skip
    # The period: 7 calls, 3 answered (2 within the level), 1 short abandon:
    # service level 2 / 6, abandon rate 2 / 7, ASA (15 + 30 + 20) / 3, ATT 600 / 3.
    total = body["total"]
    assert (total["offered"], total["answered"], total["abandoned"]) == (7, 3, 2)
    assert total["service_level"] == pytest.approx(2 / 6)
    assert total["abandon_rate"] == pytest.approx(2 / 7)
    assert total["asa"] == pytest.approx(65 / 3) and total["att"] == 200.0
    assert total["max_wait"] == 300 and total["exit_empty"] == 0


def _pick(row: dict) -> dict:
    names = [
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "timeouts",
        "answered_within_sl",
        "hold_seconds",
        "talk_seconds",
        "max_wait",
        "service_level",
        "abandon_rate",
        "asa",
        "att",
        "ring_no_answer",
    ]
    return {name: row[name] for name in names}


def test_figures_by_day_and_queue_count_a_call_where_it_entered(client, admin, golden):
    body = _kpis(
        client,
        admin,
        **{"from": "2026-12-01T00:00", "to": "2026-12-03T00:00"},
        slot="day",
        group_by="queue",
    )
    got = {(r["slot_start"][:10], r["queue"]): r["offered"] for r in body["rows"]}
    # C1-C5 and C8 in 96296 on the 1st; C6 in billing on the 1st (entered 23:59:50);
    # C7 in billing on the 2nd.
    assert got == {(D1, "96296"): 6, (D1, "billing"): 1, (D2, "billing"): 1}
    second = next(r for r in body["rows"] if r["slot_start"][:10] == D2)
    assert second["exit_empty"] == 1 and second["service_level"] == 0.0


def test_figures_by_agent(client, admin, golden):
    body = _kpis(
        client,
        admin,
        **{"from": "2026-12-01T00:00", "to": "2026-12-02T00:00"},
        slot="day",
        group_by="agent",
    )
    rows = {r["agent"]: r for r in body["rows"]}
    # 1001 answered C1 and C2 (talk 120 + 300); 1002 answered C6 (transferred, 180 s)
    # and let C2 ring unanswered once.
    assert (rows["Agent/1001"]["answered"], rows["Agent/1001"]["talk_seconds"]) == (2, 420)
    assert rows["Agent/1001"]["ring_no_answer"] == 0
    assert (rows["Agent/1002"]["answered"], rows["Agent/1002"]["transfers"]) == (1, 1)
    assert rows["Agent/1002"]["ring_no_answer"] == 1
    only = _kpis(
        client, admin, **{"from": "2026-12-01T00:00", "to": "2026-12-02T00:00"}, queue="billing"
    )
    assert only["total"]["offered"] == 1  # C6


@pytest.mark.parametrize(
    "params, field",
    [
        ({"to": "2026-12-02T00:00"}, "from"),
        ({"from": "2026-12-02T00:00", "to": "2026-12-01T00:00"}, "to"),
        ({"from": "2026-01-01T00:00", "to": "2026-12-01T00:00"}, "92"),
        ({"from": "2026-12-01T00:00", "to": "2026-12-02T00:00", "slot": "7m"}, "slot"),
        ({"from": "2026-12-01T00:00", "to": "2026-12-02T00:00", "group_by": "x"}, "group_by"),
        ({"from": "2026-12-01T00:00", "to": "2026-12-02T00:00", "colour": "red"}, "colour"),
        ({"from": "yesterday", "to": "2026-12-02T00:00"}, "from"),
    ],
)
def test_a_bad_period_is_a_422_naming_it(client, admin, params, field):
    resp = client.get("/api/v1/callcenter/kpis", params=params, headers=admin)
    assert resp.status_code == 422 and field in resp.text


def test_an_agent_may_not_read_the_figures(client, login):
    from node.auth.accounts import Role

    agent = login(Role.agent)
    params = {"from": "2026-12-01T00:00", "to": "2026-12-02T00:00"}
    assert client.get("/api/v1/callcenter/kpis", params=params, headers=agent).status_code == 403


def test_the_cli_reports_bad_lines_and_strict_exits_non_zero(tmp_path):
    node_dir = tmp_path / "node"
    fedcrm = [sys.executable, "-m", "node.cli"]
    init = [*fedcrm, "init", str(node_dir), "--level", "city", "--code", "430100"]
    subprocess.run([*init, "--name", "长沙市"], check=True, capture_output=True)
    log = write(tmp_path / "queue_log", GOLDEN)
    strict = subprocess.run(
        [*fedcrm, "cti", "import", str(node_dir), str(log), "--strict"],
        capture_output=True,
        text=True,
    )
    assert strict.returncode != 0
    assert "第 25 行" in strict.stderr and "第 26 行" in strict.stderr
    assert "未导入任何事件" in strict.stderr
    done = subprocess.run(
        [*fedcrm, "cti", "import", str(node_dir), str(log)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert f"新增 {KEPT - 1} 个事件" in done.stdout and "QUEUESTART: 1" in done.stdout
    # A new node's users have no 分机 or 工号 yet: the agents are reported by name.
    assert "未匹配的坐席" in done.stdout and "Agent/1001" in done.stdout
    assert "Agent/1002" in done.stdout and "坐席状态新增 0 条" in done.stdout
    again = subprocess.run(
        [*fedcrm, "cti", "import", str(node_dir), str(log)], capture_output=True, text=True
    )
    assert "新增 0 个事件" in again.stdout
    missing = subprocess.run(
        [*fedcrm, "cti", "import", str(node_dir), str(tmp_path / "nope")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "没有这个文件" in missing.stderr


@settings(max_examples=60, deadline=None)
@given(st.permutations(range(len(GOLDEN) - 2)), st.lists(st.integers(0, len(GOLDEN) - 3)))
def test_order_and_repeats_do_not_change_the_figures(order, repeated):
    """Real logs arrive out of order and with lines twice: the calls and figures are
    those of the file as written (repeats are one event, as the import's key makes)."""
    lines = GOLDEN[:-2]  # the well-formed ones
    events = [parse_line(line) for line in lines]
    shuffled = [events[i] for i in order] + [events[i] for i in repeated]
    unique = list({e.key: e for e in shuffled}.values())

    def figures(some):  # type: ignore[no-untyped-def]
        kept = [e for e in some if e.event != "QUEUESTART"]
        report = compute(assemble(kept), kept, Slot.m30, GroupBy.queue, Rules())
        return {k: v.shown() for k, v in report.rows.items()}, report.total.shown()

    assert figures(unique) == figures(events)
