"""Issue 22 §3 on the pages, SQLite and PostgreSQL: the 「相关知识」 panel beside a ticket
and on the customer 360 lists the suggested titles in their order, each linking to the
article's reader page; 「暂无相关知识」 when nothing matches; English by the language
switch; shown only to a viewer with kb:read; and the article form says which tags make
an article suggested. Every expectation is written out here by hand."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from node.auth.accounts import Role, User
from node.auth.viewer import Viewer
from node.db.unit_of_work import Database
from node.tickets.models import Ticket
from node.web.kb_suggestions_panel import customer_suggestions, ticket_suggestions
from tests.factories import customer_payload
from tests.test_web_pages import web_login

LINK = re.compile(r'<a href="/ui/kb/articles/([0-9a-f-]{36})">([^<]+)</a>')


def _post(client: TestClient, headers: dict, path: str, body: dict[str, Any]) -> dict:
    resp = client.post(f"/api/v1/{path}", json=body, headers=headers)
    assert resp.status_code in (200, 201), (path, resp.text)
    result: dict = resp.json()
    return result


def _panel(html: str) -> str:
    """The 相关知识 panel's HTML ('' when the page has none)."""
    if 'data-section="kb-suggestions"' not in html:
        return ""
    return html.split('data-section="kb-suggestions"', 1)[1].split("</section>", 1)[0]


def _links(html: str) -> list[tuple[str, str]]:
    """(article id, title) of each line of the panel, in the order shown."""
    return LINK.findall(_panel(html))


@pytest.fixture
def desk(client: TestClient, login: Callable[..., dict], make_user: Callable[..., dict]) -> dict:
    """A customer (urban) on product ftth_500 with an open repair ticket, a customer
    with nothing, and articles published in this order:

    宽带报修流程 [repair, ftth_500]   报修必读 [repair] 必读   千兆宽带资费 [ftth_500]
    宽带提速 [ftth_5000] (a longer code)   报修草稿 [repair] (a draft)
    """
    admin, editor = login(Role.admin), login(Role.team_lead)
    customer = _post(client, admin, "customers", customer_payload(service_area="urban"))
    lonely = _post(client, admin, "customers", customer_payload(name="李四"))
    body = {"code": "ftth_500", "name": "千兆宽带", "type": "broadband", "monthly_price": "99"}
    product = _post(client, admin, "products", body)["id"]
    sub = {"customer_id": customer["id"], "product_id": product}
    _post(client, admin, "subscriptions", sub)
    ticket = _post(client, admin, "tickets", {"customer_id": customer["id"], "kind": "repair"})
    folder = _post(client, editor, "kb/folders", {"name": "业务知识"})["id"]
    ids: dict[str, str] = {}
    for title, tags, must_read, publish in (
        ("宽带报修流程", ["repair", "ftth_500"], False, True),
        ("报修必读", ["repair"], True, True),
        ("千兆宽带资费", ["ftth_500"], False, True),
        ("宽带提速", ["ftth_5000"], False, True),
        ("报修草稿", ["repair"], False, False),
    ):
        payload = {"folder_id": folder, "kind": "knowledge", "title": title, "tags": tags}
        made = _post(client, editor, "kb/articles", payload | {"must_read": must_read})["id"]
        if publish:
            _post(client, editor, f"kb/articles/{made}/submit", {})
            _post(client, admin, f"kb/articles/{made}/approve", {})
        ids[title] = made
    agent = make_user(Role.agent, "urban")
    return {
        "customer": customer["id"],
        "lonely": lonely["id"],
        "ticket": ticket["id"],
        "ids": ids,
        "agent": web_login(client.app, agent["username"]),
    }


EXPECTED = ["宽带报修流程", "报修必读", "千兆宽带资费"]


@pytest.mark.parametrize("page", ["ticket", "customer"])
def test_the_panel_lists_the_suggestions_in_chinese_and_in_english(desk: dict, page: str) -> None:
    browser: TestClient = desk["agent"]
    url = (
        f"/ui/tickets/{desk['ticket']}" if page == "ticket" else f"/ui/customers/{desk['customer']}"
    )
    resp = browser.get(url)
    assert resp.status_code == 200, resp.text
    panel = _panel(resp.text)
    assert ">相关知识</h2>" in panel and ">必读</span>" in panel
    assert _links(resp.text) == [(desk["ids"][title], title) for title in EXPECTED]

    browser.get(f"/ui/lang/en?next={url}")
    english = browser.get(url).text
    assert ">Related articles</h2>" in _panel(english) and ">Must read</span>" in _panel(english)
    assert [title for _, title in _links(english)] == EXPECTED

    # Each link opens the article for this reader.
    first = browser.get(f"/ui/kb/articles/{desk['ids']['宽带报修流程']}")
    assert first.status_code == 200 and "宽带报修流程" in first.text


def test_nothing_to_suggest_says_so_in_the_readers_language(desk: dict) -> None:
    browser: TestClient = desk["agent"]
    url = f"/ui/customers/{desk['lonely']}"
    page = browser.get(url).text
    assert _links(page) == [] and ">暂无相关知识</li>" in _panel(page)
    browser.cookies.set("fedcrm_lang", "en")
    english = browser.get(url).text
    assert ">No related articles</li>" in _panel(english)


def test_no_panel_without_kb_read(desk: dict, database: Database) -> None:
    """Every role that may open these pages reads the knowledge base today; a viewer
    without kb:read (a future role) gets no panel at all, not an empty one."""
    with database.unit_of_work(write=False) as session:
        ticket = session.get(Ticket, uuid.UUID(desk["ticket"]))
        user = session.scalars(select(User).where(User.role == Role.agent.value)).first()
        assert ticket is not None and user is not None
        blind = Viewer(user=user, node_code="430100", ip=None, perms=frozenset())
        assert ticket_suggestions(session, blind, ticket) is None
        assert customer_suggestions(session, blind, ticket.customer_id) is None


@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("zh-CN", "标签与工单类别代码（如 repair）或产品代码相同时"),
        ("en", "A tag equal to a ticket kind code (such as repair) or a product code makes"),
    ],
)
def test_the_article_form_says_which_tags_suggest_an_article(
    client: TestClient, make_user: Callable[..., dict], lang: str, hint: str
) -> None:
    editor = web_login(client.app, make_user(Role.team_lead)["username"])
    editor.cookies.set("fedcrm_lang", lang)
    form = editor.get("/ui/kb/articles/new")
    assert form.status_code == 200
    found = re.search(r'<p class="hint" id="kb-tags-suggest">([^<]+)</p>', form.text)
    assert found is not None and found.group(1).startswith(hint)
