"""Issue 20 §3: calls the PBX reports become interactions by themselves, linked to the
customer whose phone is the caller's number and to the agent who answered, with queue,
wait, ring and talk seconds, answered or how the queue ended it, transferred; the
desk's log-call form attaches to the current call instead of making a second record.

Every expected value is read off the queue_log lines written here (Asterisk's
queue_log fields: CONNECT data1 hold, data3 ring; COMPLETE* data2 talk; ABANDON data3
wait; EXITWITHTIMEOUT data3 wait; TRANSFER data4 talk)."""

from __future__ import annotations

import itertools
import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.auth.accounts import Role
from node.callcenter.importer import store_events
from node.callcenter.kpis import Rules
from node.callcenter.models import QueueLogEvent
from node.callcenter.queue_log import parse_line
from node.interactions.models import Interaction
from tests.conftest import PASSWORD
from tests.factories import customer_payload
from tests.test_callcenter_queue_log import t
from tests.test_web_pages import _page_csrf, web_login

DAY = "2026-12-01"
KNOWN, STRANGER = "13907310031", "13907310099"


def ev(
    moment: str, callid: str, event: str, *data: str, agent: str = "NONE", queue: str = "96296"
) -> dict:
    return {"time": t(f"{DAY} {moment}"), "callid": callid, "queue": queue, "agent": agent,
            "event": event, "data": list(data)}  # fmt: skip


ANSWERED = [
    ev("09:00:00", "c1", "ENTERQUEUE", "", KNOWN, "1"),
    ev("09:00:12", "c1", "CONNECT", "12", "c1.1", "4", agent="SIP/8001"),
    ev("09:03:12", "c1", "COMPLETEAGENT", "12", "180", "1", agent="SIP/8001"),
]
ABANDONED = [
    ev("10:00:00", "c2", "ENTERQUEUE", "", KNOWN, "1"),
    ev("10:00:40", "c2", "ABANDON", "1", "1", "40"),
]
# Timed out of 96296 after 30 s, then answered in 10000 after 5 s, talked 60 s and was
# transferred (TRANSFER: data1 extension, data2 context, data3 hold, data4 talk).
TWO_QUEUES = [
    ev("11:00:00", "c3", "ENTERQUEUE", "", KNOWN, "1"),
    ev("11:00:30", "c3", "EXITWITHTIMEOUT", "1", "1", "30"),
    ev("11:00:30", "c3", "ENTERQUEUE", "", KNOWN, "1", queue="10000"),
    ev("11:00:35", "c3", "CONNECT", "5", "c3.1", "2", agent="SIP/8001", queue="10000"),
    ev(
        "11:01:35",
        "c3",
        "TRANSFER",
        "8002",
        "from-internal",
        "5",
        "60",
        "1",
        agent="SIP/8001",
        queue="10000",
    ),
]
UNKNOWN_CALLER = [
    ev("12:00:00", "c4", "ENTERQUEUE", "", STRANGER, "1"),
    ev("12:00:09", "c4", "CONNECT", "9", "c4.1", "3", agent="SIP/8001"),
    ev("12:01:09", "c4", "COMPLETECALLER", "9", "60", "1", agent="SIP/8001"),
]


def _setup(client, admin, login):  # type: ignore[no-untyped-def]
    """A customer with the known number, an agent on extension 8001, the connector."""
    made = client.post(
        "/api/v1/customers", json=customer_payload(phone=KNOWN), headers=admin
    ).json()
    agent = login(Role.agent)
    patch = client.patch(
        f"/api/v1/users/{agent['x-user-id']}", json={"extension": "8001"}, headers=admin
    )
    assert patch.status_code == 200, patch.text
    return made, agent, login(Role.cti)


def _post(client, cti, events):  # type: ignore[no-untyped-def]
    resp = client.post("/api/v1/cti/events", json={"events": events}, headers=cti)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _calls(client, admin, customer_id):  # type: ignore[no-untyped-def]
    params = {"customer_id": customer_id, "order_by": "started_at"}
    return client.get("/api/v1/interactions", params=params, headers=admin).json()["data"]


def test_each_call_becomes_one_interaction(client, admin, login):
    made, agent, cti = _setup(client, admin, login)
    body = _post(client, cti, ANSWERED + ABANDONED + TWO_QUEUES + UNKNOWN_CALLER)
    # c1, c2, c3 are the known customer's; c4's caller is nobody here.
    assert (body["interactions_added"], body["interactions_updated"]) == (3, 0)
    c1, c2, c3 = _calls(client, admin, made["id"])
    assert {k: c1[k] for k in _PBX} == {
        "call_id": "c1", "channel": "phone", "direction": "inbound", "queue": "96296",
        "wait_seconds": 12, "ring_seconds": 4, "talk_seconds": 180, "answered": True,
        "call_result": "answered", "transferred": False, "agent_id": agent["x-user-id"],
    }  # fmt: skip
    assert c1["started_at"].startswith("2026-12-01T01:00:00")  # 09:00 in Beijing
    assert {k: c2[k] for k in _PBX} == {
        "call_id": "c2", "channel": "phone", "direction": "inbound", "queue": "96296",
        "wait_seconds": 40, "ring_seconds": 0, "talk_seconds": 0, "answered": False,
        "call_result": "abandoned", "transferred": False, "agent_id": None,
    }  # fmt: skip
    assert {k: c3[k] for k in _PBX} == {
        "call_id": "c3", "channel": "phone", "direction": "inbound", "queue": "10000",
        "wait_seconds": 35, "ring_seconds": 2, "talk_seconds": 60, "answered": True,
        "call_result": "answered", "transferred": True, "agent_id": agent["x-user-id"],
    }  # fmt: skip
    timeline = _timeline(client, admin, made["id"])
    assert "队列 96296 等待 40 秒 · 放弃" in timeline
    assert "队列 10000 等待 35 秒 · 已接听 · 通话 60 秒 · 已转接" in timeline
    again = _post(client, cti, ANSWERED + ABANDONED + TWO_QUEUES)
    assert (again["added"], again["interactions_added"], again["interactions_updated"]) == (0, 0, 0)
    assert len(_calls(client, admin, made["id"])) == 3


def _timeline(client, admin, customer_id: str) -> str:  # type: ignore[no-untyped-def]
    username = client.get(f"/api/v1/users/{admin['x-user-id']}", headers=admin).json()["username"]
    page = web_login(client.app, username, PASSWORD).get(f"/ui/customers/{customer_id}")
    return page.text.split('id="h-timeline"', 1)[1].split("</section>", 1)[0]


_PBX = ("call_id", "channel", "direction", "queue", "wait_seconds", "ring_seconds",
        "talk_seconds", "answered", "call_result", "transferred", "agent_id")  # fmt: skip


def test_a_call_in_progress_is_completed_by_its_later_events(client, admin, login):
    made, _, cti = _setup(client, admin, login)
    # The ending first, then the rest, as lines of a real log can come: no call until
    # its ENTERQUEUE, and a queued call nobody answered yet is still waiting.
    assert _post(client, cti, ANSWERED[2:])["interactions_added"] == 0
    assert _post(client, cti, ANSWERED[:1])["interactions_added"] == 0
    body = _post(client, cti, ANSWERED[1:2])
    assert (body["interactions_added"], body["interactions_updated"]) == (1, 0)
    (c1,) = _calls(client, admin, made["id"])
    assert (c1["talk_seconds"], c1["wait_seconds"], c1["answered"]) == (180, 12, True)


def test_the_desk_logs_the_current_call_on_its_own_record(client, admin, login, make_user):
    made, agent, cti = _setup(client, admin, login)
    now = int(time.time())
    live = [
        {"time": now - 70, "callid": "live9", "queue": "96296", "agent": "NONE",
         "event": "ENTERQUEUE", "data": ["", KNOWN, "1"]},
        {"time": now - 60, "callid": "live9", "queue": "96296", "agent": "SIP/8001",
         "event": "CONNECT", "data": ["10", "live9.1", "3"]},
    ]  # fmt: skip
    assert _post(client, cti, live)["interactions_added"] == 1  # answered, still talking
    username = client.get(f"/api/v1/users/{agent['x-user-id']}", headers=admin).json()["username"]
    browser = web_login(client.app, username, PASSWORD)
    page = browser.get(f"/ui/customers/{made['id']}")
    assert 'name="call_id" value="live9"' in page.text
    assert "记入当前通话：139****0031" in page.text  # masked: agents have no pii:read
    data = {"channel": "phone", "direction": "inbound", "talk_seconds": "999",
            "outcome": "answered", "summary": "咨询套餐资费", "call_id": "live9",
            "csrf_token": _page_csrf(browser, f"/ui/customers/{made['id']}")}  # fmt: skip
    saved = browser.post(f"/ui/customers/{made['id']}/calls", data=data)
    assert saved.status_code == 200, saved.text
    (call,) = _calls(client, admin, made["id"])
    assert (call["call_id"], call["summary"], call["outcome"]) == (
        "live9",
        "咨询套餐资费",
        "answered",
    )
    assert call["wait_seconds"] == 10  # the PBX's, not the form's
    # The call ends: the same record gains its talk time; the summary stays.
    done = {"time": now - 5, "callid": "live9", "queue": "96296", "agent": "SIP/8001",
            "event": "COMPLETECALLER", "data": ["10", "55", "1"]}  # fmt: skip
    assert _post(client, cti, [done])["interactions_updated"] == 1
    (call,) = _calls(client, admin, made["id"])
    assert (call["talk_seconds"], call["summary"]) == (55, "咨询套餐资费")
    # Logged: the form no longer offers it.
    assert 'name="call_id"' not in browser.get(f"/ui/customers/{made['id']}").text


def test_a_call_logged_before_the_pbx_knows_the_customer_is_one_record(client, admin, login):
    """The caller is nobody yet: the agent registers them, then logs the call."""
    _, agent, cti = _setup(client, admin, login)
    now = int(time.time())
    live = [
        {"time": now - 30, "callid": "live7", "queue": "96296", "agent": "NONE",
         "event": "ENTERQUEUE", "data": ["", STRANGER, "1"]},
        {"time": now - 20, "callid": "live7", "queue": "96296", "agent": "SIP/8001",
         "event": "CONNECT", "data": ["10", "live7.1", "3"]},
    ]  # fmt: skip
    assert _post(client, cti, live)["interactions_added"] == 0
    fresh = client.post(
        "/api/v1/customers", json=customer_payload(phone=STRANGER, name="李明"), headers=admin
    ).json()
    username = client.get(f"/api/v1/users/{agent['x-user-id']}", headers=admin).json()["username"]
    browser = web_login(client.app, username, PASSWORD)
    data = {"channel": "phone", "direction": "inbound", "outcome": "answered",
            "summary": "新客户咨询", "call_id": "live7",
            "csrf_token": _page_csrf(browser, f"/ui/customers/{fresh['id']}")}  # fmt: skip
    assert browser.post(f"/ui/customers/{fresh['id']}/calls", data=data).status_code == 200
    end = {"time": now - 2, "callid": "live7", "queue": "96296", "agent": "SIP/8001",
           "event": "COMPLETEAGENT", "data": ["10", "18", "1"]}  # fmt: skip
    assert _post(client, cti, [end])["interactions_updated"] == 1
    (call,) = _calls(client, admin, fresh["id"])
    assert (call["summary"], call["talk_seconds"], call["call_id"]) == ("新客户咨询", 18, "live7")


def test_a_call_put_through_to_someone_else_is_refused(client, admin, login, make_user):
    made, _, cti = _setup(client, admin, login)
    _post(client, cti, ANSWERED)
    other = make_user(Role.agent)
    browser = web_login(client.app, other["username"], PASSWORD)
    data = {"channel": "phone", "direction": "inbound", "outcome": "answered",
            "summary": "x", "call_id": "c1",
            "csrf_token": _page_csrf(browser, f"/ui/customers/{made['id']}")}  # fmt: skip
    refused = browser.post(f"/ui/customers/{made['id']}/calls", data=data)
    assert refused.status_code == 422 and 'id="err-call_id"' in refused.text
    (call,) = _calls(client, admin, made["id"])
    assert call["summary"] is None  # nothing written


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(1, 12), max_size=4))
def test_order_and_batching_do_not_matter(client, admin, database, seed, cuts):
    """However the lines are shuffled and split into posts, the interactions are those
    of the calls in order, in one post."""
    lines = ANSWERED + ABANDONED + TWO_QUEUES
    if not client.get("/api/v1/customers", params={"q": KNOWN}, headers=admin).json()["data"]:
        client.post("/api/v1/customers", json=customer_payload(phone=KNOWN), headers=admin)
    with database.unit_of_work() as session:
        session.execute(Interaction.__table__.delete())
        session.execute(QueueLogEvent.__table__.delete())
    events = [_parsed(e) for e in lines]
    random.Random(seed).shuffle(events)
    bounds = sorted({0, *[c for c in cuts if c < len(events)], len(events)})
    for low, high in itertools.pairwise(bounds):
        with database.unit_of_work() as session:
            store_events(session, events[low:high], Rules())
    with database.unit_of_work() as session:
        got = {
            r.call_id: (r.wait_seconds, r.talk_seconds, r.call_result, r.transferred, r.queue)
            for r in session.query(Interaction)
        }
    assert got == {
        "c1": (12, 180, "answered", False, "96296"),
        "c2": (40, 0, "abandoned", False, "96296"),
        "c3": (35, 60, "answered", True, "10000"),
    }


def _parsed(e: dict):  # type: ignore[no-untyped-def]
    fields = [str(e["time"]), e["callid"], e["queue"], e["agent"], e["event"], *e["data"]]
    return parse_line("|".join(fields))
