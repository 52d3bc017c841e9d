"""Issue 20 §6: 当天应注意的电话. Each caller's fate below is worked out by hand: who was
lost in the queue and is still waiting for a call, and who was cleared, by what."""

from __future__ import annotations

import pytest

from node.callcenter.importer import import_queue_log
from tests.factories import customer_payload
from tests.test_callcenter_queue_log import t, write

DAY = "2026-12-01"
X, Y, Z, V = "13907310011", "13907310012", "13907310013", "073184001234"
LOG = [
    # X abandons at 09:00, calls again at 09:10 and is answered: cleared.
    f"{t(DAY + ' 09:00:00')}|x1|96296|NONE|ENTERQUEUE||{X}|1",
    f"{t(DAY + ' 09:00:40')}|x1|96296|NONE|ABANDON|1|1|40",
    f"{t(DAY + ' 09:10:00')}|x2|96296|NONE|ENTERQUEUE||+86 139 0731 0011|1",
    f"{t(DAY + ' 09:10:05')}|x2|96296|Agent/1001|CONNECT|5|x2.1|2",
    # Y abandons at 09:05 and times out at 09:20: still waiting, lost twice.
    f"{t(DAY + ' 09:05:00')}|y1|96296|NONE|ENTERQUEUE||{Y}|1",
    f"{t(DAY + ' 09:05:03')}|y1|96296|NONE|ABANDON|1|1|3",
    f"{t(DAY + ' 09:20:00')}|y2|billing|NONE|ENTERQUEUE||{Y}|1",
    f"{t(DAY + ' 09:25:00')}|y2|billing|NONE|EXITWITHTIMEOUT|1|1|300",
    # Z abandons at 10:00; the desk calls Z back at 10:30 and gets through: cleared.
    f"{t(DAY + ' 10:00:00')}|z1|96296|NONE|ENTERQUEUE||{Z}|1",
    f"{t(DAY + ' 10:01:00')}|z1|96296|NONE|ABANDON|1|1|60",
    # An anonymous caller cannot be called back: not listed.
    f"{t(DAY + ' 10:05:00')}|a1|96296|NONE|ENTERQUEUE||anonymous|1",
    f"{t(DAY + ' 10:05:30')}|a1|96296|NONE|ABANDON|1|1|30",
    # V, a Changsha landline and a known customer, abandons at 11:00: still waiting.
    f"{t(DAY + ' 11:00:00')}|v1|96296|NONE|ENTERQUEUE||{V}|1",
    f"{t(DAY + ' 11:02:00')}|v1|96296|NONE|ABANDON|1|1|120",
    # The next day's loss belongs to the next day's list.
    f"{t('2026-12-02 08:00:00')}|n1|96296|NONE|ENTERQUEUE||13907310019|1",
    f"{t('2026-12-02 08:00:30')}|n1|96296|NONE|ABANDON|1|1|30",
]


@pytest.fixture
def lost_callers(client, admin, database, tmp_path):  # type: ignore[no-untyped-def]
    return seed_lost_callers(client, admin, database, tmp_path)


def seed_lost_callers(client, admin, database, tmp_path):  # type: ignore[no-untyped-def]
    """The log above imported, Z and V registered as customers, Z called back at 10:30."""
    with database.unit_of_work() as session:
        import_queue_log(session, write(tmp_path / "queue_log", LOG))
    made = {}
    for name, phone in (("周建华", Z), ("陈丽", V)):
        resp = client.post(
            "/api/v1/customers", json=customer_payload(name=name, phone=phone), headers=admin
        )
        assert resp.status_code == 201, resp.text
        made[phone] = resp.json()
    called = client.post(
        "/api/v1/interactions",
        json={
            "customer_id": made[Z]["id"],
            "channel": "phone",
            "direction": "outbound",
            "started_at": f"{DAY}T10:30:00+08:00",
            "answered": True,
            "talk_seconds": 45,
        },
        headers=admin,
    )
    assert called.status_code == 201, called.text
    return made


def test_the_list_holds_only_callers_still_waiting(client, admin, lost_callers):
    body = client.get("/api/v1/callcenter/callbacks", params={"day": DAY}, headers=admin).json()
    assert [r["number"] for r in body["rows"]] == [Y, V]  # the longest waiting first
    y, v = body["rows"]
    assert (y["lost"], y["longest_wait"], y["queue"]) == (2, 300, "96296")
    assert y["first_lost"] == f"{DAY}T09:05:00+08:00" and y["last_lost"] == f"{DAY}T09:20:00+08:00"
    assert v["customer_name"] == "陈丽" and v["customer_id"] == lost_callers[V]["id"]
    assert y["customer_id"] is None
    # The day is long past: both waited more than the 30 minutes allowed.
    assert body["count"] == 2 and body["overdue"] == 2 and y["overdue"]
    next_day = client.get(
        "/api/v1/callcenter/callbacks", params={"day": "2026-12-02"}, headers=admin
    ).json()
    assert [r["number"] for r in next_day["rows"]] == ["13907310019"]


def test_an_agent_sees_the_list_with_masked_numbers(client, login, lost_callers):
    from node.auth.accounts import Role

    agent = login(Role.agent)
    resp = client.get("/api/v1/callcenter/callbacks", params={"day": DAY}, headers=agent)
    assert resp.status_code == 200
    numbers = [r["number"] for r in resp.json()["rows"]]
    assert Y not in numbers and numbers[0].startswith("139") and numbers[0].endswith("0012")


@pytest.mark.parametrize("params", [{"day": "2026-13-01"}, {"day": "today"}, {"when": DAY}])
def test_a_bad_day_is_a_422(client, admin, params):
    resp = client.get("/api/v1/callcenter/callbacks", params=params, headers=admin)
    assert resp.status_code == 422
