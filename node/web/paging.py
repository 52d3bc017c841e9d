"""Paging a list page: 「共 N 条，第 a–b 条」 with previous and next links.

Pages are keyset pages (the API's cursors), so going 50 pages deep costs what the first
page costs. The way back is carried in the link itself: `back` lists the cursors of the
pages before this one, so "previous" needs no server state and survives a reload.
Counts are exact up to COUNT_CAP; past it the page says 「N+」 instead of counting a
million rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session

from node.errors import invalid

COUNT_CAP = 1000
# Pages a link remembers for "previous": the deepest page reachable by "next" (1,600
# search hits or 4,000 list rows; past that, narrow the search). Bounded so a link stays
# within what an HTTP server takes in one request line (h11: 16 KiB).
MAX_BACK = 80
# What a cursor may look like (a look-up key or the API's base64 cursor); anything else
# in a link is refused before it reaches a query.
_CURSOR = re.compile(r"^[A-Za-z0-9_\-=]{1,160}$")
FIRST = "-"  # in `back`: the first page, which has no cursor


@dataclass(frozen=True)
class PageAt:
    """Where a request asks to be: the cursor of its page and the pages before it."""

    cursor: str | None
    back: list[str]

    @property
    def start(self) -> int:
        """How many rows the pages before this one held (pages are full but the last)."""
        return len(self.back)


def page_at(cursor: str | None, back: str | None) -> PageAt:
    """Read the paging parameters of a link; a tampered one is a 422 naming the field."""
    if cursor is not None and not _CURSOR.fullmatch(cursor):
        raise invalid("cursor", "不是本系统给出的翻页位置 (not a cursor this page issued)")
    steps = [s for s in (back or "").split(",") if s]
    if len(steps) > MAX_BACK or any(s != FIRST and not _CURSOR.fullmatch(s) for s in steps):
        raise invalid("back", "不是本系统给出的翻页记录 (not a page history this page issued)")
    if steps and cursor is None:
        raise invalid("back", "翻页记录缺少当前位置 (a page history needs its cursor)")
    return PageAt(cursor, steps)


@dataclass(frozen=True)
class Pager:
    """What the page shows about where the reader is in the list."""

    total: int  # exact when not more
    more: bool  # more than COUNT_CAP rows: show 「COUNT_CAP+」
    first: int  # 1-based index of the first row shown (0: none)
    last: int
    previous_url: str | None
    next_url: str | None


def pager(
    path: str,
    params: dict[str, str],
    at: PageAt,
    size: int,
    shown: int,
    total: int,
    next_cursor: str | None,
) -> Pager:
    """The counts and links of a page of `shown` rows of `size` at `at` in `path`."""
    first = at.start * size + 1 if shown else 0

    def link(cursor: str | None, back: list[str]) -> str:
        query = {k: v for k, v in params.items() if v}
        if cursor is not None:
            query["cursor"] = cursor
        if back:
            query["back"] = ",".join(back)
        return f"{path}?{urlencode(query)}" if query else path

    previous_url = None
    if at.back:
        before = at.back[-1]
        previous_url = link(None if before == FIRST else before, at.back[:-1])
    next_url = None
    if next_cursor is not None and len(at.back) < MAX_BACK:
        next_url = link(next_cursor, [*at.back, at.cursor or FIRST])
    return Pager(
        total=min(total, COUNT_CAP),
        more=total > COUNT_CAP,
        first=first,
        last=first + shown - 1 if shown else 0,
        previous_url=previous_url,
        next_url=next_url,
    )


def count_rows(session: Session, stmt: Select, cap: int = COUNT_CAP) -> int:
    """How many rows `stmt` selects, reading at most `cap` + 1 of them."""
    capped: Select = stmt.with_only_columns(literal_column("1")).order_by(None).limit(cap + 1)
    return session.execute(select(func.count()).select_from(capped.subquery())).scalar_one()
