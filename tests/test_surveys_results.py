"""Issue 21 §4, dial results: each result's consequence written out by hand (retry times,
the cap of three attempts, the next number, suppression honoured by another campaign,
appointments, answers stored whole or partial), and the calling windows in Beijing
time with a statutory holiday and a swapped working day. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from node.errors import InvalidFields
from node.surveys.calling_window import may_call
from node.surveys.campaign_models import CallAttempt, DialResult, SurveyResponse
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.surveys.suppression import is_suppressed
from tests.callback_helpers import T0, add_numbers, make_campaign

R = DialResult
MIN = timedelta(minutes=1)
WEEKDAY, WEEKEND = "09:00-20:30", "09:00-17:00"


def _beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC) - timedelta(hours=8)  # type: ignore[misc]


def _dial(session, agent, at, result, **more):  # type: ignore[no-untyped-def]
    task = reserve(session, agent, at)
    assert task is not None, f"nothing offered at {at}"
    return record_result(session, task.id, agent, Report(result, **more), at)


def test_three_no_answers_at_t0_then_30_then_150_minutes_then_closed(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])
        task = _dial(session, agent, T0, R.no_answer)
        assert task.next_attempt_at == T0 + 30 * MIN and task.attempts == 1
        assert reserve(session, agent, T0 + 29 * MIN) is None
        task = _dial(session, agent, T0 + 30 * MIN, R.busy)
        assert task.next_attempt_at == T0 + 150 * MIN and task.attempts == 2
        assert reserve(session, agent, T0 + 149 * MIN) is None
        task = _dial(session, agent, T0 + 150 * MIN, R.no_answer)
        assert (task.is_open, task.outcome, task.attempts) == (False, "exhausted", 3)
        assert reserve(session, agent, T0 + 1000 * MIN) is None
        dialled = session.execute(select(CallAttempt.result).order_by(CallAttempt.at)).scalars()
        assert list(dialled) == ["no_answer", "busy", "no_answer"]


def test_a_wrong_number_moves_to_the_next_and_is_never_dialled_again(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        phones = ["13800138001", "13900139002", "13700137003"]
        add_numbers(session, make_campaign(session), phones)
        task = _dial(session, agent, T0, R.wrong_number)
        assert (task.is_open, task.phone, task.next_attempt_at) == (True, "13900139002", T0)
        task = _dial(session, agent, T0 + MIN, R.no_answer)
        # The second dial of the task: its retry waits the second delay, 120 minutes.
        assert task.next_attempt_at == T0 + 121 * MIN
        task = _dial(session, agent, T0 + 121 * MIN, R.disconnected)
        # A third number is left, but the task reached the cap of three dials.
        assert (task.is_open, task.outcome) == (False, "exhausted")
        dialled = session.execute(select(CallAttempt.phone).order_by(CallAttempt.at)).scalars()
        assert list(dialled) == ["13800138001", "13900139002", "13900139002"]


def test_the_last_number_wrong_closes_the_task(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])
        task = _dial(session, agent, T0, R.disconnected)
        assert (task.is_open, task.outcome) == (False, "no_number")


def test_a_refusal_suppresses_the_number_in_every_campaign(database):
    agent, other = uuid.uuid4(), uuid.uuid4()
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])
        later = make_campaign(session)
        add_numbers(session, later, ["13800138001"], priority=9)
        add_numbers(session, later, ["13900139002"])
        task = _dial(session, agent, T0, R.do_not_call)
        assert (task.is_open, task.outcome) == (False, "refused")
        assert is_suppressed(session, "13800138001")
        # The other campaign's higher-priority task on that number is passed over.
        offered = reserve(session, other, T0 + MIN)
        assert offered is not None and offered.phone == "13900139002"


def test_a_soft_refusal_comes_back_after_seven_days_once(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])
        task = _dial(session, agent, T0, R.soft_refusal)
        assert task.next_attempt_at == T0 + timedelta(days=7)
        task = _dial(session, agent, T0 + timedelta(days=7), R.soft_refusal)
        assert (task.is_open, task.outcome) == (False, "refused")
        assert not is_suppressed(session, "13800138001")  # soft: not on the list


def test_an_appointment_for_me_is_offered_to_me_only_at_its_time(database):
    agent, other = uuid.uuid4(), uuid.uuid4()
    at = T0 + timedelta(hours=3)
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])
        task = _dial(session, agent, T0, R.appointment, appointment_at=at, appointment_mine=True)
        assert (task.next_attempt_at, task.attempts, task.appointment_agent_id) == (at, 0, agent)
        assert reserve(session, agent, at - MIN) is None
        assert reserve(session, other, at + MIN) is None
        offered = reserve(session, agent, at + MIN)
        assert offered is not None and offered.id == task.id


def test_completed_answers_are_stored_whole_or_partial_and_bad_ones_refused(database):
    agent = uuid.uuid4()
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"], ["13900139002"])
        task = reserve(session, agent, T0)
        assert task is not None
        with pytest.raises(InvalidFields) as refused:
            record_result(
                session, task.id, agent, Report(R.completed, {"fixed": "yes", "score": 9}), T0
            )
        assert set(refused.value.errors) == {"answers.score"}
        assert task.attempts == 0 and task.is_open  # nothing changed
        done = Report(R.completed, {"fixed": "yes", "score": 5})
        assert record_result(session, task.id, agent, done, T0).outcome == "completed"
        second = reserve(session, agent, T0 + MIN)
        assert second is not None
        partial = Report(R.completed, {"fixed": "no"})
        record_result(session, second.id, agent, partial, T0 + MIN)
        rows = session.execute(select(SurveyResponse).order_by(SurveyResponse.at)).scalars()
        stored = [(orjson.loads(r.answers), r.partial) for r in rows]
        assert stored == [({"fixed": "yes", "score": 5}, False), ({"fixed": "no"}, True)]


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (_beijing(2026, 12, 1, 20, 29, 59), True),  # Tuesday
        (_beijing(2026, 12, 1, 20, 30, 0), False),
        (_beijing(2026, 12, 1, 8, 59, 59), False),
        (_beijing(2026, 12, 6, 16, 59, 59), True),  # Sunday
        (_beijing(2026, 12, 6, 17, 0, 0), False),
        (_beijing(2026, 10, 1, 10, 0, 0), False),  # National Day
        (_beijing(2026, 10, 10, 10, 0, 0), False),  # Saturday worked for National Day
        (_beijing(2025, 10, 11, 10, 0, 0), False),  # the same in 2025
    ],
)
def test_calling_windows_in_beijing_time(moment, allowed):
    assert may_call(moment, WEEKDAY, WEEKEND) is allowed


def test_the_calendar_package_contract():
    """What the window relies on: 2025-10-01 a holiday, Saturday 2025-10-11 a working day
    swapped for it, both named; an ordinary Sunday unnamed."""
    assert chinese_calendar.is_holiday(date(2025, 10, 1))
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    assert chinese_calendar.get_holiday_detail(date(2025, 10, 11)) == (False, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2025, 10, 12)) == (True, None)


def test_no_task_is_offered_outside_its_window(database):
    with database.unit_of_work() as session:
        add_numbers(session, make_campaign(session), ["13800138001"])
        assert reserve(session, uuid.uuid4(), _beijing(2026, 12, 1, 20, 30, 0)) is None
        assert reserve(session, uuid.uuid4(), _beijing(2026, 12, 1, 20, 29, 59)) is not None


def _a_tuesday_after(moment: datetime) -> datetime:
    """A Tuesday 10:00 in Beijing (inside the window) at least a day after `moment`."""
    weeks = (moment + timedelta(days=8) - T0) // timedelta(weeks=1)
    return T0 + weeks * timedelta(weeks=1)


RESULTS = st.lists(st.sampled_from(list(DialResult)), min_size=1, max_size=8)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(results=RESULTS)
def test_any_results_never_exceed_three_attempts_nor_offer_a_suppressed_number(database, results):
    agent = uuid.uuid4()
    now = T0
    with database.unit_of_work() as session:
        campaign = make_campaign(session)
        (task,) = add_numbers(
            session, campaign, [f"138{uuid.uuid4().int % 10**8:08d}", "13900139002"]
        )
        for result in results:
            offered = reserve(session, agent, now)
            if offered is None:
                break
            assert not is_suppressed(session, offered.phone)
            more = {"answers": {"fixed": "no"}} if result is R.completed else {}
            if result is R.appointment:
                more = {"appointment_at": now + MIN}
            record_result(session, offered.id, agent, Report(result, **more), now)
            now = _a_tuesday_after(max(now, offered.next_attempt_at))
        dials = session.execute(
            select(func.count()).where(
                CallAttempt.task_id == task.id, CallAttempt.result != "appointment"
            )
        ).scalar_one()
        assert dials <= 3 and task.attempts == dials
        session.rollback()
