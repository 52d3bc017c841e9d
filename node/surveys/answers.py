"""Checking one set of answers against a questionnaire version: each answer's type and
range, the required questions, the choice codes, and branching (an answer to a question
that branching hides is refused, so nothing is stored for a skipped question)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from node.errors import NUL_REASON
from node.surveys.branching import shown_questions
from node.surveys.definition import SCALES, Definition, Question, QuestionType, text_limit

ANSWERS_FIELD = "answers"


@dataclass
class AnswerCheck:
    """The verdict on one answer set: the questions asked, the accepted answers (as
    stored), and field -> reason for each refused one."""

    shown: list[str]
    accepted: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors


def check_answers(definition: Definition, answers: Any) -> AnswerCheck:
    """Check `answers` (question code -> value; decoded JSON, untrusted) against `definition`.

    A missing or null answer is no answer. Errors are named `answers.<code>`."""
    if not isinstance(answers, dict):
        return AnswerCheck([], errors={ANSWERS_FIELD: "must be an object of code -> answer"})
    given = {code: value for code, value in answers.items() if value is not None}
    shown = shown_questions(definition, given)
    result = AnswerCheck(shown)
    visible = set(shown)
    known = {question.code: question for question in definition.questions}
    for code in given:
        name = f"{ANSWERS_FIELD}.{code}"
        if code not in known:
            result.errors[name] = "no question has this code"
        elif code not in visible:
            result.errors[name] = "is not asked for these answers (branching skips it)"
    for question in definition.questions:
        if question.code not in visible:
            continue
        name = f"{ANSWERS_FIELD}.{question.code}"
        if question.code not in given:
            if question.required:
                result.errors[name] = "is required"
            continue
        try:
            result.accepted[question.code] = answer_value(question, given[question.code])
        except ValueError as exc:
            result.errors[name] = str(exc)
    return result


def answer_value(question: Question, value: Any) -> Any:
    """`value` as stored for `question`; ValueError saying what is wrong otherwise."""
    kind = question.type
    if kind is QuestionType.single:
        return _choice(question, value)
    if kind is QuestionType.multiple:
        return _choices(question, value)
    if kind in SCALES:
        low, high = SCALES[kind]
        number = _integer(value)
        if not low <= number <= high:
            raise ValueError(f"must be a whole number from {low} to {high}")
        return number
    if kind is QuestionType.number:
        return _number(question, value)
    if kind is QuestionType.text:
        return _text(question, value)
    return _date(value)


def _choice(question: Question, value: Any) -> str:
    codes = [choice.code for choice in question.choices]
    if not isinstance(value, str) or value not in codes:
        raise ValueError(f"must be one of the choice codes {', '.join(codes)}")
    return value


def _choices(question: Question, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of choice codes")
    picked = [_choice(question, code) for code in value]
    if len(set(picked)) != len(picked):
        raise ValueError("names a choice twice")
    return picked


def _integer(value: Any) -> int:
    # JSON tells true from 1; a float with no fraction (4.0) is the number 4.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError("must be a whole number")
    return int(value)


def _number(question: Question, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    if isinstance(value, int) and abs(value) >= 2**53:  # beyond what JSON numbers keep exact
        raise ValueError("is too large")
    if question.min is not None and value < question.min:
        raise ValueError(f"must be at least {question.min:g}")
    if question.max is not None and value > question.max:
        raise ValueError(f"must be at most {question.max:g}")
    return value


def _text(question: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    if "\x00" in value:
        raise ValueError(NUL_REASON)
    limit = text_limit(question)
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date as YYYY-MM-DD") from None
    if len(value) != 10:  # fromisoformat also takes 20261207 and 2026-W49-1
        raise ValueError("must be a date as YYYY-MM-DD")
    return parsed.isoformat()
