"""Issue 21 §1 through the API, on SQLite and PostgreSQL: build a questionnaire, edit its
draft, publish it (frozen: edits answer 409 naming the version), start a new draft, and
check answers against a version without storing them.

The worked example is a 4-question survey written out here by hand, with the answers
each path must accept or refuse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.surveys.models import QuestionnaireVersion

BASE = "/api/v1/questionnaires"

# 1 修好了吗 (single, required; "no" jumps to question 4), 2 满意度 1-5 (required),
# 3 晚了多久 (text of at most 20, shown only if 1 was "yes_late"), 4 建议 (text).
SURVEY: dict[str, Any] = {
    "intro": "您好，这里是96296，回访您的报修",
    "questions": [
        {
            "code": "fixed",
            "type": "single",
            "text": "故障修好了吗？",
            "required": True,
            "choices": [
                {"code": "yes", "label": "修好了"},
                {"code": "yes_late", "label": "修好了，但晚了"},
                {"code": "no", "label": "没修好", "jump_to": "advice"},
            ],
        },
        {"code": "score", "type": "rating", "text": "对维修服务满意吗？", "required": True},
        {
            "code": "why_late",
            "type": "text",
            "text": "晚了多久？",
            "max_length": 20,
            "condition": {"question": "fixed", "any_of": ["yes_late"]},
        },
        {"code": "advice", "type": "text", "text": "还有什么建议？"},
    ],
}


def create(client: TestClient, headers: dict, definition: dict | None = None) -> dict:
    body = {"name": "报修回访", "definition": definition or SURVEY}
    resp = client.post(BASE, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def check(client: TestClient, headers: dict, qid: str, answers: dict, number: int = 1) -> dict:
    resp = client.post(f"{BASE}/{qid}/versions/{number}/check", json={"answers": answers},
                       headers=headers)  # fmt: skip
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_the_worked_example_accepts_and_refuses_by_hand(
    client: TestClient, admin: dict, login: Callable[..., dict]
) -> None:
    qid = create(client, admin)["id"]
    agent = login(Role.agent)  # agents read and preview
    # fixed yes: score required, why_late hidden, advice optional
    ok = check(client, agent, qid, {"fixed": "yes", "score": 4})
    assert ok == {
        "valid": True,
        "shown": ["fixed", "score", "advice"],
        "accepted": {"fixed": "yes", "score": 4},
        "errors": {},
    }
    # fixed no: the jump skips score and why_late; an answer to score is refused
    jumped = check(client, agent, qid, {"fixed": "no", "score": 2, "advice": "再派人来"})
    assert jumped["shown"] == ["fixed", "advice"]
    assert jumped["valid"] is False
    assert set(jumped["errors"]) == {"answers.score"}
    assert jumped["accepted"] == {"fixed": "no", "advice": "再派人来"}
    # fixed no and nothing else: complete (score is required only when asked)
    assert check(client, agent, qid, {"fixed": "no"})["valid"] is True
    # yes_late: why_late shown, at most 20 characters
    late = check(client, agent, qid, {"fixed": "yes_late", "score": 3, "why_late": "两天"})
    assert late["valid"] is True and late["shown"] == ["fixed", "score", "why_late", "advice"]
    long = check(client, agent, qid, {"fixed": "yes_late", "score": 3, "why_late": "久" * 21})
    assert set(long["errors"]) == {"answers.why_late"}
    # why_late answered although fixed was "yes": hidden, refused
    hidden = check(client, agent, qid, {"fixed": "yes", "score": 3, "why_late": "两天"})
    assert set(hidden["errors"]) == {"answers.why_late"}
    # the required questions missing; a score out of 1-5; a code that is no choice
    assert set(check(client, agent, qid, {})["errors"]) == {"answers.fixed", "answers.score"}
    for bad in (0, 6, 4.5, True, "5"):
        got = check(client, agent, qid, {"fixed": "yes", "score": bad})
        assert set(got["errors"]) == {"answers.score"}, bad
    assert set(check(client, agent, qid, {"fixed": "maybe", "score": 5})["errors"]) == {
        "answers.fixed"
    }
    assert set(check(client, agent, qid, {"fixed": "yes", "score": 5, "zz": 1})["errors"]) == {
        "answers.zz"
    }


def test_publishing_freezes_and_a_new_draft_copies_the_latest(
    client: TestClient, admin: dict, database: Database
) -> None:
    made = create(client, admin)
    qid, v1 = made["id"], made["draft"]["id"]
    assert made["draft"]["number"] == 1 and made["draft"]["status"] == "draft"
    # the draft is editable
    edited = {**SURVEY, "intro": "您好"}
    resp = client.put(f"{BASE}/{qid}/versions/1", json={"definition": edited}, headers=admin)
    assert resp.status_code == 200 and resp.json()["definition"]["intro"] == "您好"
    # published: frozen, edits and a second publish answer 409 naming the version
    resp = client.post(f"{BASE}/{qid}/versions/1/publish", headers=admin)
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "published" and resp.json()["published_by"]
    for method, url, body in (
        ("PUT", f"{BASE}/{qid}/versions/1", {"definition": SURVEY}),
        ("POST", f"{BASE}/{qid}/versions/1/publish", None),
    ):
        resp = client.request(method, url, json=body, headers=admin)
        assert resp.status_code == 409, resp.text
        assert "version 1" in resp.json()["error"]["message"] and v1 in resp.text
    # a new draft: version 2, the latest definition, version 1 unchanged
    resp = client.post(f"{BASE}/{qid}/versions", headers=admin)
    assert resp.status_code == 201, resp.text
    assert resp.json()["number"] == 2 and resp.json()["definition"]["intro"] == "您好"
    # only one draft at a time
    resp = client.post(f"{BASE}/{qid}/versions", headers=admin)
    assert resp.status_code == 409 and "version 2" in resp.json()["error"]["message"]
    changed = {**SURVEY, "intro": "第二版"}
    resp = client.put(f"{BASE}/{qid}/versions/2", json={"definition": changed}, headers=admin)
    assert resp.status_code == 200
    one = client.get(f"{BASE}/{qid}/versions/1", headers=admin).json()
    assert one["definition"]["intro"] == "您好" and one["id"] == v1
    detail = client.get(f"{BASE}/{qid}", headers=admin).json()
    assert [(v["number"], v["status"]) for v in detail["versions"]] == [
        (1, "published"),
        (2, "draft"),
    ]
    with database.unit_of_work() as session:
        count = session.execute(select(func.count()).select_from(QuestionnaireVersion)).scalar()
    assert count == 2


def test_a_bad_definition_is_422_naming_the_path_and_nothing_is_stored(
    client: TestClient, admin: dict, database: Database
) -> None:
    backward = {
        "questions": [
            {"code": "a", "type": "text", "text": "A"},
            {
                "code": "b",
                "type": "single",
                "text": "B",
                "choices": [
                    {"code": "x", "label": "x", "jump_to": "a"},
                    {"code": "y", "label": "y"},
                ],
            },
        ]
    }
    resp = client.post(BASE, json={"name": "坏问卷", "definition": backward}, headers=admin)
    assert resp.status_code == 422
    assert list(resp.json()["error"]["fields"]) == ["definition.questions[1].choices[0].jump_to"]
    resp = client.post(
        BASE, json={"name": "坏问卷", "definition": {"questions": "x"}}, headers=admin
    )
    assert resp.status_code == 422 and "definition.questions" in resp.json()["error"]["fields"]
    resp = client.post(BASE, json={"name": "", "definition": SURVEY}, headers=admin)
    assert resp.status_code == 422 and "name" in resp.json()["error"]["fields"]
    nul = {"questions": [{"code": "a", "type": "text", "text": "A\x00"}]}
    resp = client.post(BASE, json={"name": "x", "definition": nul}, headers=admin)
    assert resp.status_code == 422
    # an edit refused leaves the draft as it was
    qid = create(client, admin)["id"]
    resp = client.put(f"{BASE}/{qid}/versions/1", json={"definition": backward}, headers=admin)
    assert resp.status_code == 422
    kept = client.get(f"{BASE}/{qid}/versions/1", headers=admin).json()["definition"]
    assert kept["intro"] == SURVEY["intro"]
    assert [q["code"] for q in kept["questions"]] == ["fixed", "score", "why_late", "advice"]
    assert kept["questions"][0]["choices"][2]["jump_to"] == "advice"
    with database.unit_of_work() as session:
        count = session.execute(select(func.count()).select_from(QuestionnaireVersion)).scalar()
    assert count == 1
    # unknown ids and numbers beyond any version: 404, never 500
    assert client.get(f"{BASE}/{qid}/versions/2", headers=admin).status_code == 404
    assert client.get(f"{BASE}/{qid}/versions/99999999999", headers=admin).status_code == 422
    zero = "01900000-0000-7000-8000-000000000000"
    assert client.get(f"{BASE}/{zero}", headers=admin).status_code == 404


def test_roles_read_and_write_as_the_table_says(
    client: TestClient, admin: dict, login: Callable[..., dict]
) -> None:
    qid = create(client, admin)["id"]
    lead, agent, tech = login(Role.team_lead), login(Role.agent), login(Role.technician)
    assert (
        client.post(BASE, json={"name": "班长", "definition": SURVEY}, headers=lead).status_code
        == 201
    )
    assert (
        client.post(BASE, json={"name": "坐席", "definition": SURVEY}, headers=agent).status_code
        == 403
    )
    assert client.get(BASE, headers=agent).status_code == 200
    assert client.get(f"{BASE}/{qid}", headers=tech).status_code == 403
    assert client.post(f"{BASE}/{qid}/versions/1/publish", headers=agent).status_code == 403


def test_the_list_pages_to_the_end(client: TestClient, admin: dict) -> None:
    made = [create(client, admin)["id"] for _ in range(5)]
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 2, "order_by": "created_at"}
    for _ in range(4):
        page = client.get(BASE, params=params, headers=admin).json()
        seen += [row["id"] for row in page["data"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == made  # oldest first, each once
    assert page["data"][-1]["latest"]["number"] == 1
    bad = client.get(BASE, params={"cursor": "nonsense"}, headers=admin)
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["fields"]
    assert client.get(BASE, params={"order_by": "colour"}, headers=admin).status_code == 422
