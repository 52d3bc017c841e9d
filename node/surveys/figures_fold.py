"""Folding the results' local deltas into the replicated survey figures: one job, one
transaction per batch, so the node's change counter is taken once per batch instead of
once per result. The deltas folded are deleted in the same transaction (by id: a delta
committed meanwhile with a lower id is simply left for the next batch)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from node.surveys.figure_models import (
    SUMS,
    SurveyAnswerFigures,
    SurveyFigureDelta,
    SurveyFigures,
)

BATCH = 5_000
MODELS: dict[str, Any] = {
    "survey_figures": SurveyFigures,
    "survey_answer_figures": SurveyAnswerFigures,
}
ANSWER_SUMS = ("responses",)
UUID_KEYS = ("campaign_id", "user_id", "technician_id")


def _typed(key: dict[str, Any]) -> dict[str, Any]:
    """A delta's JSON key columns as the model's types."""
    out = dict(key)
    out["day"] = date.fromisoformat(key["day"])
    for name in UUID_KEYS:
        if out.get(name) is not None:
            out[name] = uuid.UUID(out[name])
    return out


def fold_batch(session: Session, limit: int = BATCH) -> int:
    """Fold up to `limit` deltas, oldest first; how many were folded."""
    deltas = list(
        session.execute(
            select(SurveyFigureDelta).order_by(SurveyFigureDelta.id).limit(limit)
        ).scalars()
    )
    if not deltas:
        return 0
    merged: dict[tuple[str, uuid.UUID], tuple[dict[str, Any], dict[str, int]]] = {}
    for delta in deltas:
        _, sums = merged.setdefault((delta.target, delta.row_id), (orjson.loads(delta.key), {}))
        for name, n in orjson.loads(delta.sums).items():
            sums[name] = sums.get(name, 0) + int(n)
    for target, model in MODELS.items():
        mine = {row_id: v for (t, row_id), v in merged.items() if t == target}
        if mine:
            _apply(session, model, mine)
    ids = [delta.id for delta in deltas]
    session.execute(delete(SurveyFigureDelta).where(SurveyFigureDelta.id.in_(ids)))
    session.flush()
    return len(deltas)


def _apply(
    session: Session,
    model: Any,
    rows: dict[uuid.UUID, tuple[dict[str, Any], dict[str, int]]],
) -> None:
    names = SUMS if model is SurveyFigures else ANSWER_SUMS
    held = {
        row.id: row
        for row in session.execute(select(model).where(model.id.in_(list(rows)))).scalars()
    }
    for row_id, (key, sums) in rows.items():
        row = held.get(row_id)
        if row is None:
            row = model(id=row_id, **_typed(key), **dict.fromkeys(names, 0))
            session.add(row)
        for name, n in sums.items():
            setattr(row, name, getattr(row, name) + n)


def fold_all(session: Session) -> int:
    """Fold every delta there is (in batches); how many."""
    total = 0
    while folded := fold_batch(session):
        total += folded
    return total
