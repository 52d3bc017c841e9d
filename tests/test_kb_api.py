"""Issue 22, the knowledge base at one node, through the API on SQLite and PostgreSQL:
folders, the approval flow with who and when, readers keeping the published version
while a new one is reviewed, version diffs, Markdown rendered safely, Chinese search,
and must-read acknowledgements. Every expectation is written out here by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.knowledge import articles, folders, review
from node.knowledge.search import search

KB = "/api/v1/kb"


def me(client: TestClient, headers: dict) -> str:
    resp = client.get("/api/v1/auth/me", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["username"]


def folder(client: TestClient, headers: dict, name: str = "制度", parent: str | None = None) -> str:
    resp = client.post(f"{KB}/folders", json={"name": name, "parent_id": parent}, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def article(client: TestClient, headers: dict, folder_id: str, **fields: Any) -> dict:
    body = {"folder_id": folder_id, "kind": "policy", "title": "考勤制度", "body": "按时上班"}
    resp = client.post(f"{KB}/articles", json=body | fields, headers=headers)
    assert resp.status_code == 201, resp.text
    return resp.json()


def move(client: TestClient, headers: dict, article_id: str, action: str, **body: Any) -> Any:
    return client.post(f"{KB}/articles/{article_id}/{action}", json=body or None, headers=headers)


def publish(client: TestClient, editor: dict, reviewer: dict, article_id: str) -> dict:
    assert move(client, editor, article_id, "submit").status_code == 200
    resp = move(client, reviewer, article_id, "approve")
    assert resp.status_code == 200, resp.text
    return resp.json()


def search_ids(client: TestClient, headers: dict, q: str, **params: Any) -> list[str]:
    resp = client.get(f"{KB}/search", params={"q": q, "limit": 200, **params}, headers=headers)
    assert resp.status_code == 200, resp.text
    return [hit["id"] for hit in resp.json()["data"]]


@pytest.fixture
def people(login: Callable[..., dict]) -> dict[str, dict]:
    """An editor (team lead), two reviewers (admins) and a reader (agent)."""
    return {
        "editor": login(Role.team_lead),
        "reviewer": login(Role.admin),
        "reviewer2": login(Role.admin),
        "reader": login(Role.agent),
    }


def _between(stamp: str, start: datetime, end: datetime) -> bool:
    return start <= datetime.fromisoformat(stamp) <= end


def test_the_approval_flow_records_who_and_when(client: TestClient, people: dict) -> None:
    editor, reviewer, reader = people["editor"], people["reviewer"], people["reader"]
    editor_name, reviewer_name = me(client, editor), me(client, reviewer)
    started = datetime.now(UTC)
    made = article(client, editor, folder(client, editor), title="请假规定", kind="rule")
    assert made["status"] == "draft" and made["published"] is None
    assert made["draft"]["number"] == 1 and made["draft"]["created_by"] == editor_name
    aid = made["id"]
    # a reader does not see a draft
    assert client.get(f"{KB}/articles/{aid}", headers=reader).status_code == 404
    assert move(client, editor, aid, "submit").json()["status"] == "in_review"
    back = move(client, reviewer, aid, "send-back", reason="请补充病假条款")
    assert back.status_code == 200 and back.json()["status"] == "draft"
    assert move(client, editor, aid, "submit").status_code == 200
    done = move(client, reviewer, aid, "approve").json()
    ended = datetime.now(UTC)
    assert done["status"] == "published" and done["published_number"] == 1
    steps = [(s["from_status"], s["to_status"], s["by"], s["reason"]) for s in done["steps"]]
    assert steps == [
        ("draft", "in_review", editor_name, ""),
        ("in_review", "draft", reviewer_name, "请补充病假条款"),
        ("draft", "in_review", editor_name, ""),
        ("in_review", "published", reviewer_name, ""),
    ]
    assert all(_between(s["at"], started, ended) for s in done["steps"])
    assert _between(done["published_at"], started, ended)
    seen = client.get(f"{KB}/articles/{aid}", headers=reader).json()
    assert seen["title"] == "请假规定" and seen["published"]["body"] == "按时上班"
    assert seen["steps"] == [] and seen["draft"] is None  # readers see neither
    archived = move(client, reviewer, aid, "archive", reason="已废止").json()
    assert archived["status"] == "archived" and archived["steps"][-1]["by"] == reviewer_name
    assert client.get(f"{KB}/articles/{aid}", headers=reader).status_code == 404


def test_a_reviewer_cannot_approve_what_they_wrote_or_submitted(
    client: TestClient, people: dict
) -> None:
    reviewer, other = people["reviewer"], people["reviewer2"]
    aid = article(client, reviewer, folder(client, reviewer))["id"]
    assert move(client, reviewer, aid, "submit").status_code == 200
    own = move(client, reviewer, aid, "approve")
    assert own.status_code == 409 and "reviewer" in own.json()["error"]["message"]
    own_back = move(client, reviewer, aid, "send-back", reason="自己退回")
    assert own_back.status_code == 409
    assert move(client, other, aid, "approve").status_code == 200


def test_illegal_moves_are_409_naming_both_states(client: TestClient, people: dict) -> None:
    editor, reviewer = people["editor"], people["reviewer"]
    aid = article(client, editor, folder(client, editor))["id"]
    resp = move(client, reviewer, aid, "approve")
    assert resp.status_code == 409
    message = resp.json()["error"]["message"]
    assert "draft" in message and "published" in message
    resp = move(client, reviewer, aid, "archive")
    assert resp.status_code == 409 and "draft" in resp.json()["error"]["message"]
    assert move(client, editor, aid, "submit").status_code == 200
    again = move(client, editor, aid, "submit")
    assert again.status_code == 409
    assert "in_review" in again.json()["error"]["message"]
    # no edits while in review
    edit = {"folder_id": client.get(f"{KB}/articles/{aid}", headers=editor).json()["folder_id"]}
    resp = client.put(f"{KB}/articles/{aid}", json=edit | {"kind": "policy", "title": "改"},
                      headers=editor)  # fmt: skip
    assert resp.status_code == 409 and "in_review" in resp.json()["error"]["message"]
    # writers may not review
    assert move(client, editor, aid, "approve").status_code == 403


def test_readers_keep_the_published_version_while_a_new_one_is_reviewed(
    client: TestClient, people: dict
) -> None:
    editor, reviewer, reader = people["editor"], people["reviewer"], people["reader"]
    fid = folder(client, editor, "公告")
    body1 = "本月宽带资费不变"
    aid = article(client, editor, fid, kind="announcement", title="资费公告", body=body1)["id"]
    publish(client, editor, reviewer, aid)
    change = {"folder_id": fid, "kind": "announcement", "title": "资费调整公告",
              "body": "下月起光纤套餐调价", "note": "调价"}  # fmt: skip
    edited = client.put(f"{KB}/articles/{aid}", json=change, headers=editor)
    assert edited.status_code == 200, edited.text
    assert edited.json()["status"] == "draft" and edited.json()["draft"]["number"] == 2
    assert move(client, editor, aid, "submit").status_code == 200
    seen = client.get(f"{KB}/articles/{aid}", headers=reader).json()
    assert seen["title"] == "资费公告" and seen["published"]["number"] == 1
    assert seen["published"]["body"] == body1 and seen["draft"] is None
    listed = client.get(f"{KB}/articles", headers=reader).json()["data"]
    assert [(a["id"], a["title"]) for a in listed] == [(aid, "资费公告")]
    assert search_ids(client, reader, "宽带") == [aid]
    assert search_ids(client, reader, "光纤") == []
    assert search_ids(client, editor, "光纤", include_drafts="true") == [aid]
    assert client.get(f"{KB}/search", params={"q": "光纤", "include_drafts": "true"},
                      headers=reader).status_code == 403  # fmt: skip
    move(client, reviewer, aid, "approve")
    seen = client.get(f"{KB}/articles/{aid}", headers=reader).json()
    assert seen["title"] == "资费调整公告" and seen["published"]["number"] == 2
    assert search_ids(client, reader, "光纤") == [aid]
    assert search_ids(client, reader, "宽带") == []
    history = client.get(f"{KB}/articles/{aid}/versions", headers=editor).json()["data"]
    assert [(v["number"], v["title"], v["note"]) for v in history] == [
        (2, "资费调整公告", "调价"),
        (1, "资费公告", ""),
    ]


def test_the_diff_of_two_versions(client: TestClient, people: dict) -> None:
    editor = people["editor"]
    fid = folder(client, editor)
    aid = article(client, editor, fid, title="报修流程", body="第一行\n第二行\n第三行\n")["id"]
    change = {"folder_id": fid, "kind": "policy", "title": "报修处理流程",
              "body": "第一行\n第二行改\n第三行\n第四行\n"}  # fmt: skip
    assert client.put(f"{KB}/articles/{aid}", json=change, headers=editor).status_code == 200
    resp = client.get(f"{KB}/articles/{aid}/diff", params={"from": 1, "to": 2}, headers=editor)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "article_id": aid,
        "from_number": 1,
        "to_number": 2,
        "title_from": "报修流程",
        "title_to": "报修处理流程",
        "title_changed": True,
        "body_diff": (
            "--- v1\n+++ v2\n@@ -1,3 +1,4 @@\n 第一行\n-第二行\n+第二行改\n 第三行\n+第四行\n"
        ),
    }
    missing = client.get(f"{KB}/articles/{aid}/diff", params={"from": 1, "to": 3}, headers=editor)
    assert missing.status_code == 404


def test_markdown_is_rendered_and_sanitised(client: TestClient, people: dict) -> None:
    editor, reviewer, reader = people["editor"], people["reviewer"], people["reader"]
    body = (
        "**粗体** 与 *斜体*\n\n"
        "<script>alert('x')</script>\n\n"
        '<img src="a.png" onerror="alert(1)">\n\n'
        '<a href="javascript:alert(2)">点我</a> [链接](javascript:alert(3))\n\n'
        "[官网](https://www.example.cn)\n"
    )
    aid = article(client, editor, folder(client, editor), body=body)["id"]
    publish(client, editor, reviewer, aid)
    shown = client.get(f"{KB}/articles/{aid}", headers=reader).json()["published"]
    assert shown["body"] == body
    html = shown["html"]
    assert "<strong>粗体</strong>" in html and "<em>斜体</em>" in html
    assert "<script" not in html and "alert('x')" not in html
    assert "onerror" not in html and '<img src="a.png">' in html
    assert 'href="javascript:' not in html and "点我</a>" in html
    assert '<a href="https://www.example.cn" rel="noopener noreferrer">官网</a>' in html


def test_search_in_chinese(client: TestClient, people: dict) -> None:
    editor, reviewer, reader = people["editor"], people["reviewer"], people["reader"]
    fid = folder(client, editor, "业务知识")
    broadband = article(client, editor, fid, kind="knowledge", title="光纤入户说明",
                        body="宽带报装需要身份证原件。")["id"]  # fmt: skip
    fees = article(client, editor, fid, kind="knowledge", title="资费标准",
                   body="月租五十元")["id"]  # fmt: skip
    phone = article(client, editor, fid, kind="phone", title="装维热线",
                    body="维修电话：96296，费用另计")["id"]  # fmt: skip
    draft = article(client, editor, fid, title="宽带费草稿", body="宽带费未定")["id"]
    expired = article(client, editor, fid, title="旧宽带资费", body="宽带包年",
                      effective_from="2020-01-01", expires_at="2020-12-31")["id"]  # fmt: skip
    future = article(client, editor, fid, title="明年宽带", body="宽带提速",
                     effective_from="2099-01-01")["id"]  # fmt: skip
    for aid in (broadband, fees, phone, expired, future):
        publish(client, editor, reviewer, aid)
    assert search_ids(client, reader, "宽带") == [broadband]  # a body hit
    # a single character: the title hit first, then the body hit
    assert search_ids(client, reader, "费") == [fees, phone]
    assert search_ids(client, reader, "zfbz") == [fees]  # 资费标准 by its initials
    assert search_ids(client, reader, "guangxian") == [broadband]  # and by full pinyin
    assert search_ids(client, reader, "报装需要") == [broadband]
    assert search_ids(client, reader, "需装") == []  # both characters, not the phrase
    assert search_ids(client, reader, "？！") == []
    # editors with drafts: the draft too, expired and future ones too
    drafts = search_ids(client, editor, "宽带", include_drafts="true")
    assert set(drafts) == {broadband, draft, expired, future}
    hits = client.get(f"{KB}/search", params={"q": "费"}, headers=reader).json()["data"]
    assert [h["title_hit"] for h in hits] == [True, False]


def test_search_pages_title_hits_first_then_newest(client: TestClient, people: dict) -> None:
    editor, reviewer, reader = people["editor"], people["reviewer"], people["reader"]
    fid = folder(client, editor)
    made = []
    for title, body in (("甲通知", "话费"), ("话费一", "无"), ("乙通知", "话费"), ("话费二", "无")):
        aid = article(client, editor, fid, title=title, body=body)["id"]
        publish(client, editor, reviewer, aid)
        made.append(aid)
    expected = [made[3], made[1], made[2], made[0]]
    seen, params = [], {"q": "话费", "limit": 1}
    for _ in range(6):
        page = client.get(f"{KB}/search", params=params, headers=reader).json()
        seen += [h["id"] for h in page["data"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == expected
    bad = client.get(f"{KB}/search", params={"q": "话费", "cursor": "junk!"}, headers=reader)
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["fields"]


def test_must_read_acknowledgements(
    client: TestClient, people: dict, make_user: Callable[..., dict], login: Callable[..., dict]
) -> None:
    editor, reviewer, reader = people["editor"], people["reviewer"], people["reader"]
    fid = folder(client, editor)
    aid = article(client, editor, fid, title="安全生产须知", must_read=True)["id"]
    plain = article(client, editor, fid, title="普通文章")["id"]
    assert move(client, editor, aid, "submit").status_code == 200
    assert client.post(f"{KB}/articles/{aid}/ack", headers=reader).status_code == 404
    move(client, reviewer, aid, "approve")
    publish(client, editor, reviewer, plain)
    first = client.post(f"{KB}/articles/{aid}/ack", headers=reader)
    assert first.status_code == 200, first.text
    again = client.post(f"{KB}/articles/{aid}/ack", headers=reader)
    assert again.json() == first.json()  # idempotent: the first acknowledgement stands
    assert first.json()["number"] == 1 and first.json()["username"] == me(client, reader)
    assert client.post(f"{KB}/articles/{plain}/ack", headers=reader).status_code == 409
    seen = client.get(f"{KB}/articles/{aid}", headers=reader).json()
    assert seen["acknowledged_at"] == first.json()["acked_at"]
    make_user(Role.cti)  # a machine: never asked to read anything
    acks = client.get(f"{KB}/articles/{aid}/acks", headers=editor)
    assert acks.status_code == 200, acks.text
    body = acks.json()
    assert [a["username"] for a in body["acknowledged"]] == [me(client, reader)]
    everyone = {me(client, h) for h in people.values()}
    assert {p["username"] for p in body["pending"]} == everyone - {me(client, reader)}
    assert client.get(f"{KB}/articles/{aid}/acks", headers=reader).status_code == 403


def test_folders_tree_rename_move_and_delete(client: TestClient, people: dict) -> None:
    editor = people["editor"]
    top = folder(client, editor, "制度")
    child = folder(client, editor, "人事", top)
    grandchild = folder(client, editor, "考勤", child)
    dup = client.post(f"{KB}/folders", json={"name": "人事", "parent_id": top}, headers=editor)
    assert dup.status_code == 409 and "人事" in dup.json()["error"]["message"]
    # the same name elsewhere is fine
    assert folder(client, editor, "人事")
    loop = client.patch(f"{KB}/folders/{top}", json={"parent_id": grandchild}, headers=editor)
    assert loop.status_code == 422 and "parent_id" in loop.json()["error"]["fields"]
    moved = client.patch(f"{KB}/folders/{grandchild}", json={"parent_id": None}, headers=editor)
    assert moved.status_code == 200 and moved.json()["parent_id"] is None
    renamed = client.patch(f"{KB}/folders/{grandchild}", json={"name": "考勤制度"}, headers=editor)
    assert renamed.json()["name"] == "考勤制度" and renamed.json()["parent_id"] is None
    article(client, editor, child, title="招聘规定")
    full = client.delete(f"{KB}/folders/{top}", headers=editor)
    assert full.status_code == 409 and "人事" in full.json()["error"]["message"]
    full = client.delete(f"{KB}/folders/{child}", headers=editor)
    assert full.status_code == 409 and "招聘规定" in full.json()["error"]["message"]
    assert client.delete(f"{KB}/folders/{grandchild}", headers=editor).status_code == 204
    children = client.get(f"{KB}/folders", params={"parent_id": top}, headers=editor).json()
    assert [f["name"] for f in children["data"]] == ["人事"]
    assert client.get(f"{KB}/folders", headers=editor).json()["data"][0]["owner"] == "430100"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"folder_id": "01900000-0000-7000-8000-000000000000"}, "folder_id"),
        ({"title": "长" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"kind": "gossip"}, "kind"),
        ({"effective_from": "2026-03-01", "expires_at": "2026-02-01"}, "expires_at"),
        ({"effective_from": "2026-03-01", "expires_at": "2026-03-01"}, "expires_at"),
        ({"effective_from": "2026-02-30"}, "effective_from"),
        ({"tags": ["标" * 31]}, "tags.0"),
        ({"body": "a\x00b"}, "body"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_article_input_is_422_naming_the_field(
    client: TestClient, people: dict, change: dict, field: str
) -> None:
    editor = people["editor"]
    body = {"folder_id": folder(client, editor), "kind": "policy", "title": "标题"} | change
    resp = client.post(f"{KB}/articles", json=body, headers=editor)
    assert resp.status_code == 422, resp.text
    assert field in resp.json()["error"]["fields"], resp.json()


def test_bad_folder_and_list_input_is_4xx(client: TestClient, people: dict) -> None:
    editor = people["editor"]
    unknown = "01900000-0000-7000-8000-000000000000"
    resp = client.post(f"{KB}/folders", json={"name": "x", "parent_id": unknown}, headers=editor)
    assert resp.status_code == 422 and "parent_id" in resp.json()["error"]["fields"]
    resp = client.post(f"{KB}/folders", json={"name": "长" * 101}, headers=editor)
    assert resp.status_code == 422 and "name" in resp.json()["error"]["fields"]
    assert client.get(f"{KB}/articles/{unknown}", headers=editor).status_code == 404
    assert client.delete(f"{KB}/folders/{unknown}", headers=editor).status_code == 404
    resp = client.get(f"{KB}/articles", params={"kind": "gossip"}, headers=editor)
    assert resp.status_code == 422 and "kind" in resp.json()["error"]["fields"]
    resp = client.get(f"{KB}/articles", params={"order_by": "colour"}, headers=editor)
    assert resp.status_code == 422 and "order_by" in resp.json()["error"]["fields"]
    resp = client.get(f"{KB}/search", params={"q": ""}, headers=editor)
    assert resp.status_code == 422 and "q" in resp.json()["error"]["fields"]
    resp = client.get(f"{KB}/articles/{unknown}/diff", params={"from": 0, "to": 1},
                      headers=editor)  # fmt: skip
    assert resp.status_code == 422 and "from" in resp.json()["error"]["fields"]


# ---- the property: any 1-4 character piece of a published title is found ---------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=st.text(CJK, min_size=1, max_size=16), data=st.data())
def test_any_fragment_of_a_published_title_is_found(
    database: Database, title: str, data: st.DataObject
) -> None:
    size = data.draw(st.integers(1, min(4, len(title))), label="size")
    start = data.draw(st.integers(0, len(title) - size), label="start")
    fragment = title[start : start + size]
    with database.unit_of_work() as session:
        top = folders.create_folder(session, f"f{datetime.now(UTC).timestamp()}", None, "ed")
        fields = articles.ArticleFields(top.id, "knowledge", [], False, None, None)
        made = articles.create_article(session, fields, title, "正文", "", "ed")
        review.submit(session, made, "ed")
        review.approve(session, made, "rv")
        made_id = made.id
    with database.unit_of_work() as session:
        hits, _ = search(session, fragment, False, 200, None, None)
        found = {hit.article.id: hit.title_hit for hit in hits}
    assert found.get(made_id) is True, (title, fragment)
