"""Issue 20 §2 and §7: Asterisk's call detail records (cdr_csv's Master.csv) in; an
agent's outbound calls and talk time out, and a call back that got through clears the
caller from 当天应注意的电话. Lines in cdr_csv's column order (accountcode, src, dst,
dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration,
billsec, disposition, amaflags[, uniqueid]); every figure worked out by hand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from node.callcenter.cdr import MalformedRecord, parse_record
from node.callcenter.importer import import_call_records, import_queue_log
from tests.test_callcenter_queue_log import t, write

DAY = "2026-12-01"


def cdr(src, dst, channel, start, answer, end, duration, billsec, disposition, uid=""):  # type: ignore[no-untyped-def]
    """A line as cdr_csv writes it: text fields quoted (inner quotes doubled), the two
    durations bare numbers, times in the PBX's local time."""
    texts = ["", src, dst, "from-internal", f'"坐席" <{src}>', channel, "SIP/trunk-01"]
    texts += ["Dial", f"SIP/trunk/{dst},60", f"{DAY} {start}", answer and f"{DAY} {answer}"]
    texts += [f"{DAY} {end}"]
    tail = [disposition, "DOCUMENTATION"] + ([uid] if uid else [])

    def quoted(values):  # type: ignore[no-untyped-def]
        return ['"' + v.replace('"', '""') + '"' for v in values]

    return ",".join([*quoted(texts), str(duration), str(billsec), *quoted(tail)])


RECORDS = [
    # SIP/8001 calls 13907310021 back at 10:00, answered, 95 s of talk (100 s in all).
    cdr("8001", "13907310021", "SIP/8001-0000002a",
        "10:00:00", "10:00:05", "10:01:40", 100, 95, "ANSWERED", "1764554400.42"),
    # SIP/8001 tries 13907310022 at 10:05: no answer, no talk.
    cdr("8001", "13907310022", "SIP/8001-0000002b",
        "10:05:00", "", "10:05:30", 30, 0, "NO ANSWER"),
    # SIP/8002 dials a Changsha landline at 10:10: 60 s of talk.
    cdr("8002", "073184001234", "SIP/8002-0000002c",
        "10:10:00", "10:10:10", "10:11:10", 70, 60, "ANSWERED"),
    # An internal call between extensions: not outbound.
    cdr("8001", "8002", "SIP/8001-0000002d",
        "10:20:00", "10:20:02", "10:21:02", 62, 60, "ANSWERED"),
    # An inbound call from outside to an extension: not outbound either.
    cdr("13907310023", "8001", "SIP/trunk-0000002e",
        "10:30:00", "10:30:03", "10:31:03", 63, 60, "ANSWERED"),
]  # fmt: skip


def test_the_fields_a_record_is_read_by():
    record = parse_record(RECORDS[0])
    assert (record.src, record.dst, record.channel) == ("8001", "13907310021", "SIP/8001-0000002a")
    assert record.start == t(f"{DAY} 10:00:00") and (record.duration, record.billsec) == (100, 95)
    assert record.peer == "SIP/8001" and record.outbound_number == "13907310021"
    assert parse_record(RECORDS[3]).outbound_number is None  # 8002 is an extension
    assert parse_record(RECORDS[4]).outbound_number is None  # dialled in from outside


@pytest.mark.parametrize(
    "line, says",
    [
        ("a,b,c", "16–18"),
        (RECORDS[0].replace(f'"{DAY} 10:00:00"', '"yesterday"', 1), "start"),
        (RECORDS[0].replace(",100,95,", ",100,ninety,"), "billsec"),
        (RECORDS[0].replace(",100,95,", ",10,95,"), "billsec 大于 duration"),
        (RECORDS[0].replace("ANSWERED", "MAYBE"), "disposition"),
    ],
)
def test_a_malformed_record_says_why(line, says):
    with pytest.raises(MalformedRecord, match=says):
        parse_record(line)


@pytest.fixture
def records(database, tmp_path):  # type: ignore[no-untyped-def]
    path = write(tmp_path / "Master.csv", RECORDS)
    with database.unit_of_work() as session:
        first = import_call_records(session, path)
        again = import_call_records(session, path)
    assert (first.lines, first.added, again.added) == (5, 5, 0)
    return path


def test_outbound_calls_and_talk_per_agent(client, admin, records):
    params = {"from": f"{DAY}T00:00", "to": "2026-12-02T00:00", "slot": "day"}
    by_agent = client.get(
        "/api/v1/callcenter/kpis", params=params | {"group_by": "agent"}, headers=admin
    ).json()
    rows = {r["agent"]: r for r in by_agent["rows"]}
    # SIP/8001: 2 outbound (one answered, 95 s); SIP/8002: 1 outbound, 60 s.
    assert (rows["SIP/8001"]["outbound_calls"], rows["SIP/8001"]["outbound_talk_seconds"]) == (
        2,
        95,
    )
    assert (rows["SIP/8002"]["outbound_calls"], rows["SIP/8002"]["outbound_talk_seconds"]) == (
        1,
        60,
    )
    assert by_agent["total"]["outbound_calls"] == 3 and by_agent["total"]["offered"] == 0
    by_queue = client.get(
        "/api/v1/callcenter/kpis", params=params | {"group_by": "queue"}, headers=admin
    ).json()
    assert by_queue["rows"] == [] and by_queue["total"]["outbound_talk_seconds"] == 155


def test_a_call_back_that_got_through_clears_the_caller(client, admin, database, tmp_path, records):
    lost = [
        # 13907310021 abandons at 09:30 and is called back at 10:00 (answered): cleared.
        f"{t(DAY + ' 09:30:00')}|p1|96296|NONE|ENTERQUEUE||13907310021|1",
        f"{t(DAY + ' 09:30:50')}|p1|96296|NONE|ABANDON|1|1|50",
        # 13907310022 abandons at 09:40; the call back at 10:05 was not answered: still due.
        f"{t(DAY + ' 09:40:00')}|p2|96296|NONE|ENTERQUEUE||13907310022|1",
        f"{t(DAY + ' 09:40:20')}|p2|96296|NONE|ABANDON|1|1|20",
    ]
    with database.unit_of_work() as session:
        import_queue_log(session, write(tmp_path / "queue_log", lost))
    body = client.get("/api/v1/callcenter/callbacks", params={"day": DAY}, headers=admin).json()
    assert [r["number"] for r in body["rows"]] == ["13907310022"]


def test_the_cli_reads_the_cdr_format(tmp_path):
    node_dir = tmp_path / "node"
    fedcrm = [sys.executable, "-m", "node.cli"]
    init = [*fedcrm, "init", str(node_dir), "--level", "city", "--code", "430100"]
    subprocess.run([*init, "--name", "长沙市"], check=True, capture_output=True)
    path = write(tmp_path / "Master.csv", [*RECORDS, "not,a,record"])
    done = subprocess.run(
        [*fedcrm, "cti", "import", str(node_dir), str(path), "--format", "asterisk-cdr-csv"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "新增 5 个事件" in done.stdout and "第 6 行" in done.stderr
