"""Issue 19 §5: an export holds every row the list matches, not the page shown, read and
written a batch at a time; a list longer than an Excel sheet is refused before any work."""

from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.test_web_pages import _customer, web_login

BATCH = 7  # small, so 23 customers take four batches (7 + 7 + 7 + 2), worked out by hand


def _sheet_rows(resp) -> list[tuple]:  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.text[:300]
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def lead(client: TestClient, make_user) -> TestClient:  # type: ignore[no-untyped-def]
    return web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("node.web.pages_customers.EXPORT_BATCH", BATCH)
    monkeypatch.setattr("node.web.pages_tickets.EXPORT_BATCH", BATCH)


def test_a_search_export_holds_every_hit_once(client, admin, lead, small_batches):
    for i in range(23):
        _customer(client, admin, name=f"李秀英{i:02d}")
    _customer(client, admin, name="王建军")  # not a hit
    page = lead.get("/ui/customers", params={"q": "秀英"}).text
    assert "共 23 条，第 1–20 条" in page  # the page shows 20 of them
    rows = _sheet_rows(
        lead.get("/ui/customers", params={"q": "秀英", "export": "xlsx", "table": "customers"})
    )
    names = [row[1] for row in rows[1:]]
    assert rows[0][1].startswith("姓名") and len(names) == 23
    assert sorted(names) == [f"李秀英{i:02d}" for i in range(23)]


def test_the_results_shown_as_one_types_link_the_same_export(client, admin, lead, make_user):
    """The search box's instant results carry the full page's 导出 Excel link (they had
    none until the page was reloaded), for whoever may export."""
    for i in range(3):
        _customer(client, admin, name=f"周建平{i}")
    partial = lead.get("/ui/customers/search", params={"q": " 建平 "}).text
    link = "/ui/customers?q=%E5%BB%BA%E5%B9%B3&amp;export=xlsx&amp;table=customers"
    assert f'href="{link}"' in partial and "导出 Excel" in partial
    rows = _sheet_rows(lead.get(link.replace("&amp;", "&")))
    assert sorted(row[1] for row in rows[1:]) == ["周建平0", "周建平1", "周建平2"]
    agent = web_login(client.app, make_user(Role.agent)["username"], PASSWORD)
    assert "导出 Excel" not in agent.get("/ui/customers/search", params={"q": "建平"}).text


def test_a_queue_export_holds_every_ticket_in_queue_order(client, admin, lead, small_batches):
    customer = _customer(client, admin, name="周桂兰")
    made = []
    for _ in range(53):  # 50 a page: the page shows 50, the export 53
        resp = client.post(
            "/api/v1/tickets", json={"customer_id": customer["id"], "kind": "repair"}, headers=admin
        )
        assert resp.status_code == 201, resp.text
        made.append(resp.json()["ticket_no"])
    assert "共 53 条，第 1–50 条" in lead.get("/ui/tickets").text
    rows = _sheet_rows(lead.get("/ui/tickets", params={"export": "xlsx", "table": "tickets"}))
    numbers = [row[0] for row in rows[1:]]
    assert sorted(numbers) == sorted(made)
    dues = [row[7] for row in rows[1:]]
    assert dues == sorted(dues)  # open tickets: the earliest due first, across batches


def test_an_export_longer_than_a_sheet_is_refused_naming_the_limit(
    client, admin, lead, monkeypatch
):
    for i in range(3):
        _customer(client, admin, name=f"张丽{i}")
    monkeypatch.setattr("node.web.tables.XLSX_MAX_DATA_ROWS", 2)
    resp = lead.get("/ui/customers", params={"q": "张丽", "export": "xlsx", "table": "customers"})
    assert resp.status_code == 422
    assert "Excel" in resp.text and "缩小范围" in resp.text
