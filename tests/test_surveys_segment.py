"""Issue 21 §2: a campaign's audience from a customer segment (the customer list's
filters): who is added, with which numbers, counted by hand from the customers made
here through the API; a segment too large is refused naming it, with nothing added.
A saved segment (a saved view of the customer list) names the audience instead of the
filters: its customers added and audited, GET /api/v1/segments listing mine and the
shared ones page by page, and each wrong use refused naming `saved_view_id` (or 404
for another's private one), with nothing added. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import orjson
import pytest
from sqlalchemy import func, select, update

from node.audit.models import AuditEntry
from node.auth.accounts import Role
from node.surveys import segment
from node.surveys.campaign_models import CallTask
from node.views.models import SavedView
from node.views.service import save_view
from tests.callback_helpers import published_version
from tests.factories import customer_payload, mobile

# (grade, service area) of the customers made below
PEOPLE = [("gold", "urban"), ("gold", "urban"), ("gold", "suburban"), ("silver", "urban")]


def _campaign(client, headers, database) -> str:  # type: ignore[no-untyped-def]
    with database.unit_of_work() as session:
        version = str(published_version(session))
    made = client.post(
        "/api/v1/surveys/campaigns",
        json={"name": "金卡关怀", "questionnaire_version_id": version},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _people(client, admin) -> list[dict]:  # type: ignore[no-untyped-def]
    made = []
    for grade, area in PEOPLE:
        body = customer_payload(grade=grade, service_area=area, phone=mobile())
        resp = client.post("/api/v1/customers", json=body, headers=admin)
        assert resp.status_code == 201, resp.text
        made.append({"id": resp.json()["id"], "phone": body["phone"]})
    contact = {"customer_id": made[0]["id"], "name": "王经理", "phone": "13712345678"}
    assert client.post("/api/v1/contacts", json=contact, headers=admin).status_code == 201
    return made


def test_a_segment_adds_its_customers_with_their_numbers(client, admin, login, database):
    people = _people(client, admin)
    lead = login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    resp = client.post(url, json={"grade": "gold"}, headers=lead)
    assert resp.status_code == 201, resp.text
    assert resp.json() == {"added": 3, "already_open": 0, "without_number": 0}
    with database.unit_of_work(write=False) as session:
        tasks = {str(t.customer_id): orjson.loads(t.phones)
                 for t in session.execute(select(CallTask)).scalars()}  # fmt: skip
    assert tasks == {
        people[0]["id"]: [people[0]["phone"], "13712345678"],  # their own, then the contact
        people[1]["id"]: [people[1]["phone"]],
        people[2]["id"]: [people[2]["phone"]],
    }
    again = client.post(url, json={"service_area": "urban"}, headers=lead)
    assert again.json() == {"added": 1, "already_open": 2, "without_number": 0}
    bad = client.post(url, json={"grade": "gold", "colour": "red"}, headers=lead)
    assert bad.status_code == 422 and "colour" in bad.text


def test_a_segment_too_large_is_refused_and_adds_nothing(
    client, admin, login, database, monkeypatch
):
    _people(client, admin)
    monkeypatch.setattr(segment, "SEGMENT_MAX", 2)
    lead = login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    resp = client.post(url, json={"grade": "gold"}, headers=lead)
    assert resp.status_code == 422 and "segment" in resp.text and "3" in resp.text
    with database.unit_of_work(write=False) as session:
        assert session.execute(select(func.count()).select_from(CallTask)).scalar_one() == 0


# ---- saved segments --------------------------------------------------------------------


def _save(database, owner: dict, name: str, query: str, shared=False, page="customers") -> int:  # type: ignore[no-untyped-def]
    """A saved view as the list page saves it (pages_views), straight through the service."""
    with database.unit_of_work() as session:
        owner_id = uuid.UUID(owner["x-user-id"])
        return save_view(session, owner_id, name, page, query, shared).id


def _tasks(database) -> set[str]:  # type: ignore[no-untyped-def]
    with database.unit_of_work(write=False) as session:
        return {str(t.customer_id) for t in session.execute(select(CallTask)).scalars()}


def test_a_saved_segment_adds_exactly_its_customers_and_is_audited(client, admin, login, database):
    people = _people(client, admin)
    lead = login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    view = _save(database, lead, "城区金卡", "grade=gold&service_area=urban")
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    resp = client.post(url, json={"saved_view_id": view}, headers=lead)
    assert resp.status_code == 201, resp.text
    # gold and urban: the first two of PEOPLE (the third is suburban, the fourth silver)
    assert resp.json() == {"added": 2, "already_open": 0, "without_number": 0}
    assert _tasks(database) == {people[0]["id"], people[1]["id"]}
    with database.unit_of_work(write=False) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "campaign.tasks_added")
        ).scalar_one()
    assert entry.entity_id == campaign
    assert orjson.loads(entry.detail or "") == {
        "added": 2,
        "segment": {"grade": "gold", "service_area": "urban"},
        "saved_view_id": view,
    }


def test_a_shared_segment_of_another_is_used_and_a_private_one_is_not_found(
    client, admin, login, database
):
    people = _people(client, admin)
    lead, other = login(Role.team_lead), login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    shared = _save(database, other, "银卡", "grade=silver", shared=True)
    private = _save(database, other, "郊区", "service_area=suburban")
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    refused = client.post(url, json={"saved_view_id": private}, headers=lead)
    assert refused.status_code == 404, refused.text
    assert _tasks(database) == set()
    used = client.post(url, json={"saved_view_id": shared}, headers=lead)
    assert used.status_code == 201 and used.json()["added"] == 1
    assert _tasks(database) == {people[3]["id"]}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"saved_view_id": "VIEW", "grade": "gold"}, "both"),
        ({}, "neither"),
        ({"saved_view_id": 0}, "not an id"),
        ({"saved_view_id": "abc"}, "not a number"),
        ({"saved_view_id": "TICKETS"}, "a ticket-queue view"),
        ({"saved_view_id": "STALE"}, "a stored query that no longer reads"),
        ({"saved_view_id": "EMPTY"}, "a stored query without a filter"),
    ],
)
def test_a_wrong_saved_segment_is_refused_naming_it(client, admin, login, database, body, reason):
    _people(client, admin)
    lead = login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    ids = {
        "VIEW": _save(database, lead, "金卡", "grade=gold"),
        "TICKETS": _save(database, lead, "重大报修", "kind=repair", page="tickets"),
        "STALE": _save(database, lead, "旧的", "grade=gold"),
        "EMPTY": _save(database, lead, "空的", "grade=gold"),
    }
    with database.unit_of_work() as session:  # what a since-changed rule would meet
        for key, query in (("STALE", "grade=gold&colour=red"), ("EMPTY", "")):
            session.execute(update(SavedView).where(SavedView.id == ids[key]).values(query=query))
    sent = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    resp = client.post(url, json=sent, headers=lead)
    assert resp.status_code == 422, (reason, resp.text)
    assert "saved_view_id" in resp.json()["error"]["fields"], (reason, resp.text)
    assert _tasks(database) == set()


def test_a_saved_segment_that_does_not_exist_is_not_found(client, admin, login, database):
    lead = login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    for view_id in (999_999, 2**63 - 1):
        resp = client.post(url, json={"saved_view_id": view_id}, headers=lead)
        assert resp.status_code == 404, resp.text
    too_big = client.post(url, json={"saved_view_id": 2**63}, headers=lead)
    assert too_big.status_code == 422 and "saved_view_id" in too_big.json()["error"]["fields"]


def test_an_unknown_customer_type_is_refused_inline_as_saved(client, admin, login, database):
    lead = login(Role.team_lead)
    campaign = _campaign(client, lead, database)
    url = f"/api/v1/surveys/campaigns/{campaign}/tasks/from-segment"
    inline = client.post(url, json={"type": "robot"}, headers=lead)
    assert inline.status_code == 422 and "type" in inline.json()["error"]["fields"]
    view = _save(database, lead, "机器人", "type=robot")
    saved = client.post(url, json={"saved_view_id": view}, headers=lead)
    assert saved.status_code == 422 and "saved_view_id" in saved.json()["error"]["fields"]
    assert "type" in saved.json()["error"]["fields"]["saved_view_id"]


def test_the_segments_list_holds_mine_and_the_shared_ones_page_by_page(client, login, database):
    me, other = login(Role.agent), login(Role.team_lead)
    mine = [_save(database, me, f"我的{i}", f"grade=gold&is_key_account={b}")
            for i, b in enumerate(("true", "false", "true"))]  # fmt: skip
    theirs_shared = _save(database, other, "共享", "status=active", shared=True)
    _save(database, other, "私有", "grade=silver")
    _save(database, me, "工单视图", "kind=repair", page="tickets")
    stale = _save(database, me, "旧的", "grade=gold")
    with database.unit_of_work() as session:
        session.execute(update(SavedView).where(SavedView.id == stale).values(query="x=1"))
    seen: list[dict] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        resp = client.get("/api/v1/segments", params=params, headers=me)
        assert resp.status_code == 200, resp.text
        assert len(resp.json()["data"]) <= 2
        seen += resp.json()["data"]
        cursor = resp.json()["next_cursor"]
        if cursor is None:
            break
    assert [s["id"] for s in seen] == [*mine, theirs_shared, stale]
    assert seen[0]["filters"] == {"grade": "gold", "is_key_account": True}
    assert seen[1]["filters"] == {"grade": "gold", "is_key_account": False}
    assert seen[3] | {"created_at": None} == {
        "id": theirs_shared,
        "name": "共享",
        "shared": True,
        "mine": False,
        "owner_id": other["x-user-id"],
        "filters": {"status": "active"},
        "created_at": None,
    }
    assert seen[4]["filters"] is None and seen[4]["mine"] is True
    bad = client.get("/api/v1/segments", params={"cursor": "not-ours"}, headers=me)
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["fields"]
