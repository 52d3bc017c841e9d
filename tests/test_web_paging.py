"""Issue 19 §5 on the customer search: 「共 N 条，第 a–b 条」, next and previous, a capped
count, and links that cannot be tampered into a 5xx."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.factories import customer_payload
from tests.test_web_pages import web_login

COUNT = re.compile(r'data-field="count">([^<]*)<')
NEXT = re.compile(r'href="([^"]+)" rel="next"')
PREVIOUS = re.compile(r'href="([^"]+)" rel="prev"')
NAME = re.compile(r"淑珍\d\d")


@pytest.fixture
def agent(client: TestClient, make_user: Callable[..., dict]) -> TestClient:
    return web_login(client.app, make_user(Role.admin)["username"], PASSWORD)


def _make(client: TestClient, admin: dict, n: int) -> None:
    for i in range(n):
        made = client.post(
            "/api/v1/customers", json=customer_payload(name=f"王淑珍{i:02d}"), headers=admin
        )
        assert made.status_code == 201, made.text


def _page(browser: TestClient, url: str) -> tuple[str, set[str], str | None, str | None]:
    html = browser.get(url).text
    count = COUNT.search(html)
    nxt, prev = NEXT.search(html), PREVIOUS.search(html)
    unescape = lambda u: u.replace("&amp;", "&")  # noqa: E731
    return (
        count.group(1) if count else "",
        set(NAME.findall(html)),
        unescape(nxt.group(1)) if nxt else None,
        unescape(prev.group(1)) if prev else None,
    )


# 20 hits a search page: the ranges each count gives, worked out by hand.
@pytest.mark.parametrize(
    "n, pages",
    [
        (1, ["共 1 条，第 1–1 条"]),
        (20, ["共 20 条，第 1–20 条"]),
        (21, ["共 21 条，第 1–20 条", "共 21 条，第 21–21 条"]),
        (47, ["共 47 条，第 1–20 条", "共 47 条，第 21–40 条", "共 47 条，第 41–47 条"]),
    ],
)
def test_search_pages_forward_and_back_through_every_hit_once(client, admin, agent, n, pages):
    _make(client, admin, n)
    url, seen, trail = "/ui/customers?q=%E6%B7%91%E7%8F%8D", [], []
    for i, expected in enumerate(pages):
        count, names, nxt, prev = _page(agent, url)
        assert count == expected
        assert (prev is None) == (i == 0)
        assert not names & set().union(*seen) if seen else True
        seen.append(names)
        trail.append(url)
        if i < len(pages) - 1:
            assert nxt is not None
            url = nxt
    assert nxt is None  # the last page has no next
    assert set().union(*seen) == {f"淑珍{i:02d}" for i in range(n)}
    # Back again, page by page, to the first: the same rows each time.
    for i in range(len(pages) - 1, 0, -1):
        _, names, _, prev = _page(agent, url)
        assert names == seen[i] and prev is not None
        url = prev
    assert _page(agent, url)[0] == pages[0]


def test_past_the_cap_the_count_says_n_plus(client, admin, agent, monkeypatch):
    monkeypatch.setattr("node.web.pages_customers.COUNT_CAP", 5)
    monkeypatch.setattr("node.web.paging.COUNT_CAP", 5)
    _make(client, admin, 7)
    assert _page(agent, "/ui/customers?q=%E6%B7%91%E7%8F%8D")[0] == "共 5+ 条，第 1–7 条"


def test_nothing_found_says_so_without_a_pager(client, admin, agent):
    html = agent.get("/ui/customers", params={"q": "不存在的人"}).text
    assert "没有找到客户" in html and 'data-field="count"' not in html


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "<script>"}, "cursor"),
        ({"cursor": "x" * 161}, "cursor"),
        ({"cursor": "12", "back": "-,<b>"}, "back"),
        ({"back": "-"}, "back"),
        ({"cursor": "12", "back": ",".join(["-"] * 81)}, "back"),
        ({"cursor": "9" * 30}, "cursor"),  # well-formed, past 64 bits: the API refuses it
        ({"cursor": "abc"}, "cursor"),  # not a look-up key
    ],
)
def test_tampered_paging_links_are_a_422_naming_the_field(agent, params, field):
    answer = agent.get("/ui/customers", params={"q": "淑珍", **params})
    assert answer.status_code == 422, answer.text
    assert field in answer.text


def _tickets(client: TestClient, admin: dict, n: int) -> None:
    made = client.post(
        "/api/v1/customers", json=customer_payload(name="赵排队"), headers=admin
    ).json()
    for _ in range(n):
        answer = client.post(
            "/api/v1/tickets", json={"customer_id": made["id"], "kind": "repair"}, headers=admin
        )
        assert answer.status_code == 201, answer.text


DUE = re.compile(r'data-due="([^"]+)"')


def test_the_queue_pages_by_due_time_and_counts(client, admin, agent):
    """Issue 19 §5 on the queue: 53 open tickets are 50 + 3, earliest due first across
    the pages (it stopped at 500 with no count before)."""
    _tickets(client, admin, 53)
    first = agent.get("/ui/tickets").text
    assert COUNT.search(first).group(1) == "共 53 条，第 1–50 条"
    nxt = NEXT.search(first).group(1).replace("&amp;", "&")
    second = agent.get(nxt).text
    assert COUNT.search(second).group(1) == "共 53 条，第 51–53 条"
    assert NEXT.search(second) is None and PREVIOUS.search(second)
    dues = DUE.findall(first) + DUE.findall(second)
    assert len(dues) == 53 and dues == sorted(dues)
    refused = agent.get("/ui/tickets", params={"cursor": "abc"})
    assert refused.status_code == 422 and "cursor" in refused.text
