"""Shared setup of the callback-survey page tests: a questionnaire with every question
type, a campaign on it, a customer made through the API with a closed work order done
by a named technician, and the pages' clock fixed (the pages read utcnow(); the pool's
calling window would otherwise depend on when the suite runs)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from node.surveys import audience, campaigns
from node.surveys.campaign_models import CallTask, SurveyCampaign
from node.surveys.definition import Definition
from node.surveys.service import create_questionnaire, publish
from node.tickets.models import Ticket
from tests.callback_helpers import T0
from tests.factories import customer_payload

EVERY_TYPE: dict[str, Any] = {
    "intro": "您好，这里是96296，回访您的报修",
    "questions": [
        {
            "code": "fixed",
            "type": "single",
            "text": "故障修好了吗？",
            "required": True,
            "choices": [{"code": "yes", "label": "修好了"}, {"code": "no", "label": "没修好"}],
        },
        {
            "code": "liked",
            "type": "multiple",
            "text": "满意哪些方面？",
            "choices": [
                {"code": "speed", "label": "速度"},
                {"code": "manner", "label": "态度"},
                {"code": "signal", "label": "信号"},
            ],
        },
        {"code": "score", "type": "rating", "text": "对维修服务满意吗？", "required": True},
        {"code": "recommend", "type": "nps", "text": "会推荐给亲友吗？"},
        {"code": "visits", "type": "number", "text": "上门几次？", "min": 0, "max": 10},
        {"code": "advice", "type": "text", "text": "还有什么建议？", "max_length": 50},
        {"code": "since", "type": "date", "text": "哪天修好的？"},
    ],
}


def every_type_version(session: Session, name: str = "报修回访") -> uuid.UUID:
    """A questionnaire with every question type, its version 1 published."""
    _, version = create_questionnaire(session, name, "", Definition.model_validate(EVERY_TYPE))
    publish(session, version, "admin")
    return version.id


def open_campaign(session: Session, name: str = "十二月报修回访") -> SurveyCampaign:
    """An open campaign on a new every-type questionnaire, default rules."""
    return campaigns.create_campaign(
        session, name, every_type_version(session), campaigns.Rules(), "lead"
    )


def api_customer(client: TestClient, headers: dict, name: str, phone: str) -> str:
    """A customer made through the API; their id."""
    made = client.post(
        "/api/v1/customers", json=customer_payload(name=name, phone=phone), headers=headers
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def closed_ticket(
    session: Session, customer_id: str, technician_id: str, no: str, kind: str = "repair"
) -> uuid.UUID:
    """A work order of the customer, closed at T0 by the technician."""
    ticket = Ticket(
        ticket_no=no, customer_id=uuid.UUID(customer_id), kind=kind, due_at=T0,
        technician_id=uuid.UUID(technician_id), description="机顶盒无信号", status="closed",
        closed_at=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
    )  # fmt: skip
    session.add(ticket)
    session.flush()
    return ticket.id


def customer_task(
    session: Session, campaign: SurveyCampaign, customer_id: str, ticket_id: uuid.UUID | None
) -> CallTask:
    """A task for the customer (their numbers from their record), naming the ticket."""
    entry = audience.Entry(uuid.UUID(customer_id), (), 5)
    added = audience.add_list(session, campaign, [entry], T0)
    task = session.get(CallTask, added.task_ids[0])
    assert task is not None
    task.ticket_id = ticket_id
    return task


class Clock:
    """The time the patched pages read: set `now` to move it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def fix_clock(monkeypatch: Any, *modules: Any) -> Clock:
    """Patch each page module's utcnow with one clock (T0 to start)."""
    clock = Clock()
    for module in modules:
        monkeypatch.setattr(module, "utcnow", clock)
    return clock


def make_ready(database: Any, user_id: str | uuid.UUID, at: datetime = T0) -> None:
    """The agent signed in and ready (示闲) a minute before `at`: only a ready agent
    takes a callback."""
    from datetime import timedelta

    from node.callcenter.models import AgentStateEvent

    with database.unit_of_work() as session:
        session.add(
            AgentStateEvent(
                user_id=uuid.UUID(str(user_id)), state="ready", at=at - timedelta(minutes=1),
                source="web",
            )
        )  # fmt: skip
