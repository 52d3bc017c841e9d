"""Live branching in the questionnaire forms (issue 21), on SQLite and PostgreSQL: the
endpoint the forms post their answers to answers the questions asked, written here by
hand for a questionnaire with a jump to the end and a condition; the agent's page and
the preview render skipped questions hidden and disabled; the server still refuses an
answer to a skipped question and stores nothing for it."""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from node.auth.accounts import Role
from node.surveys import campaigns
from node.surveys.campaign_models import SurveyResponse
from node.surveys.definition import Definition
from node.surveys.service import create_questionnaire, publish
from node.web import pages_survey_work
from tests.callback_helpers import add_numbers
from tests.survey_page_helpers import fix_clock, make_ready
from tests.test_web_pages import _page_csrf, web_login

WORK = "/ui/surveys/work"
# 不是本人 ends the call's questions; 没修好 asks why; the rest asks every question.
BRANCHING: dict[str, Any] = {
    "questions": [
        {
            "code": "reached",
            "type": "single",
            "text": "是本人接听吗？",
            "required": True,
            "choices": [
                {"code": "yes", "label": "是本人"},
                {"code": "no", "label": "不是本人", "jump_to": "END"},
            ],
        },
        {
            "code": "fixed",
            "type": "single",
            "text": "故障修好了吗？",
            "required": True,
            "choices": [{"code": "yes", "label": "修好了"}, {"code": "no", "label": "没修好"}],
        },
        {
            "code": "why",
            "type": "text",
            "text": "哪里没修好？",
            "condition": {"question": "fixed", "any_of": ["no"]},
        },
        {"code": "score", "type": "rating", "text": "对维修服务满意吗？", "required": True},
    ]
}


def branching_campaign(session, name: str = "报修回访") -> tuple[uuid.UUID, str]:  # type: ignore[no-untyped-def]
    """An open campaign on a published BRANCHING questionnaire; its id and the preview
    path of the version (/ui/questionnaires/{id}/versions/1)."""
    questionnaire, version = create_questionnaire(
        session, name, "", Definition.model_validate(BRANCHING)
    )
    publish(session, version, "admin")
    campaign = campaigns.create_campaign(session, name, version.id, campaigns.Rules(), "lead")
    return campaign.id, f"/ui/questionnaires/{questionnaire.id}/versions/1"


@pytest.fixture
def setup(client, make_user, database):  # type: ignore[no-untyped-def]
    """The campaign with one number to call, and the agent's logged-in browser."""
    with database.unit_of_work() as session:
        campaign_id, version_path = branching_campaign(session)
        campaign = campaigns.get_campaign(session, campaign_id)
        add_numbers(session, campaign, ["13800138001"])
    agent = make_user(Role.agent)
    make_ready(database, agent["id"])
    return web_login(client.app, agent["username"]), version_path


def _hidden(html: str) -> dict[str, bool]:
    """Each question fieldset's code -> whether it is rendered hidden and disabled."""
    found = {}
    for attrs in re.findall(r"<fieldset([^>]*data-question=[^>]*)>", html):
        code = re.search(r'data-question="([^"]+)"', attrs)
        assert code is not None
        hidden, disabled = " hidden" in attrs, " disabled" in attrs
        assert hidden == disabled, attrs  # a hidden question is never posted
        found[code.group(1)] = hidden
    return found


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({}, ["reached", "fixed", "score"]),  # why waits for 没修好
        ({"a.reached": "no"}, ["reached"]),  # the jump to the end
        ({"a.reached": "yes"}, ["reached", "fixed", "score"]),
        ({"a.reached": "yes", "a.fixed": "no"}, ["reached", "fixed", "why", "score"]),
        ({"a.reached": "yes", "a.fixed": "yes", "a.score": "5"}, ["reached", "fixed", "score"]),
        # an answer to a skipped question steers nothing
        ({"a.reached": "no", "a.fixed": "no"}, ["reached"]),
        ({"a.reached": "maybe"}, ["reached", "fixed", "score"]),  # not a choice: no jump
    ],
)
def test_the_endpoint_answers_the_questions_asked(setup, answers, shown):
    browser, version_path = setup
    csrf = _page_csrf(browser, f"{version_path}/preview")
    resp = browser.post(f"{version_path}/shown", data={"csrf_token": csrf, **answers})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"shown": shown}


def test_the_endpoint_checks_csrf_permission_and_the_version(client, make_user, setup):
    browser, version_path = setup
    csrf = _page_csrf(browser, f"{version_path}/preview")
    assert browser.post(f"{version_path}/shown", data={"a.reached": "no"}).status_code == 403
    unknown = f"/ui/questionnaires/{uuid.uuid4()}/versions/1/shown"
    assert browser.post(unknown, data={"csrf_token": csrf}).status_code == 404
    for number in ("0", "2", "99999999999999999999"):
        path = version_path.rsplit("/", 1)[0] + f"/{number}/shown"
        assert browser.post(path, data={"csrf_token": csrf}).status_code == 404, number
    bad = "/ui/questionnaires/xyz/versions/1/shown"
    assert browser.post(bad, data={"csrf_token": csrf}).status_code == 422
    technician = web_login(client.app, make_user(Role.technician)["username"])
    tech_csrf = _page_csrf(technician, "/ui/customers")
    refused = technician.post(f"{version_path}/shown", data={"csrf_token": tech_csrf})
    assert refused.status_code == 403


def test_the_agents_form_renders_skipped_questions_hidden_and_stores_none(
    setup, database, monkeypatch
):
    fix_clock(monkeypatch, pages_survey_work)
    browser, version_path = setup
    taken = browser.post(f"{WORK}/next", data={"csrf_token": _page_csrf(browser, WORK)},
                         follow_redirects=False)  # fmt: skip
    assert taken.status_code == 303 and taken.headers["location"] == WORK
    page = browser.get(WORK).text
    assert _hidden(page) == {"reached": False, "fixed": False, "why": True, "score": False}
    assert f'data-shown-url="{version_path}/shown"' in page
    assert "/ui/static/survey_branching.js" in page
    task_id = re.search(r'data-task="([^"]+)"', page)
    assert task_id is not None
    result_url = f"{WORK}/tasks/{task_id.group(1)}/result"
    csrf = _page_csrf(browser, WORK)
    # without the script an agent may still send an answer branching skips: refused,
    # named, and the form comes back with the skipped questions already hidden
    sent = {"csrf_token": csrf, "a.reached": "no", "a.fixed": "yes", "result": "completed"}
    resp = browser.post(result_url, data=sent)
    assert resp.status_code == 422
    assert _hidden(resp.text) == {"reached": False, "fixed": True, "why": True, "score": True}
    assert re.search(r'role="alert">fixed：[^<]*branching skips it', resp.text), resp.text
    # 没修好 asks why, before the score
    sent = {"csrf_token": csrf, "a.reached": "yes", "a.fixed": "no", "a.score": "9",
            "result": "completed"}  # fmt: skip
    resp = browser.post(result_url, data=sent)
    assert resp.status_code == 422 and 'id="err-score"' in resp.text  # 1 to 5 only
    assert _hidden(resp.text) == {"reached": False, "fixed": False, "why": False, "score": False}
    # 不是本人 with 拨打成功: only that answer is stored
    sent = {"csrf_token": csrf, "a.reached": "no", "result": "completed"}
    done = browser.post(result_url, data=sent, follow_redirects=False)
    assert done.status_code == 303, done.text
    with database.unit_of_work(write=False) as session:
        (response,) = session.execute(select(SurveyResponse)).scalars()
        assert orjson.loads(response.answers) == {"reached": "no"}
        assert response.partial is False


def test_the_preview_renders_skipped_questions_hidden_until_refused(setup):
    browser, version_path = setup
    preview = f"{version_path}/preview"
    form = browser.get(preview).text
    assert _hidden(form) == {"reached": False, "fixed": False, "why": True, "score": False}
    assert f'data-shown-url="{version_path}/shown"' in form
    csrf = _page_csrf(browser, preview)
    # checked: the questions not asked are hidden, but one answered anyway stays in
    # sight, marked skipped, with the refusal under it
    resp = browser.post(preview, data={"csrf_token": csrf, "a.reached": "no", "a.score": "4"})
    assert resp.status_code == 422
    assert _hidden(resp.text) == {"reached": False, "fixed": True, "why": True, "score": False}
    assert "data-skipped-note>(按答案跳过)" in resp.text and "branching skips it" in resp.text


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.admin, 200),
        (Role.team_lead, 200),
        (Role.agent, 200),
        (Role.account_manager, 200),
        (Role.analyst, 200),
        (Role.dispatcher, 403),
        (Role.technician, 403),
    ],
)
def test_each_role_may_ask_as_surveys_read_says(client, make_user, setup, role, status):
    _, version_path = setup
    browser = web_login(client.app, make_user(role)["username"])
    csrf = _page_csrf(browser, "/ui/customers")
    resp = browser.post(f"{version_path}/shown", data={"csrf_token": csrf, "a.reached": "no"})
    assert resp.status_code == status
    if status == 200:
        assert resp.json() == {"shown": ["reached"]}
