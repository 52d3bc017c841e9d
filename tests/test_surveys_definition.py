"""Issue 21 §1: a questionnaire definition is checked before it is stored, each refusal
naming the path of the bad field; branching shows the questions the answers lead to.

The expected paths and visible questions are written by hand from the issue's rules:
codes unique, a jump only forward to an existing question (or END), a condition only on
an earlier choice question and its choice codes, ranges with min <= max."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.errors import InvalidFields
from node.surveys.branching import shown_questions
from node.surveys.definition import Definition, parse_definition


def single(code: str, *choices: str | tuple[str, str], **extra: Any) -> dict[str, Any]:
    """A single-choice question; a choice given as (code, jump) jumps."""
    listed = []
    for choice in choices:
        if isinstance(choice, tuple):
            listed.append({"code": choice[0], "label": choice[0], "jump_to": choice[1]})
        else:
            listed.append({"code": choice, "label": choice})
    return {"code": code, "type": "single", "text": code, "choices": listed, **extra}


def plain(code: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "type": kind, "text": code, **extra}


def refusal(questions: list[dict[str, Any]]) -> dict[str, str]:
    with pytest.raises(InvalidFields) as caught:
        parse_definition({"questions": questions})
    return caught.value.errors


def test_a_sound_definition_is_accepted() -> None:
    definition = parse_definition(
        {
            "intro": "您好，这里是96296回访",
            "questions": [
                single("fixed", "yes", ("no", "END")),
                plain("score", "rating", required=True),
                plain("nps", "nps"),
                plain("visits", "number", min=0, max=10),
                plain("note", "text", max_length=200),
                plain("when", "date"),
                {
                    "code": "why",
                    "type": "multiple",
                    "text": "原因",
                    "choices": [{"code": "slow", "label": "慢"}, {"code": "rude", "label": "态度"}],
                },
            ],
        }
    )
    assert [q.code for q in definition.questions] == [
        "fixed", "score", "nps", "visits", "note", "when", "why"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("questions", "path"),
    [
        # two questions share a code: the second is named
        ([plain("a", "text"), plain("a", "rating")], "questions[1].code"),
        # jump to a code nobody has
        ([single("a", ("x", "zz"), "y"), plain("b", "text")], "questions[0].choices[0].jump_to"),
        # jump backward
        (
            [plain("a", "text"), single("b", "x", ("y", "a")), plain("c", "text")],
            "questions[1].choices[1].jump_to",
        ),
        # jump to itself
        ([single("a", "x", ("y", "a")), plain("b", "text")], "questions[0].choices[1].jump_to"),
        # a multiple choice may not jump
        (
            [{**single("a", ("x", "b"), "y"), "type": "multiple"}, plain("b", "text")],
            "questions[0].choices[0].jump_to",
        ),
        # condition on a later question
        (
            [
                plain("a", "text", condition={"question": "b", "any_of": ["x"]}),
                single("b", "x", "y"),
            ],
            "questions[0].condition.question",
        ),
        # condition on a question that is not a choice
        (
            [
                plain("a", "rating"),
                plain("b", "text", condition={"question": "a", "any_of": ["5"]}),
            ],
            "questions[1].condition.question",
        ),
        # condition on a code the question does not have
        (
            [
                single("a", "x", "y"),
                plain("b", "text", condition={"question": "a", "any_of": ["z"]}),
            ],
            "questions[1].condition.any_of[0]",
        ),
        # min above max
        ([plain("a", "number", min=10, max=1)], "questions[0].max"),
        # a range on a question that takes none
        ([plain("a", "rating", min=1)], "questions[0].min"),
        ([plain("a", "date", max_length=5)], "questions[0].max_length"),
        # a choice question with one choice, a text question with choices
        ([single("a", "x")], "questions[0].choices"),
        (
            [{**plain("a", "text"), "choices": [{"code": "x", "label": "x"}]}],
            "questions[0].choices",
        ),
        # duplicate choice codes
        ([single("a", "x", "x")], "questions[0].choices[1].code"),
        # structure: unknown type, bad code, unknown field, text too long for the column
        ([plain("a", "slider")], "questions[0].type"),
        ([plain("1a", "text")], "questions[0].code"),
        ([plain("a", "text", colour="red")], "questions[0].colour"),
        ([plain("a", "text", max_length=5001)], "questions[0].max_length"),
    ],
)
def test_a_bad_definition_is_refused_naming_the_path(
    questions: list[dict[str, Any]], path: str
) -> None:
    assert path in refusal(questions)


def test_no_questions_and_not_an_object_are_refused() -> None:
    assert "questions" in refusal([])
    with pytest.raises(InvalidFields) as caught:
        parse_definition(["not", "an", "object"], "definition")
    assert "definition" in caught.value.errors


def test_the_prefix_says_where_the_definition_sits() -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_definition({"questions": [plain("a", "text"), plain("a", "text")]}, "definition")
    assert list(caught.value.errors) == ["definition.questions[1].code"]


FOUR_JUMP = parse_definition(
    {
        "questions": [
            single("fixed", "yes", ("no", "note")),
            plain("score", "rating"),
            single("again", "yes", "no", condition={"question": "fixed", "any_of": ["yes"]}),
            plain("note", "text"),
        ]
    }
)


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({}, ["fixed", "score", "note"]),  # unanswered: the condition on fixed is not met
        ({"fixed": "yes"}, ["fixed", "score", "again", "note"]),
        ({"fixed": "no"}, ["fixed", "note"]),  # the jump skips score and again
        ({"fixed": "no", "score": 5}, ["fixed", "note"]),  # a skipped answer steers nothing
    ],
)
def test_branching_shows_what_the_answers_lead_to(
    answers: dict[str, Any], shown: list[str]
) -> None:
    assert shown_questions(FOUR_JUMP, answers) == shown


def test_a_jump_to_the_end_ends_it() -> None:
    definition = parse_definition(
        {"questions": [single("ok", "yes", ("no", "END")), plain("why", "text")]}
    )
    assert shown_questions(definition, {"ok": "no"}) == ["ok"]
    assert shown_questions(definition, {"ok": "yes"}) == ["ok", "why"]


# ---- property: for any valid definition and any answers, the walk goes forward -------


@st.composite
def definitions(draw: st.DrawFn) -> Definition:
    """A valid definition: choice questions with forward jumps, conditions on earlier
    choice questions, other questions in between."""
    count = draw(st.integers(1, 8))
    questions: list[dict[str, Any]] = []
    for i in range(count):
        code = f"q{i}"
        earlier = [q for q in questions if q["type"] in ("single", "multiple")]
        condition = None
        if earlier and draw(st.booleans()):
            source = draw(st.sampled_from(earlier))
            codes = [c["code"] for c in source["choices"]]
            picked = draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
            condition = {"question": source["code"], "any_of": picked}
        kind = draw(st.sampled_from(["single", "multiple", "rating", "text"]))
        question: dict[str, Any] = {"code": code, "type": kind, "text": code}
        if kind in ("single", "multiple"):
            choices = []
            for k in range(draw(st.integers(2, 4))):
                choice: dict[str, Any] = {"code": f"c{k}", "label": f"c{k}"}
                targets = [f"q{j}" for j in range(i + 1, count)] + ["END"]
                if kind == "single" and draw(st.booleans()):
                    choice["jump_to"] = draw(st.sampled_from(targets))
                choices.append(choice)
            question["choices"] = choices
        if condition:
            question["condition"] = condition
        questions.append(question)
    return parse_definition({"questions": questions})


def answer_sets(definition: Definition) -> st.SearchStrategy[dict[str, Any]]:
    """Any answers, to any questions, hidden or not."""
    values: dict[str, st.SearchStrategy[Any]] = {}
    for question in definition.questions:
        codes = [c.code for c in question.choices] or ["c0"]
        values[question.code] = st.one_of(
            st.none(),
            st.sampled_from(codes),
            st.lists(st.sampled_from(codes), unique=True),
            st.integers(0, 10),
        )
    return st.fixed_dictionaries({}, optional=values)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_branching_never_shows_a_question_before_its_conditions_and_never_goes_back(
    data: st.DataObject,
) -> None:
    definition = data.draw(definitions())
    answers = data.draw(answer_sets(definition))
    shown = shown_questions(definition, answers)
    order = [definition.index_of(code) for code in shown]
    assert order == sorted(set(order))  # strictly forward: no jump back, nothing twice
    for position, code in enumerate(shown):
        question = definition.questions[definition.index_of(code) or 0]
        if question.condition is not None:
            # its condition's question was asked before it
            assert question.condition.question in shown[:position]
