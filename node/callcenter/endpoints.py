"""GET /api/v1/callcenter/kpis: CCmonitor's figures by time slot and queue or agent."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.callbacks import Callback
from node.callcenter.kpis import Figures, GroupBy
from node.callcenter.schemas import CallbackQuery, KpiQuery
from node.callcenter.service import callbacks_on, customers_by_phone, kpi_report, rules_of
from node.office_time import OFFICE_TZ
from node.privacy.masking import mask_phone

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
    a row per slot (and queue or answering agent), with the period's total."""
    rules = rules_of(request.app.state.settings.callcenter)
    report = kpi_report(session, query, rules)
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
    due = callbacks_on(session, day)
    customers = customers_by_phone(session, [c.number for c in due])
    now = int(time.time())
    rows = [_callback(c, customers.get(c.number), viewer, now, within * 60) for c in due]
    return {
        "day": day.isoformat(),
        "callback_within_minutes": within,
        "count": len(rows),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "rows": rows,
    }


def _callback(
    entry: Callback, customer: tuple[Any, str] | None, viewer: Viewer, now: int, within: int
) -> dict[str, Any]:
    def moment(epoch: int) -> str:
        return datetime.fromtimestamp(epoch, OFFICE_TZ).isoformat()

    return {
        "number": entry.number if viewer.can(Perm.pii) else mask_phone(entry.number),
        "customer_id": str(customer[0]) if customer else None,
        "customer_name": customer[1] if customer else None,
        "lost": entry.lost,
        "first_lost": moment(entry.first_lost),
        "last_lost": moment(entry.last_lost),
        "longest_wait": entry.longest_wait,
        "queue": entry.queue,
        "overdue": entry.overdue(now, within),
    }
