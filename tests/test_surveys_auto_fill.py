"""Issue 21 §2: a campaign fills itself with the customers of work orders as they close,
of its kind, since its start; each expectation below is written out by hand from the
tickets the test closes. The API shows the setting; `fedcrm surveys fill` runs it.
On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from node.auth.accounts import Role
from node.surveys import campaigns
from node.surveys.auto_fill import fill_open_campaigns
from node.surveys.campaign_models import CallTask, DialResult
from node.surveys.results import Report, record_result
from node.tickets.models import Ticket
from tests.callback_helpers import T0, published_version
from tests.factories import customer_payload

HOUR = timedelta(hours=1)


def _customers(client, admin, n: int) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    made = [client.post("/api/v1/customers", json=customer_payload(), headers=admin)
            for _ in range(n)]  # fmt: skip
    assert all(resp.status_code == 201 for resp in made), made[-1].text
    return [uuid.UUID(resp.json()["id"]) for resp in made]


def _closed(session, customer: uuid.UUID, kind: str, at, n: list[int]) -> uuid.UUID:  # type: ignore[no-untyped-def]
    n[0] += 1
    ticket = Ticket(
        ticket_no=f"T{n[0]:06d}", customer_id=customer, kind=kind, due_at=at,
        status="closed", closed_at=at,
    )  # fmt: skip
    session.add(ticket)
    session.flush()
    return ticket.id


def _added(session, campaign, now) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    got = fill_open_campaigns(session, now)[campaign.id]
    return got.added, got.already_open


def test_a_campaign_takes_its_kind_of_work_orders_as_they_close(client, admin, database):
    c1, c2, c3, c4 = _customers(client, admin, 4)
    serial, agent = [0], uuid.uuid4()
    with database.unit_of_work() as session:
        version = published_version(session)
        fill = campaigns.AutoFill(kind="repair", since=T0)
        repairs = campaigns.create_campaign(
            session, "报修回访", version, campaigns.Rules(), "lead", fill
        )
        campaigns.create_campaign(session, "手工", version, campaigns.Rules(), "lead")
        _closed(session, c1, "repair", T0 + HOUR, serial)
        _closed(session, c2, "install", T0 + HOUR, serial)  # another kind
        _closed(session, c3, "repair", T0 - HOUR, serial)  # before the campaign's start
        _closed(session, c4, "repair", T0 + 2 * HOUR, serial)
        c4_latest = _closed(session, c4, "repair", T0 + 3 * HOUR, serial)
        _closed(session, c1, "repair", T0 + 5 * HOUR, serial)  # closes after the run below
        # At T0+4h: c1 and c4 (once, about their latest repair); nothing for the other.
        assert fill_open_campaigns(session, T0 + 4 * HOUR) == {repairs.id: ANY_ADDED(2, 0)}
        tasks = {t.customer_id: t for t in session.execute(select(CallTask)).scalars()}
        assert set(tasks) == {c1, c4} and tasks[c4].ticket_id == c4_latest
        # At T0+6h: c1's second repair waits, their callback is still open.
        assert _added(session, repairs, T0 + 6 * HOUR) == (0, 1)
        # c1's callback completes; the next run adds the second repair.
        tasks[c1].lease_agent_id, tasks[c1].lease_until = agent, T0 + 7 * HOUR  # c1's taken
        answers = {"fixed": "yes", "score": 5}
        report = Report(DialResult.completed, answers)
        record_result(session, tasks[c1].id, agent, report, T0 + 6 * HOUR)
        assert _added(session, repairs, T0 + 7 * HOUR) == (1, 0)
        assert _added(session, repairs, T0 + 8 * HOUR) == (0, 0)
        campaigns.close_campaign(session, repairs, agent, T0 + 9 * HOUR)
        _closed(session, c2, "repair", T0 + 9 * HOUR, serial)
        assert fill_open_campaigns(session, T0 + 10 * HOUR) == {}  # a closed campaign


class ANY_ADDED:
    """Matches an Added with these counts."""

    def __init__(self, added: int, already_open: int) -> None:
        self.counts = (added, already_open)

    def __eq__(self, other: object) -> bool:
        return (getattr(other, "added", None), getattr(other, "already_open", None)) == self.counts


def test_the_api_creates_a_self_filling_campaign(client, login, database):
    lead = login(Role.team_lead)
    with database.unit_of_work() as session:
        version = str(published_version(session))
    body = {
        "name": "装机回访",
        "questionnaire_version_id": version,
        "auto_fill": {"kind": "install", "since": "2026-12-01T00:00:00+08:00"},
    }
    made = client.post("/api/v1/surveys/campaigns", json=body, headers=lead)
    assert made.status_code == 201, made.text
    assert made.json()["auto_fill"] == {
        "kind": "install",
        "service_area": None,
        "since": "2026-11-30T16:00:00Z",
    }
    plain = client.post(
        "/api/v1/surveys/campaigns",
        json={"name": "手工", "questionnaire_version_id": version},
        headers=lead,
    )
    assert plain.json()["auto_fill"] is None
    bad = client.post(
        "/api/v1/surveys/campaigns",
        json=body | {"auto_fill": {"kind": "x" * 41}},
        headers=lead,
    )
    assert bad.status_code == 422 and "auto_fill" in bad.text
