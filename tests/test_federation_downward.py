"""Reference data flowing down (docs/federation.md rule 11), with HQ, a province and two
cities as real processes: what each level owns reaches exactly the nodes below it, an
edit and a withdrawal follow, nothing flows back up, a city cannot change HQ's row, and
verify holds both ways. Every expectation is written out here: which rows, by origin,
each node must hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.callback_helpers import DEFINITION
from tests.topology import PASSWORD, Topology, build, db_url_factory, fedcrm

pytestmark = pytest.mark.slow

CITIES = ("430100", "430200")


@pytest.fixture
def topology(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Topology]:
    pg_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    topo = build(tmp_path, db_url_factory(backend, tmp_path, pg_url))
    topo.start_all()
    yield topo
    topo.stop_all()


def _held(node, table: str, where: str = "1=1") -> set[tuple[str, ...]]:
    """(id, origin, version, deleted) of the node's rows of `table`."""
    engine = create_engine(node.db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, origin, origin_version, "
                f"CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END FROM {table} WHERE {where}"
            )
        ).all()
    engine.dispose()
    return {tuple(str(v) for v in row) for row in rows}


def _entry(node, kind: str, code: str, label: str) -> dict:
    with node.api() as api:
        made = api.post("/api/v1/dictionaries", json={"kind": kind, "code": code, "label": label})
    assert made.status_code == 201, made.text
    return made.json()


def _pull_down(topo: Topology) -> None:
    """Province first, then its cities: what HQ owns reaches the cities in one round."""
    for code in ("430000", *CITIES):
        out = fedcrm("pull", str(topo[code].dir))
        assert "ok" in out.stdout, out.stdout


def _origins(node, table: str) -> set[str]:
    return {row[1] for row in _held(node, table)}


def test_what_each_level_owns_reaches_exactly_the_nodes_below(topology):
    hq, province = topology["000000"], topology["430000"]
    hq_reason = _entry(hq, "churn_reason", "hq_5g_plan", "5G套餐不满意")
    with hq.api() as api:
        product = api.post(
            "/api/v1/products",
            json={
                "code": "GRP-5G-199",
                "name": "集团5G畅享199元",
                "type": "mobile",
                "monthly_price": "199.00",
            },
        )
    assert product.status_code == 201, product.text
    province_reason = _entry(province, "churn_reason", "hn_relocation", "湖南省内搬迁")
    city_reason = _entry(topology["430100"], "churn_reason", "cs_metro", "长沙地铁施工")

    _pull_down(topology)

    hq_rows = _held(hq, "dictionary_entries", "origin = '000000'")
    province_rows = _held(province, "dictionary_entries", "origin = '430000'")
    for city in CITIES:
        node = topology[city]
        # HQ's and the province's rows, exactly; never a sibling's.
        assert _held(node, "dictionary_entries", "origin = '000000'") == hq_rows
        assert _held(node, "dictionary_entries", "origin = '430000'") == province_rows
        assert _origins(node, "dictionary_entries") == {"000000", "430000", city}
        assert _held(node, "products", "origin = '000000'") == _held(
            hq, "products", "origin = '000000'"
        )
    assert (hq_reason["id"].replace("-", ""), "000000", "1", "0") in {
        (r[0].replace("-", ""), *r[1:]) for r in _held(topology["430200"], "dictionary_entries")
    }
    assert _origins(province, "dictionary_entries") >= {"000000", "430000"}
    assert _held(hq, "dictionary_entries", "origin = '000000'") == hq_rows  # nothing came back
    assert city_reason["origin"] == "430100" and province_reason["origin"] == "430000"

    for code in CITIES:  # the city's own entry goes up, so the province verifies its children
        fedcrm("sync", str(topology[code].dir))
    for code in ("430000", *CITIES):
        out = fedcrm("verify", str(topology[code].dir), "--from-parent")
        assert "and so does the parent" in out.stdout, out.stdout


def test_edits_and_withdrawals_follow_and_nothing_flows_back(topology):
    hq, province, city = topology["000000"], topology["430000"], topology["430100"]
    entry = _entry(hq, "competitor", "satcom", "卫星通信")
    _pull_down(topology)
    with hq.api() as api:
        api.patch(f"/api/v1/dictionaries/{entry['id']}", json={"label": "卫星互联网"})
        gone = _entry(hq, "competitor", "old_isp", "旧宽带商")
    _pull_down(topology)
    with hq.api() as api:
        assert api.delete(f"/api/v1/dictionaries/{gone['id']}").status_code == 204
    _pull_down(topology)
    hex_id = entry["id"].replace("-", "")
    at_city = {r[0].replace("-", ""): r for r in _held(city, "dictionary_entries")}
    assert at_city[hex_id][2:] == ("2", "0")  # the edit: version 2, live
    assert at_city[gone["id"].replace("-", "")][2:] == ("2", "1")  # the withdrawal: a tombstone

    # A city cannot change HQ's row: 409 naming the owner, and nothing changes.
    with city.api() as api:
        refused = api.patch(f"/api/v1/dictionaries/{entry['id']}", json={"label": "改"})
    assert refused.status_code == 409, refused.text
    assert "000000" in refused.text

    # Up again: the city and the province send only their subtree's rows.
    for code in (*CITIES, "430000"):
        fedcrm("sync", str(topology[code].dir))
    engine = create_engine(hq.db_url)
    with engine.connect() as conn:
        received = conn.execute(
            text(
                "SELECT rows_received FROM federation_checkpoints "
                "WHERE sender = '430000' AND table_name = 'dictionary_entries'"
            )
        ).scalar_one()
    engine.dispose()
    below = _held(hq, "dictionary_entries", "origin <> '000000'")
    assert received == len(below)
    assert _origins(province, "dictionary_entries") == {"000000", "430000", *CITIES}
    assert "all children match" in fedcrm("verify", str(hq.dir)).stdout


def test_a_province_groups_its_cities_churn_by_the_codes_from_above(topology):
    """HQ's churn reason reaches both cities, each city records churn under it (and one
    city under a code of its own), and the province's figures count the cities' churn
    under one row with HQ's label. Counted by hand: 2 + 3 = 5 under HQ's code, 1 under
    长沙's own."""
    _entry(topology["000000"], "churn_reason", "hq_5g_plan", "5G套餐不满意")
    _pull_down(topology)
    _entry(topology["430100"], "churn_reason", "cs_metro", "长沙地铁施工")
    churned = {"430100": ["hq_5g_plan", "hq_5g_plan", "cs_metro"], "430200": ["hq_5g_plan"] * 3}
    for city, reasons in churned.items():
        with topology[city].api() as api:
            for n, reason in enumerate(reasons):
                customer = api.post(
                    "/api/v1/customers",
                    json={
                        "name": f"流失客户{n}",
                        "phone": f"13907{city[2:4]}{n:04d}",
                        "joined_at": "2026-01-05T09:00:00+08:00",
                    },
                )
                assert customer.status_code == 201, customer.text
                event = api.post(
                    f"/api/v1/customers/{customer.json()['id']}/churn",
                    json={"churned_at": "2026-11-10T10:00:00+08:00", "reason": reason},
                )
                assert event.status_code == 201, event.text
        fedcrm("sync", str(topology[city].dir))

    out = fedcrm(
        "rollup", str(topology["430000"].dir), "--figure", "churn", "--by", "reason",
        "--period", "2026-11", "--format", "json",
    )  # fmt: skip
    figures = json.loads(out.stdout)
    rows = {row["key"]: row for row in figures["churn"]["rows"]}
    assert {key: row["churned"] for key, row in rows.items()} == {"hq_5g_plan": 5, "cs_metro": 1}
    assert rows["hq_5g_plan"]["label"] == "5G套餐不满意"
    assert rows["cs_metro"]["label"] == "长沙地铁施工"


KB = "/api/v1/kb"


def _reviewer(node) -> httpx.Client:
    """A second admin at `node`: nobody approves an article they wrote."""
    fedcrm("user", "add", str(node.dir), "--username", "reviewer", "--role", "admin",
           "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    login = httpx.post(
        f"{node.url}/api/v1/auth/login", json={"username": "reviewer", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    return httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {token}"})


def _agent(node) -> httpx.Client:
    """An agent (a reader, no kb:write) signed in at `node`."""
    fedcrm("user", "add", str(node.dir), "--username", "agent", "--role", "agent",
           "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    login = httpx.post(
        f"{node.url}/api/v1/auth/login", json={"username": "agent", "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    return httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {token}"})


def _publish(
    node, reviewer: httpx.Client, folder: str, title: str, body: str, **more: object
) -> dict:
    """A folder and a must-read article in it, written at `node` and approved there."""
    with node.api() as api:
        made = api.post(f"{KB}/folders", json={"name": folder})
        assert made.status_code == 201, made.text
        article = api.post(
            f"{KB}/articles",
            json={"folder_id": made.json()["id"], "kind": "policy", "title": title,
                  "body": body, "must_read": True, **more},
        )  # fmt: skip
        assert article.status_code == 201, article.text
        assert api.post(f"{KB}/articles/{article.json()['id']}/submit").status_code == 200
    approved = reviewer.post(f"{KB}/articles/{article.json()['id']}/approve")
    assert approved.status_code == 200, approved.text
    return approved.json()


def _found(node, query: str) -> dict[str, str]:
    """{article id: title} of what a reader at `node` finds for `query`."""
    with node.api() as api:
        resp = api.get(f"{KB}/search", params={"q": query, "limit": 100})
    assert resp.status_code == 200, resp.text
    return {hit["id"]: hit["title"] for hit in resp.json()["data"]}


def _path(folders: dict[str, dict], folder_id: str) -> list[str]:
    """The names from the top folder down to `folder_id`."""
    names: list[str] = []
    current: str | None = folder_id
    while current is not None:
        names.insert(0, folders[current]["name"])
        current = folders[current]["parent_id"]
    return names


def api_get(node, path: str) -> dict:
    with node.api() as api:
        resp = api.get(path)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_articles_and_questionnaires_published_above_reach_the_nodes_below(topology):
    """HQ and the province each publish a must-read article, and HQ a questionnaire;
    after a pull every city holds the questionnaire (read-only) and finds both articles
    (in a folder under 总部发布 / 湖南省发布), may acknowledge them but not change them;
    HQ never shows the province's; HQ's new version and its withdrawal follow; verify
    holds both ways."""
    hq, province, city = topology["000000"], topology["430000"], topology["430100"]
    hq_reviewer, province_reviewer = _reviewer(hq), _reviewer(province)
    with hq.api() as api:  # and a callback questionnaire for every city
        survey = api.post(
            "/api/v1/questionnaires", json={"name": "集团装机回访", "definition": DEFINITION}
        )
        assert survey.status_code == 201, survey.text
        survey_path = f"/api/v1/questionnaires/{survey.json()['id']}"
        assert api.post(f"{survey_path}/versions/1/publish").status_code == 200
    policy = _publish(
        hq, hq_reviewer, "营业厅制度", "停机保号办理规定", "凭本人身份证办理停机保号。"
    )
    notice = _publish(
        province, province_reviewer, "片区公告", "湖南宽带提速公告", "全省宽带免费提速。"
    )
    with hq.api() as api:  # 群组: an article for the cities' agents only
        audience = api.post(f"{KB}/audiences", json={"name": "各市坐席", "roles": ["agent"],
                                                     "levels": ["city"]})  # fmt: skip
        assert audience.status_code == 201, audience.text
    script = _publish(hq, hq_reviewer, "话术", "携号转网挽留话术", "先致歉再说明。",
                      audience_id=audience.json()["id"])  # fmt: skip
    with hq.api() as api:  # 附件: a file of the published article, 1 MiB
        sheet = bytes(range(256)) * 4096
        files = {"file": ("挽留话术.xlsx", sheet, "application/vnd.ms-excel")}
        attached = api.post(f"{KB}/articles/{script['id']}/attachments", files=files)
        assert attached.status_code == 201, attached.text
    _pull_down(topology)
    readers = {code: _agent(topology[code]) for code in ("430000", "430100")}
    for code, reader in readers.items():  # the agents of a city find it, a province's not
        found = reader.get(f"{KB}/search", params={"q": "挽留"}).json()["data"]
        expected = ["携号转网挽留话术"] if code == "430100" else []
        assert [hit["title"] for hit in found] == expected, code
        opened = reader.get(f"{KB}/articles/{script['id']}")
        assert opened.status_code == (200 if code == "430100" else 404), code
        got = reader.get(f"{KB}/attachments/{attached.json()['id']}")
        assert got.status_code == (200 if code == "430100" else 404), code
        assert code != "430100" or got.content == sheet  # the same bytes, two levels down
        reader.close()
    assert _found(topology["430200"], "挽留") == {script["id"]: "携号转网挽留话术"}  # admin

    for code in CITIES:
        node = topology[code]
        assert _found(node, "保号") == {policy["id"]: "停机保号办理规定"}
        assert _found(node, "提速") == {notice["id"]: "湖南宽带提速公告"}
        with node.api() as api:
            folders = {f["id"]: f for f in api.get(f"{KB}/folders").json()["data"]}
            detail = api.get(f"{KB}/articles/{policy['id']}").json()
        assert _path(folders, detail["folder_id"]) == ["总部发布", "营业厅制度"]
        found = api_get(node, f"{KB}/articles/{notice['id']}")
        assert _path(folders, found["folder_id"]) == ["湖南省发布", "片区公告"]
        assert detail["owner"] == "000000" and detail["must_read"] is True
    assert _found(province, "保号") == {policy["id"]: "停机保号办理规定"}
    assert _found(hq, "提速") == {}  # the province's article is for its cities only

    with city.api() as api:
        assert api.get(f"{survey_path}/versions/1").json()["status"] == "published"
        refused = api.post(f"{survey_path}/versions")  # a new draft of HQ's questionnaire
        assert refused.status_code == 409 and "000000" in refused.text, refused.text
        assert api.post(f"{KB}/articles/{policy['id']}/ack").status_code == 200
        edit = {"folder_id": detail["folder_id"], "kind": "policy", "title": "改", "body": "改"}
        refused = api.put(f"{KB}/articles/{policy['id']}", json=edit)
        assert refused.status_code == 409 and "000000" in refused.text, refused.text
        archived = api.post(f"{KB}/articles/{policy['id']}/archive")
        assert archived.status_code == 409 and "000000" in archived.text, archived.text
        inside = api.post(f"{KB}/folders", json={"name": "私", "parent_id": detail["folder_id"]})
        assert inside.status_code == 409, inside.text

    with hq.api() as api:  # a new version, approved, then withdrawn
        edit = {
            "folder_id": policy["folder_id"],
            "kind": "policy",
            "must_read": True,
            "title": "停机保号办理规定（2027版）",
            "body": "凭本人身份证或授权书办理。",
        }
        assert api.put(f"{KB}/articles/{policy['id']}", json=edit).status_code == 200
        assert api.post(f"{KB}/articles/{policy['id']}/submit").status_code == 200
    assert hq_reviewer.post(f"{KB}/articles/{policy['id']}/approve").status_code == 200
    _pull_down(topology)
    assert _found(city, "授权书") == {policy["id"]: "停机保号办理规定（2027版）"}
    assert _found(city, "本人身份证") == {policy["id"]: "停机保号办理规定（2027版）"}
    for code in CITIES:  # the province verifies its children too: they send first
        fedcrm("sync", str(topology[code].dir))
    for code in ("430000", *CITIES):
        out = fedcrm("verify", str(topology[code].dir), "--from-parent")
        assert "and so does the parent" in out.stdout, out.stdout

    archived = hq_reviewer.post(f"{KB}/articles/{policy['id']}/archive", json={"reason": "废止"})
    assert archived.status_code == 200, archived.text
    _pull_down(topology)
    assert _found(city, "保号") == {}
    # Readers see it no more; an editor there sees it archived.
    assert api_get(city, f"{KB}/articles/{policy['id']}")["status"] == "archived"
    hq_reviewer.close()
    province_reviewer.close()
