"""When a campaign may call (issue 21 §4): Beijing time, one window on working weekdays
and one on weekends, none on a statutory holiday or on a weekend day swapped to a
working day (调休) for one. The holidays come from `chinese-calendar`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import chinese_calendar

BEIJING = ZoneInfo("Asia/Shanghai")
WINDOW_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class Window:
    """From `start` (included) to `end` (excluded), Beijing time."""

    start: time
    end: time

    def holds(self, moment: time) -> bool:
        return self.start <= moment < self.end


def parse_window(text: str) -> Window:
    """`HH:MM-HH:MM` (the end after the start; 24:00 allowed as an end); ValueError else."""
    match = WINDOW_PATTERN.match(text)
    if match is None:
        raise ValueError("must be HH:MM-HH:MM, e.g. 09:00-20:30")
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    if end_h == 24 and end_m != 0:
        raise ValueError("the latest end is 24:00")
    start = time(start_h, start_m)
    end = time.max if end_h == 24 else time(end_h, end_m)
    if end <= start:
        raise ValueError("the end must come after the start")
    return Window(start, end)


def is_special_day(day: date) -> bool:
    """A statutory holiday, or a weekend day worked instead of one (both are named by
    the calendar). Years the calendar does not know yet count as ordinary days: calling
    on them is what a team lead would expect until the package is updated."""
    try:
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return False
    return name is not None


def may_call(now: datetime, weekday: str, weekend: str) -> bool:
    """Whether `now` (aware) falls inside the calling window of its Beijing day."""
    local = now.astimezone(BEIJING)
    day = local.date()
    if is_special_day(day):
        return False
    window = parse_window(weekday if day.weekday() < 5 else weekend)
    return window.holds(local.time())
