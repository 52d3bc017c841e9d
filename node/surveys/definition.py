"""A questionnaire's definition: its questions as pydantic models, and the checks a
definition must pass before it is stored (unique codes, forward jumps, conditions on
earlier choice questions, sane ranges).

Every refusal names the path of the offending field inside the definition, as
`questions[2].choices[0].jump_to`, so the builder (API, page or file) can point at it.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationError

from node.crud.schemas import StrictInput
from node.errors import InvalidFields

END = "END"  # a jump target: the questionnaire ends after this answer
CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
MAX_QUESTIONS = 200
MAX_CHOICES = 50
TEXT_LIMIT = 5000  # the longest text answer a question may allow
DEFAULT_TEXT_LENGTH = 500


class QuestionType(StrEnum):
    single = "single"  # one choice
    multiple = "multiple"  # any number of choices
    rating = "rating"  # 1-5 (satisfaction)
    nps = "nps"  # 0-10 (would you recommend us)
    number = "number"  # with optional min/max
    text = "text"  # up to max_length characters
    date = "date"  # an ISO date


CHOICE_TYPES = frozenset({QuestionType.single, QuestionType.multiple})
# The fixed scales: no min/max of their own.
SCALES: dict[QuestionType, tuple[int, int]] = {
    QuestionType.rating: (1, 5),
    QuestionType.nps: (0, 10),
}


class Choice(StrictInput):
    """One answer of a choice question; its code is what answers store, so it stays
    stable when the label is reworded."""

    code: str = Field(pattern=CODE_PATTERN)
    label: str = Field(min_length=1, max_length=200)
    # A later question's code, or END; only on single-choice questions.
    jump_to: str | None = Field(default=None, max_length=40)


class Condition(StrictInput):
    """Show the question only if an earlier choice question's answer is one of `any_of`
    (for a multiple choice: if any of its picked codes is)."""

    question: str = Field(max_length=40)
    any_of: list[str] = Field(min_length=1, max_length=MAX_CHOICES)


class Question(StrictInput):
    code: str = Field(pattern=CODE_PATTERN)
    type: QuestionType
    text: str = Field(min_length=1, max_length=500)
    required: bool = False
    choices: list[Choice] = Field(default_factory=list, max_length=MAX_CHOICES)
    min: float | None = None  # number questions only
    max: float | None = None
    max_length: int | None = Field(default=None, ge=1, le=TEXT_LIMIT)  # text questions only
    condition: Condition | None = None


class Definition(StrictInput):
    """A questionnaire version's content: an intro shown to the agent and the questions
    in the order they are asked."""

    intro: str = Field(default="", max_length=2000)
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)

    def index_of(self, code: str) -> int | None:
        """The position of question `code`, None if there is none."""
        for i, question in enumerate(self.questions):
            if question.code == code:
                return i
        return None


def path_of(loc: tuple[Any, ...], prefix: str = "") -> str:
    """A pydantic location as a field path: ('questions', 2, 'code') -> questions[2].code."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "definition"


def parse_definition(data: Any, prefix: str = "") -> Definition:
    """`data` (decoded JSON) as a valid Definition, or InvalidFields naming each bad path.

    `prefix` is where the definition sits in the caller's input (`definition` in an API
    body, nothing in a file)."""
    try:
        definition = Definition.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            fields.setdefault(path_of(tuple(err["loc"]), prefix), err["msg"])
        raise InvalidFields(fields) from None
    problems = definition_problems(definition)
    if problems:
        raise InvalidFields({_join(prefix, path): why for path, why in problems.items()})
    return definition


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path


def definition_problems(definition: Definition) -> dict[str, str]:
    """Path -> reason for everything wrong with a structurally valid definition."""
    problems: dict[str, str] = {}
    first_at: dict[str, int] = {}
    for i, question in enumerate(definition.questions):
        if question.code in first_at:
            problems[f"questions[{i}].code"] = (
                f"duplicates questions[{first_at[question.code]}].code ({question.code})"
            )
        else:
            first_at[question.code] = i
    for i, question in enumerate(definition.questions):
        problems |= _question_problems(definition, i, question, first_at)
    return problems


def _question_problems(
    definition: Definition, i: int, question: Question, first_at: dict[str, int]
) -> dict[str, str]:
    at = f"questions[{i}]"
    problems: dict[str, str] = {}
    if question.type in CHOICE_TYPES:
        problems |= _choice_problems(at, i, question, first_at)
    elif question.choices:
        problems[f"{at}.choices"] = f"a {question.type} question has no choices"
    problems |= _range_problems(at, question)
    if question.condition is not None:
        problems |= _condition_problems(definition, at, i, question.condition, first_at)
    return problems


def _choice_problems(
    at: str, i: int, question: Question, first_at: dict[str, int]
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if len(question.choices) < 2:
        problems[f"{at}.choices"] = "a choice question needs at least 2 choices"
    seen: set[str] = set()
    for k, choice in enumerate(question.choices):
        if choice.code in seen:
            problems[f"{at}.choices[{k}].code"] = f"duplicate choice code {choice.code}"
        seen.add(choice.code)
        if choice.jump_to is None:
            continue
        where = f"{at}.choices[{k}].jump_to"
        if question.type is not QuestionType.single:
            # Several picked choices could jump to different places: only one may.
            problems[where] = "only single-choice questions may jump"
        elif choice.jump_to != END:
            target = first_at.get(choice.jump_to)
            if target is None:
                problems[where] = f"no question has code {choice.jump_to} (or use {END})"
            elif target <= i:
                problems[where] = f"must jump forward, to a question after {question.code}"
    return problems


def _range_problems(at: str, question: Question) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in ("min", "max"):
        value = getattr(question, name)
        if value is None:
            continue
        if question.type is not QuestionType.number:
            problems[f"{at}.{name}"] = f"only number questions take {name}"
        elif not math.isfinite(value):
            problems[f"{at}.{name}"] = "must be a finite number"
    if (
        question.type is QuestionType.number
        and question.min is not None
        and question.max is not None
        and question.min > question.max
    ):
        problems[f"{at}.max"] = f"must not be below min ({question.min:g})"
    if question.max_length is not None and question.type is not QuestionType.text:
        problems[f"{at}.max_length"] = "only text questions take max_length"
    return problems


def _condition_problems(
    definition: Definition, at: str, i: int, condition: Condition, first_at: dict[str, int]
) -> dict[str, str]:
    where = f"{at}.condition.question"
    target = first_at.get(condition.question)
    if target is None:
        return {where: f"no question has code {condition.question}"}
    if target >= i:
        return {where: "must name an earlier question"}
    source = definition.questions[target]
    if source.type not in CHOICE_TYPES:
        return {where: f"must name a choice question ({condition.question} is {source.type})"}
    codes = {choice.code for choice in source.choices}
    return {
        f"{at}.condition.any_of[{m}]": f"{condition.question} has no choice {value}"
        for m, value in enumerate(condition.any_of)
        if value not in codes
    }


def text_limit(question: Question) -> int:
    """The longest answer a text question takes."""
    return question.max_length or DEFAULT_TEXT_LENGTH
