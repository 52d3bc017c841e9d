"""Issue 21 §3, the pool: the highest-priority eligible task reserved with a lease, one
reservation per agent, an expired lease returning the task, not-ready and sign-out
releasing it, and no task reserved twice when many agents ask at once. On SQLite and
PostgreSQL; the clock is passed in (or patched at the API)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from node.auth.accounts import Role, User
from node.callcenter.agent_states import change_state
from node.callcenter.models import AgentState, StateSource
from node.errors import Conflict
from node.surveys import pool
from node.surveys.campaign_models import CallTask
from node.surveys.pool import held_task, renew, reserve
from tests.callback_helpers import T0, add_numbers, make_campaign, published_version


def test_the_highest_priority_task_first_and_one_per_agent(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        add_numbers(session, campaign, ["13800138001"], priority=0)
        add_numbers(session, campaign, ["13800138002"], priority=5)
        first = reserve(session, agent, T0)
        assert first is not None and first.phone == "13800138002"
        assert first.lease_until == T0 + timedelta(seconds=120)
        # Asking again returns the same task, its lease renewed from now.
        again = reserve(session, agent, T0 + timedelta(seconds=50))
        assert again is not None and again.id == first.id
        assert again.lease_until == T0 + timedelta(seconds=170)
        other = reserve(session, uuid.uuid4(), T0 + timedelta(seconds=50))
        assert other is not None and other.phone == "13800138001"


def test_an_expired_lease_returns_the_task_to_the_pool(database):
    a, b = uuid.uuid4(), uuid.uuid4()
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        (task,) = add_numbers(session, campaign, ["13800138001"])
        assert reserve(session, a, T0) is not None
        assert reserve(session, b, T0 + timedelta(seconds=120)) is None  # still a's
        taken = reserve(session, b, T0 + timedelta(seconds=121))
        assert taken is not None and taken.id == task.id
        assert held_task(session, a) is None
        with pytest.raises(Conflict, match=f"task {task.id} is not reserved by you"):
            renew(session, task.id, a, T0 + timedelta(seconds=122))
        renewed = renew(session, task.id, b, T0 + timedelta(seconds=200))
        assert renewed.lease_until == T0 + timedelta(seconds=320)


def test_going_not_ready_or_signing_out_releases_the_reservation(database, make_user):
    agent = make_user(Role.agent)
    other = uuid.uuid4()
    with database.unit_of_work() as session:
        user = session.get(User, uuid.UUID(agent["id"]))
        assert user is not None
        campaign = make_campaign(session)
        (task,) = add_numbers(session, campaign, ["13800138001"])
        change_state(session, user, AgentState.ready, None, StateSource.api, T0, 60)
        assert reserve(session, user.id, T0) is not None
        change_state(session, user, AgentState.not_ready, "meal", StateSource.api, T0, 60)
        assert held_task(session, user.id) is None
        taken = reserve(session, other, T0 + timedelta(seconds=1))
        assert taken is not None and taken.id == task.id
        pool.release_agent(session, other, T0 + timedelta(seconds=2))
        change_state(session, user, AgentState.ready, None, StateSource.api, T0, 60)
        assert reserve(session, user.id, T0 + timedelta(seconds=3)) is not None
        change_state(session, user, AgentState.signed_out, None, StateSource.api, T0, 60)
        assert held_task(session, user.id) is None


def test_the_database_refuses_a_second_open_task_for_a_customer(database):
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        (task,) = add_numbers(session, campaign, ["13800138001"])
        # The code skips it (already open) ...
        assert add_numbers(session, campaign, ["13800138001", "13800138009"]) == []
        campaign_id = campaign.id
    # ... and the unique index refuses it even past the code.
    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        session.add(
            CallTask(
                campaign_id=campaign_id, customer_key=task.customer_key, phones="[]", phone="1"
            )
        )


def test_one_reservation_per_agent_is_held_by_the_database(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        add_numbers(session, campaign, ["13800138001"], ["13800138002"])
    with pytest.raises(IntegrityError), database.unit_of_work() as session:
        for task in session.query(CallTask).all():
            task.lease_agent_id = agent
        session.flush()


def test_many_agents_at_once_never_share_a_task(database):
    """Thirty agents, each in its own transaction on its own connection, ask at the same
    moment for one of twenty tasks: twenty get distinct tasks, ten get none."""
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        add_numbers(session, campaign, *[[f"139{n:08d}"] for n in range(20)])
    agents = [uuid.uuid4() for _ in range(30)]
    got: dict[uuid.UUID, uuid.UUID | None] = {}
    start = threading.Barrier(len(agents))

    def ask(agent: uuid.UUID) -> None:
        start.wait()
        with database.unit_of_work() as session:
            task = reserve(session, agent, T0)
            got[agent] = task.id if task is not None else None

    threads = [threading.Thread(target=ask, args=(a,)) for a in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = [t for t in got.values() if t is not None]
    assert len(got) == 30 and len(taken) == 20 and len(set(taken)) == 20


def test_the_api_reserves_renews_and_refuses_others(client, login, monkeypatch, database):
    from node.callcenter import agent_endpoints, callback_endpoints
    from node.surveys import campaign_endpoints, pool_endpoints

    for module in (campaign_endpoints, pool_endpoints, callback_endpoints, agent_endpoints):
        monkeypatch.setattr(module, "utcnow", lambda: T0)
    lead, agent, other = login(Role.team_lead), login(Role.agent), login(Role.agent)
    for who in (agent, other):
        ready = client.post("/api/v1/agents/me/state", json={"state": "ready"}, headers=who)
        assert ready.status_code == 200, ready.text
    with database.unit_of_work() as session:
        version_id = str(published_version(session))
    made = client.post(
        "/api/v1/surveys/campaigns",
        json={"name": "装机回访", "questionnaire_version_id": version_id},
        headers=lead,
    )
    assert made.status_code == 201, made.text
    assert made.json()["rules"]["lease_seconds"] == 120
    url = f"/api/v1/surveys/campaigns/{made.json()['id']}/tasks"
    added = client.post(url, json={"tasks": [{"phones": ["138-0013-8001"]}]}, headers=lead)
    assert added.json() == {"added": 1, "already_open": 0, "without_number": 0}
    taken = client.post("/api/v1/surveys/next", headers=agent).json()
    assert taken["task"]["phone"] == "13800138001" and taken["campaign_name"] == "装机回访"
    assert [q["code"] for q in taken["definition"]["questions"]] == ["fixed", "score"]
    assert client.post("/api/v1/surveys/next", headers=other).json() == {
        "task": None,
        "campaign_name": None,
        "definition": None,
    }
    task_id = taken["task"]["id"]
    refused = client.post(f"/api/v1/surveys/tasks/{task_id}/renew", headers=other)
    assert refused.status_code == 409 and task_id in refused.text
    result = client.post(
        f"/api/v1/surveys/tasks/{task_id}/result", json={"result": "busy"}, headers=other
    )
    assert result.status_code == 409 and task_id in result.text
    assert client.post(f"/api/v1/surveys/tasks/{task_id}/renew", headers=agent).status_code == 200


def test_a_campaign_on_a_draft_or_with_bad_rules_is_refused(client, login):
    lead = login(Role.team_lead)
    draft = client.post(
        "/api/v1/questionnaires",
        json={
            "name": "草稿",
            "definition": {"questions": [{"code": "a", "type": "text", "text": "?"}]},
        },
        headers=lead,
    ).json()
    version_id = draft["versions"][0]["id"]
    bad = client.post(
        "/api/v1/surveys/campaigns",
        json={"name": "x", "questionnaire_version_id": version_id},
        headers=lead,
    )
    assert bad.status_code == 422 and "questionnaire_version_id" in bad.text
    window = client.post(
        "/api/v1/surveys/campaigns",
        json={
            "name": "x",
            "questionnaire_version_id": version_id,
            "rules": {"weekday_window": "21:00-09:00"},
        },
        headers=lead,
    )
    assert window.status_code == 422
    agent = login(Role.agent)
    forbidden = client.post(
        "/api/v1/surveys/campaigns",
        json={"name": "x", "questionnaire_version_id": version_id},
        headers=agent,
    )
    assert forbidden.status_code == 403


def test_the_campaign_list_pages_like_every_list(client, login, database):
    lead = login(Role.team_lead)
    with database.unit_of_work() as session:
        made = {str(make_campaign(session).id) for _ in range(5)}
    seen: list[str] = []
    params: dict[str, object] = {"limit": 2, "order_by": "name"}
    for _ in range(5):
        page = client.get("/api/v1/surveys/campaigns", params=params, headers=lead).json()
        seen += [row["id"] for row in page["data"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert len(seen) == 5 and set(seen) == made
    bad = client.get("/api/v1/surveys/campaigns", params={"order_by": "phone"}, headers=lead)
    assert bad.status_code == 422 and "order_by" in bad.text


def test_only_a_ready_agent_takes_a_callback(client, login, monkeypatch, database):
    from node.callcenter import agent_endpoints, callback_endpoints

    for module in (callback_endpoints, agent_endpoints):
        monkeypatch.setattr(module, "utcnow", lambda: T0)
    agent = login(Role.agent)
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])

    def take() -> Any:
        return client.post("/api/v1/surveys/next", headers=agent)

    def state(body: dict) -> None:
        assert client.post("/api/v1/agents/me/state", json=body, headers=agent).status_code == 200

    refused = take()  # never signed in
    assert refused.status_code == 409 and "签退" in refused.text and "signed_out" in refused.text
    state({"state": "ready"})
    held = take()
    assert held.status_code == 200 and held.json()["task"]["phone"] == "13800138001"
    state({"state": "not_ready", "reason": "meal"})  # gives the task back to the pool
    refused = take()
    assert refused.status_code == 409 and "示忙" in refused.text
    with database.unit_of_work(write=False) as session:
        task = session.execute(select(CallTask)).scalar_one()
        assert task.lease_agent_id is None
    state({"state": "ready"})
    assert take().json()["task"]["id"] == held.json()["task"]["id"]
    analyst = login(Role.analyst)  # reads surveys, takes no calls
    assert client.post("/api/v1/surveys/next", headers=analyst).status_code == 403
