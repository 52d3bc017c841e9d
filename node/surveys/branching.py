"""Which questions a respondent is asked, given the answers so far: the conditions that
show a question and the jumps a single choice makes.

Questions are walked in order; a jump only moves forward (the definition's checks make
sure of it), so the walk ends and never asks a question twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from node.surveys.definition import END, Condition, Definition, Question, QuestionType


def condition_met(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """Whether the condition's question was answered with one of its values."""
    answer = answers.get(condition.question)
    if isinstance(answer, str):
        return answer in condition.any_of
    if isinstance(answer, list):
        return any(isinstance(code, str) and code in condition.any_of for code in answer)
    return False


def jump_of(question: Question, answer: Any) -> str | None:
    """Where answering `question` with `answer` jumps: a question code, END or None."""
    if question.type is not QuestionType.single or not isinstance(answer, str):
        return None
    for choice in question.choices:
        if choice.code == answer:
            return choice.jump_to
    return None


def shown_questions(definition: Definition, answers: Mapping[str, Any]) -> list[str]:
    """The codes of the questions asked, in order, for these answers.

    Only answers to questions already shown count for conditions and jumps: an answer
    to a hidden question must not steer the walk (answers.py refuses it anyway).
    """
    shown: list[str] = []
    seen: dict[str, Any] = {}
    i = 0
    while i < len(definition.questions):
        question = definition.questions[i]
        if question.condition is not None and not condition_met(question.condition, seen):
            i += 1
            continue
        shown.append(question.code)
        if question.code in answers:
            seen[question.code] = answers[question.code]
        target = jump_of(question, seen.get(question.code))
        if target == END:
            break
        following = definition.index_of(target) if target else None
        # A checked definition jumps forward only; the guard keeps the walk finite
        # even for one that is not.
        i = following if following is not None and following > i else i + 1
    return shown
