"""The time zone the offices work in: dates typed or imported without a zone, the times
pages show, and the calendar months rollups count are all in it. Stored times are UTC.
"""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OFFICE_TZ_NAME = "Asia/Shanghai"

try:
    OFFICE_TZ: tzinfo = ZoneInfo(OFFICE_TZ_NAME)
except ZoneInfoNotFoundError:  # no tz database: China has had no DST since 1991
    OFFICE_TZ = timezone(timedelta(hours=8), OFFICE_TZ_NAME)
