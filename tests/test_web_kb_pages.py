"""知识库's pages (issue 22 §3-§4) on SQLite and PostgreSQL: what a reader sees in
which folder and in which order, a search for a one- or two-character fragment finding
exactly the articles written here holding it, 我已阅读 shown once clicked, the
reviewer's flow (submit, a reviewer refused their own article, send back with a reason,
approve), version history with its diff, who has read a must-read article, paging, and
every bad input answered with its field named (4xx), never a 5xx."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from node.knowledge import articles, review
from tests.test_web_pages import csrf_of, web_login

KB = "/ui/kb"
COUNT = re.compile(r'data-field="count">([^<]*)<')
NEXT = re.compile(r'href="([^"]+)" rel="next"')


def _titles(html: str) -> list[str]:
    """The article titles of the list, in the order shown."""
    body = html.split('data-table="kb-articles"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/ui/kb/articles/[0-9a-f-]{36}">([^<]+)</a>', body)


def _tree(html: str) -> list[str]:
    body = html.split('data-field="tree"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'data-folder="[0-9a-f-]{36}"[^>]*>([^<]+)</a>', body)


def _field_error(html: str, name: str) -> str:
    match = re.search(rf'id="err-{name}" role="alert">([^<]+)<', html)
    assert match, f"no error beside {name}"
    return match.group(1)


def _post(browser: TestClient, page: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """Post a form the way the browser does: with the CSRF token of the page it is on."""
    token = csrf_of(browser.get(page).text)
    return browser.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def _api(client: TestClient, headers: dict, method: str, url: str, body=None) -> dict:  # type: ignore[no-untyped-def]
    resp = client.request(method, f"/api/v1/kb{url}", json=body, headers=headers)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


@pytest.fixture
def kb(client, login, make_user) -> dict:  # type: ignore[no-untyped-def]
    """A team lead writes, an admin publishes (in this order, so the newest change is
    the last one):

    业务电话/          装维热线 (published; body 宽带报修请拨 96296)
                       宽带资费说明 (a draft: readers never see it)
    制度/              请假制度 (published)
    制度/考勤/         考勤规定 (published, 必读), 旧考勤规定 (archived),
                       明年考勤 (published, effective next year: not yet shown)
    """
    writer, reviewer = login(Role.team_lead), login(Role.admin)
    phones = _api(client, writer, "POST", "/folders", {"name": "业务电话"})["id"]
    rules = _api(client, writer, "POST", "/folders", {"name": "制度"})["id"]
    attendance = _api(client, writer, "POST", "/folders", {"name": "考勤", "parent_id": rules})
    ids: dict[str, str] = {}

    def article(title: str, folder: str, body: str, publish: bool = True, **more) -> str:  # type: ignore[no-untyped-def]
        payload = {"folder_id": folder, "kind": "rule", "title": title, "body": body, **more}
        made = _api(client, writer, "POST", "/articles", payload)
        if publish:
            _api(client, writer, "POST", f"/articles/{made['id']}/submit")
            _api(client, reviewer, "POST", f"/articles/{made['id']}/approve")
        ids[title] = made["id"]
        return str(made["id"])

    old = article("旧考勤规定", attendance["id"], "以前八点上班。")
    _api(client, reviewer, "POST", f"/articles/{old}/archive", {"reason": "已废止"})
    next_year = date.today().replace(year=date.today().year + 1).isoformat()
    article("明年考勤", attendance["id"], "明年九点上班。", effective_from=next_year)
    article("考勤规定", attendance["id"], "上班时间为八点半。\n\n迟到三次扣绩效。", must_read=True)
    article("请假制度", rules, "请假需提前一天申请。")
    article("装维热线", phones, "宽带报修请拨 96296。")
    article("宽带资费说明", phones, "宽带套餐每月 100 元。", publish=False)
    folders = {"业务电话": phones, "制度": rules, "考勤": attendance["id"]}
    return {"ids": ids, "folders": folders, "writer": writer, "reviewer": reviewer}


@pytest.fixture
def web(client: TestClient, make_user: Callable[..., dict]) -> Callable[..., TestClient]:
    def _web(role: Role) -> TestClient:
        user = make_user(role)
        browser = web_login(client.app, user["username"])
        browser.user = user  # type: ignore[attr-defined]
        return browser

    return _web


# ---- reading ----------------------------------------------------------------------------


def test_a_reader_sees_each_folders_published_articles_newest_change_first(kb, web):
    reader = web(Role.agent)
    home = reader.get(KB)
    assert home.status_code == 200
    assert f'<a href="{KB}" aria-current="page">知识库</a>' in home.text  # the menu item
    assert _tree(home.text) == ["业务电话", "制度", "考勤"]  # 考勤 inside 制度
    assert 'style="padding-left: 1.2em"><a href="/ui/kb?folder=' + kb["folders"]["考勤"] in (
        home.text
    )
    assert _titles(home.text) == ["装维热线", "请假制度", "考勤规定"]
    assert COUNT.search(home.text).group(1) == "共 3 条，第 1–3 条"  # type: ignore[union-attr]
    by_folder = {
        "考勤": ["考勤规定"],  # not the archived one nor next year's
        "制度": ["请假制度"],  # a folder's own articles, not its subfolders'
        "业务电话": ["装维热线"],  # not the draft
    }
    for name, titles in by_folder.items():
        page = reader.get(KB, params={"folder": kb["folders"][name]})
        assert page.status_code == 200
        assert _titles(page.text) == titles, name
    # The must-read article is marked in the list.
    row = reader.get(KB, params={"folder": kb["folders"]["考勤"]}).text
    assert '考勤规定</a> <span class="badge must-read">必读</span>' in row
    # No editing links for a reader.
    assert "/ui/kb/articles/new" not in home.text and "/ui/kb/folders/new" not in home.text


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("宽带", ["装维热线"]),  # the draft 宽带资费说明 is not a reader's
        ("考勤", ["考勤规定"]),  # neither archived nor not-yet-effective articles
        ("请", ["请假制度", "装维热线"]),  # one character: the title hit first
        ("上班", ["考勤规定"]),  # in the body only
        ("八点半", ["考勤规定"]),  # three characters: the phrase itself
        ("八半", []),
        ("！", []),  # nothing to search by
    ],
)
def test_search_finds_exactly_the_articles_holding_the_fragment(kb, web, query, titles):
    reader = web(Role.technician)
    page = reader.get(KB, params={"q": query})
    assert page.status_code == 200
    assert _titles(page.text) == titles
    counted = f"共 {len(titles)} 条" + (f"，第 1–{len(titles)} 条" if titles else "")
    assert COUNT.search(page.text).group(1) == counted  # type: ignore[union-attr]


def test_the_reader_acknowledges_a_must_read_article(kb, web):
    reader = web(Role.dispatcher)
    url = f"/ui/kb/articles/{kb['ids']['考勤规定']}"
    page = reader.get(url).text
    assert '<span data-field="title">考勤规定</span>' in page
    assert 'data-field="must-read">必读</span>' in page
    assert "<p>上班时间为八点半。</p>" in page  # rendered Markdown
    assert ">我已阅读</button>" in page and 'data-field="acked"' not in page
    assert 'data-field="status"' not in page and "提交审核" not in page  # no editing
    done = _post(reader, url, f"{url}/ack", {})
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=acked"
    page = reader.get(done.headers["location"]).text
    assert "已确认阅读。" in page
    assert re.search(r'data-field="acked">您已于 \d{4}-\d\d-\d\d \d\d:\d\d 确认阅读。<', page)
    assert ">我已阅读</button>" not in page
    again = _post(reader, url, f"{url}/ack", {})  # a second click changes nothing
    assert again.status_code == 303
    # An article that is not must-read has no button, and acknowledging it is refused.
    other = f"/ui/kb/articles/{kb['ids']['请假制度']}"
    assert ">我已阅读</button>" not in reader.get(other).text
    assert _post(reader, other, f"{other}/ack", {}).status_code == 409
    # The editor sees the reader among those who have read it, the others not yet.
    editor = web(Role.team_lead)
    acks = editor.get(f"{url}/acks")
    assert acks.status_code == 200
    acked = acks.text.split('data-table="kb-acked"', 1)[1].split("</table>", 1)[0]
    pending = acks.text.split('data-table="kb-pending"', 1)[1].split("</table>", 1)[0]
    name = reader.user["username"]  # type: ignore[attr-defined]
    assert re.findall(r"<tr><td>[^<]*</td><td>([^<]+)</td>", acked) == [name]
    assert name not in pending and editor.user["username"] in pending  # type: ignore[attr-defined]
    assert "已阅读（1）" in acks.text


def test_a_reader_cannot_open_what_readers_do_not_see(kb, web):
    reader = web(Role.agent)
    for title in ("宽带资费说明", "旧考勤规定", "明年考勤"):
        page = reader.get(f"/ui/kb/articles/{kb['ids'][title]}")
        assert page.status_code == 404, title
        assert title not in page.text
    assert reader.get(f"/ui/kb/articles/{uuid.uuid4()}").status_code == 404
    assert reader.get("/ui/kb/articles/not-an-id").status_code == 422
    # Nor the editing pages, nor the editors' lists.
    draft = kb["ids"]["宽带资费说明"]
    for path in ("/ui/kb/articles/new", f"/ui/kb/articles/{draft}/edit",
                 f"/ui/kb/articles/{draft}/history", f"/ui/kb/articles/{draft}/acks",
                 "/ui/kb/folders/new", "/ui/kb?status=draft"):  # fmt: skip
        assert reader.get(path).status_code == 403, path
    page = f"/ui/kb/articles/{kb['ids']['请假制度']}"
    assert _post(reader, page, "/ui/kb/articles/new", {"title": "x"}).status_code == 403
    assert _post(reader, page, f"/ui/kb/articles/{draft}/submit", {}).status_code == 403


def test_an_editor_lists_by_state_and_sees_drafts(kb, web):
    editor = web(Role.team_lead)
    assert _titles(editor.get(KB, params={"status": "draft"}).text) == ["宽带资费说明"]
    assert _titles(editor.get(KB, params={"status": "archived"}).text) == ["旧考勤规定"]
    published = editor.get(KB, params={"status": "published"}).text
    assert _titles(published) == ["装维热线", "请假制度", "考勤规定", "明年考勤"]
    page = editor.get(f"/ui/kb/articles/{kb['ids']['明年考勤']}").text
    assert 'data-field="hidden"' in page  # the editor is told readers do not see it yet
    draft = editor.get(f"/ui/kb/articles/{kb['ids']['宽带资费说明']}").text
    assert "这篇文章还没有发布。" in draft and "宽带套餐每月 100 元。" in draft


# ---- writing and reviewing ------------------------------------------------------------------


def _article_form(folder: str, **more: str) -> dict[str, str]:
    return {"title": "宽带装机须知", "folder_id": folder, "kind": "knowledge",
            "body": "# 须知\n\n上门前先电话预约。\n", "tags": "装机，宽带", **more}  # fmt: skip


def test_the_reviewer_flow_in_the_browser(kb, web):
    editor, reviewer, other_reviewer = web(Role.team_lead), web(Role.admin), web(Role.admin)
    reader = web(Role.agent)
    made = _post(editor, KB, "/ui/kb/articles/new", _article_form(kb["folders"]["业务电话"]))
    assert made.status_code == 303
    url = made.headers["location"].split("?")[0]
    page = editor.get(made.headers["location"]).text
    assert "已保存为草稿。" in page and 'data-field="status">草稿</span>' in page
    assert reader.get(url).status_code == 404
    assert _post(editor, url, f"{url}/submit", {}).headers["location"] == f"{url}?done=submitted"
    # The team lead may not approve (kb:review); an admin who submitted it neither.
    assert _post(editor, url, f"{url}/approve", {}).status_code == 403
    # A reviewer who wrote a version may not approve it: shown on the page, a 409.
    own = _post(reviewer, KB, "/ui/kb/articles/new", _article_form(kb["folders"]["制度"]))
    own_url = own.headers["location"].split("?")[0]
    _post(reviewer, own_url, f"{own_url}/submit", {})
    refused = _post(reviewer, own_url, f"{own_url}/approve", {})
    assert refused.status_code == 409
    assert "不能审核它" in refused.text and 'class="form-error"' in refused.text
    assert 'data-field="status">待审核</span>' in refused.text
    # Sending back needs a reason, named beside its box.
    no_reason = _post(other_reviewer, url, f"{url}/send-back", {"reason": " "})
    assert no_reason.status_code == 422
    assert _field_error(no_reason.text, "reason") == "必填"
    back = _post(other_reviewer, url, f"{url}/send-back", {"reason": "请写明预约电话"})
    assert back.headers["location"] == f"{url}?done=sent_back"
    page = editor.get(url).text
    assert 'data-field="status">草稿</span>' in page and "<td>请写明预约电话</td>" in page
    # The editor writes version 2, submits it; another reviewer approves it.
    form = _article_form(kb["folders"]["业务电话"], title="宽带装机须知（修订）",
                         body="# 须知\n\n上门前先电话预约：96296。\n", note="加了电话")  # fmt: skip
    assert _post(editor, f"{url}/edit", f"{url}/edit", form).status_code == 303
    _post(editor, url, f"{url}/submit", {})
    approved = _post(other_reviewer, url, f"{url}/approve", {})
    assert approved.headers["location"] == f"{url}?done=approved"
    seen = reader.get(url).text
    assert '<span data-field="title">宽带装机须知（修订）</span>' in seen
    assert "上门前先电话预约：96296。" in seen
    steps = editor.get(url).text.split('data-table="kb-steps"', 1)[1].split("</table>")[0]
    moves = re.findall(r"<td>v(\d)</td><td>([^<]+)</td>", steps)
    assert moves == [("1", "草稿 → 待审核"), ("1", "待审核 → 草稿"), ("2", "草稿 → 待审核"),
                     ("2", "待审核 → 已发布")]  # fmt: skip
    # History: both versions and the difference between them.
    history = editor.get(f"{url}/history")
    assert history.status_code == 200
    assert "<del>宽带装机须知</del> → <ins>宽带装机须知（修订）</ins>" in history.text
    assert '<span class="diff-del">-上门前先电话预约。</span>' in history.text
    assert '<span class="diff-add">+上门前先电话预约：96296。</span>' in history.text
    versions = history.text.split('data-table="kb-versions"', 1)[1].split("</table>")[0]
    assert re.findall(r"<td>v(\d)</td><td>([^<]+)</td>", versions) == [
        ("2", "宽带装机须知（修订）"), ("1", "宽带装机须知")]  # fmt: skip
    same = editor.get(f"{url}/history", params={"from": "2", "to": "2"}).text
    assert "正文没有变化。" in same
    # Archived: readers see it no more.
    archived = _post(other_reviewer, url, f"{url}/archive", {"reason": ""})
    assert archived.headers["location"] == f"{url}?done=archived"
    assert reader.get(url).status_code == 404


def test_folders_are_made_renamed_and_moved(kb, web):
    editor = web(Role.team_lead)
    made = _post(editor, KB, "/ui/kb/folders/new", {"name": "装维", "parent_id": ""})
    assert made.status_code == 303
    folder = made.headers["location"].split("folder=")[1]
    moved = _post(editor, KB, f"/ui/kb/folders/{folder}/edit",
                  {"name": "装维知识", "parent_id": kb["folders"]["制度"]})  # fmt: skip
    assert moved.status_code == 303
    assert _tree(editor.get(KB).text) == ["业务电话", "制度", "考勤", "装维知识"]


# ---- bad input ------------------------------------------------------------------------------


def test_every_bad_article_field_is_named(kb, web):
    editor = web(Role.team_lead)
    folder = kb["folders"]["制度"]
    cases = [
        ({"title": ""}, "title", "必填"),
        ({"folder_id": ""}, "folder_id", "必填"),
        ({"folder_id": str(uuid.uuid4())}, "folder_id", None),
        ({"folder_id": "not-a-folder"}, "folder_id", None),
        ({"kind": "novel"}, "kind", None),
        ({"effective_from": "2026-12-10", "expires_at": "2026-12-01"}, "expires_at", None),
        ({"effective_from": "2026-12-10", "expires_at": "2026-12-10"}, "expires_at", None),
        ({"effective_from": "2026-13-40"}, "effective_from", None),
        ({"title": "张" * 201}, "title", None),
        ({"tags": "标" * 31}, "tags", None),
        ({"tags": " ".join(f"t{i}" for i in range(21))}, "tags", None),  # 20 at most
        ({"body": "a\x00b"}, "body", None),
        ({"title": "考勤\x00"}, "title", None),
        ({"effective_from": "99999-01-01"}, "effective_from", None),
    ]
    for change, field, text in cases:
        resp = _post(editor, KB, "/ui/kb/articles/new", _article_form(folder, **change))
        assert resp.status_code == 422, (change, resp.status_code)
        shown = _field_error(resp.text, field)
        if text is not None:
            assert shown == text
    # Nothing was written.
    assert _titles(editor.get(KB, params={"status": "draft"}).text) == ["宽带资费说明"]
    # Editing an article in review is refused on the form (409), not a 5xx.
    article = kb["ids"]["宽带资费说明"]
    url = f"/ui/kb/articles/{article}"
    _post(editor, url, f"{url}/submit", {})
    refused = _post(editor, f"{url}/edit", f"{url}/edit", _article_form(folder))
    assert refused.status_code == 409 and 'class="form-error"' in refused.text
    assert _post(editor, url, f"{url}/submit", {}).status_code == 409  # already in review


def test_bad_folders_and_addresses_are_4xx(kb, web):
    editor = web(Role.team_lead)
    rules, attendance = kb["folders"]["制度"], kb["folders"]["考勤"]
    edit = f"/ui/kb/folders/{rules}/edit"
    cycle = _post(editor, KB, edit, {"name": "制度", "parent_id": attendance})
    assert cycle.status_code == 422 and _field_error(cycle.text, "parent_id")
    itself = _post(editor, KB, edit, {"name": "制度", "parent_id": rules})
    assert itself.status_code == 422 and _field_error(itself.text, "parent_id")
    taken = _post(editor, KB, "/ui/kb/folders/new", {"name": "制度", "parent_id": ""})
    assert taken.status_code == 409 and "制度" in _field_error(taken.text, "name")
    empty = _post(editor, KB, "/ui/kb/folders/new", {"name": " ", "parent_id": ""})
    assert empty.status_code == 422 and _field_error(empty.text, "name") == "必填"
    somewhere = {"name": "新", "parent_id": str(uuid.uuid4())}
    unknown = _post(editor, KB, "/ui/kb/folders/new", somewhere)
    assert unknown.status_code == 422 and _field_error(unknown.text, "parent_id")
    assert editor.get(f"/ui/kb/folders/{uuid.uuid4()}/edit").status_code == 404
    article = kb["ids"]["考勤规定"]
    statuses = {
        f"{KB}?folder=nope": 422,
        f"{KB}?folder={uuid.uuid4()}": 422,
        f"{KB}?status=lost": 422,
        f"{KB}?cursor=%25%25": 422,
        f"{KB}?cursor=abc": 422,
        f"{KB}?q=宽带&cursor=abc": 422,
        f"{KB}?q={'宽' * 101}": 422,
        f"{KB}?back=-": 422,
        f"/ui/kb/articles/{uuid.uuid4()}": 404,
        f"/ui/kb/articles/{uuid.uuid4()}/edit": 404,
        f"/ui/kb/articles/{uuid.uuid4()}/history": 404,
        f"/ui/kb/articles/{uuid.uuid4()}/acks": 404,
        f"/ui/kb/articles/{article}/history?from=0": 422,
        f"/ui/kb/articles/{article}/history?to=9": 422,
        f"/ui/kb/articles/{article}/history?from=x": 422,
        f"/ui/kb/articles/{article}/history?from=²": 422,  # a digit int() refuses
        f"/ui/kb/articles/{article}/history?to=" + "9" * 5000: 422,
        f"{KB}?q=宽%00带": 422,
    }
    for url, status in statuses.items():
        assert editor.get(url).status_code == status, url
    page = editor.get(f"{KB}?folder=nope").text
    assert _field_error(page, "folder") == "没有这个目录"
    assert _field_error(editor.get(f"/ui/kb/articles/{article}/history?to=9").text, "to") == (
        "没有这个版本（1 到 1）"
    )
    missing = f"/ui/kb/articles/{uuid.uuid4()}"
    for tail in ("/ack", "/submit", "/approve", "/send-back", "/archive", "/edit"):
        assert _post(editor, KB, missing + tail, {"reason": "x"}).status_code in (403, 404), tail


# ---- paging and language --------------------------------------------------------------------


def test_a_long_folder_pages_by_fifty_and_counts(kb, web, database):
    with database.unit_of_work() as session:
        folder = uuid.UUID(kb["folders"]["业务电话"])
        for i in range(51):
            fields = articles.ArticleFields(folder, "phone", [], False, None, None)
            article = articles.create_article(session, fields, f"热线{i:02d}", "电话", "", "w")
            review.submit(session, article, "w")
            review.approve(session, article, "r")
    reader = web(Role.agent)
    first = reader.get(KB, params={"folder": str(folder)}).text
    assert COUNT.search(first).group(1) == "共 52 条，第 1–50 条"  # type: ignore[union-attr]
    assert _titles(first)[:2] == ["热线50", "热线49"]
    nxt = NEXT.search(first).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    second = reader.get(nxt).text
    assert COUNT.search(second).group(1) == "共 52 条，第 51–52 条"  # type: ignore[union-attr]
    assert _titles(second) == ["热线00", "装维热线"]
    found = reader.get(KB, params={"q": "热线"}).text  # 51 titles and 装维热线
    assert COUNT.search(found).group(1) == "共 52 条，第 1–50 条"  # type: ignore[union-attr]


def test_the_pages_speak_english_on_switch(kb, web):
    reader = web(Role.agent)
    reader.get("/ui/lang/en?next=/ui/kb")
    page = reader.get(KB).text
    assert ">Knowledge base</a>" in page and ">Find</button>" in page
    article = reader.get(f"/ui/kb/articles/{kb['ids']['考勤规定']}").text
    assert ">I have read it</button>" in article and ">Must read</span>" in article


# ---- refusals in the reader's language ------------------------------------------------------
# The services refuse in English (the API's wording, which clients match on); a page shows
# the refusal in Chinese, the English original with the switch. The Chinese below is
# written by hand: what a person at the page must read.

FORM_ERROR = re.compile(r'<div class="form-error" role="alert">\s*<p>([^<]+)</p>')
ERROR_PAGE = re.compile(r'<p class="error-message" role="alert">([^<]+)</p>')


def _shown(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    assert match, f"no {pattern.pattern!r} on the page"
    return match.group(1)


def _english(browser: TestClient) -> TestClient:
    browser.cookies.set("fedcrm_lang", "en")
    return browser


def _chinese(browser: TestClient) -> TestClient:
    browser.cookies.delete("fedcrm_lang")
    return browser


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_folder_refusals_beside_their_field_in_the_readers_language(kb, web, lang):
    editor = web(Role.team_lead)
    if lang == "en":
        _english(editor)
    rules, attendance = kb["folders"]["制度"], kb["folders"]["考勤"]
    nowhere = str(uuid.uuid4())
    cases = [
        # (url, form, status, field, Chinese, English)
        ("/ui/kb/folders/new", {"name": "制度", "parent_id": ""}, 409, "name",
         f"顶级目录中已有名为「制度」的目录（{rules}）",
         f"a folder named 「制度」 is already at the top ({rules})"),
        ("/ui/kb/folders/new", {"name": "考勤", "parent_id": rules}, 409, "name",
         f"这个目录中已有名为「考勤」的目录（{attendance}）",
         f"a folder named 「考勤」 is already in this folder ({attendance})"),
        (f"/ui/kb/folders/{rules}/edit", {"name": "制度", "parent_id": rules}, 422, "parent_id",
         "目录不能移到它自己或它下面的目录中",
         "a folder cannot move into itself or a folder inside it"),
        (f"/ui/kb/folders/{rules}/edit", {"name": "制度", "parent_id": attendance}, 422,
         "parent_id", "目录不能移到它自己或它下面的目录中",
         "a folder cannot move into itself or a folder inside it"),
        ("/ui/kb/folders/new", {"name": "新", "parent_id": nowhere}, 422, "parent_id",
         f"没有这个目录（{nowhere}）", f"no folder {nowhere}"),
    ]  # fmt: skip
    for url, form, status, field, chinese, english in cases:
        resp = _post(editor, KB, url, form)
        assert resp.status_code == status, (url, form, resp.status_code)
        assert _field_error(resp.text, field) == (english if lang == "en" else chinese)
        assert 'class="form-error"' not in resp.text  # beside the field, not above the form


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_article_refusals_in_the_readers_language(kb, web, lang):
    editor, reviewer = web(Role.team_lead), web(Role.admin)
    if lang == "en":
        _english(editor)
        _english(reviewer)

    def expect(resp, status: int, pattern: re.Pattern[str], chinese: str, english: str) -> None:  # type: ignore[no-untyped-def]
        assert resp.status_code == status, resp.text
        assert _shown(pattern, resp.text) == (english if lang == "en" else chinese)

    folder = kb["folders"]["制度"]
    # An expiry on or before the effective date, beside the expiry.
    dates = {"effective_from": "2026-12-10", "expires_at": "2026-12-01"}
    late = _post(editor, KB, "/ui/kb/articles/new", _article_form(folder, **dates))
    assert late.status_code == 422
    shown = _field_error(late.text, "expires_at")
    assert shown == ("must be after effective_from" if lang == "en" else "应晚于生效日期")
    # A reviewer approving the version they wrote: above the form on the article's page.
    own = _post(reviewer, KB, "/ui/kb/articles/new", _article_form(folder))
    url = own.headers["location"].split("?")[0]
    me = reviewer.user["username"]  # type: ignore[attr-defined]
    approve = _post(reviewer, url, f"{url}/approve", {})  # still a draft: a wrong state
    expect(approve, 409, FORM_ERROR, "不能从「草稿」转为「已发布」（只能从「待审核」转）",
           "status: cannot move from draft to published (only from in_review)")  # fmt: skip
    _post(reviewer, url, f"{url}/submit", {})
    chinese = f"{me} 编写或提交了第 1 版，不能审核它：须由另一位审核人审核"
    english = (f"reviewer: {me} wrote or submitted version 1 and cannot review it: "
               "another reviewer must")  # fmt: skip
    approve = _post(reviewer, url, f"{url}/approve", {})
    expect(approve, 409, FORM_ERROR, chinese, english)
    sent_back = _post(reviewer, url, f"{url}/send-back", {"reason": "再看看"})
    expect(sent_back, 409, FORM_ERROR, chinese, english)
    # Editing an article in review: above the article form.
    edited = _post(editor, f"{url}/edit", f"{url}/edit", _article_form(folder))
    expect(edited, 409, FORM_ERROR,
           "「待审核」的文章不能修改（只能修改草稿或已发布的文章；请先退回草稿）",
           "status: an article in_review cannot be edited "
           "(only draft or published; send it back to draft first)")  # fmt: skip
    # 我已阅读 on an article that is not must-read (the page has no button; a forged
    # post is refused): the error page.
    other = kb["ids"]["请假制度"]
    acked = _post(editor, KB, f"/ui/kb/articles/{other}/ack", {})
    expect(acked, 409, ERROR_PAGE, f"文章 {other} 不是必读文章",
           f"must_read: article {other} is not a must-read article")  # fmt: skip
    hidden = kb["ids"]["宽带资费说明"]  # a draft: not a reader's to acknowledge
    acked = _post(editor, KB, f"/ui/kb/articles/{hidden}/ack", {})
    expect(acked, 404, ERROR_PAGE, f"没有这篇文章（{hidden}）", f"no article {hidden}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_missing_articles_and_folders_in_the_readers_language(kb, web, lang):
    editor, reader = web(Role.team_lead), web(Role.agent)
    if lang == "en":
        _english(editor)
        _english(reader)
    nothing = str(uuid.uuid4())
    article_pages = {
        reader: [f"/ui/kb/articles/{nothing}", f"/ui/kb/articles/{kb['ids']['明年考勤']}"],
        editor: [f"/ui/kb/articles/{nothing}{tail}" for tail in ("", "/edit", "/history",
                                                                   "/acks")],
    }  # fmt: skip
    for browser, urls in article_pages.items():
        for url in urls:
            page = browser.get(url)
            article = url.split("/")[4]
            expected = f"no article {article}" if lang == "en" else f"没有这篇文章（{article}）"
            assert page.status_code == 404, url
            assert _shown(ERROR_PAGE, page.text) == expected, url
    missing = editor.get(f"/ui/kb/folders/{nothing}/edit")
    assert missing.status_code == 404
    expected = f"no folder {nothing}" if lang == "en" else f"没有这个目录（{nothing}）"
    assert _shown(ERROR_PAGE, missing.text) == expected
    posted = _post(editor, KB, f"/ui/kb/articles/{nothing}/submit", {})
    assert posted.status_code == 404
    expected = f"no article {nothing}" if lang == "en" else f"没有这篇文章（{nothing}）"
    assert _shown(ERROR_PAGE, posted.text) == expected


def test_a_cursor_the_service_refuses_is_named_in_the_readers_language(kb, web):
    editor = web(Role.team_lead)
    article = kb["ids"]["考勤规定"]
    for url in (f"{KB}?cursor=abc", f"{KB}?q=宽带&cursor=abc",
                f"/ui/kb/articles/{article}/history?cursor=abc"):  # fmt: skip
        page = _chinese(editor).get(url)
        assert page.status_code == 422, url
        assert "cursor：不是本系统给出的翻页位置" in page.text, url
        page = _english(editor).get(url)
        assert page.status_code == 422, url
        assert "cursor：is not a cursor this API issued" in page.text, url
