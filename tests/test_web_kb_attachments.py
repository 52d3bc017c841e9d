"""附件 in the browser (issue 22 §3) on SQLite and PostgreSQL: an editor uploads a file on
the article's page and removes one; a reader downloads it from the page's link; a file
too large or none chosen is named beside the file box with its status, never a 5xx."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from node.knowledge.models import ATTACHMENT_MAX_BYTES
from tests.test_web_pages import csrf_of, web_login


@pytest.fixture
def published(client: TestClient, login: Callable[..., dict]) -> str:
    editor, reviewer = login(Role.team_lead), login(Role.admin)
    folder = client.post("/api/v1/kb/folders", json={"name": "资费"}, headers=editor)
    body = {"folder_id": folder.json()["id"], "kind": "knowledge", "title": "资费标准"}
    aid = client.post("/api/v1/kb/articles", json=body, headers=editor).json()["id"]
    assert client.post(f"/api/v1/kb/articles/{aid}/submit", headers=editor).status_code == 200
    approve = client.post(f"/api/v1/kb/articles/{aid}/approve", headers=reviewer)
    assert approve.status_code == 200
    return str(aid)


def _browser(client: TestClient, make_user: Callable[..., dict], role: Role) -> TestClient:
    return web_login(client.app, make_user(role)["username"])


def _upload(browser: TestClient, page: str, name: str, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf_of(browser.get(page).text)
    return browser.post(
        f"{page}/attachments",
        data={"csrf_token": token},
        files={"file": (name, data, "text/plain")},
        follow_redirects=False,
    )


def test_an_editor_uploads_and_a_reader_downloads(
    client: TestClient, make_user: Callable[..., dict], published: str
) -> None:
    page = f"/ui/kb/articles/{published}"
    editor = _browser(client, make_user, Role.team_lead)
    assert 'enctype="multipart/form-data"' in editor.get(page).text
    done = _upload(editor, page, "营业厅地址.txt", "芙蓉路 1 号".encode())
    assert done.status_code == 303 and done.headers["location"].endswith("?done=attached")
    shown = editor.get(page).text
    assert "附件已上传" in editor.get(done.headers["location"]).text
    link = re.search(
        r'<a href="(/ui/kb/attachments/[0-9a-f-]{36})" download>营业厅地址.txt</a>', shown
    )
    assert link, shown
    reader = _browser(client, make_user, Role.agent)
    view = reader.get(page).text
    assert link.group(1) in view and 'enctype="multipart/form-data"' not in view
    got = reader.get(link.group(1))
    assert got.status_code == 200 and got.content == "芙蓉路 1 号".encode()
    assert got.headers["content-disposition"].startswith("attachment;")
    file_id = link.group(1).rsplit("/", 1)[1]
    token = csrf_of(reader.get(page).text)
    refused = reader.post(f"/ui/kb/attachments/{file_id}/delete", data={"csrf_token": token})
    assert refused.status_code == 403
    token = csrf_of(editor.get(page).text)
    gone = editor.post(
        f"/ui/kb/attachments/{file_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert reader.get(link.group(1)).status_code == 404
    assert "没有附件" in editor.get(page).text


def test_a_bad_upload_is_named_beside_the_file_box(
    client: TestClient, make_user: Callable[..., dict], published: str
) -> None:
    page = f"/ui/kb/articles/{published}"
    editor = _browser(client, make_user, Role.team_lead)
    big = _upload(editor, page, "大.txt", b"x" * (ATTACHMENT_MAX_BYTES + 1))
    assert big.status_code == 413
    assert re.search(r'id="err-file" role="alert">[^<]*5 MB', big.text), big.text
    empty = _upload(editor, page, "空.txt", b"")
    assert empty.status_code == 422 and 'id="err-file"' in empty.text
    token = csrf_of(editor.get(page).text)
    none = editor.post(f"{page}/attachments", data={"csrf_token": token})
    assert none.status_code == 422 and 'id="err-file"' in none.text
    assert "没有附件" in editor.get(page).text
