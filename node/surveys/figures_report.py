"""Callback survey reports (issue 21 §5) read from the mergeable sums every node holds
for its subtree: rows by campaign, node, agent or day with AAPOR RR1 and COOP1, and
each question's distribution with satisfaction (share of 4-5 on a 1-5 question) and
NPS (share of 9-10 minus share of 0-6, in points), overall or by work-order kind or
technician. A parent's figures are the merge of its children's by construction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from node.surveys.definition import QuestionType
from node.surveys.dispositions import aapor_coop1, aapor_rr1
from node.surveys.figure_models import DISPOSITIONS, SUMS, SurveyAnswerFigures, SurveyFigures

F = SurveyFigures
A = SurveyAnswerFigures


class GroupBy(StrEnum):
    campaign = "campaign"
    node = "node"
    agent = "agent"
    day = "day"


class AnswersBy(StrEnum):
    all = "all"
    kind = "kind"  # the work order's kind (repair, installation, ...)
    technician = "technician"


@dataclass(frozen=True)
class Period:
    """Beijing days, both included, and optionally one campaign."""

    first: date
    last: date
    campaign_id: uuid.UUID | None = None


def rates(sums: dict[str, int]) -> dict[str, Any]:
    """A row's sums with its final tasks and AAPOR rates beside them."""
    return {
        **sums,
        "final_tasks": sum(sums[name] for name in DISPOSITIONS),
        "aapor_rr1": aapor_rr1(sums),
        "aapor_coop1": aapor_coop1(sums),
    }


def _where(model: type[F] | type[A], period: Period) -> list[ColumnElement[bool]]:
    where = [model.day >= period.first, model.day <= period.last, model.deleted_at.is_(None)]
    if period.campaign_id is not None:
        where.append(model.campaign_id == period.campaign_id)
    return where


def _key(group_by: GroupBy) -> tuple[Any, ...]:
    return {
        GroupBy.campaign: (F.campaign_id, func.max(F.campaign_name)),
        GroupBy.node: (F.origin, F.origin),
        GroupBy.agent: (F.user_id, F.user_id),
        GroupBy.day: (F.day, F.day),
    }[group_by]


def survey_report(session: Session, period: Period, group_by: GroupBy) -> dict[str, Any]:
    """Rows (key, name, sums, final tasks, RR1, COOP1) in key order, and their total."""
    key, name = _key(group_by)
    columns = [func.coalesce(func.sum(getattr(F, s)), 0) for s in SUMS]
    stmt = select(key, name, *columns).where(*_where(F, period)).group_by(key).order_by(key)
    rows, total = [], dict.fromkeys(SUMS, 0)
    for row_key, row_name, *values in session.execute(stmt):
        sums = {s: int(v) for s, v in zip(SUMS, values, strict=True)}
        for s in SUMS:
            total[s] += sums[s]
        rows.append({"key": str(row_key), "name": str(row_name), **rates(sums)})
    return {"rows": rows, "total": rates(total)}


def _answer_key(by: AnswersBy) -> Any:
    return {
        AnswersBy.all: None,
        AnswersBy.kind: A.ticket_kind,
        AnswersBy.technician: A.technician_id,
    }[by]


def answers_report(session: Session, period: Period, by: AnswersBy) -> list[dict[str, Any]]:
    """Per question (and per kind or technician when asked): respondents, each answer's
    count and share, and satisfaction or NPS for rating and NPS questions."""
    key = _answer_key(by)
    keys = [A.question, A.question_type, *([key] if key is not None else []), A.answer]
    stmt = (
        select(*keys, func.sum(A.responses))
        .where(*_where(A, period))
        .group_by(*keys)
        .order_by(*keys)
    )
    groups: dict[tuple[str, str, Any], dict[str, int]] = {}
    for question, qtype, *rest in session.execute(stmt):
        group = rest.pop(0) if key is not None else None
        answer, count = rest
        groups.setdefault((question, qtype, group), {})[answer] = int(count)
    return [
        _question(question, qtype, group, counts, by)
        for (question, qtype, group), counts in groups.items()
    ]


def _question(
    question: str, qtype: str, group: Any, counts: dict[str, int], by: AnswersBy
) -> dict[str, Any]:
    respondents = counts.pop("", 0)
    shares = {a: (round(n / respondents, 4) if respondents else None) for a, n in counts.items()}
    out: dict[str, Any] = {
        "question": question,
        "question_type": qtype,
        "respondents": respondents,
        "answers": [
            {"answer": a, "responses": n, "share": shares[a]} for a, n in _ordered(counts, qtype)
        ],
    }
    if by is not AnswersBy.all:
        out[by.value] = "" if group is None else str(group)
    if qtype == QuestionType.rating:
        out["satisfaction"] = _share(counts, respondents, {"4", "5"})
    if qtype == QuestionType.nps:
        promoters = sum(counts.get(str(n), 0) for n in (9, 10))
        detractors = sum(counts.get(str(n), 0) for n in range(7))
        out["nps"] = round((promoters - detractors) * 100 / respondents, 2) if respondents else None
    return out


def _ordered(counts: dict[str, int], qtype: str) -> list[tuple[str, int]]:
    if qtype in (QuestionType.rating, QuestionType.nps):
        return sorted(counts.items(), key=lambda item: int(item[0]))
    return sorted(counts.items())


def _share(counts: dict[str, int], respondents: int, answers: set[str]) -> float | None:
    if not respondents:
        return None
    return round(sum(counts.get(a, 0) for a in answers) / respondents, 4)
