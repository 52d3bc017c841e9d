"""The customer list's segment filters as the pages show them: each filter's choices (a
value no longer among them, say an inactive grade in a saved segment, still shown), and
a segment in words for the campaign page's choice of segments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from node.customers.models import CustomerType
from node.dictionaries.models import DictionaryKind
from node.surveys.segment import Segment
from node.surveys.segment_query import PARAMS, segment_params
from node.web.choices import dictionary_choices, dictionary_labels

# Each filter's label (a text key) and, for a dictionary's codes, its kind.
LABELS = {
    "status": "segments.status",
    "grade": "segments.grade",
    "category": "segments.category",
    "type": "segments.type",
    "service_area": "segments.service_area",
    "is_key_account": "segments.key_account",
}
KINDS = {
    "status": DictionaryKind.customer_status,
    "grade": DictionaryKind.customer_grade,
    "category": DictionaryKind.customer_category,
    "service_area": DictionaryKind.service_area,
}


def _choices(session: Session, name: str, t: Callable[..., str]) -> list[tuple[str, str]]:
    if name in KINDS:
        return dictionary_choices(session, KINDS[name])
    if name == "type":
        return [(c.value, t(f"customer_type.{c.value}")) for c in CustomerType]
    return [("true", t("segments.yes")), ("false", t("segments.no"))]


def filter_form(session: Session, segment: Segment, t: Callable[..., str]) -> dict[str, Any]:
    """The template's `filters`: the current values and, per filter, (name, label,
    choices)."""
    current = segment_params(segment)
    labels = dictionary_labels(session)
    selects = []
    for name in PARAMS:
        choices = _choices(session, name, t)
        value = current.get(name)
        if value is not None and value not in {code for code, _ in choices}:
            choices.append(
                (value, labels.get((KINDS[name], value), value) if name in KINDS else value)
            )
        selects.append((name, t(LABELS[name]), choices))
    return {"current": current, "selects": selects}


def segment_words(
    segment: Segment, labels: dict[tuple[str, str], str], t: Callable[..., str]
) -> str:
    """「等级：金卡 · 服务区域：城区」: each filter by its label and its value's."""
    parts = []
    for name, value in segment_params(segment).items():
        if name in KINDS:
            text = labels.get((KINDS[name], value), value)
        elif name == "type":
            text = t(f"customer_type.{value}")
        else:
            text = t("segments.yes") if value == "true" else t("segments.no")
        parts.append(f"{t(LABELS[name])}：{text}")
    return " · ".join(parts)
