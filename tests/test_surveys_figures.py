"""Issue 21 §5, the callback figures: seven tasks driven to the seven AAPOR dispositions
with every figure written out by hand (RR1 1/6, COOP1 1/4), satisfaction and NPS by
work-order kind and technician computed by hand, a property that the kept sums always
equal a count made from the dials themselves, and the parent's figures after one
replication equal to its child's. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from node.auth.accounts import Role
from node.surveys import campaigns
from node.surveys.campaign_models import CallAttempt, CallTask, DialResult, SurveyResponse
from node.surveys.definition import Definition
from node.surveys.figure_models import SurveyFigureDelta
from node.surveys.figures_fold import fold_all, fold_batch
from node.surveys.figures_report import AnswersBy, GroupBy, Period, answers_report, survey_report
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.surveys.service import create_questionnaire, publish
from node.tickets.models import Ticket
from tests.callback_helpers import T0, add_numbers, make_campaign
from tests.test_apply_batch import _apply, _batch

R = DialResult
MIN = timedelta(minutes=1)
DAY1, DAY8 = date(2026, 12, 1), date(2026, 12, 8)
ALL_DAYS = Period(DAY1, date(2026, 12, 31))


def _dial(session, agent, at, result, phone=None, **more):  # type: ignore[no-untyped-def]
    task = reserve(session, agent, at)
    assert task is not None, f"nothing offered at {at}"
    if phone is not None:
        assert task.phone == phone
    return record_result(session, task.id, agent, Report(result, **more), at)


def _seven_tasks(session, agent, lead):  # type: ignore[no-untyped-def]
    campaign = make_campaign(session)
    for n in range(7, 0, -1):  # task n has priority 8 - n: offered in the order 1..7
        add_numbers(session, campaign, [f"1380013800{n}"], priority=n)
    _dial(session, agent, T0, R.completed, "13800138007", answers={"fixed": "yes", "score": 5})
    _dial(session, agent, T0, R.completed, "13800138006", answers={"fixed": "no"})  # partial
    _dial(session, agent, T0, R.refused, "13800138005")
    _dial(session, agent, T0, R.no_answer, "13800138004")
    _dial(session, agent, T0, R.soft_refusal, "13800138003")
    _dial(session, agent, T0, R.wrong_number, "13800138002")  # its only number
    _dial(session, agent, T0 + 30 * MIN, R.no_answer, "13800138004")
    _dial(session, agent, T0 + 150 * MIN, R.no_answer, "13800138004")  # exhausted
    week = T0 + timedelta(days=7)  # Tuesday 2026-12-08 10:00 in Beijing
    _dial(session, agent, week, R.no_answer, "13800138003")
    _dial(session, agent, week + 120 * MIN, R.busy, "13800138003")  # exhausted, was reached
    campaigns.close_campaign(session, campaign, lead, week + timedelta(days=1))  # 1 left
    fold_all(session)  # what the node's fold job does every few seconds
    return campaign


ZERO = dict.fromkeys(
    ("interviews", "partials", "refusals", "non_contacts", "others", "unknown", "not_eligible"),
    0,
)


def test_seven_tasks_seven_dispositions_by_hand(database):
    agent, lead = uuid.uuid4(), uuid.uuid4()
    with database.unit_of_work() as session:
        campaign = _seven_tasks(session, agent, lead)
    with database.unit_of_work(write=False) as session:
        total = survey_report(session, ALL_DAYS, GroupBy.campaign)["total"]
        by_day = survey_report(session, ALL_DAYS, GroupBy.day)["rows"]
        by_agent = survey_report(session, ALL_DAYS, GroupBy.agent)["rows"]
        answers = answers_report(session, Period(DAY1, DAY1, campaign.id), AnswersBy.all)
    # 10 dials: tasks 1, 2, 3, 6 once, task 4 three times, task 5 three times.
    # Contacts: the complete, the partial, the refusal and the soft refusal.
    # One task of each disposition; RR1 = I / (I+P+R+NC+O+U) = 1/6, COOP1 = I / (I+P+R+O).
    assert total == {
        "attempts": 10,
        "contacts": 4,
        **dict.fromkeys(ZERO, 1),
        "final_tasks": 7,
        "aapor_rr1": round(1 / 6, 4),
        "aapor_coop1": 0.25,
    }
    assert [(r["key"], r["attempts"], r["contacts"]) for r in by_day] == [
        (str(DAY1), 8, 4),
        (str(DAY8), 2, 0),
        ("2026-12-09", 0, 0),
    ]
    day1 = {k: by_day[0][k] for k in ZERO}
    assert day1 == ZERO | {"interviews": 1, "partials": 1, "refusals": 1, "non_contacts": 1,
                           "not_eligible": 1}  # fmt: skip
    assert {k: by_day[1][k] for k in ZERO} == ZERO | {"others": 1}
    assert {k: by_day[2][k] for k in ZERO} == ZERO | {"unknown": 1}  # the close, by the lead
    assert {r["key"]: r["attempts"] for r in by_agent} == {str(agent): 10, str(lead): 0}
    # Two responses: fixed yes and no (1/2 each); score 5 once, so satisfaction 1/1.
    assert answers == [
        {
            "question": "fixed",
            "question_type": "single",
            "respondents": 2,
            "answers": [
                {"answer": "no", "responses": 1, "share": 0.5},
                {"answer": "yes", "responses": 1, "share": 0.5},
            ],
        },
        {
            "question": "score",
            "question_type": "rating",
            "respondents": 1,
            "answers": [{"answer": "5", "responses": 1, "share": 1.0}],
            "satisfaction": 1.0,
        },
    ]


QUALITY = {
    "questions": [
        {"code": "quality", "type": "rating", "text": "维修质量满意吗？", "required": True},
        {"code": "recommend", "type": "nps", "text": "愿意推荐吗？", "required": True},
    ]
}


def _ticket(session, kind: str, technician: uuid.UUID, n: int) -> uuid.UUID:  # type: ignore[no-untyped-def]
    ticket = Ticket(
        ticket_no=f"T{n:06d}", customer_id=uuid.uuid4(), kind=kind, due_at=T0,
        technician_id=technician,
    )  # fmt: skip
    session.add(ticket)
    session.flush()
    return ticket.id


def test_satisfaction_and_nps_by_kind_and_technician_by_hand(database):
    agent, wang, li = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # (kind, technician, quality 1-5, recommend 0-10) of five completed callbacks
    calls = [("repair", wang, 5, 10), ("repair", wang, 4, 9), ("repair", li, 2, 3),
             ("install", li, 5, 9), ("install", li, 3, 7)]  # fmt: skip
    with database.unit_of_work() as session:
        _, version = create_questionnaire(
            session, "维修回访", "", Definition.model_validate(QUALITY)
        )
        publish(session, version, "admin")
        campaign = campaigns.create_campaign(
            session, "维修", version.id, campaigns.Rules(), "admin"
        )
        tasks = add_numbers(session, campaign, *[[f"1390013900{n}"] for n in range(5)])
        for n, (task, (kind, technician, _, _)) in enumerate(zip(tasks, calls, strict=True)):
            task.ticket_id = _ticket(session, kind, technician, n)
        by_phone = {t.phone: c for t, c in zip(tasks, calls, strict=True)}
        for _ in calls:
            offered = reserve(session, agent, T0)
            assert offered is not None
            _, _, quality, recommend = by_phone[offered.phone]
            answers = {"quality": quality, "recommend": recommend}
            record_result(session, offered.id, agent, Report(R.completed, answers), T0)
        fold_all(session)
    with database.unit_of_work(write=False) as session:
        overall = answers_report(session, ALL_DAYS, AnswersBy.all)
        kinds = answers_report(session, ALL_DAYS, AnswersBy.kind)
        people = answers_report(session, ALL_DAYS, AnswersBy.technician)
    # Overall: quality 4-5 in 3 of 5 (0.6); recommend 9-10 three times, 0-6 once: (3-1)/5.
    assert [(q["question"], q.get("satisfaction"), q.get("nps")) for q in overall] == [
        ("quality", 0.6, None),
        ("recommend", None, 40.0),
    ]
    # install: quality 5, 3 -> 1/2; recommend 9, 7 -> (1-0)/2.
    # repair: quality 5, 4, 2 -> 2/3; recommend 10, 9, 3 -> (2-1)/3.
    assert [(q["kind"], q["question"], q.get("satisfaction"), q.get("nps")) for q in kinds] == [
        ("install", "quality", 0.5, None),
        ("repair", "quality", round(2 / 3, 4), None),
        ("install", "recommend", None, 50.0),
        ("repair", "recommend", None, round(100 / 3, 2)),
    ]
    # wang: quality 5, 4 -> 1; recommend 10, 9 -> 100. li: 2, 5, 3 -> 1/3; 3, 9, 7 -> 0.
    got = {(q["technician"], q["question"]): q.get("satisfaction", q.get("nps")) for q in people}
    assert got == {
        (str(wang), "quality"): 1.0,
        (str(wang), "recommend"): 100.0,
        (str(li), "quality"): round(1 / 3, 4),
        (str(li), "recommend"): 0.0,
    }


# The dispositions as AAPOR's Standard Definitions group them, written here again from
# the standard (not imported), to count what the kept sums should say.
def _expected_group(outcome: str, partial: bool, attempts: int, reached: bool) -> str:
    if outcome == "completed":
        return "partials" if partial else "interviews"
    if outcome == "refused":
        return "refusals"
    if outcome == "no_number":
        return "not_eligible"
    if outcome == "closed" and attempts == 0:
        return "unknown"
    return "others" if reached else "non_contacts"


REACHED = {"completed", "soft_refusal", "refused", "do_not_call", "appointment"}


def _counted_from_the_dials(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    results = session.execute(select(CallAttempt.task_id, CallAttempt.result)).all()
    counts = dict(ZERO, attempts=len(results), contacts=sum(r in REACHED for _, r in results))
    partial = dict(session.execute(select(SurveyResponse.task_id, SurveyResponse.partial)).all())
    for task in session.execute(select(CallTask).where(CallTask.is_open.is_(False))).scalars():
        reached = any(t == task.id and r in REACHED for t, r in results)
        group = _expected_group(task.outcome, partial.get(task.id, False), task.attempts, reached)
        counts[group] += 1
    return counts


PLAN = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from(list(DialResult)), st.booleans()),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=PLAN, close=st.booleans(), batch=st.integers(1, 20))
def test_the_kept_sums_equal_a_count_of_the_dials(database, plan, close, batch):
    agents = [uuid.uuid4() for _ in range(4)]
    now = T0
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        add_numbers(session, campaign, *[[f"137{uuid.uuid4().int % 10**8:08d}", "13700137000"]
                                         for _ in range(4)])  # fmt: skip
        for who, result, whole in plan:
            offered = reserve(session, agents[who], now)
            if offered is None:
                now += timedelta(days=8)
                continue
            more: dict = {}
            if result is R.completed:
                more = {"answers": {"fixed": "yes", "score": 4} if whole else {"fixed": "no"}}
            if result is R.appointment:
                more = {"appointment_at": now + MIN}
            record_result(session, offered.id, agents[who], Report(result, **more), now)
            now += 3 * timedelta(hours=1) if now.hour < 8 else timedelta(days=1)
        if close:
            campaigns.close_campaign(session, campaign, agents[0], now)
        while fold_batch(session, limit=batch):  # in batches of any size: the same sums
            pass
        assert (
            session.execute(select(func.count()).select_from(SurveyFigureDelta)).scalar_one() == 0
        )
        kept = survey_report(session, Period(DAY1, date(2027, 6, 1)), GroupBy.day)["total"]
        expected = _counted_from_the_dials(session)
        assert {k: kept[k] for k in expected} == expected
        session.rollback()


def test_a_parent_reads_the_same_figures_after_one_replication(
    client, login, database, parent_database
):
    agent = uuid.UUID(login(Role.agent)["x-user-id"])
    with database.unit_of_work() as session:
        _seven_tasks(session, agent, agent)
    for table in ("survey_figures", "survey_answer_figures"):
        manifest, body = _batch(database, table)
        assert _apply(parent_database, manifest, body).applied > 0
    reports = []
    for db in (database, parent_database):
        with db.unit_of_work(write=False) as session:
            reports.append(
                (
                    survey_report(session, ALL_DAYS, GroupBy.day),
                    answers_report(session, ALL_DAYS, AnswersBy.all),
                )
            )
    assert reports[0] == reports[1]
    with parent_database.unit_of_work(write=False) as session:
        by_node = survey_report(session, ALL_DAYS, GroupBy.node)["rows"]
    assert [(r["key"], r["attempts"], r["final_tasks"]) for r in by_node] == [("430100", 10, 7)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-12-02", "to": "2026-12-01"}, "from/to order"),
        ({"from": "2026-01-01", "to": "2027-01-02"}, "367 days"),
        ({"from": "2026-12-01", "to": "2026-12-01", "group_by": "city"}, "group_by"),
        ({"from": "2026-12-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"from": "2026-12-01", "to": "2026-12-01", "campaign_id": "x"}, "campaign_id"),
    ],
)
def test_bad_report_parameters_are_422(client, admin, params, field):
    resp = client.get("/api/v1/surveys/report", params=params, headers=admin)
    assert resp.status_code == 422, (field, resp.text)


def test_the_report_api_and_the_attempt_look_up(client, login, database):
    agent_headers = login(Role.agent)
    agent = uuid.UUID(agent_headers["x-user-id"])
    with database.unit_of_work() as session:
        _seven_tasks(session, agent, agent)
    period = {"from": "2026-12-01", "to": "2026-12-09"}
    resp = client.get("/api/v1/surveys/report", params=period, headers=agent_headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["rows"][0]["name"] == "回访"
    assert resp.json()["total"]["aapor_coop1"] == 0.25
    resp = client.get("/api/v1/surveys/report/answers", params=period, headers=agent_headers)
    assert [q["respondents"] for q in resp.json()["questions"]] == [2, 1]
    # Task 4's three dials, newest first, by its number; then page by page.
    look = {"phone": "138 0013 8004"}
    resp = client.get("/api/v1/surveys/attempts", params=look, headers=agent_headers)
    dials = resp.json()["data"]
    assert [d["at"][:16] for d in dials] == ["2026-12-01T04:30", "2026-12-01T02:30",
                                             "2026-12-01T02:00"]  # fmt: skip
    first = client.get("/api/v1/surveys/attempts", params={"limit": 4}, headers=agent_headers)
    rest = client.get(
        "/api/v1/surveys/attempts",
        params={"limit": 100, "cursor": first.json()["next_cursor"]},
        headers=agent_headers,
    )
    assert len(first.json()["data"]) == 4 and len(rest.json()["data"]) == 6
    window = {"at_from": "2026-12-08T00:00:00Z", "at_to": "2026-12-09T00:00:00Z"}
    resp = client.get("/api/v1/surveys/attempts", params=window, headers=agent_headers)
    assert [d["result"] for d in resp.json()["data"]] == ["busy", "no_answer"]
    bad = client.get("/api/v1/surveys/attempts", params={"phone": "12"}, headers=agent_headers)
    assert bad.status_code == 422 and "phone" in bad.text
