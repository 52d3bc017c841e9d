"""Issue 21 §2: a campaign's audience from a customer segment (the customer list's
filters): who is added, with which numbers, counted by hand from the customers made
here through the API; a segment too large is refused naming it, with nothing added.
On SQLite and PostgreSQL."""

from __future__ import annotations

import orjson
from sqlalchemy import func, select

from node.auth.accounts import Role
from node.surveys import segment
from node.surveys.campaign_models import CallTask
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
