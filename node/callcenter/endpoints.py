"""GET /api/v1/callcenter/kpis: CCmonitor's figures by time slot and queue or agent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ConfigDict, Field, model_validator

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.kpis import Figures, GroupBy, Rules, Slot
from node.callcenter.service import kpi_report
from node.crud.schemas import StrictInput
from node.office_time import OFFICE_TZ

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter"])
MAX_SPAN = timedelta(days=92)


class KpiQuery(StrictInput):
    """A period in office time (a time without a zone is Beijing time), its slots and
    what each row is of; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: datetime = Field(alias="from", description="first minute, e.g. 2026-12-01T08:00")
    end: datetime = Field(alias="to", description="the minute after the last")
    slot: Slot = Slot.m30
    group_by: GroupBy = GroupBy.slot
    queue: str | None = Field(None, max_length=80)
    agent: str | None = Field(None, max_length=80)

    @model_validator(mode="after")
    def _period(self) -> KpiQuery:
        self.start, self.end = _office(self.start), _office(self.end)
        if self.end <= self.start:
            raise ValueError("to 必须晚于 from (to must be after from)")
        if self.end - self.start > MAX_SPAN:
            raise ValueError("时间范围最长 92 天 (the period is at most 92 days)")
        return self


def _office(moment: datetime) -> datetime:
    return moment.replace(tzinfo=OFFICE_TZ) if moment.tzinfo is None else moment


@router.get("/kpis")
def call_center_kpis(
    request: Request,
    query: Annotated[KpiQuery, Query()],
    viewer: Annotated[Viewer, Depends(require(Perm.rollups_read))],
    session: SessionDep,
) -> dict[str, Any]:
    """Offered, answered, abandoned (short ones apart), timeouts, service level, abandon
    rate, ASA, ATT and the longest wait of the calls that entered a queue in the period,
    a row per slot (and queue or answering agent), with the period's total."""
    section = request.app.state.settings.callcenter
    rules = Rules(section.service_level_seconds, section.short_abandon_seconds)
    start, end = int(query.start.timestamp()), int(query.end.timestamp())
    report = kpi_report(
        session, start, end, query.slot, query.group_by, rules, query.queue, query.agent
    )
    ordered = sorted(report.rows.items())
    rows = [_row(at, key, figures, query.group_by) for (at, key), figures in ordered]
    return {
        "from": query.start.astimezone(OFFICE_TZ).isoformat(),
        "to": query.end.astimezone(OFFICE_TZ).isoformat(),
        "slot": query.slot.value,
        "group_by": query.group_by.value,
        "service_level_seconds": rules.service_level_seconds,
        "short_abandon_seconds": rules.short_abandon_seconds,
        "rows": rows,
        "total": report.total.shown(),
    }


def _row(at: int, key: str, figures: Figures, group_by: GroupBy) -> dict[str, Any]:
    row: dict[str, Any] = {"slot_start": datetime.fromtimestamp(at, OFFICE_TZ).isoformat()}
    if group_by is not GroupBy.slot:
        row[group_by.value] = key
    return row | figures.shown()
