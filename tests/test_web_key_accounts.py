"""Issue 19 §5: key accounts biggest revenue first, counted and paged (50 a page), and
the Excel export holds every one of them, not the page."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from node.auth.accounts import Role
from tests.conftest import PASSWORD
from tests.factories import customer_payload
from tests.test_web_pages import web_login


def test_key_accounts_are_ranked_counted_paged_and_exported_whole(client, admin, make_user):
    product = client.post(
        "/api/v1/products",
        json={"code": "ENT", "name": "企业专线", "type": "broadband", "monthly_price": "1.00"},
        headers=admin,
    ).json()
    fees = {"甲公司": "900.00", "乙公司": "5000.00", "丙公司": "120.50"}
    for name, fee in fees.items():
        made = client.post(
            "/api/v1/customers",
            json=customer_payload(
                name=name, is_key_account=True, type="enterprise", id_number=None
            ),
            headers=admin,
        ).json()
        client.post(
            "/api/v1/subscriptions",
            json={
                "customer_id": made["id"],
                "product_id": product["id"],
                "monthly_fee": fee,
                "started_at": "2026-11-01T00:00:00+08:00",
            },
            headers=admin,
        )
    for i in range(52):  # key accounts without revenue yet: after the three above
        client.post(
            "/api/v1/customers",
            json=customer_payload(name=f"新签客户{i:02d}", is_key_account=True, id_number=None),
            headers=admin,
        )
    lead = web_login(client.app, make_user(Role.team_lead)["username"], PASSWORD)
    first = lead.get("/ui/key-accounts")
    assert first.status_code == 200
    assert "共 55 条，第 1–50 条" in first.text
    order = [first.text.index(name) for name in ("乙公司", "甲公司", "丙公司")]
    assert order == sorted(order)  # 5000 > 900 > 120.50
    second = lead.get("/ui/key-accounts", params={"cursor": "o50", "back": "-"})
    assert "共 55 条，第 51–55 条" in second.text and 'rel="prev"' in second.text
    assert lead.get("/ui/key-accounts", params={"cursor": "50"}).status_code == 422
    export = lead.get("/ui/key-accounts", params={"export": "xlsx", "table": "key_accounts"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 55
    assert [r[1] for r in rows[:3]] == ["乙公司", "甲公司", "丙公司"]
    assert [r[4] for r in rows[:3]] == [5000, 900, 120.5]
