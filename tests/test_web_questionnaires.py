"""The questionnaire pages (issue 21 §1): a team lead builds a questionnaire from JSON
(bad paths listed beside the box, nothing stored), publishes it, and the preview shows
on submit which questions branching asks and which answers it refuses; agents preview
but cannot build; the pages speak English with the switch."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.surveys.models import Questionnaire
from tests.test_web_pages import _page_csrf, web_login

SURVEY = {
    "questions": [
        {
            "code": "fixed",
            "type": "single",
            "text": "故障修好了吗？",
            "required": True,
            "choices": [
                {"code": "yes", "label": "修好了"},
                {"code": "no", "label": "没修好", "jump_to": "note"},
            ],
        },
        {"code": "score", "type": "rating", "text": "满意吗？", "required": True},
        {"code": "note", "type": "text", "text": "建议"},
    ]
}


def _count(database: Database) -> int:
    with database.unit_of_work(write=False) as session:
        return session.execute(select(func.count()).select_from(Questionnaire)).scalar_one()


def test_build_publish_and_preview(client: TestClient, make_user, database: Database) -> None:
    lead = web_login(client.app, make_user(Role.team_lead)["username"])
    csrf = _page_csrf(lead, "/ui/questionnaires")
    # a backward jump: refused, the path named, nothing stored
    bad = json.loads(json.dumps(SURVEY))
    bad["questions"][0]["choices"][1]["jump_to"] = "fixed"
    resp = lead.post(
        "/ui/questionnaires",
        data={"csrf_token": csrf, "name": "报修回访", "definition": json.dumps(bad)},
    )
    assert resp.status_code == 422 and "questions[0].choices[1].jump_to" in resp.text
    assert _count(database) == 0
    resp = lead.post(
        "/ui/questionnaires",
        data={"csrf_token": csrf, "name": "报修回访", "definition": "{not json"},
    )
    assert resp.status_code == 422 and _count(database) == 0
    resp = lead.post(
        "/ui/questionnaires",
        data={"csrf_token": csrf, "name": "报修回访", "definition": json.dumps(SURVEY)},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    page_url = resp.headers["location"]
    page = lead.get(page_url)
    assert page.status_code == 200 and "第 1 版草稿" in page.text
    resp = lead.post(
        f"{page_url}/versions/1/publish", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert resp.status_code == 303
    page = lead.get(page_url).text
    assert "已发布" in page and "从最新版本新建草稿" in page
    # saving the published version: refused, naming the version
    resp = lead.post(
        f"{page_url}/versions/1", data={"csrf_token": csrf, "definition": json.dumps(SURVEY)}
    )
    assert resp.status_code == 409 and "version 1" in resp.text

    agent = web_login(client.app, make_user(Role.agent)["username"])
    preview = f"{page_url}/versions/1/preview"
    form = agent.get(preview)
    assert form.status_code == 200 and 'name="a.score"' in form.text
    agent_csrf = _page_csrf(agent, preview)
    # "no" jumps over score: an answer to it is refused, the walk shown
    resp = agent.post(preview, data={"csrf_token": agent_csrf, "a.fixed": "no", "a.score": "4"})
    assert resp.status_code == 422
    assert "fixed → note" in resp.text and "branching skips it" in resp.text
    resp = agent.post(preview, data={"csrf_token": agent_csrf, "a.fixed": "yes", "a.score": "4"})
    assert resp.status_code == 200 and "答案有效" in resp.text
    # agents cannot build
    resp = agent.post(
        "/ui/questionnaires",
        data={"csrf_token": agent_csrf, "name": "x", "definition": json.dumps(SURVEY)},
    )
    assert resp.status_code == 403 and _count(database) == 1
    agent.cookies.set("fedcrm_lang", "en")
    english = agent.get("/ui/questionnaires").text
    assert "Callback questionnaires" in english and re.search(r">\s*Published\s*<", english)
    technician = web_login(client.app, make_user(Role.technician)["username"])
    assert technician.get("/ui/questionnaires").status_code == 403
