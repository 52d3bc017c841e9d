"""A generated Asterisk queue_log of a call center, for benchmarks/callcenter.py.

The default is issue 20's "month of a 200-seat center": 22 working days (Monday to
Friday from 2026-11-02), 3,000,000 calls, about 20 million lines. `Center` scales it
down (fewer days or seats keep the calls per seat and day). Seeded and deterministic:
the same Center writes the same bytes. Lines are streamed to disk in the order an
Asterisk server would write them, never held whole in memory (a day's arrival times and
the lines still to come, a few thousand, are).

What a day looks like:

- Three shifts of agents (08:00–17:00, 09:00–18:00, 11:00–20:00 office time), each
  agent a member of every queue: ADDMEMBER at the start of the shift and REMOVEMEMBER
  when its last call ends after it, per queue. Between calls an agent sometimes pauses
  (PAUSE with a reason, mostly the node's not_ready_reason codes, sometimes one the
  node does not know; UNPAUSE when it ends).
- Calls arrive from 08:00 to 20:00 on a two-peak curve (10:00 and 15:00; the peak
  minute twice the quietest) into three queues, Mondays busiest, Fridays quietest. Each
  is offered to the agent free soonest (a heap of agents by the time they are free):
  ring attempts that time out (RINGNOANSWER, 0 to several), in the ringall queue the
  other phones that rang (RINGCANCELED), then CONNECT and COMPLETECALLER or
  COMPLETEAGENT, a TRANSFER sometimes. A caller whose patience runs out before that
  ABANDONs (some within 5 seconds: short abandons), one who waits 180 s leaves with
  EXITWITHTIMEOUT, some press a key (EXITWITHKEY), and a call arriving when no agent
  is on shift leaves with EXITEMPTY. Every call starts with a DID line (an event
  fedcrm does not keep, counted and skipped, as in real logs).
- Callers: a share of them are the node's known customers (`known_phone`), so calls
  become interactions; the others come from a million other numbers, some withheld.
- Like real logs, about one line in a thousand is written twice and about two in a
  thousand are written late, after lines with later times.

At 3M calls this is a loaded center (about a quarter of callers abandon) and about
5.5 lines per call: 16.5 million lines for the default month.

Agents are named as the PBX names them (`member`): SIP/8001..., every tenth seat as
Agent/1xxx (matched by 工号), and every fiftieth seat has no user at the node (counted
as unmapped by the import). `agent_user` says which user the benchmark creates for a
seat.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import IO

VERSION = 1  # bump when what is generated changes
OFFICE = timezone(timedelta(hours=8))  # Asia/Shanghai, no summer time
FULL_CALLS, FULL_DAYS, FULL_SEATS = 3_000_000, 22, 200
QUEUES = ("96296", "96296-kd", "96296-vip")  # consultation, broadband, VIP (ringall)
QUEUE_WEIGHTS = (0.55, 0.30, 0.15)
RINGALL = "96296-vip"
SHIFTS = ((8 * 3600, 17 * 3600), (9 * 3600, 18 * 3600), (11 * 3600, 20 * 3600))
OPEN, CLOSE = 8 * 3600, 20 * 3600  # the hours calls come in (office time)
QUEUE_TIMEOUT = 180  # seconds before EXITWITHTIMEOUT
RING_TIMEOUT_MS = (6000, 12000)  # how long an unanswered phone rings
# (reason, share of pauses, mean minutes): the node's dictionary codes, and one it lacks.
PAUSES = (
    ("break", 0.55, 8),
    ("meal", 0.2, 30),
    ("training", 0.1, 25),
    ("meeting", 0.07, 20),
    ("toilet", 0.08, 4),
)
PAUSES_PER_DAY = 5.0  # per agent
KNOWN_SHARE = 0.3  # calls from the node's customers
WITHHELD_SHARE = 0.02
OTHER_CALLERS = 1_000_000
DUPLICATE_RATE, LATE_RATE = 0.001, 0.002


@dataclass(frozen=True)
class Center:
    """What to generate."""

    seats: int = FULL_SEATS
    days: int = FULL_DAYS
    calls: int | None = None  # None: the full month's calls per seat and day
    known_callers: int = 20_000
    seed: int = 20261102
    first_day: date = date(2026, 11, 2)  # a Monday

    @property
    def total_calls(self) -> int:
        if self.calls is not None:
            return self.calls
        return round(FULL_CALLS * self.days / FULL_DAYS * self.seats / FULL_SEATS)

    def working_days(self) -> list[date]:
        """The first `days` Mondays-to-Fridays from `first_day`."""
        found: list[date] = []
        day = self.first_day
        while len(found) < self.days:
            if day.weekday() < 5:
                found.append(day)
            day += timedelta(days=1)
        return found

    def period(self) -> tuple[datetime, datetime]:
        """[first day 00:00, the day after the last) in office time: the KPI query's."""
        days = self.working_days()
        start = datetime.combine(days[0], datetime.min.time(), OFFICE)
        end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), OFFICE)
        return start, end


def member(seat: int) -> str:
    """How the PBX names seat `seat` (1-based) in the agent column."""
    return f"Agent/{1000 + seat}" if seat % 10 == 0 else f"SIP/{8000 + seat}"


def agent_user(seat: int) -> dict[str, str] | None:
    """The user the benchmark creates for a seat (None: a seat nobody at the node is)."""
    if seat % 50 == 0:
        return None
    group = ("group_1", "group_2", "complaints")[seat % 3]
    return {
        "username": f"agent{8000 + seat}",
        "extension": str(8000 + seat),
        "agent_no": str(1000 + seat),
        "agent_group": group,
    }


def known_phone(index: int) -> str:
    """The phone of known customer `index` (the benchmark imports these customers)."""
    return f"1390{index:07d}"


def other_phone(index: int) -> str:
    return f"1580{index:07d}"


@dataclass
class Written:
    """What a generation wrote."""

    lines: int = 0
    calls: int = 0
    bytes: int = 0
    duplicates: int = 0
    late: int = 0


class _Lines:
    """Lines waiting to be written, in the order the PBX writes them (its clock, with
    some late ones); `flush(until)` writes those due by then."""

    def __init__(self, out: IO[str], rng: random.Random, written: Written) -> None:
        self.out, self.rng, self.written = out, rng, written
        self.pending: list[tuple[int, int, str]] = []
        self.n = 0

    def add(
        self, epoch: int, callid: str, queue: str, agent: str, event: str, *data: object
    ) -> None:
        line = "|".join((str(epoch), callid, queue, agent, event, *map(str, data))) + "\n"
        due = epoch
        if self.rng.random() < LATE_RATE:  # written late: after lines with later times
            due += self.rng.randint(2, 30)
            self.written.late += 1
        self._push(due, line)
        if self.rng.random() < DUPLICATE_RATE:
            self._push(due + self.rng.randint(0, 5), line)
            self.written.duplicates += 1

    def _push(self, due: int, line: str) -> None:
        self.n += 1
        heapq.heappush(self.pending, (due, self.n, line))

    def flush(self, until: float) -> None:
        pending, out, written = self.pending, self.out, self.written
        while pending and pending[0][0] <= until:
            line = heapq.heappop(pending)[2]
            out.write(line)
            written.lines += 1
            written.bytes += len(line)  # ASCII only


def _arrival_curve() -> list[float]:
    """Relative arrivals per minute from OPEN to CLOSE: peaks at 10:00 and 15:00."""
    weights = []
    for minute in range((CLOSE - OPEN) // 60):
        hour = (OPEN + minute * 60) / 3600
        peaks = math.exp(-(((hour - 10.0) / 1.5) ** 2)) + 0.8 * math.exp(
            -(((hour - 15.0) / 1.8) ** 2)
        )
        w = 0.6 + 0.6 * peaks
        weights.append(w)
    return weights


class _Day:
    """One working day of the center, written through `lines`."""

    def __init__(
        self, center: Center, day: date, rng: random.Random, lines: _Lines, first_call: int
    ) -> None:
        self.center, self.rng, self.lines = center, rng, lines
        self.midnight = int(datetime.combine(day, datetime.min.time(), OFFICE).timestamp())
        self.next_call = first_call
        self.free: list[tuple[int, int]] = []  # (free at, seat) of agents on shift
        self.shift_end: dict[int, int] = {}
        self.joins = sorted(
            (self.midnight + SHIFTS[seat % 3][0] + rng.randint(-300, 300), seat)
            for seat in range(1, center.seats + 1)
        )
        self.pause_chance = (
            PAUSES_PER_DAY * center.seats / max(1.0, center.total_calls / center.days)
        )

    def run(self, calls: int) -> int:
        curve = _arrival_curve()
        minutes = self.rng.choices(range(len(curve)), weights=curve, k=calls)
        arrivals = sorted(self.midnight + OPEN + m * 60 + self.rng.randrange(60) for m in minutes)
        for t in arrivals:
            self._join_until(t)
            self.lines.flush(t)
            self._call(t)
        self._join_until(self.midnight + 86_400)
        while self.free:  # the shift's end: every agent leaves after their last call
            free_at, seat = heapq.heappop(self.free)
            self._leave(seat, max(free_at, self.shift_end[seat]))
        return self.next_call

    def _join_until(self, t: int) -> None:
        while self.joins and self.joins[0][0] <= t:
            at, seat = self.joins.pop(0)
            self.shift_end[seat] = self.midnight + SHIFTS[seat % 3][1]
            for queue in QUEUES:
                self.lines.add(at, "NONE", queue, member(seat), "ADDMEMBER", "")
            heapq.heappush(self.free, (at, seat))

    def _leave(self, seat: int, at: int) -> None:
        for queue in QUEUES:
            self.lines.add(at, "NONE", queue, member(seat), "REMOVEMEMBER", "")

    def _agent(self) -> tuple[int, int] | None:
        """The agent free soonest who is still on shift; those past it leave."""
        while self.free:
            free_at, seat = self.free[0]
            if free_at < self.shift_end[seat]:
                return free_at, seat
            heapq.heappop(self.free)
            self._leave(seat, free_at)
        return None

    def _call(self, t: int) -> None:
        rng, lines = self.rng, self.lines
        callid = f"{t}.{self.next_call}"
        self.next_call += 1
        queue = rng.choices(QUEUES, weights=QUEUE_WEIGHTS)[0]
        caller = self._caller()
        lines.add(t, callid, queue, "NONE", "DID", "96296")
        chosen = self._agent()
        position = 1 if chosen is None else 1 + max(0, chosen[0] - t) // 20
        lines.add(t, callid, queue, "NONE", "ENTERQUEUE", "", caller, position)
        if chosen is None:
            lines.add(t + 1, callid, queue, "NONE", "EXITEMPTY", 1, position, 1)
            return
        # When the caller would reach an agent: after the agent is free and the phones
        # that did not answer have rung out.
        reach = max(t, chosen[0]) + rng.randint(1, 4)
        misses = min(round(rng.expovariate(1 / 1.3)), 6)
        for _ in range(misses):
            ring_ms = rng.randint(*RING_TIMEOUT_MS)
            other = rng.randint(1, self.center.seats)
            reach += ring_ms // 1000
            lines.add(reach, callid, queue, member(other), "RINGNOANSWER", ring_ms)
        patience = self._patience()
        if rng.random() < 0.01 and reach - t > 10:  # pressed a key to leave a message
            left = t + rng.randint(5, reach - t)
            lines.add(left, callid, queue, "NONE", "EXITWITHKEY", "1", position, position, left - t)
        elif patience < reach - t:
            if patience >= QUEUE_TIMEOUT:
                wait = QUEUE_TIMEOUT
                lines.add(
                    t + wait, callid, queue, "NONE", "EXITWITHTIMEOUT", position, position, wait
                )
            else:
                lines.add(
                    t + patience, callid, queue, "NONE", "ABANDON", position, position, patience
                )
        else:
            self._answered(t, callid, queue, position, reach)

    def _answered(self, t: int, callid: str, queue: str, position: int, reach: int) -> None:
        rng, lines = self.rng, self.lines
        free_at, seat = heapq.heappop(self.free)
        agent = member(seat)
        ring = rng.randint(1, 6)
        hold = reach - t + ring
        if queue == RINGALL:  # the other free phones rang too, until this one answered
            for _ in range(rng.randint(2, 6)):
                other = member(rng.randint(1, self.center.seats))
                lines.add(t + hold, callid, queue, other, "RINGCANCELED", ring * 1000)
        connect = t + hold
        lines.add(connect, callid, queue, agent, "CONNECT", hold, f"{connect}.{seat}", ring)
        talk = max(5, min(3600, int(rng.lognormvariate(3.2, 0.6))))
        end = connect + talk
        kind = rng.random()
        if kind < 0.04:
            lines.add(
                end, callid, queue, agent, "TRANSFER", "8888", "from-internal", hold, talk, position
            )
        elif kind < 0.55:
            lines.add(end, callid, queue, agent, "COMPLETECALLER", hold, talk, position)
        else:
            lines.add(end, callid, queue, agent, "COMPLETEAGENT", hold, talk, position)
        free_at = end + rng.randint(2, 8)  # wrap-up
        if rng.random() < self.pause_chance:
            reason, minutes = self._pause_reason()
            for q in QUEUES:
                lines.add(free_at, "NONE", q, agent, "PAUSE", reason)
            free_at += int(rng.expovariate(1 / (minutes * 60))) + 30
            for q in QUEUES:
                lines.add(free_at, "NONE", q, agent, "UNPAUSE", "")
        heapq.heappush(self.free, (free_at, seat))

    def _pause_reason(self) -> tuple[str, float]:
        pick = self.rng.random()
        for reason, share, minutes in PAUSES:
            if pick < share:
                return reason, minutes
            pick -= share
        return PAUSES[0][0], PAUSES[0][2]

    def _patience(self) -> int:
        """How long a caller waits before hanging up: some hang up within 5 s."""
        if self.rng.random() < 0.03:
            return self.rng.randint(0, 5)
        return int(self.rng.expovariate(1 / 150))

    def _caller(self) -> str:
        pick = self.rng.random()
        if pick < WITHHELD_SHARE:
            return "anonymous"
        if pick < WITHHELD_SHARE + KNOWN_SHARE and self.center.known_callers:
            return known_phone(self.rng.randrange(self.center.known_callers))
        # Repeat callers: a skewed draw over the other numbers.
        return other_phone(int(OTHER_CALLERS * self.rng.random() ** 2))


def calls_per_day(center: Center) -> list[int]:
    """The month's calls over its days: Mondays busiest, Fridays quietest."""
    factor = {0: 1.15, 1: 1.0, 2: 0.97, 3: 0.95, 4: 0.93}
    days = center.working_days()
    weights = [factor[d.weekday()] for d in days]
    total = sum(weights)
    counts = [int(center.total_calls * w / total) for w in weights]
    counts[0] += center.total_calls - sum(counts)
    return counts


def write(
    center: Center, path: Path, progress: Callable[[int, Written], None] | None = None
) -> Written:
    """Write the center's queue_log to `path`; `progress(day index, so far)` after each day."""
    rng = random.Random(center.seed)
    written = Written()
    next_call = 1
    with path.open("w", encoding="ascii", newline="\n", buffering=1 << 20) as out:
        lines = _Lines(out, rng, written)
        for index, (day, calls) in enumerate(
            zip(center.working_days(), calls_per_day(center), strict=True)
        ):
            next_call = _Day(center, day, rng, lines, next_call).run(calls)
            lines.flush(float("inf"))
            written.calls += calls
            if progress is not None:
                progress(index, written)
    return written


def live_events(center: Center, seats: int, start: int) -> Iterator[dict[str, object]]:
    """Endless events of new calls as a live connector posts them (POST
    /api/v1/cti/events), from `start` (a time after the imported month) at the full
    center's peak rate: ENTERQUEUE, CONNECT and COMPLETECALLER of each call, answered by
    seats 1..`seats` in turn."""
    rng = random.Random(center.seed + 1)
    peak_gap = 0.35  # seconds between calls at the 200-seat center's peak
    t, n = float(start), 0
    while True:
        n += 1
        t += rng.expovariate(1 / peak_gap)
        at = int(t)
        callid = f"live{at}.{n}"
        agent = member(1 + n % seats)
        hold, talk = rng.randint(2, 40), rng.randint(20, 200)
        caller = (
            known_phone(rng.randrange(center.known_callers))
            if center.known_callers
            else other_phone(n)
        )
        for when, name, agent_name, data in (
            (at, "ENTERQUEUE", "NONE", ["", caller, "1"]),
            (at + hold, "CONNECT", agent, [str(hold), f"{at}.{n}", "3"]),
            (at + hold + talk, "COMPLETECALLER", agent, [str(hold), str(talk), "1"]),
        ):
            yield {
                "time": when,
                "callid": callid,
                "queue": QUEUES[n % len(QUEUES)],
                "agent": agent_name,
                "event": name,
                "data": data,
            }


def first_epoch(center: Center) -> int:
    return int(datetime.combine(center.working_days()[0], datetime.min.time(), OFFICE).timestamp())


def utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
