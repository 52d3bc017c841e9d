"""群组 in the browser (issue 22 §3) on SQLite and PostgreSQL: an editor names an
audience with ticked roles and areas and typed node codes, limits an article to it on
the article form, and the knowledge base's pages then show that article to the readers
it reaches and to nobody else; a bad audience is named beside its boxes (422), one in
use is not deleted (409), and readers cannot reach the pages (403)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from tests.test_web_pages import csrf_of, web_login

PAGE = "/ui/kb/audiences"


@pytest.fixture
def web(client: TestClient, make_user: Callable[..., dict]) -> Callable[..., TestClient]:
    def _web(role: Role, service_area: str | None = None) -> TestClient:
        return web_login(client.app, make_user(role, service_area)["username"])

    return _web


def _post(browser: TestClient, page: str, url: str, data: dict[str, Any]):  # type: ignore[no-untyped-def]
    token = csrf_of(browser.get(page).text)
    return browser.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _error(html: str, name: str) -> str:
    match = re.search(rf'id="err-{name}" role="alert">([^<]+)<', html)
    assert match, f"no error beside {name}"
    return match.group(1)


def _titles(html: str) -> list[str]:
    body = html.split('data-table="kb-articles"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/ui/kb/articles/[0-9a-f-]{36}">([^<]+)</a>', body)


def _publish(client: TestClient, login: Callable[..., dict], article_id: str) -> None:
    writer, reviewer = login(Role.team_lead), login(Role.admin)
    url = f"/api/v1/kb/articles/{article_id}"
    assert client.post(f"{url}/submit", headers=writer).status_code == 200
    assert client.post(f"{url}/approve", headers=reviewer).status_code == 200


def test_an_editor_limits_an_article_to_an_audience(
    client: TestClient, web: Callable[..., TestClient], login: Callable[..., dict]
) -> None:
    editor = web(Role.team_lead)
    body = {"name": "城区坐席", "roles": ["agent"], "areas": ["urban"], "nodes": ""}
    made = _post(editor, f"{PAGE}/new", f"{PAGE}/new", body)
    assert made.status_code == 303, made.text
    listed = editor.get(PAGE).text
    row = listed.split('data-list="audiences"', 1)[1]
    assert "<td>坐席</td>" in row and "<td>城区营业部</td>" in row  # role and area by name
    assert re.search(r'data-field="articles">0<', row)
    audience_id = re.search(r'data-audience="([0-9a-f-]{36})"', row).group(1)  # type: ignore[union-attr]
    folder = client.post("/api/v1/kb/folders", json={"name": "公告"}, headers=login(Role.admin))
    form = editor.get("/ui/kb/articles/new").text
    assert f'<option value="{audience_id}">城区坐席</option>' in form
    saved = _post(editor, "/ui/kb/articles/new", "/ui/kb/articles/new", {
        "title": "城区停电通知", "folder_id": folder.json()["id"], "kind": "announcement",
        "body": "周六停电", "tags": "", "effective_from": "", "expires_at": "", "note": "",
        "audience_id": audience_id,
    })  # fmt: skip
    assert saved.status_code == 303, saved.text
    article_id = saved.headers["location"].split("/")[-1].split("?")[0]
    _publish(client, login, article_id)
    page = editor.get(f"/ui/kb/articles/{article_id}").text
    assert 'data-field="audience">适用群组：城区坐席<' in page
    for role, area, sees in [
        (Role.agent, "urban", True),
        (Role.agent, "county", False),
        (Role.technician, "urban", False),
    ]:
        reader = web(role, area)
        assert (_titles(reader.get("/ui/kb").text) == ["城区停电通知"]) is sees, (role, area)
        found = _titles(reader.get("/ui/kb", params={"q": "停电"}).text)
        assert (found == ["城区停电通知"]) is sees, (role, area)
        opened = reader.get(f"/ui/kb/articles/{article_id}")
        assert opened.status_code == (200 if sees else 404), (role, area)
    assert re.search(r'data-field="articles">1<', editor.get(PAGE).text)
    edit = f"{PAGE}/{audience_id}/edit"
    in_use = _post(editor, edit, f"{PAGE}/{audience_id}/delete", {})
    assert in_use.status_code == 409 and "城区停电通知" in in_use.text


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": "空"}, "roles", "至少要限定一项"),
        ({"name": "x", "nodes": "43010"}, "nodes", ""),
        ({"name": "x", "nodes": "430110"}, "nodes", "430110"),
        ({"name": "", "roles": ["agent"]}, "name", ""),
        ({"name": "x", "areas": ["moon"]}, "areas", "moon"),
    ],
)
def test_a_bad_audience_is_named_beside_its_boxes(
    web: Callable[..., TestClient], data: dict, field: str, words: str
) -> None:
    editor = web(Role.team_lead)
    resp = _post(editor, f"{PAGE}/new", f"{PAGE}/new", {"nodes": ""} | data)
    assert resp.status_code == 422, resp.text
    assert words in _error(resp.text, field)
    assert "还没有群组" in editor.get(PAGE).text


def test_readers_reach_no_audience_page(web: Callable[..., TestClient]) -> None:
    reader = web(Role.agent)
    for path in (PAGE, f"{PAGE}/new"):
        assert reader.get(path).status_code == 403, path
    editor = web(Role.team_lead)
    assert (
        _post(editor, f"{PAGE}/new", f"{PAGE}/new", {"name": "x", "levels": ["city"]}).status_code
        == 303
    )
    assert 'href="/ui/kb/audiences"' in editor.get("/ui/kb").text
    assert 'href="/ui/kb/audiences"' not in reader.get("/ui/kb").text
