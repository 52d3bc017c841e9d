"""CCmonitor's figures read from the partial sums (`call_figures`) every node holds for
its subtree: the database adds the 15-minute rows up into the query's slots and rows,
so a month reads as fast as a day, and a parent's figures are the merge of its
children's by construction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from node.callcenter.figures_store import SUMS
from node.callcenter.kpis import OFFICE_OFFSET, Figures, GroupBy, Report
from node.callcenter.models import CallFigures
from node.callcenter.schemas import KpiQuery

F = CallFigures


def figures_report(session: Session, query: KpiQuery) -> Report:
    """The figures of a period on 15-minute boundaries, from the partial sums."""
    where = _where(query)
    report = Report()
    total = session.execute(select(*_sums()).where(*where)).one()
    report.total = _figures(total)
    bucket = F.slot_start - (F.slot_start + OFFICE_OFFSET) % query.slot.seconds
    key = _key_column(query.group_by)
    rows = session.execute(
        select(bucket, key, *_sums()).where(*where, *_rows_of(query.group_by)).group_by(bucket, key)
    )
    for start, name, *sums in rows:
        report.rows[(int(start), name or "")] = _figures(sums)
    by_user = session.execute(
        select(F.user_id, func.sum(F.answered), func.sum(F.talk_seconds))
        .where(*where, F.user_id.is_not(None))
        .group_by(F.user_id)
    )
    report.by_user = {uid: (int(n or 0), int(t or 0)) for uid, n, t in by_user if uid is not None}
    return report


def _where(query: KpiQuery) -> list[ColumnElement[bool]]:
    low, high = query.epochs
    where = [F.slot_start >= low, F.slot_start < high, F.deleted_at.is_(None)]
    if query.queue is not None:
        where.append(F.queue == query.queue)
    if query.agent is not None:
        where.append(F.agent == query.agent)
    if query.group is not None:
        where.append(F.agent_group == query.group)
    return where


def _key_column(group_by: GroupBy) -> Any:
    return {
        GroupBy.slot: literal(""),
        GroupBy.queue: F.queue,
        GroupBy.agent: F.agent,
        GroupBy.group: func.coalesce(F.agent_group, ""),
        GroupBy.node: F.origin,
    }[group_by]


def _rows_of(group_by: GroupBy) -> list[ColumnElement[bool]]:
    """By queue, outbound calls (queue "") count in the total only; by agent or group,
    so do the calls nobody answered (agent "")."""
    if group_by is GroupBy.queue:
        return [F.queue != ""]
    if group_by in (GroupBy.agent, GroupBy.group):
        return [F.agent != ""]
    return []


def _sums() -> list[Any]:
    return [
        func.max(F.max_wait) if name == "max_wait" else func.sum(getattr(F, name)) for name in SUMS
    ]


def _figures(sums: Any) -> Figures:
    return Figures(**{name: int(value or 0) for name, value in zip(SUMS, sums, strict=True)})
