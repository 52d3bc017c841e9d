"""Issue 22 §3, 有帮助 / 没帮助 and view counts that roll up to the article's owner, on
SQLite and PostgreSQL: a reader's latest answer wins, reads count per node, article and
office day (Asia/Shanghai), readers cannot answer what they may not read nor see the
editor's figures, and a city's rows applied at its province make the province's figures
the hand sum. Every expectation is written out here by hand."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from federation.receiving.apply import apply_incoming
from federation.sending.capture import read_changes
from node.app import create_app
from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.knowledge import review
from node.knowledge.articles import ArticleFields, create_article
from node.knowledge.feedback import count_view, give_feedback, office_day
from node.knowledge.feedback_figures import feedback_report
from node.knowledge.feedback_models import KbViewCount
from node.knowledge.folders import create_folder
from node.knowledge.from_above import take_from_above
from node.settings import DatabaseSection, NodeSection, NodeSettings
from node.users.resource import add_user
from tests.conftest import NODE_CODE, PASSWORD
from tests.test_web_pages import csrf_of, web_login

KB = "/api/v1/kb"
PROVINCE = "430000"


def _folder(client: TestClient, headers: dict) -> str:
    name = f"制度{uuid.uuid4().hex[:6]}"  # siblings may not share a name
    resp = client.post(f"{KB}/folders", json={"name": name}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _article(client: TestClient, editor: dict, reviewer: dict | None, title: str) -> str:
    """An article by `editor`, published by `reviewer` (None: left a draft)."""
    body = {"folder_id": _folder(client, editor), "kind": "policy", "title": title, "body": "正文"}
    made = client.post(f"{KB}/articles", json=body, headers=editor)
    assert made.status_code == 201, made.text
    article_id = made.json()["id"]
    if reviewer is not None:
        assert client.post(f"{KB}/articles/{article_id}/submit", headers=editor).status_code == 200
        approved = client.post(f"{KB}/articles/{article_id}/approve", headers=reviewer)
        assert approved.status_code == 200, approved.text
    return article_id


def _answer(client: TestClient, headers: dict, article_id: str, **body: object):  # type: ignore[no-untyped-def]
    return client.post(f"{KB}/articles/{article_id}/feedback", json=body, headers=headers)


def _report(client: TestClient, headers: dict, article_id: str, **params: object) -> dict:
    resp = client.get(f"{KB}/articles/{article_id}/feedback", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.fixture
def people(login: Callable[..., dict]) -> dict[str, dict]:
    """An editor (team lead), a reviewer (admin) and three readers (agents)."""
    return {
        "editor": login(Role.team_lead),
        "reviewer": login(Role.admin),
        "ann": login(Role.agent),
        "bo": login(Role.agent),
        "cai": login(Role.agent),
    }


def test_the_latest_answer_of_each_reader_counts(client: TestClient, people: dict) -> None:
    editor, ann, bo, cai = people["editor"], people["ann"], people["bo"], people["cai"]
    aid = _article(client, editor, people["reviewer"], "请假规定")
    first = _answer(client, ann, aid, helpful=True, comment="写得清楚")
    assert first.status_code == 200, first.text
    assert first.json()["helpful"] == 1 and first.json()["not_helpful"] == 0
    assert first.json()["mine"]["helpful"] is True
    assert first.json()["mine"]["comment"] == "写得清楚"
    assert _answer(client, bo, aid, helpful=False).status_code == 200
    assert _answer(client, cai, aid, helpful=True, comment="有用").json()["helpful"] == 2
    # 蔡 changes her mind: her answer replaces the first, she still counts once.
    changed = _answer(client, cai, aid, helpful=False, comment="找不到电话")
    assert changed.status_code == 200
    counts = changed.json()
    assert (counts["helpful"], counts["not_helpful"]) == (1, 2)
    assert counts["helpful_share"] == pytest.approx(1 / 3)
    assert counts["mine"] == {**counts["mine"], "helpful": False, "comment": "找不到电话"}

    report = _report(client, editor, aid)
    assert (report["helpful"], report["not_helpful"]) == (1, 2)
    assert report["helpful_share"] == pytest.approx(1 / 3)
    assert [o["origin"] for o in report["by_origin"]] == [NODE_CODE]
    assert report["by_origin"][0]["helpful"] == 1 and report["by_origin"][0]["not_helpful"] == 2
    # Two comments (博 left none), the newest first: 蔡's second one replaced her first.
    assert report["comments_total"] == 2
    assert [c["comment"] for c in report["comments"]] == ["找不到电话", "写得清楚"]
    assert report["comments"][0]["helpful"] is False
    assert report["comments"][0]["origin"] == NODE_CODE
    second = _report(client, editor, aid, limit=1, offset=1)
    assert [c["comment"] for c in second["comments"]] == ["写得清楚"]
    assert second["comments_total"] == 2 and (second["limit"], second["offset"]) == (1, 1)
    # No answer yet: the share is null, not a division by zero.
    other = _article(client, editor, people["reviewer"], "考勤制度")
    empty = _report(client, editor, other)
    assert empty["helpful_share"] is None and empty["by_origin"] == []
    assert empty["comments"] == [] and empty["comments_total"] == 0


def test_each_read_counts_one_view_per_reader_read(client: TestClient, people: dict) -> None:
    editor, ann, bo = people["editor"], people["ann"], people["bo"]
    aid = _article(client, editor, people["reviewer"], "请假规定")
    for reader in (ann, ann, bo):
        assert client.get(f"{KB}/articles/{aid}", headers=reader).status_code == 200
    # The editor checking their own article is not a reader's read.
    assert client.get(f"{KB}/articles/{aid}", headers=editor).status_code == 200
    report = _report(client, editor, aid)
    assert (report["views"], report["views_30d"]) == (3, 3)
    assert report["by_origin"] == [
        {"origin": NODE_CODE, "views": 3, "views_30d": 3, "helpful": 0, "not_helpful": 0,
         "helpful_share": None}
    ]  # fmt: skip
    # A draft is no reader's: its read is a 404 and counts nothing.
    draft = _article(client, editor, None, "草稿")
    assert client.get(f"{KB}/articles/{draft}", headers=ann).status_code == 404
    assert _report(client, editor, draft)["views"] == 0


def test_views_count_by_office_day_across_midnight(database: Database) -> None:
    article_id = uuid.uuid4()
    # 16:30 UTC on the 7th is 00:30 on the 8th in Beijing; 15:59 UTC is still the 7th.
    assert office_day(datetime(2026, 12, 7, 16, 30, tzinfo=UTC)) == date(2026, 12, 8)
    assert office_day(datetime(2026, 12, 7, 15, 59, tzinfo=UTC)) == date(2026, 12, 7)
    reads = [
        datetime(2026, 12, 7, 15, 59, tzinfo=UTC),  # 12-07
        datetime(2026, 12, 7, 16, 30, tzinfo=UTC),  # 12-08
        datetime(2026, 12, 8, 1, 0, tzinfo=UTC),  # 12-08
        datetime(2026, 11, 8, 16, 0, tzinfo=UTC),  # 11-09: the 30th day back from 12-08
        datetime(2026, 11, 8, 15, 0, tzinfo=UTC),  # 11-08: 31 days back, outside
    ]
    with database.unit_of_work() as session:
        for at in reads:
            count_view(session, article_id, at)
    with database.unit_of_work(write=False) as session:
        days = session.execute(
            select(KbViewCount.day, KbViewCount.views, KbViewCount.origin_version)
            .where(KbViewCount.article_id == article_id)
            .order_by(KbViewCount.day)
        ).all()
        assert [tuple(d) for d in days] == [
            (date(2026, 11, 8), 1, 1),
            (date(2026, 11, 9), 1, 1),
            (date(2026, 12, 7), 1, 1),
            (date(2026, 12, 8), 2, 2),  # the second read changed the row: version 2
        ]
        report = feedback_report(session, article_id, date(2026, 12, 8), 10, 0)
        assert (report.total.views, report.total.views_30d) == (5, 4)
        # Seen from the 7th, the 8th lies ahead: not in the last 30 days.
        earlier = feedback_report(session, article_id, date(2026, 12, 7), 10, 0)
        assert earlier.total.views_30d == 3


def test_readers_answer_only_what_they_may_read(client: TestClient, people: dict) -> None:
    editor, ann = people["editor"], people["ann"]
    draft = _article(client, editor, None, "草稿")
    assert _answer(client, ann, draft, helpful=True).status_code == 404
    assert _answer(client, ann, str(uuid.uuid4()), helpful=True).status_code == 404
    assert _answer(client, ann, "not-an-id", helpful=True).status_code == 422
    # The editor's figures are the editor's: a reader is refused, an unknown id is a 404.
    published = _article(client, editor, people["reviewer"], "请假规定")
    resp = client.get(f"{KB}/articles/{published}/feedback", headers=ann)
    assert resp.status_code == 403
    unknown = client.get(f"{KB}/articles/{uuid.uuid4()}/feedback", headers=editor)
    assert unknown.status_code == 404
    assert _report(client, editor, draft)["helpful"] == 0  # nothing was written


def test_a_reader_outside_the_audience_neither_answers_nor_counts(
    client: TestClient, people: dict
) -> None:
    editor, reviewer = people["editor"], people["reviewer"]
    made = client.post(
        f"{KB}/audiences", json={"name": "调度", "roles": ["dispatcher"]}, headers=editor
    )
    assert made.status_code == 201, made.text
    aid = _article(client, editor, None, "派单规定")
    fields = {"folder_id": _folder(client, editor), "kind": "rule", "title": "派单规定",
              "body": "正文", "audience_id": made.json()["id"]}  # fmt: skip
    assert client.put(f"{KB}/articles/{aid}", json=fields, headers=editor).status_code == 200
    assert client.post(f"{KB}/articles/{aid}/submit", headers=editor).status_code == 200
    assert client.post(f"{KB}/articles/{aid}/approve", headers=reviewer).status_code == 200
    # 安 is an agent: the article is not for her, so it does not exist for her.
    assert client.get(f"{KB}/articles/{aid}", headers=people["ann"]).status_code == 404
    assert _answer(client, people["ann"], aid, helpful=True).status_code == 404
    report = _report(client, editor, aid)
    assert (report["views"], report["helpful"], report["not_helpful"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "helpful"),
        ({"helpful": "yes"}, "helpful"),
        ({"helpful": 1}, "helpful"),
        ({"helpful": None}, "helpful"),
        ({"helpful": True, "comment": "长" * 501}, "comment"),
        ({"helpful": True, "comment": "a\x00b"}, "comment"),
        ({"helpful": True, "comment": 5}, "comment"),
        ({"helpful": True, "stars": 5}, "stars"),
    ],
)
def test_a_bad_answer_is_422_naming_the_field(
    client: TestClient, people: dict, body: dict, field: str
) -> None:
    aid = _article(client, people["editor"], people["reviewer"], "请假规定")
    resp = _answer(client, people["ann"], aid, **body)
    assert resp.status_code == 422, resp.text
    assert field in resp.json()["error"]["fields"]
    assert _report(client, people["editor"], aid)["helpful"] == 0


def test_bad_paging_of_the_report_is_422(client: TestClient, people: dict) -> None:
    aid = _article(client, people["editor"], people["reviewer"], "请假规定")
    for params, field in (({"limit": 0}, "limit"), ({"offset": -1}, "offset"),
                          ({"limit": "x"}, "limit"), ({"offset": 10**7}, "offset")):  # fmt: skip
        url = f"{KB}/articles/{aid}/feedback"
        resp = client.get(url, params=params, headers=people["editor"])
        assert resp.status_code == 422 and field in resp.json()["error"]["fields"], resp.text
    # A comment of exactly 500 characters is taken.
    full = _answer(client, people["ann"], aid, helpful=True, comment="长" * 500)
    assert full.status_code == 200


def test_the_web_page_takes_an_answer_and_shows_the_figures(
    client: TestClient, make_user: Callable[..., dict]
) -> None:
    app = client.app
    editor = make_user(Role.team_lead)
    reviewer = make_user(Role.admin)
    reader = make_user(Role.agent)
    heads = {}
    for who in (editor, reviewer):
        token = client.post(
            "/api/v1/auth/login", json={"username": who["username"], "password": PASSWORD}
        ).json()["access_token"]
        heads[who["username"]] = {"Authorization": f"Bearer {token}"}
    aid = _article(client, heads[editor["username"]], heads[reviewer["username"]], "请假规定")
    browser = web_login(app, reader["username"])
    page = f"/ui/kb/articles/{aid}"
    shown = browser.get(page)
    assert shown.status_code == 200
    assert 'data-section="kb-feedback-form"' in shown.text and "有帮助" in shown.text
    assert 'data-section="kb-feedback"' not in shown.text  # the figures are the editor's
    token = csrf_of(shown.text)
    done = browser.post(
        f"{page}/feedback",
        data={"csrf_token": token, "helpful": "0", "comment": "电话打不通"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{page}?done=feedback"
    after = browser.get(done.headers["location"])
    assert 'data-helpful="no"' in after.text and "电话打不通" in after.text
    assert "感谢您的反馈" in after.text
    # Bad forms: no answer, a comment too long, no CSRF token; each changes nothing.
    token = csrf_of(after.text)
    missing = browser.post(f"{page}/feedback", data={"csrf_token": token, "helpful": "maybe"})
    assert missing.status_code == 422 and 'id="err-helpful"' in missing.text
    assert missing.text.count("请选择有帮助或没帮助") == 1  # beside its field, not twice
    long = browser.post(
        f"{page}/feedback", data={"csrf_token": token, "helpful": "1", "comment": "长" * 501}
    )
    assert long.status_code == 422 and 'id="err-comment"' in long.text
    assert browser.post(f"{page}/feedback", data={"helpful": "1"}).status_code == 403
    # The editor's page: one read (the reader's first; the page after the answer is not
    # counted again), no helpful, one not helpful, the comment.
    editor_browser = web_login(app, editor["username"])
    panel = editor_browser.get(page).text
    assert 'data-section="kb-feedback"' in panel and "读者反馈" in panel
    assert 'data-field="kbf-views">1<' in panel
    assert 'data-field="kbf-helpful">0<' in panel
    assert 'data-field="kbf-not-helpful">1<' in panel
    assert 'data-field="kbf-share">0.0%<' in panel
    assert "电话打不通" in panel
    # A page of comments past the end, or a garbled offset, is still a page.
    for offset in ("999999", "-1", "x", "9" * 30):
        assert editor_browser.get(f"{page}?fb_offset={offset}").status_code == 200


# ---- the roll-up: a city's rows applied at its province -------------------------------


def _hand_up(child: Database, parent: Database, table: str) -> None:
    """What the city's capture reads of `table`, applied at the province as receive does."""
    with child.engine.connect() as conn:
        changes = read_changes(conn, table, 0, 1000)
    assert changes is not None
    apply_incoming(parent, NODE_CODE, table, changes.rows, 0, changes.seq_end)


def test_a_citys_rows_make_the_provinces_figures_the_hand_sum(
    client: TestClient,
    login: Callable[..., dict],
    database: Database,
    parent_database: Database,
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    # The province publishes an article; the city takes it as a read-only article with
    # the same id (node.knowledge.from_above).
    with parent_database.unit_of_work() as session:
        folder = create_folder(session, "营业厅制度", None, "zhang.wei")
        fields = ArticleFields(folder.id, "policy", [], False, None, None)
        made = create_article(session, fields, "停机保号办理规定", "凭身份证办理", "", "zhang.wei")
        review.submit(session, made, "zhang.wei")
        review.approve(session, made, "li.na")
        aid = made.id.hex
        add_user(session, "prov_lead", "省班长", Role.team_lead, PASSWORD, None)
        add_user(session, "prov_agent", "省坐席", Role.agent, PASSWORD, None)
    with parent_database.engine.connect() as conn:
        down = read_changes(conn, "kb_publications", 0, 100)
    assert down is not None
    apply_incoming(database, PROVINCE, "kb_publications", down.rows, 0, down.seq_end)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 1
    # At the city: three readers read it (4 reads) and answer; one changes her mind.
    ann, bo, cai = login(Role.agent), login(Role.agent), login(Role.agent)
    for reader in (ann, bo, cai, ann):
        assert client.get(f"{KB}/articles/{aid}", headers=reader).status_code == 200
    assert _answer(client, ann, aid, helpful=True, comment="清楚").status_code == 200
    assert _answer(client, bo, aid, helpful=True).status_code == 200
    assert _answer(client, cai, aid, helpful=True).status_code == 200
    assert _answer(client, cai, aid, helpful=False, comment="太长").status_code == 200
    _hand_up(database, parent_database, "kb_feedback")
    _hand_up(database, parent_database, "kb_view_counts")
    # At the province: one reader of its own reads it twice and finds it helpful.
    settings = NodeSettings(
        data_dir=tmp_path / "province",
        node=NodeSection(level="province", code=PROVINCE, name="湖南省"),
        database=DatabaseSection(url=parent_database.engine.url.render_as_string(False)),
    )
    settings.data_dir.mkdir()
    with TestClient(create_app(settings, parent_database)) as province:

        def token(username: str) -> dict:
            body = {"username": username, "password": PASSWORD}
            resp = province.post("/api/v1/auth/login", json=body)
            assert resp.status_code == 200, resp.text
            return {"Authorization": f"Bearer {resp.json()['access_token']}"}

        lead, agent = token("prov_lead"), token("prov_agent")
        for _ in range(2):
            assert province.get(f"{KB}/articles/{aid}", headers=agent).status_code == 200
        assert _answer(province, agent, aid, helpful=True).status_code == 200
        report = _report(province, lead, aid)
    # By hand: city 4 reads, helpful 2 (安, 博), not 1 (蔡); province 2 reads, helpful 1.
    assert (report["views"], report["views_30d"]) == (6, 6)
    assert (report["helpful"], report["not_helpful"]) == (3, 1)
    assert report["helpful_share"] == pytest.approx(3 / 4)
    by_origin = {o["origin"]: o for o in report["by_origin"]}
    assert sorted(by_origin) == [PROVINCE, NODE_CODE]
    assert by_origin[NODE_CODE] == {"origin": NODE_CODE, "views": 4, "views_30d": 4,
                                    "helpful": 2, "not_helpful": 1,
                                    "helpful_share": pytest.approx(2 / 3)}  # fmt: skip
    assert by_origin[PROVINCE]["views"] == 2 and by_origin[PROVINCE]["helpful"] == 1
    assert report["comments_total"] == 2
    assert {c["comment"] for c in report["comments"]} == {"清楚", "太长"}
    assert {c["origin"] for c in report["comments"]} == {NODE_CODE}


# ---- the fold, as a property -----------------------------------------------------------

ANSWERS = st.lists(st.tuples(st.integers(0, 4), st.booleans()), max_size=25)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=ANSWERS)
def test_the_totals_are_the_fold_of_the_last_answer_per_user(
    database: Database, answers: list[tuple[int, bool]]
) -> None:
    article_id = uuid.uuid4()  # a fresh article per example: the rows of others are not read
    users = [uuid.uuid4() for _ in range(5)]
    for who, helpful in answers:  # one request per answer, as the API makes them
        with database.unit_of_work() as session:
            give_feedback(session, article_id, users[who], f"user{who}", helpful, None)
    last: dict[int, bool] = {}
    for who, helpful in answers:
        last[who] = helpful
    yes = sum(1 for helpful in last.values() if helpful)
    no = len(last) - yes
    with database.unit_of_work(write=False) as session:
        report = feedback_report(session, article_id, date(2026, 12, 8), 10, 0)
    assert (report.total.helpful, report.total.not_helpful) == (yes, no)
    assert report.total.helpful_share == (yes / len(last) if last else None)
    assert list(report.by_origin) == ([NODE_CODE] if last else [])


# ---- extremes a child may send -------------------------------------------------------


def test_the_largest_counts_and_oddest_comments_a_child_sends_are_shown(
    database: Database, parent_database: Database
) -> None:
    """Rows at the ends of what receive accepts (docs/federation.md rule 12): views at
    2^31-1 on several days, days at both ends of the accepted range, a 500-character
    comment of markup. The province's figures add them without overflow, its own read
    past the bound holds the bound, and its editor's report answers."""
    article_id, reader = uuid.uuid4(), uuid.uuid4()
    days = [
        datetime(1900, 1, 1, 12, tzinfo=UTC),
        datetime(2026, 12, 7, 12, tzinfo=UTC),
        datetime(2199, 12, 30, 12, tzinfo=UTC),
    ]
    with database.unit_of_work() as session:
        for at in days:
            count_view(session, article_id, at)
        comment = ("<script>alert(1)</script>" * 20)[:500]
        give_feedback(session, article_id, reader, "r" * 80, False, comment)
        session.execute(
            KbViewCount.__table__.update()
            .where(KbViewCount.article_id == article_id)
            .values(views=2**31 - 1)
        )
    _hand_up(database, parent_database, "kb_feedback")
    _hand_up(database, parent_database, "kb_view_counts")
    with parent_database.unit_of_work() as session:
        # The province's own row at the bound: another read holds it there.
        count_view(session, article_id, datetime(2026, 12, 7, 12, tzinfo=UTC))
        session.execute(
            KbViewCount.__table__.update()
            .where(KbViewCount.origin == PROVINCE)
            .values(views=2**31 - 1)
        )
        count_view(session, article_id, datetime(2026, 12, 7, 13, tzinfo=UTC))
    with parent_database.unit_of_work(write=False) as session:
        report = feedback_report(session, article_id, date(2026, 12, 7), 10, 0)
    assert report.total.views == 4 * (2**31 - 1)
    assert report.total.views_30d == 2 * (2**31 - 1)  # the 7th at both nodes; not 2199
    assert report.by_origin[PROVINCE].views == 2**31 - 1
    assert (report.total.helpful, report.total.not_helpful) == (0, 1)
    assert report.total.helpful_share == 0.0
    assert [c.comment for c in report.comments] == [comment]
