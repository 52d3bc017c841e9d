"""CCmonitor's figures read from the partial sums (`call_figures`) every node holds for
its subtree: the database adds the 15-minute rows up into the query's slots and rows,
in one pass over the period's rows, and a parent's figures are the merge of its
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
    """The figures of a period on 15-minute boundaries, from the partial sums: one pass
    over the period's rows, grouped by the database into the query's slots and rows
    (and, by agent or group, each agent's user for the Worktime section); the total is
    their merge."""
    bucket = F.slot_start - (F.slot_start + OFFICE_OFFSET) % query.slot.seconds
    shown = _shown(query.group_by)
    per_user = query.group_by in (GroupBy.agent, GroupBy.group)
    keys = [bucket, _key_column(query.group_by), *_optional(shown, per_user)]
    report = Report()
    for start, name, *rest in session.execute(
        select(*keys, *_sums()).where(*_where(query)).group_by(*keys)
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


def _optional(shown: ColumnElement[bool] | None, per_user: bool) -> list[Any]:
    return [*([shown] if shown is not None else []), *([F.user_id] if per_user else [])]


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


def _shown(group_by: GroupBy) -> ColumnElement[bool] | None:
    """Whether a sum shows in the rows: by queue, outbound calls (queue "") count in the
    total only; by agent or group, so do the calls nobody answered (agent "")."""
    if group_by is GroupBy.queue:
        return F.queue != ""
    if group_by in (GroupBy.agent, GroupBy.group):
        return F.agent != ""
    return None


def _sums() -> list[Any]:
    return [
        func.max(F.max_wait) if name == "max_wait" else func.sum(getattr(F, name)) for name in SUMS
    ]


def _figures(sums: Any) -> Figures:
    return Figures(**{name: int(value or 0) for name, value in zip(SUMS, sums, strict=True)})
