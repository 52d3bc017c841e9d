"""Agents' working time summed per 15-minute slot (node.callcenter.worktime.time_by_slot,
what agent_time_figures holds and replicates) adds up, with each agent's running state,
to the Worktime of any period on quarter hours computed from the changes themselves
(agent_time, whose figures tests/test_callcenter_worktime.py works out by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from node.callcenter.models import AgentState as S
from node.callcenter.worktime import AgentTime, Change, agent_time, time_by_slot

BASE = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 in Beijing, on a quarter hour
Q = 900


def at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def epoch(seconds: int) -> int:
    return int(BASE.timestamp()) + seconds


def test_spans_split_at_quarter_hours_by_hand():
    changes = [
        Change(at(600), S.ready),  # 08:10
        Change(at(1200), S.not_ready, "meal"),  # 08:20
        Change(at(2400), S.wrap_up),  # 08:40, 10 minutes until 08:50; 60 s count
        Change(at(3000), S.ready),  # 08:50: still running, in no sum
    ]
    slots = time_by_slot(changes, epoch(0), epoch(4 * Q), wrap_up_max=60, width=Q)
    # 08:00-08:15: ready 08:10-08:15.
    assert slots[epoch(0)] == AgentTime(signed_in=300)
    # 08:15-08:30: ready 08:15-08:20, meal 08:20-08:30.
    assert slots[epoch(Q)] == AgentTime(signed_in=900, not_ready={"meal": 600})
    # 08:30-08:45: meal 08:30-08:40, wrap-up 08:40-08:45 of which 60 s count, one begun.
    assert slots[epoch(2 * Q)] == AgentTime(
        signed_in=900, not_ready={"meal": 600}, wrap_up=60, wrap_ups=1
    )
    # 08:45-09:00: wrap-up 08:45-08:50 read as ready (past its 60 s); then the running state.
    assert slots[epoch(3 * Q)] == AgentTime(signed_in=300)
    assert set(slots) == {epoch(k * Q) for k in range(4)}


_changes = st.lists(
    st.tuples(
        st.floats(min_value=-3 * Q, max_value=12 * Q, allow_nan=False),
        st.sampled_from(list(S)),
        st.sampled_from([None, "meal", "training"]),
    ),
    min_size=1,
    max_size=12,
)


@given(
    raw=_changes,
    first=st.integers(min_value=-2, max_value=10),
    slots=st.integers(min_value=1, max_value=8),
    # Asked at least a second after the latest change (changes happen before they are read).
    asked_after=st.floats(min_value=1, max_value=4 * Q, allow_nan=False),
    cap=st.sampled_from([0, 30, 60, 600]),
)
def test_slot_sums_and_the_running_state_are_the_periods_time(raw, first, slots, asked_after, cap):
    changes = [
        Change(at(t), state, reason if state is S.not_ready else None)
        for t, state, reason in sorted(raw, key=lambda r: r[0])
    ]
    low, high = first * Q, (first + slots) * Q
    # Asked at some moment after the latest change: the report stops there.
    now = max(changes[-1].at, at(low)) + timedelta(seconds=asked_after)
    until = min(at(high), now)
    summed = AgentTime()
    for slot, time in time_by_slot(changes, epoch(low), epoch(high), cap, Q).items():
        assert epoch(low) <= slot < epoch(high) and slot % Q == 0
        summed.merge(time)
    summed.merge(agent_time(changes[-1:], at(low), until, cap))  # the running state
    assert summed == agent_time(changes, at(low), until, cap)
