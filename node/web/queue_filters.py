"""The ticket queue's filters: read from a link (or a saved view, or the bulk form's way
back), each value checked, and written back as one normalized query string.

A wrong value in a link is a 422 naming the parameter (the page never guesses what was
meant); the bulk form's way back and a deleted view's link drop what no longer reads.
A technician is only checked to be an id (or "none"): a view saved for someone since
deleted still opens, and the page says the technician is unknown.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.dictionaries.models import DictionaryEntry, DictionaryKind
from node.errors import InvalidFields
from node.settings import Level, check_division_code
from node.tickets.models import Severity, TicketStatus
from node.tickets.sla import SlaState

UNASSIGNED = "none"  # technician=none: tickets nobody holds
SLA_VALUES = (SlaState.overdue.value, SlaState.soon.value)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LONGEST = 100  # no filter value is longer; a longer one is refused before it is read
# Each parameter by its name on the page, for the 422 that names it.
NAMES = {
    "area": "服务区域",
    "status": "状态",
    "sla": "时限",
    "kind": "工单类型",
    "severity": "紧急程度",
    "technician": "维修人员",
    "department": "服务部门",
    "opened_from": "受理日期（起）",
    "opened_to": "受理日期（止）",
    "city": "城市",
}


@dataclass(frozen=True)
class QueueQuery:
    """What the queue is filtered by (None: not filtered by it)."""

    area: str | None = None
    status: str | None = None
    sla: str | None = None
    kind: str | None = None
    severity: str | None = None
    technician: str | None = None  # a user id, or UNASSIGNED
    department: str | None = None  # the technician's service department (a dictionary code)
    opened_from: date | None = None  # office-local dates, both days included
    opened_to: date | None = None
    city: str | None = None  # the ticket's origin node (province and HQ only)

    def params(self) -> dict[str, str]:
        """The filters set, as query parameters, always in the same order."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def query_string(self) -> str:
        """The normalized query string: the same filters always give the same text."""
        return urlencode(self.params())

    @property
    def technician_id(self) -> uuid.UUID | None:
        """The technician filtered by (None for no filter or UNASSIGNED)."""
        if self.technician in (None, UNASSIGNED):
            return None
        return uuid.UUID(self.technician)


PARAMS = tuple(f.name for f in fields(QueueQuery))


@dataclass(frozen=True)
class Known:
    """What this node's filters may name: its dictionary codes and its level."""

    areas: frozenset[str]
    kinds: frozenset[str]
    level: Level
    node_code: str
    departments: frozenset[str] = frozenset()


def known_codes(session: Session, level: Level, node_code: str) -> Known:
    """The service area and ticket kind codes this node holds (any origin, inactive
    too: a ticket keeps the kind it was opened with) and where the node stands."""
    rows = session.execute(
        select(DictionaryEntry.kind, DictionaryEntry.code).where(
            DictionaryEntry.kind.in_(
                [
                    DictionaryKind.service_area,
                    DictionaryKind.ticket_kind,
                    DictionaryKind.service_department,
                ]
            ),
            DictionaryEntry.deleted_at.is_(None),
        )
    ).all()
    areas = frozenset(c for k, c in rows if k == DictionaryKind.service_area)
    kinds = frozenset(c for k, c in rows if k == DictionaryKind.ticket_kind)
    departments = frozenset(c for k, c in rows if k == DictionaryKind.service_department)
    return Known(areas, kinds, Level(level), node_code, departments)


def _city(value: str, known: Known) -> str:
    if known.level is Level.city:
        raise ValueError("城市节点的队列不按城市筛选 (a city's queue has no city filter)")
    try:
        check_division_code(value, Level.city)
    except ValueError:
        raise ValueError("不是城市代码，例如 430100 (not a city code, e.g. 430100)") from None
    if known.level is Level.province and value[:2] != known.node_code[:2]:
        raise ValueError("不是本省的城市 (not a city of this province)")
    return value


def _date(value: str) -> date:
    if _DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if 1900 <= day.year <= 2999:  # the day after must exist too
                return day
    raise ValueError("不是日期，格式为 2026-12-01 (not a date like 2026-12-01)")


def _one(name: str, value: str, known: Known) -> object:
    """The value of one parameter, or ValueError with the reason."""
    if name == "area":
        if value not in known.areas:
            raise ValueError("不是本节点的服务区域 (not a service area of this node)")
        return value
    if name == "status":
        if value not in {s.value for s in TicketStatus}:
            raise ValueError("不是工单状态 (not a ticket status)")
        return value
    if name == "sla":
        if value not in SLA_VALUES:
            raise ValueError("只能是 overdue 或 soon (overdue or soon only)")
        return value
    if name == "kind":
        if value not in known.kinds:
            raise ValueError("不是本节点的工单类型 (not a ticket kind of this node)")
        return value
    if name == "severity":
        if value not in {s.value for s in Severity}:
            raise ValueError("只能是 major 或 general (major or general only)")
        return value
    if name == "technician":
        if value == UNASSIGNED:
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError("不是人员编号或 none (not a user id, or none)") from None
    if name == "department":
        if value not in known.departments:
            raise ValueError("不是本节点的服务部门 (not a service department of this node)")
        return value
    if name in ("opened_from", "opened_to"):
        return _date(value)
    return _city(value, known)


def read_query(raw: Mapping[str, str | None], known: Known) -> tuple[QueueQuery, dict[str, str]]:
    """The filters that read, and the reason for each that does not (by parameter)."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name in PARAMS:
        text = (raw.get(name) or "").strip()
        if not text:
            continue
        try:
            if len(text) > _LONGEST or "\x00" in text:
                raise ValueError("太长或含有控制字符 (too long, or a control character)")
            values[name] = _one(name, text, known)
        except ValueError as exc:
            errors[name] = f"「{NAMES[name]}」{exc}"
    start, end = values.get("opened_from"), values.get("opened_to")
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors["opened_to"] = (
            f"「{NAMES['opened_to']}」早于起始日期 (the end date is before the start date)"
        )
        del values["opened_to"]
    return QueueQuery(**values), errors  # type: ignore[arg-type]


def strict_query(raw: Mapping[str, str | None], known: Known) -> QueueQuery:
    """The filters of a link: every value reads, or InvalidFields (422) naming each."""
    query, errors = read_query(raw, known)
    if errors:
        raise InvalidFields(errors)
    return query
