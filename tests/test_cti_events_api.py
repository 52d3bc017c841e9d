"""Issue 20 §2: a live connector posts the PBX's events as JSON, authenticated as an
integration user of the `cti` role; they are kept exactly as the same queue_log lines
would be (a repeat changes nothing), and one bad event refuses the whole post."""

from __future__ import annotations

import pytest

from node.auth.accounts import Role
from tests.test_callcenter_queue_log import t

DAY = "2026-12-01"


def ev(moment: str, callid: str, event: str, *data: str, agent: str = "NONE") -> dict:
    return {"time": t(f"{DAY} {moment}"), "callid": callid, "queue": "96296", "agent": agent,
            "event": event, "data": list(data)}  # fmt: skip


CALL = [
    ev("09:00:00", "live1", "ENTERQUEUE", "", "13907310031", "1"),
    ev("09:00:12", "live1", "CONNECT", "12", "live1.1", "4", agent="SIP/8001"),
    ev("09:03:12", "live1", "COMPLETEAGENT", "12", "180", "1", agent="SIP/8001"),
    ev("09:03:12", "NONE", "QUEUESTART"),  # not kept: counted by name
]


@pytest.fixture
def connector(login):  # type: ignore[no-untyped-def]
    return login(Role.cti)


def test_posted_events_count_like_imported_lines(client, admin, connector):
    first = client.post("/api/v1/cti/events", json={"events": CALL}, headers=connector)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "received": 4,
        "added": 3,
        "already_held": 0,
        "unknown": {"QUEUESTART": 1},
        "interactions_added": 0,  # no customer has the caller's number here
        "interactions_updated": 0,
        "popped": 0,  # nobody has extension 8001 here
    }
    again = client.post("/api/v1/cti/events", json={"events": CALL[:3]}, headers=connector)
    assert again.json()["added"] == 0 and again.json()["already_held"] == 3
    params = {"from": f"{DAY}T09:00", "to": f"{DAY}T10:00"}
    total = client.get("/api/v1/callcenter/kpis", params=params, headers=admin).json()["total"]
    # One call, answered after 12 s (within 20), 180 s of talk.
    assert (total["offered"], total["answered"], total["answered_within_sl"]) == (1, 1, 1)
    assert (total["asa"], total["att"]) == (12.0, 180.0)


@pytest.mark.parametrize(
    "bad, field",
    [
        (ev("09:00:12", "live2", "CONNECT", "soon", "x", "4"), "events.1"),
        (ev("09:00:12", "live|2", "CONNECT", "12", "x", "4"), "events.1.callid"),
        (ev("09:00:12", "live2", "CONNECT", "12", "a|b", "4"), "events.1.data"),
        ({**ev("09:00:12", "live2", "CONNECT"), "time": -1}, "events.1"),
        ({**ev("09:00:12", "live2", "CONNECT"), "colour": "red"}, "colour"),
    ],
)
def test_one_bad_event_refuses_the_post_naming_it(client, admin, connector, bad, field):
    good = ev("09:00:00", "live2", "ENTERQUEUE", "", "13907310032", "1")
    resp = client.post("/api/v1/cti/events", json={"events": [good, bad]}, headers=connector)
    assert resp.status_code == 422 and field in resp.text
    params = {"from": f"{DAY}T09:00", "to": f"{DAY}T10:00"}
    total = client.get("/api/v1/callcenter/kpis", params=params, headers=admin).json()["total"]
    assert total["offered"] == 0  # the good event was not kept either


def test_limits_and_who_may_post(client, login, connector):
    too_many = {"events": [CALL[0]] * 1001}
    assert client.post("/api/v1/cti/events", json=too_many, headers=connector).status_code == 422
    assert (
        client.post("/api/v1/cti/events", json={"events": []}, headers=connector).status_code == 422
    )
    agent = login(Role.agent)
    assert (
        client.post("/api/v1/cti/events", json={"events": CALL}, headers=agent).status_code == 403
    )
    # The connector reads nothing.
    assert client.get("/api/v1/customers", headers=connector).status_code == 403
