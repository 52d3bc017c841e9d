"""CCmonitor's figures read from the partial sums every node holds for its subtree
(`call_figures`, or `call_queue_figures` when nothing asks for the agent, or
`call_day_figures` by day over whole days when something does): the database
adds the 15-minute rows up into the query's slots and rows, in one pass over the
period's rows, and a parent's figures are the merge of its children's by construction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from node.callcenter.figures_store import SUMS
from node.callcenter.kpis import OFFICE_OFFSET, Figures, GroupBy, Report, Slot
from node.callcenter.models import CallDayFigures, CallFigures, CallQueueFigures
from node.callcenter.schemas import KpiQuery

PerAgent = type[CallFigures] | type[CallDayFigures]
Sums = PerAgent | type[CallQueueFigures]


def figures_report(session: Session, query: KpiQuery) -> Report:
    """The figures of a period on 15-minute boundaries, from the partial sums: one pass
    over the period's rows, grouped by the database into the query's slots and rows
    (and, by agent or group, each agent's user for the Worktime section); the total is
    their merge."""
    return figures_from(session, query, table_read(query))


def figures_from(session: Session, query: KpiQuery, M: Sums) -> Report:
    """`figures_report` read from the table `M` (benchmarks/kpi_month.py compares them);
    one holding the agent when the query needs it."""
    bucket = M.slot_start - (M.slot_start + OFFICE_OFFSET) % query.slot.seconds
    shown = _shown(query.group_by, M)
    per_user = query.group_by in (GroupBy.agent, GroupBy.group)
    keys = [bucket, _key_column(query.group_by, M), *_optional(shown, per_user, M)]
    report = Report()
    for start, name, *rest in session.execute(
        select(*keys, *_sums(M)).where(*_where(query, M)).group_by(*keys)
    ):
        on_row, user_id = (rest.pop(0) if shown is not None else True), None
        if per_user:
            user_id = rest.pop(0)
        figures = _figures(rest)
        report.total.merge(figures)
        if on_row:
            report.row(int(start), name or "").merge(figures)
        if user_id is not None:
            answered, talk = report.by_user.get(user_id, (0, 0))
            report.by_user[user_id] = (answered + figures.answered, talk + figures.talk_seconds)
    return report


def table_read(query: KpiQuery) -> Sums:
    """The table a query reads: the sums per slot and queue when no row and no filter
    needs the agent (a twentieth of the rows to read, or less). When one does, the sums
    per office day for a report by day over whole days (a 96th of the rows), else the
    15-minute ones."""
    by_agent = query.group_by in (GroupBy.agent, GroupBy.group)
    if by_agent or query.agent is not None or query.group is not None:
        if query.slot is Slot.day and query.on_office_days:
            return CallDayFigures
        return CallFigures
    return CallQueueFigures


def _per_agent(M: Sums) -> PerAgent:
    """The table itself when it holds the agent; only asked when the query needs it,
    which `table_read` made sure it does."""
    assert M is not CallQueueFigures
    return M  # type: ignore[return-value]


def _optional(shown: ColumnElement[bool] | None, per_user: bool, M: Sums) -> list[Any]:
    user = [_per_agent(M).user_id] if per_user else []
    return [*([shown] if shown is not None else []), *user]


def _where(query: KpiQuery, M: Sums) -> list[ColumnElement[bool]]:
    low, high = query.epochs
    where = [M.slot_start >= low, M.slot_start < high, M.deleted_at.is_(None)]
    if query.queue is not None:
        where.append(M.queue == query.queue)
    if query.agent is not None:
        where.append(_per_agent(M).agent == query.agent)
    if query.group is not None:
        where.append(_per_agent(M).agent_group == query.group)
    return where


def _key_column(group_by: GroupBy, M: Sums) -> Any:
    if group_by is GroupBy.slot:
        return literal("")
    if group_by is GroupBy.queue:
        return M.queue
    if group_by is GroupBy.node:
        return M.origin
    A = _per_agent(M)
    return A.agent if group_by is GroupBy.agent else func.coalesce(A.agent_group, "")


def _shown(group_by: GroupBy, M: Sums) -> ColumnElement[bool] | None:
    """Whether a sum shows in the rows: by queue, outbound calls (queue "") count in the
    total only; by agent or group, so do the calls nobody answered (agent "")."""
    if group_by is GroupBy.queue:
        return M.queue != ""
    if group_by in (GroupBy.agent, GroupBy.group):
        return _per_agent(M).agent != ""
    return None


def _sums(M: Sums) -> list[Any]:
    return [
        func.max(M.max_wait) if name == "max_wait" else func.sum(getattr(M, name)) for name in SUMS
    ]


def _figures(sums: Any) -> Figures:
    return Figures(**{name: int(value or 0) for name, value in zip(SUMS, sums, strict=True)})
