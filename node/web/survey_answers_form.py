"""A questionnaire's answers as a posted form carries them (`a.<code>` fields, several
for a multiple choice) turned into the JSON values the answer check expects. Shared by
the preview (回访问卷) and the agent's callback page (外呼回访)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from node.surveys.definition import Definition, QuestionType

FIELD_PREFIX = "a."


def typed(kind: QuestionType, raw: str) -> Any:
    """A form's text as the JSON value the answer check expects; left as text when it is
    not a number, so the check names it."""
    if kind in (QuestionType.rating, QuestionType.nps, QuestionType.number):
        try:
            return int(raw)
        except ValueError:
            try:
                return float(raw)
            except ValueError:
                return raw
    return raw


def answers_from_form(definition: Definition, form: FormData) -> dict[str, Any]:
    """Code -> answer for every question the form answered (blank fields are no answer)."""
    answers: dict[str, Any] = {}
    for question in definition.questions:
        key = FIELD_PREFIX + question.code
        if question.type is QuestionType.multiple:
            picked = [v for v in form.getlist(key) if isinstance(v, str)]
            if picked:
                answers[question.code] = picked
            continue
        raw = form.get(key)
        if isinstance(raw, str) and raw.strip():
            answers[question.code] = typed(question.type, raw.strip())
    return answers


def question_errors(errors: dict[str, str]) -> dict[str, str]:
    """The answer check's `answers.<code>` errors keyed by the question's code, as the
    question fields name their messages; other fields unchanged."""
    return {k.removeprefix("answers."): v for k, v in errors.items()}
