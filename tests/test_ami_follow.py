"""Issue 20 §2: `fedcrm serve` follows the PBX live through the Asterisk Manager Interface.

Asterisk is not packaged here, so the PBX is `FakeAsterisk` below: a TCP server on a free
loopback port that speaks AMI at the protocol level as Asterisk 13+ does (the banner,
`Action: Login` answered with `Response: Success` or `Response: Error` / `Message:
Authentication failed` and the ActionID, `Action: Ping`, events as `Key: Value` blocks
ended by a blank line). The queue_log lines each test expects are written by hand in
Asterisk's format (doc/queuelog.txt), not derived from the code under test."""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from sqlalchemy import select

from node.app import create_app
from node.auth.accounts import Role, User
from node.callcenter.ami_events import MalformedEvent, translate
from node.callcenter.ami_follow import AmiMetrics, start_ami_follower, stop_ami_follower
from node.callcenter.kpis import Rules
from node.callcenter.models import AgentStateEvent, QueueLogEvent
from node.callcenter.pop_broker import PopBroker
from node.callcenter.queue_log import parse_line
from node.callcenter.schemas import KpiQuery
from node.callcenter.service import kpi_report
from node.db.unit_of_work import Database
from node.settings import AmiSection, ConfigError, NodeSettings, load_settings, write_settings
from tests.test_callcenter_queue_log import t

SECRET = "pbx-secret-1"
T0 = t("2026-12-01 09:00:00")
CALLER = "1764550800.17"  # the caller channel's Uniqueid: the callid
AGENT_LEG = "1764550802.18"  # the answering phone's channel


class FakeAsterisk:
    """An AMI server: logs in whoever has the secret, answers Ping, pushes events."""

    def __init__(self, secret: str = SECRET, answer_pings: bool = True) -> None:
        self.secret = secret
        self.answer_pings = answer_pings
        self.logins: list[tuple[float, bool]] = []  # (loop time, accepted)
        self.sessions: list[asyncio.StreamWriter] = []  # logged in, still open
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self, port: int = 0) -> FakeAsterisk:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        await self.drop()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.1\r\n")
        try:
            while True:
                action = _headers(await reader.readuntil(b"\r\n\r\n"))
                answer = {"ActionID": action.get("actionid", "")}
                name = action.get("action", "").lower()
                if name == "login":
                    accepted = action.get("username") == "fedcrm" and (
                        action.get("secret") == self.secret
                    )
                    self.logins.append((asyncio.get_running_loop().time(), accepted))
                    if not accepted:  # Asterisk answers, then hangs up
                        writer.write(_block({"Response": "Error", **answer,
                                             "Message": "Authentication failed"}))  # fmt: skip
                        await writer.drain()
                        break
                    writer.write(_block({"Response": "Success", **answer,
                                         "Message": "Authentication accepted"}))  # fmt: skip
                    self.sessions.append(writer)
                elif name == "ping" and self.answer_pings:
                    writer.write(_block({"Response": "Success", **answer, "Ping": "Pong"}))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self.sessions:
                self.sessions.remove(writer)
            writer.close()

    async def push(self, *events: dict[str, str]) -> None:
        """Send the events to every logged-in session, as one stream."""
        data = b"".join(_block({"Privilege": "agent,all", **e}) for e in events)
        for writer in list(self.sessions):
            writer.write(data)
            await writer.drain()

    async def drop(self) -> None:
        """Hang up every session (a PBX restart, a cut cable)."""
        for writer in list(self.sessions):
            writer.close()
        self.sessions.clear()


def _block(headers: dict[str, str]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n"


def _headers(raw: bytes) -> dict[str, str]:
    pairs = (line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)
    return {k.lower(): v for k, v in pairs}


def ev(name: str, at: int | None, **fields: str) -> dict[str, str]:
    """An event as Asterisk sends it; `at` gives the Timestamp header (timestampevents)."""
    stamp = {} if at is None else {"Timestamp": f"{at}.250731"}
    return {"Event": name, **stamp, **fields}


CALLER_CHANNEL = {"Channel": "SIP/trunk-00000011", "CallerIDNum": "13907310031",
                  "CallerIDName": "<unknown>", "Uniqueid": CALLER, "Linkedid": CALLER}  # fmt: skip
MEMBER = {"Queue": "96296", "MemberName": "SIP/8001", "Interface": "SIP/8001"}
JOIN = ev("QueueCallerJoin", T0, **CALLER_CHANNEL, Queue="96296", Position="1", Count="1")
CALLED = ev("AgentCalled", T0 + 2, **CALLER_CHANNEL, DestChannel="SIP/8001-00000012",
            DestUniqueid=AGENT_LEG, **MEMBER)  # fmt: skip
CONNECT = ev("AgentConnect", T0 + 12, **CALLER_CHANNEL, DestChannel="SIP/8001-00000012",
             DestUniqueid=AGENT_LEG, **MEMBER, HoldTime="12", RingTime="4")  # fmt: skip
COMPLETE = ev("AgentComplete", T0 + 192, **CALLER_CHANNEL, DestUniqueid=AGENT_LEG, **MEMBER,
              HoldTime="12", TalkTime="180", Reason="agent")  # fmt: skip
LEAVE = ev("QueueCallerLeave", T0 + 12, **CALLER_CHANNEL, Queue="96296", Position="1", Count="0")
# What queue_log says of the same call (by hand, doc/queuelog.txt): ENTERQUEUE url|callerid|
# position, CONNECT holdtime|bridged uniqueid|ringtime, COMPLETEAGENT holdtime|calltime.
CALL_LINES = [
    f"{T0}|{CALLER}|96296|NONE|ENTERQUEUE||13907310031|1",
    f"{T0 + 12}|{CALLER}|96296|SIP/8001|CONNECT|12|{AGENT_LEG}|4",
    f"{T0 + 192}|{CALLER}|96296|SIP/8001|COMPLETEAGENT|12|180",
]


def stored(database: Database) -> list[str]:
    """The node's queue events as queue_log lines, in the order they were stored."""
    with database.unit_of_work(write=False) as session:
        rows = session.scalars(select(QueueLogEvent).order_by(QueueLogEvent.id)).all()
        lines = []
        for r in rows:
            data = [r.data1, r.data2, r.data3, r.data4, r.data5]
            while data and not data[-1]:
                data.pop()
            lines.append("|".join([str(r.epoch), r.callid, r.queue, r.agent, r.event, *data]))
        return lines


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


@asynccontextmanager
async def following(
    database: Database, port: int, secret: str = SECRET, keepalive: float = 5.0
) -> AsyncIterator[tuple[CollectorRegistry, PopBroker, asyncio.Task[None]]]:
    settings = AmiSection(enabled=True, host="127.0.0.1", port=port, username="fedcrm",
                          secret=secret, reconnect_min_seconds=0.05,
                          reconnect_max_seconds=0.2, keepalive_seconds=keepalive)  # fmt: skip
    registry, broker = CollectorRegistry(), PopBroker()
    task = start_ami_follower(settings, database, broker, AmiMetrics(registry))
    try:
        yield registry, broker, task
    finally:
        await stop_ami_follower(task)


def connected(registry: CollectorRegistry) -> Callable[[], bool]:
    return lambda: sample(registry, "fedcrm_ami_connected") == 1


def test_a_full_call_becomes_the_queue_log_events_and_figures(database):
    async def scenario() -> None:
        pbx = await FakeAsterisk().start()
        async with following(database, pbx.port) as (registry, _, task):
            await until(connected(registry))
            await pbx.push(JOIN, CALLED, LEAVE, CONNECT, COMPLETE)
            await until(lambda: len(stored(database)) == 3)
            assert not task.done()
            for name in ("QueueCallerJoin", "AgentCalled", "QueueCallerLeave", "AgentConnect"):
                assert sample(registry, "fedcrm_ami_events_received_total", event=name) == 1
            assert sample(registry, "fedcrm_ami_events_added_total") == 3
        await pbx.close()

    asyncio.run(scenario())
    # AGENTCALLED pops, it is not kept (as with POST /api/v1/cti/events); the caller's
    # leaving the queue is not kept either (see node.callcenter.ami_events).
    assert stored(database) == CALL_LINES
    with database.unit_of_work(write=False) as session:
        keys = set(session.scalars(select(QueueLogEvent.key)))
        # With timestampevents the key is the queue_log line's: importing the file too
        # would add nothing.
        assert keys == {parse_line(line).key for line in CALL_LINES}
        query = KpiQuery.model_validate({"from": "2026-12-01T09:00", "to": "2026-12-01T10:00"})
        total = kpi_report(session, query, Rules(20, 5), holds_calls=True).total.shown()
    assert (total["offered"], total["answered"], total["answered_within_sl"]) == (1, 1, 1)
    assert (total["hold_seconds"], total["talk_seconds"]) == (12, 180)
    assert (total["asa"], total["att"]) == (12.0, 180.0)


def test_an_abandoned_call_and_member_events(database):
    abandoned = {**CALLER_CHANNEL, "Uniqueid": "1764550900.30", "Queue": "billing"}
    events = [
        ev("QueueCallerJoin", T0 + 100, **abandoned, Position="2", Count="2"),
        ev(
            "AgentRingNoAnswer",
            T0 + 115,
            **{**abandoned, **MEMBER, "Queue": "billing"},
            RingTime="15000",
        ),
        ev(
            "QueueCallerAbandon",
            T0 + 160,
            **abandoned,
            Position="1",
            OriginalPosition="2",
            HoldTime="60",
        ),
        ev("QueueMemberAdded", T0 + 200, **MEMBER, Membership="dynamic", Paused="0"),
        ev("QueueMemberPause", T0 + 210, **MEMBER, Paused="1", PausedReason="break"),
        ev("QueueMemberPause", T0 + 240, **MEMBER, Paused="0", PausedReason=""),
        ev("QueueMemberRemoved", T0 + 300, **MEMBER),
    ]

    async def scenario() -> None:
        pbx = await FakeAsterisk().start()
        async with following(database, pbx.port) as (registry, _, _task):
            await until(connected(registry))
            await pbx.push(*events)
            await until(lambda: len(stored(database)) == 7)
        await pbx.close()

    asyncio.run(scenario())
    assert stored(database) == [
        f"{T0 + 100}|1764550900.30|billing|NONE|ENTERQUEUE||13907310031|2",
        f"{T0 + 115}|1764550900.30|billing|SIP/8001|RINGNOANSWER|15000",
        f"{T0 + 160}|1764550900.30|billing|NONE|ABANDON|1|2|60",
        f"{T0 + 200}|NONE|96296|SIP/8001|ADDMEMBER",
        f"{T0 + 210}|NONE|96296|SIP/8001|PAUSE|break",
        f"{T0 + 240}|NONE|96296|SIP/8001|UNPAUSE",
        f"{T0 + 300}|NONE|96296|SIP/8001|REMOVEMEMBER",
    ]
    with database.unit_of_work(write=False) as session:
        query = KpiQuery.model_validate({"from": "2026-12-01T09:00", "to": "2026-12-01T10:00"})
        total = kpi_report(session, query, Rules(20, 5), holds_calls=True).total.shown()
    assert (total["offered"], total["answered"], total["abandoned"]) == (1, 0, 1)
    assert total["ring_no_answer"] == 1


def test_a_wrong_secret_is_retried_with_backoff_until_it_is_right(database, caplog):
    caplog.set_level(logging.WARNING, logger="fedcrm.callcenter.ami")

    async def scenario() -> None:
        pbx = await FakeAsterisk(secret="the-real-one").start()
        async with following(database, pbx.port) as (registry, _, task):
            await until(lambda: len(pbx.logins) >= 5)
            assert not task.done() and sample(registry, "fedcrm_ami_connected") == 0
            assert not any(accepted for _, accepted in pbx.logins)
            # Waits double from 0.05 s up to 0.2 s (a sleep never ends early).
            times = [at for at, _ in pbx.logins]
            gaps = [b - a for a, b in itertools.pairwise(times)]
            for gap, wait in zip(gaps, (0.05, 0.1, 0.2, 0.2), strict=False):
                assert gap >= wait * 0.95, (gaps, wait)
            assert sample(registry, "fedcrm_ami_reconnects_total") >= 4
            pbx.secret = SECRET  # the operator fixes manager.conf
            await until(connected(registry))
            await pbx.push(JOIN)
            await until(lambda: len(stored(database)) == 1)
        await pbx.close()

    asyncio.run(scenario())
    refused = [r for r in caplog.records if "login refused" in r.getMessage()]
    assert len(refused) >= 4 and "reconnecting in" in refused[0].getMessage()


def test_a_dropped_connection_reconnects_and_repeats_are_stored_once(database):
    # Without Timestamp headers (timestampevents off): received-time, keyed by the headers.
    join = {k: v for k, v in JOIN.items() if k != "Timestamp"}
    connect = {k: v for k, v in CONNECT.items() if k != "Timestamp"}
    complete = {k: v for k, v in COMPLETE.items() if k != "Timestamp"}

    async def scenario() -> None:
        pbx = await FakeAsterisk().start()
        async with following(database, pbx.port) as (registry, _, task):
            await until(connected(registry))
            await pbx.push(join, connect)
            await until(lambda: len(stored(database)) == 2)
            await pbx.drop()
            await until(lambda: len(pbx.logins) == 2 and connected(registry)())
            assert sample(registry, "fedcrm_ami_reconnects_total") == 1
            # The PBX says the same again after the reconnect, then the call ends.
            await pbx.push(join, connect, complete)
            await until(lambda: sample(registry, "fedcrm_ami_events_received_total",
                                       event="AgentComplete") == 1)  # fmt: skip
            await until(lambda: len(stored(database)) == 3)
            await asyncio.sleep(0.2)  # nothing more arrives
            assert not task.done()
        await pbx.close()

    asyncio.run(scenario())
    lines = [line.split("|", 1)[1] for line in stored(database)]  # without the receive time
    assert lines == [
        f"{CALLER}|96296|NONE|ENTERQUEUE||13907310031|1",
        f"{CALLER}|96296|SIP/8001|CONNECT|12|{AGENT_LEG}|4",
        f"{CALLER}|96296|SIP/8001|COMPLETEAGENT|12|180",
    ]


def test_a_silent_link_is_dropped_by_the_keepalive(database):
    async def scenario() -> None:
        pbx = await FakeAsterisk(answer_pings=False).start()
        async with following(database, pbx.port, keepalive=0.1) as (registry, _, task):
            await until(lambda: len(pbx.logins) >= 2)
            assert sample(registry, "fedcrm_ami_reconnects_total") >= 1 and not task.done()
        await pbx.close()

    asyncio.run(scenario())


def test_a_malformed_event_is_counted_and_skipped(database):
    bad = [
        {**CONNECT, "HoldTime": "soon"},
        {**COMPLETE, "Reason": "bored"},
        {k: v for k, v in JOIN.items() if k != "Uniqueid"},
        {**JOIN, "Uniqueid": "a|b"},
        {**JOIN, "Timestamp": "yesterday"},
    ]

    async def scenario() -> None:
        pbx = await FakeAsterisk().start()
        async with following(database, pbx.port) as (registry, _, task):
            await until(connected(registry))
            await pbx.push(*bad, JOIN)
            await until(lambda: len(stored(database)) == 1)
            assert sample(registry, "fedcrm_ami_events_malformed_total", event="AgentConnect") == 1
            assert sample(registry, "fedcrm_ami_events_malformed_total", event="AgentComplete") == 1
            assert (
                sample(registry, "fedcrm_ami_events_malformed_total", event="QueueCallerJoin") == 3
            )
            assert not task.done() and connected(registry)()
        await pbx.close()

    asyncio.run(scenario())
    assert stored(database) == CALL_LINES[:1]


def test_agent_called_pops_the_callers_page(database, make_user):
    agent = make_user(Role.agent)
    with database.unit_of_work() as session:
        user = session.get(User, uuid.UUID(agent["id"]))
        assert user is not None
        user.extension = "8001"
    popped: list[str] = []

    async def scenario() -> None:
        pbx = await FakeAsterisk().start()
        async with following(database, pbx.port) as (registry, broker, _task):
            await until(connected(registry))
            with broker.listening(uuid.UUID(agent["id"])) as pops:
                await pbx.push(JOIN, CALLED)
                popped.append(await asyncio.wait_for(pops.get(), 10))
                await pbx.push(CONNECT)  # the connected call pops too, and sets the state
                popped.append(await asyncio.wait_for(pops.get(), 10))
        await pbx.close()

    asyncio.run(scenario())
    assert popped == ["/ui/pop?number=13907310031"] * 2
    with database.unit_of_work(write=False) as session:
        states = session.execute(select(AgentStateEvent.state, AgentStateEvent.callid)).all()
    assert [tuple(s) for s in states] == [("on_call", CALLER)]


def test_serve_follows_the_pbx_from_its_lifespan(settings, database):
    """create_app(run_scheduler=True), as `fedcrm serve` builds it: the follower starts
    with the app (here before the PBX listens: refused, then retried) and stops with it."""
    node = settings.model_copy(update={"ami": AmiSection(
        enabled=True, port=_free_port(), username="fedcrm", secret=SECRET,
        reconnect_min_seconds=0.05, reconnect_max_seconds=0.1)})  # fmt: skip
    pbx = FakeAsterisk()
    with TestClient(create_app(node, database, run_scheduler=True)) as client:
        client.portal.call(pbx.start, node.ami.port)
        _wait(lambda: "fedcrm_ami_connected 1.0" in client.get("/metrics").text)
        client.portal.call(pbx.push, JOIN)
        _wait(lambda: len(stored(database)) == 1)
        text = client.get("/metrics").text
        assert 'fedcrm_ami_events_received_total{event="QueueCallerJoin"} 1.0' in text
        assert "fedcrm_ami_reconnects_total" in text
        client.portal.call(pbx.close)
    # Leaving the block ran the lifespan's end: the follower stopped without an error.


def test_no_follower_without_ami_enabled(settings, database):
    with TestClient(create_app(settings, database, run_scheduler=True)) as client:
        assert "fedcrm_ami" not in client.get("/metrics").text


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(check: Callable[[], bool], seconds: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.mark.parametrize(
    "headers, why",
    [
        ({**JOIN, "Position": "-1"}, "Position"),
        ({**JOIN, "Queue": ""}, "Queue"),
        ({**CONNECT, "MemberName": "", "Interface": ""}, "Interface"),
        ({**JOIN, "Timestamp": "99999999999"}, "2000"),  # year 5138
        ({**JOIN, "Queue": "q" * 81}, "80"),
        ({**JOIN, "Uniqueid": ["1.1", "1.2"]}, "Uniqueid"),
        (ev("QueueMemberPause", T0, **MEMBER, Paused="maybe"), "Paused"),
    ],
)
def test_translate_refuses_what_it_cannot_read(headers: dict[str, Any], why: str) -> None:
    with pytest.raises(MalformedEvent, match=why):
        translate(headers, T0)


def test_translate_other_cases() -> None:
    # Interface when MemberName is absent; an unknown caller; a transfer; receive time.
    connect = {k: v for k, v in CONNECT.items() if k not in ("MemberName", "Timestamp")}
    got = translate(connect, T0 + 0.9)
    assert got is not None
    assert (got.epoch, got.agent, got.data) == (T0, "SIP/8001", ("12", AGENT_LEG, "4"))
    again = translate(connect, T0 + 5)  # the same event received later: the same key
    assert again is not None and again.key == got.key and again.epoch == T0 + 5
    unknown = translate({**JOIN, "CallerIDNum": "<unknown>"}, T0)
    assert unknown is not None and unknown.data == ("", "", "1")
    transfer = translate({**COMPLETE, "Reason": "transfer"}, T0)
    assert transfer is not None and (transfer.event, transfer.data) == (
        "TRANSFER", ("", "", "12", "180"))  # fmt: skip
    assert translate(LEAVE, T0) is None
    assert translate({"Event": "Newchannel", "Channel": "SIP/x"}, T0) is None


# Settings: [ami] in node.toml.


def test_ami_settings_defaults_and_validation() -> None:
    ami = AmiSection()
    assert (ami.enabled, ami.port, ami.reconnect_min_seconds, ami.reconnect_max_seconds) == (
        False, 5038, 1.0, 60.0)  # fmt: skip
    assert SECRET not in repr(AmiSection(secret=SECRET))
    for bad in (
        {"reconnect_min_seconds": 10, "reconnect_max_seconds": 5},
        {"reconnect_min_seconds": 0},
        {"port": 0},
        {"port": 70000},
        {"enabled": True, "username": ""},
        {"enabled": True, "username": "fedcrm", "host": " "},
    ):
        with pytest.raises(ValueError):
            AmiSection(**bad)


def test_ami_settings_from_node_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "node.toml").write_text(
        '[node]\nlevel = "city"\ncode = "430100"\nname = "长沙市"\n\n'
        '[ami]\nenabled = true\nhost = "10.0.0.5"\nusername = "fedcrm"\nsecret = "s1"\n'
        "reconnect_min_seconds = 0.5\nreconnect_max_seconds = 30\n",
        encoding="utf-8",
    )
    loaded = load_settings(tmp_path)
    assert (loaded.ami.enabled, loaded.ami.host, loaded.ami.port) == (True, "10.0.0.5", 5038)
    assert (loaded.ami.secret, loaded.ami.reconnect_max_seconds) == ("s1", 30.0)
    write_settings(loaded)  # written back as it was read, secret included
    assert load_settings(tmp_path).ami == loaded.ami
    monkeypatch.setenv("FEDCRM_AMI__SECRET", "from-env")
    assert load_settings(tmp_path).ami.secret == "from-env"
    monkeypatch.delenv("FEDCRM_AMI__SECRET")
    (tmp_path / "node.toml").write_text(
        '[node]\nlevel = "city"\ncode = "430100"\nname = "长沙市"\n\n'
        "[ami]\nenabled = true\nreconnect_min_seconds = 5\nreconnect_max_seconds = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="reconnect_max_seconds"):
        load_settings(tmp_path)
    assert NodeSettings.model_fields["ami"].default == AmiSection()
