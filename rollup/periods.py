"""Periods: calendar months in a time zone (Asia/Shanghai unless given).

A month is handled as an integer index, year * 12 + month - 1, so that "the previous
month" is `m - 1` and a window is a range. Arrow timestamps (UTC) are mapped to the
index of the local month they fall in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from node.office_time import OFFICE_TZ_NAME

DEFAULT_TZ = OFFICE_TZ_NAME
# How many months the stored partials cover, ending with the current month: two years,
# so a period and the twelve months of trend before it are always at hand.
WINDOW_MONTHS = 24

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A period string that is not YYYY-MM (the message says what was given)."""


def parse_period(text: str) -> int:
    """'2026-10' -> month index. Raises PeriodError on anything else."""
    match = _PERIOD_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise PeriodError(f"period must be a month written YYYY-MM (e.g. 2026-10), got {text!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def format_period(index: int) -> str:
    """Month index -> 'YYYY-MM'."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(moment: datetime, tz: str = DEFAULT_TZ) -> int:
    """The index of the local month `moment` (timezone-aware) falls in."""
    local = moment.astimezone(ZoneInfo(tz))
    return local.year * 12 + local.month - 1


def month_start(index: int, tz: str = DEFAULT_TZ) -> datetime:
    """The first instant of month `index` in `tz`, as a UTC datetime."""
    local = datetime(index // 12, index % 12 + 1, 1, tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def current_month(tz: str = DEFAULT_TZ, now: datetime | None = None) -> int:
    return month_of(now or datetime.now(UTC), tz)


@dataclass(frozen=True)
class Window:
    """The months partials are computed for: first..last inclusive, in one time zone."""

    first: int
    last: int
    tz: str = DEFAULT_TZ

    @classmethod
    def ending(cls, last: int, months: int = WINDOW_MONTHS, tz: str = DEFAULT_TZ) -> Window:
        return cls(last - months + 1, last, tz)

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and self.first <= index <= self.last

    @property
    def months(self) -> range:
        return range(self.first, self.last + 1)

    def describe(self) -> str:
        return f"{format_period(self.first)} .. {format_period(self.last)}"


def month_index(ts: pa.Array | pa.ChunkedArray, tz: str = DEFAULT_TZ) -> pa.Array:
    """Local month index (int32) of each UTC timestamp; nulls stay null."""
    if isinstance(ts, pa.ChunkedArray):
        ts = ts.combine_chunks()
    local = pc.local_timestamp(ts.cast(pa.timestamp("us", tz=tz)))
    index = pc.add(pc.multiply(pc.year(local), 12), pc.subtract(pc.month(local), 1))
    return index.cast(pa.int32())
