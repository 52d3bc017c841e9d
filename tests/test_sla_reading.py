"""Issue 19 §6: a ticket's SLA reading, by hand-computed cases and as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from node.tickets.sla import SlaReading, SlaState, read_sla
from node.web.sla_texts import duration, sla_text

OPENED = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
DUE = datetime(2026, 1, 3, 0, 0, tzinfo=UTC)  # a 48-hour window


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def test_hand_computed_readings():
    # Open: 47 h 30 min left of 48 h is "ok"; 11 h left is under 25 % (12 h): "soon".
    assert read_sla(OPENED, DUE, None, None, at(1, 0, 30)) == (
        SlaReading(SlaState.ok, 47 * 3600 + 30 * 60)
    )
    assert read_sla(OPENED, DUE, None, None, at(2, 13)).state is SlaState.soon
    assert read_sla(OPENED, DUE, None, None, at(2, 12)).state is SlaState.ok  # exactly 12 h
    assert read_sla(OPENED, DUE, None, None, at(3, 5, 30)) == SlaReading(
        SlaState.overdue, -(5 * 3600 + 30 * 60)
    )
    # Resolved 3 h early, then closed late: judged by the resolution, forever.
    early = read_sla(OPENED, DUE, at(2, 21), at(9, 0), at(31, 0))
    assert early == SlaReading(SlaState.met, 3 * 3600)
    # Resolved 5 h 30 min late.
    assert read_sla(OPENED, DUE, at(3, 5, 30), None, at(31, 0)) == SlaReading(
        SlaState.missed, -(5 * 3600 + 30 * 60)
    )
    # Closed without a resolution exactly at the due time: met, by nothing.
    assert read_sla(OPENED, DUE, None, DUE, at(31, 0)) == SlaReading(SlaState.met, 0)


def test_texts_a_person_reads():
    assert sla_text(SlaReading(SlaState.met, 3 * 3600), "zh-CN") == "按时完成，提前 3小时0分"
    assert sla_text(SlaReading(SlaState.missed, -(5 * 3600 + 1800)), "zh-CN") == (
        "超时完成，晚了 5小时30分"
    )
    assert sla_text(SlaReading(SlaState.missed, -(5 * 3600 + 1800)), "en") == (
        "Missed by 5 h 30 min"
    )
    # The issue's 「已超时 8735小时」: 8,735 h = 363 days and 23 hours.
    assert sla_text(SlaReading(SlaState.missed, -8735 * 3600), "zh-CN") == (
        "超时完成，晚了 363天23小时"
    )
    assert sla_text(SlaReading(SlaState.overdue, -(3 * 3600 + 300)), "zh-CN") == ("已超时 3小时5分")
    assert duration(71 * 3600 + 59 * 60, "zh-CN") == "71小时59分"
    assert duration(72 * 3600, "en") == "3 d 0 h"


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(moments, st.integers(1, 30 * 24 * 3600), st.one_of(st.none(), moments), moments)
def test_a_done_ticket_is_met_exactly_when_done_by_its_due_time(opened, window, done, now):
    due = opened + timedelta(seconds=window)
    reading = read_sla(opened, due, done, None, now)
    if done is None:
        assert not reading.done
        if now >= due + timedelta(seconds=1):
            assert reading.state is SlaState.overdue
        if now <= due:
            assert reading.state is not SlaState.overdue and reading.seconds >= 0
    else:
        assert reading.done
        assert (reading.state is SlaState.met) == (done <= due + timedelta(microseconds=999999))
        assert abs(reading.seconds - (due - done).total_seconds()) < 1
        # A done ticket's reading does not depend on when it is read.
        assert read_sla(opened, due, done, None, now + timedelta(days=400)) == reading
