"""GET /api/v1/callcenter/kpis: CCmonitor's figures by time slot and queue or agent."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.agent_report import agent_rows
from node.callcenter.kpis import Figures, GroupBy, Report
from node.callcenter.schemas import CallbackQuery, KpiQuery
from node.callcenter.service import callback_rows, kpi_report, rules_of
from node.office_time import OFFICE_TZ
from node.settings import Level

router = APIRouter(prefix="/api/v1/callcenter", tags=["callcenter"])


@router.get("/kpis")
def call_center_kpis(
    request: Request,
    query: Annotated[KpiQuery, Query()],
    viewer: Annotated[Viewer, Depends(require(Perm.rollups_read))],
    session: SessionDep,
) -> dict[str, Any]:
    """Offered, answered, abandoned (short ones apart), timeouts, service level, abandon
    rate, ASA, ATT and the longest wait of the calls that entered a queue in the period,
    a row per slot (and queue, answering agent, group or node), with the period's
    total; by agent or group, `agents` adds each agent's signed-in, not-ready (by
    reason) and wrap-up seconds, occupancy and AHT."""
    rules = rules_of(request.app.state.settings.callcenter)
    holds_calls = request.app.state.settings.node.level is Level.city
    report = kpi_report(session, query, rules, holds_calls)
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
        **_agents_section(request, session, query, report),
    }


def _agents_section(
    request: Request, session: Session, query: KpiQuery, report: Report
) -> dict[str, Any]:
    """By agent or group: each agent's calls with their Worktime, occupancy and AHT."""
    if query.group_by not in (GroupBy.agent, GroupBy.group):
        return {}
    wrap_up_max = request.app.state.settings.callcenter.wrap_up_max_seconds
    now = datetime.now(OFFICE_TZ)
    return {"agents": agent_rows(session, query, report.by_user, wrap_up_max, now)}


def _row(at: int, key: str, figures: Figures, group_by: GroupBy) -> dict[str, Any]:
    row: dict[str, Any] = {"slot_start": datetime.fromtimestamp(at, OFFICE_TZ).isoformat()}
    if group_by is not GroupBy.slot:
        row[group_by.value] = key
    return row | figures.shown()


@router.get("/callbacks")
def callers_to_call_back(
    request: Request,
    query: Annotated[CallbackQuery, Query()],
    viewer: Annotated[Viewer, Depends(require(Perm.interactions_read))],
    session: SessionDep,
) -> dict[str, Any]:
    """当天应注意的电话: the day's callers whose call was lost in the queue and who were
    neither answered since nor called back (an answered outbound call the desk logged);
    `overdue` when waiting longer than callcenter.callback_within_minutes. Numbers are
    masked without pii:read."""
    day = query.day or datetime.now(OFFICE_TZ).date()
    within = request.app.state.settings.callcenter.callback_within_minutes
    rows = callback_rows(session, day, viewer.can(Perm.pii), within * 60, int(time.time()))
    return {
        "day": day.isoformat(),
        "callback_within_minutes": within,
        "count": len(rows),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "rows": rows,
    }
