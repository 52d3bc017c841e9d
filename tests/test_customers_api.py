"""Customers over HTTP: create, look-up, 360 view, masking, validation, pagination."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from node.audit.models import AuditEntry
from node.auth.accounts import Role
from node.customers.models import Customer
from tests.factories import customer_payload, mobile, resident_id


def _count(database, model) -> int:
    with database.unit_of_work(write=False) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


# PostgreSQL's term look-up paths (node.customers.lookup): the newest-customers window
# fills the page; a window of 1 leaves the rest to the GIN candidates; a cap of 1 too
# makes every term dense, so the key walk does. SQLite runs each case the same.
pg_term_paths = pytest.mark.parametrize(
    ("window", "cap"), [(2000, 2000), (1, 2000), (1, 1)], ids=["window", "gin", "walk"]
)


def test_create_assigns_number_origin_and_derives_identity(client, admin):
    rid = resident_id(district="430102", born="19500101")
    resp = client.post("/api/v1/customers", json=customer_payload(id_number=rid), headers=admin)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["customer_no"].startswith("430100-")
    assert body["origin"] == "430100" and body["origin_version"] == 1
    assert body["birth_date"] == "1950-01-01"
    assert body["gender"] in ("male", "female")


def test_lookup_by_every_kind_agents_type(client, admin):
    phone = mobile()
    rid = resident_id()
    made = client.post(
        "/api/v1/customers",
        json=customer_payload(
            name="张建国", phone=phone, id_number=rid, home_address="湖南省长沙市芙蓉区五一大道88号"
        ),
        headers=admin,
    ).json()
    client.post(
        "/api/v1/customers",
        json=customer_payload(name="李翔", home_address="株洲市天元区"),
        headers=admin,
    )
    queries = [
        phone,
        phone[-4:],
        phone[-6:],
        rid,
        made["customer_no"],
        "建国",
        "张建国",
        "zjg",
        "zhangjianguo",
        "五一大道",
        "芙蓉区",
    ]
    for q in queries:
        found = client.get("/api/v1/customers", params={"q": q}, headers=admin).json()["data"]
        assert [c["name"] for c in found] == ["张建国"], q
    nothing = client.get("/api/v1/customers", params={"q": "欧阳"}, headers=admin).json()
    assert nothing == {"data": [], "next_cursor": None}


def test_lookup_of_a_single_character_and_paging(client, admin):
    for i in range(5):
        client.post(
            "/api/v1/customers", json=customer_payload(name=f"王{'一二三四五'[i]}"), headers=admin
        )
    first = client.get("/api/v1/customers", params={"q": "王", "limit": 3}, headers=admin).json()
    assert len(first["data"]) == 3 and first["next_cursor"]
    rest = client.get(
        "/api/v1/customers",
        params={"q": "王", "limit": 3, "cursor": first["next_cursor"]},
        headers=admin,
    ).json()
    names = {c["name"] for c in first["data"] + rest["data"]}
    assert names == {"王一", "王二", "王三", "王四", "王五"} and rest["next_cursor"] is None


@pg_term_paths
def test_name_lookup_pages_stay_complete_while_customers_are_edited(
    client, admin, monkeypatch, window, cap
):
    """Edits move a customer's seq; the pages of a name look-up, ordered by the search
    index's lifelong key, still hold every match exactly once (on PostgreSQL on each of
    its paths)."""
    import node.customers.lookup as lookup

    monkeypatch.setattr(lookup, "PG_NEWEST_WINDOW", window)
    monkeypatch.setattr(lookup, "PG_CANDIDATE_CAP", cap)
    names = [f"周{c}" for c in "一二三四五六七"]
    made = [
        client.post("/api/v1/customers", json=customer_payload(name=n), headers=admin).json()
        for n in names
    ]
    seen, cursor = [], None
    for page_no in range(10):
        params = {"q": "周", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/customers", params=params, headers=admin).json()
        seen += [c["name"] for c in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
        if page_no == 0:  # the oldest customers change between the first pages
            for row in made[:3]:
                edit = {"note": "回访后更新"}
                r = client.patch(f"/api/v1/customers/{row['id']}", json=edit, headers=admin)
                assert r.status_code == 200, r.text
    assert sorted(seen) == sorted(names)


def test_list_pagination_is_complete_and_ordered(client, admin):
    for i in range(7):
        client.post("/api/v1/customers", json=customer_payload(name=f"客户{i}"), headers=admin)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, "order_by": "name"} | ({"cursor": cursor} if cursor else {})
        page = client.get("/api/v1/customers", params=params, headers=admin).json()
        seen += [c["name"] for c in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(f"客户{i}" for i in range(7))


def test_lists_mask_personal_data_and_detail_audits_unmasked_reads(client, admin, database):
    phone, rid = mobile(), resident_id()
    made = client.post(
        "/api/v1/customers", json=customer_payload(phone=phone, id_number=rid), headers=admin
    ).json()
    listed = client.get("/api/v1/customers", headers=admin).json()["data"][0]
    assert listed["phone"] == phone[:3] + "****" + phone[-4:]
    assert listed["id_number"] == rid[:3] + "*" * 11 + rid[-4:]
    before = _count(database, AuditEntry)
    detail = client.get(f"/api/v1/customers/{made['id']}", headers=admin).json()
    assert detail["id_number"] == rid and detail["phone"] == phone
    with database.unit_of_work(write=False) as s:
        actions = s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert len(actions) == before + 1 and actions[-1] == "pii.read"


def test_roles_without_pii_never_see_full_numbers(client, admin, login):
    rid = resident_id()
    made = client.post(
        "/api/v1/customers", json=customer_payload(id_number=rid), headers=admin
    ).json()
    for role in (Role.agent, Role.analyst, Role.dispatcher):
        headers = login(role)
        detail = client.get(f"/api/v1/customers/{made['id']}", headers=headers)
        assert detail.status_code == 200
        assert rid not in detail.text


def test_customer_360_view(client, admin):
    cust = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
    product = client.post(
        "/api/v1/products",
        json={"code": "BB100", "name": "百兆宽带", "type": "broadband", "monthly_price": "99.00"},
        headers=admin,
    ).json()
    client.post(
        "/api/v1/subscriptions",
        json={"customer_id": cust["id"], "product_id": product["id"]},
        headers=admin,
    )
    client.post(
        "/api/v1/contacts", json={"customer_id": cust["id"], "name": "王经理"}, headers=admin
    )
    client.post(
        "/api/v1/tickets", json={"customer_id": cust["id"], "kind": "repair"}, headers=admin
    )
    client.post(
        "/api/v1/interactions",
        json={
            "customer_id": cust["id"],
            "channel": "phone",
            "direction": "inbound",
            "talk_seconds": 60,
        },
        headers=admin,
    )
    detail = client.get(f"/api/v1/customers/{cust['id']}", headers=admin).json()
    assert [s["monthly_fee"] for s in detail["active_subscriptions"]] == ["99.00"]
    assert [c["name"] for c in detail["contacts"]] == ["王经理"]
    assert len(detail["open_tickets"]) == 1 and len(detail["recent_interactions"]) == 1


def test_bad_input_names_each_field_and_writes_nothing(client, admin, database):
    before = _count(database, Customer)
    cases = [
        ({"name": ""}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"id_number": "430102195001010011"}, "id_number"),
        ({"grade": "platinum"}, "grade"),
        ({"service_area": "mars"}, "service_area"),
        ({"joined_at": "2024-01-01T00:00:00"}, "joined_at"),
        ({"shoe_size": 42}, "shoe_size"),
        ({"type": "alien"}, "type"),
    ]
    for override, field in cases:
        resp = client.post("/api/v1/customers", json=customer_payload(**override), headers=admin)
        assert resp.status_code == 422, (override, resp.text)
        assert field in resp.json()["error"]["fields"], (override, resp.json())
    assert client.post("/api/v1/customers", content=b"{not json", headers=admin).status_code == 422
    assert _count(database, Customer) == before


def test_update_bumps_version_and_seq_and_delete_tombstones(client, admin, database):
    made = client.post("/api/v1/customers", json=customer_payload(), headers=admin).json()
    with database.unit_of_work(write=False) as s:
        seq_before = s.get(Customer, uuid.UUID(made["id"])).seq
    patched = client.patch(
        f"/api/v1/customers/{made['id']}", json={"grade": "diamond"}, headers=admin
    )
    assert patched.status_code == 200 and patched.json()["origin_version"] == 2
    with database.unit_of_work(write=False) as s:
        row = s.get(Customer, uuid.UUID(made["id"]))
        assert row.seq > seq_before and row.grade == "diamond"
    assert (
        client.patch(
            f"/api/v1/customers/{made['id']}", json={"phone": "1"}, headers=admin
        ).status_code
        == 422
    )
    assert client.delete(f"/api/v1/customers/{made['id']}", headers=admin).status_code == 204
    assert client.get(f"/api/v1/customers/{made['id']}", headers=admin).status_code == 404
    with database.unit_of_work(write=False) as s:
        assert s.get(Customer, uuid.UUID(made["id"])).deleted_at is not None


def test_duplicate_id_number_is_a_conflict(client, admin):
    rid = resident_id()
    assert (
        client.post(
            "/api/v1/customers", json=customer_payload(id_number=rid), headers=admin
        ).status_code
        == 201
    )
    again = client.post("/api/v1/customers", json=customer_payload(id_number=rid), headers=admin)
    assert again.status_code == 409 and "ID number" in again.json()["error"]["message"]


def test_unknown_filter_and_bad_cursor_are_422(client, admin):
    assert (
        client.get("/api/v1/customers", params={"colour": "red"}, headers=admin).status_code == 422
    )
    resp = client.get("/api/v1/customers", params={"cursor": "garbage"}, headers=admin)
    assert resp.status_code == 422 and "cursor" in resp.json()["error"]["fields"]
    resp = client.get("/api/v1/customers", params={"order_by": "password"}, headers=admin)
    assert resp.status_code == 422 and "order_by" in resp.json()["error"]["fields"]
    assert client.get("/api/v1/customers", params={"limit": 201}, headers=admin).status_code == 422
    assert client.get("/api/v1/customers/not-a-uuid", headers=admin).status_code == 422
    missing = "01900000-0000-7000-8000-000000000000"
    assert client.get(f"/api/v1/customers/{missing}", headers=admin).status_code == 404


def test_dense_term_path_pages_the_same(client, admin, monkeypatch):
    """With a tiny candidate cap every term is 'dense' on PostgreSQL: same answers."""
    import node.customers.lookup as lookup

    for i in range(5):
        client.post(
            "/api/v1/customers", json=customer_payload(name=f"王{'一二三四五'[i]}"), headers=admin
        )
    expected = client.get("/api/v1/customers", params={"q": "王", "limit": 3}, headers=admin)
    monkeypatch.setattr(lookup, "PG_NEWEST_WINDOW", 1)
    monkeypatch.setattr(lookup, "PG_CANDIDATE_CAP", 2)
    first = client.get("/api/v1/customers", params={"q": "王", "limit": 3}, headers=admin).json()
    assert first == expected.json()
    rest = client.get(
        "/api/v1/customers",
        params={"q": "王", "limit": 3, "cursor": first["next_cursor"]},
        headers=admin,
    ).json()
    assert len(first["data"]) + len(rest["data"]) == 5 and rest["next_cursor"] is None


@pg_term_paths
def test_an_agents_text_lookup_keeps_to_their_area_on_either_path(
    client, admin, login, monkeypatch, window, cap
):
    """PostgreSQL picks term candidates from the search table alone, before the agent's
    scope and the fragment recheck apply: neither may be lost on any of its paths."""
    import node.customers.lookup as lookup

    monkeypatch.setattr(lookup, "PG_NEWEST_WINDOW", window)
    for name, area in [("王建国", "urban"), ("王建军", "suburban"), ("李建国", "urban")]:
        made = client.post(
            "/api/v1/customers", json=customer_payload(name=name, service_area=area), headers=admin
        )
        assert made.status_code == 201, made.text
    monkeypatch.setattr(lookup, "PG_CANDIDATE_CAP", cap)
    agent = login(Role.agent, service_area="urban")

    def names(q: str) -> list[str]:
        found = client.get("/api/v1/customers", params={"q": q}, headers=agent)
        assert found.status_code == 200, found.text
        return sorted(c["name"] for c in found.json()["data"])

    assert names("王建") == ["王建国"]  # 王建军 is suburban
    assert names("建国") == ["李建国", "王建国"]
    assert names("王建国") == ["王建国"]
    assert names("王建军") == []  # out of the agent's area, even by full name


@pg_term_paths
def test_a_match_behind_many_newer_ones_out_of_scope_is_found(
    client, admin, login, monkeypatch, window, cap
):
    """PostgreSQL reads term candidates newest first in growing chunks: a page whose
    rows all lie behind the first chunks (filtered out by the agent's area) is found."""
    import node.customers.lookup as lookup

    monkeypatch.setattr(lookup, "PG_NEWEST_WINDOW", window)
    monkeypatch.setattr(lookup, "PG_CANDIDATE_CAP", cap)
    names = ["王一"] + [f"王{c}" for c in "二三四五六七八九十"]
    for i, name in enumerate(names):
        area = "urban" if i == 0 else "suburban"
        client.post(
            "/api/v1/customers", json=customer_payload(name=name, service_area=area), headers=admin
        )
    agent = login(Role.agent, service_area="urban")
    page = client.get("/api/v1/customers", params={"q": "王", "limit": 1}, headers=agent).json()
    assert [c["name"] for c in page["data"]] == ["王一"] and page["next_cursor"] is None


def test_service_numbers_are_masked_like_phones_without_pii(client, admin, login):
    phone = mobile()
    cust = client.post("/api/v1/customers", json=customer_payload(phone=phone), headers=admin)
    cid = cust.json()["id"]
    product = client.post(
        "/api/v1/products",
        json={"code": "5G99", "name": "5G套餐99元", "type": "mobile", "monthly_price": "99.00"},
        headers=admin,
    ).json()
    sub = client.post(
        "/api/v1/subscriptions",
        json={"customer_id": cid, "product_id": product["id"], "service_number": phone},
        headers=admin,
    ).json()
    masked = phone[:3] + "****" + phone[-4:]
    agent = login(Role.agent, service_area="urban")
    listed = client.get("/api/v1/subscriptions", headers=agent).json()["data"]
    assert [s["service_number"] for s in listed] == [masked]
    one = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=agent).json()
    assert one["service_number"] == masked
    in_360 = client.get(f"/api/v1/customers/{cid}", headers=agent).json()
    assert [s["service_number"] for s in in_360["active_subscriptions"]] == [masked]
    assert phone not in client.get(f"/api/v1/customers/{cid}", headers=agent).text
    # With pii:read the one-row reads show it; lists stay masked, as for customers.
    assert (
        client.get(f"/api/v1/subscriptions/{sub['id']}", headers=admin).json()["service_number"]
        == phone
    )
    assert [
        s["service_number"]
        for s in client.get("/api/v1/customers/" + cid, headers=admin).json()[
            "active_subscriptions"
        ]
    ] == [phone]
    assert (
        client.get("/api/v1/subscriptions", headers=admin).json()["data"][0]["service_number"]
        == masked
    )


def test_the_same_name_and_phone_again_is_refused_unless_a_reason_is_given(client, admin):
    """Issue 19 §2: the API registers the same person twice only on purpose (audited)."""
    from tests.factories import customer_payload as payload

    first = client.post(
        "/api/v1/customers", json=payload(name="周杰", phone="13907310001"), headers=admin
    ).json()
    again = payload(name="周杰", phone="+86 139 0731 0001", id_number=None)
    refused = client.post("/api/v1/customers", json=again, headers=admin)
    assert refused.status_code == 409
    assert first["customer_no"] in refused.json()["error"]["message"]
    other_person = payload(name="周洁", phone="13907310001", id_number=None)
    assert client.post("/api/v1/customers", json=other_person, headers=admin).status_code == 201
    too_short = client.post(
        "/api/v1/customers", params={"duplicate_reason": "x"}, json=again, headers=admin
    )
    assert too_short.status_code == 422 and "duplicate_reason" in too_short.text
    made = client.post(
        "/api/v1/customers",
        params={"duplicate_reason": "父子同名，共用号码"},
        json=again,
        headers=admin,
    )
    assert made.status_code == 201
    unknown = client.post("/api/v1/customers", params={"force": "1"}, json=again, headers=admin)
    assert unknown.status_code == 422  # an unknown parameter is named, not ignored
