"""群组 (issue 22 §3): an article limited to an audience is found, listed, opened,
suggested and counted as unread only for the readers the audience reaches; editors see
every article. The rule is checked against a table written here by hand, the API on
SQLite and PostgreSQL, and an audience travels down with its article: a province's
article for its cities' technicians reaches them there and nobody else."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from federation.receiving.column_rules import check_values
from federation.receiving.validate import BatchRejected
from federation.sending.capture import read_changes
from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.knowledge import review
from node.knowledge.articles import ArticleFields, create_article
from node.knowledge.audience_rules import AudienceRule, ReaderFacts, reaches
from node.knowledge.audiences import create_audience, reach_for, update_audience
from node.knowledge.folders import create_folder
from node.knowledge.from_above import take_from_above
from node.knowledge.models import KbArticle, KbAudience
from node.knowledge.search import search
from tests.test_kb_from_above import _hand_down

KB = "/api/v1/kb"
PROVINCE = "430000"

# (rule, reader, reached?) worked out by hand from the rule in audience_rules' docstring.
RULE_TABLE = [
    (AudienceRule(roles=("agent",)), ReaderFacts("agent", "430100", None), True),
    (AudienceRule(roles=("agent",)), ReaderFacts("technician", "430100", None), False),
    (AudienceRule(levels=("city",)), ReaderFacts("agent", "430100", None), True),
    (AudienceRule(levels=("city",)), ReaderFacts("agent", "430000", None), False),
    (AudienceRule(levels=("province", "hq")), ReaderFacts("agent", "000000", None), True),
    # a node reaches the node itself and every node below it
    (AudienceRule(nodes=("430000",)), ReaderFacts("agent", "430100", None), True),
    (AudienceRule(nodes=("430000",)), ReaderFacts("agent", "430000", None), True),
    (AudienceRule(nodes=("430000",)), ReaderFacts("agent", "440100", None), False),
    (AudienceRule(nodes=("430100",)), ReaderFacts("agent", "430000", None), False),
    (AudienceRule(nodes=("000000",)), ReaderFacts("agent", "440100", None), True),
    (AudienceRule(areas=("urban",)), ReaderFacts("agent", "430100", "urban"), True),
    (AudienceRule(areas=("urban",)), ReaderFacts("agent", "430100", "county"), False),
    (AudienceRule(areas=("urban",)), ReaderFacts("agent", "430100", None), False),
    # every list that is not empty must hold: all four at once
    (
        AudienceRule(("technician",), ("city",), ("430000",), ("county",)),
        ReaderFacts("technician", "430200", "county"),
        True,
    ),
    (
        AudienceRule(("technician",), ("city",), ("430000",), ("county",)),
        ReaderFacts("technician", "430200", "urban"),
        False,
    ),
    (
        AudienceRule(("technician",), ("city",), ("430000",), ("county",)),
        ReaderFacts("agent", "430200", "county"),
        False,
    ),
]


@pytest.mark.parametrize(("rule", "reader", "reached"), RULE_TABLE)
def test_the_rule_by_hand(rule: AudienceRule, reader: ReaderFacts, reached: bool) -> None:
    assert reaches(rule, reader) is reached


ROLES = ["agent", "technician", "dispatcher"]
READERS = st.builds(
    ReaderFacts,
    st.sampled_from(ROLES),
    st.sampled_from(["000000", "430000", "430100", "440000", "440100"]),
    st.one_of(st.none(), st.sampled_from(["urban", "county"])),
)
RULES = st.builds(
    AudienceRule,
    st.lists(st.sampled_from(ROLES), max_size=2).map(tuple),
    st.lists(st.sampled_from(["hq", "province", "city"]), max_size=2).map(tuple),
    st.lists(st.sampled_from(["000000", "430000", "440100"]), max_size=2).map(tuple),
    st.lists(st.sampled_from(["urban", "county"]), max_size=2).map(tuple),
)


@given(rule=RULES, reader=READERS, extra=st.sampled_from(["roles", "levels", "nodes", "areas"]))
def test_naming_more_in_a_named_list_never_shuts_anyone_out(
    rule: AudienceRule, reader: ReaderFacts, extra: str
) -> None:
    # Within a list, entries are alternatives: adding one to a list that already names
    # something can only let more readers in; an empty list stays "anyone".
    values = {"roles": ROLES, "levels": ["hq", "province", "city"],
              "nodes": ["430000"], "areas": ["urban", "county"]}[extra]  # fmt: skip
    if not getattr(rule, extra):
        return
    wider = AudienceRule(**(rule.to_json() | {extra: [*getattr(rule, extra), *values]}))
    assert not reaches(rule, reader) or reaches(wider, reader)


# ---- through the API ------------------------------------------------------------------


def _audience(client: TestClient, editor: dict, **body: Any) -> dict:
    resp = client.post(f"{KB}/audiences", json=body, headers=editor)
    assert resp.status_code == 201, resp.text
    return resp.json()


def _published(client: TestClient, editor: dict, reviewer: dict, **fields: Any) -> str:
    folder = client.post(f"{KB}/folders", json={"name": uuid.uuid4().hex[:8]}, headers=editor)
    body = {"folder_id": folder.json()["id"], "kind": "announcement", "body": "停电检修通知"}
    made = client.post(f"{KB}/articles", json=body | fields, headers=editor)
    assert made.status_code == 201, made.text
    aid = made.json()["id"]
    assert client.post(f"{KB}/articles/{aid}/submit", headers=editor).status_code == 200
    assert client.post(f"{KB}/articles/{aid}/approve", headers=reviewer).status_code == 200
    return aid


def _seen(client: TestClient, reader: dict) -> dict[str, set[str]]:
    """What the reader finds by each way in: search, the list, opening each one."""
    found = client.get(f"{KB}/search", params={"q": "停电", "limit": 50}, headers=reader)
    listed = client.get(f"{KB}/articles", params={"limit": 50}, headers=reader)
    assert found.status_code == 200 and listed.status_code == 200
    return {
        "search": {hit["title"] for hit in found.json()["data"]},
        "list": {a["title"] for a in listed.json()["data"]},
    }


@pytest.fixture
def staff(login: Callable[..., dict]) -> dict[str, dict]:
    return {
        "editor": login(Role.team_lead),
        "reviewer": login(Role.admin),
        "urban_agent": login(Role.agent, service_area="urban"),
        "county_agent": login(Role.agent, service_area="county"),
        "technician": login(Role.technician, service_area="urban"),
    }


def test_readers_find_and_open_only_what_their_audience_allows(
    client: TestClient, staff: dict
) -> None:
    editor, reviewer = staff["editor"], staff["reviewer"]
    urban = _audience(client, editor, name="城区坐席", roles=["agent"], areas=["urban"])
    techs = _audience(client, editor, name="维修人员", roles=["technician"])
    ids = {
        "停电全体": _published(client, editor, reviewer, title="停电全体"),
        "停电城区坐席": _published(
            client, editor, reviewer, title="停电城区坐席", audience_id=urban["id"]
        ),
        "停电维修": _published(client, editor, reviewer, title="停电维修", audience_id=techs["id"]),
    }
    expected = {
        "urban_agent": {"停电全体", "停电城区坐席"},
        "county_agent": {"停电全体"},
        "technician": {"停电全体", "停电维修"},
        "editor": {"停电全体", "停电城区坐席", "停电维修"},  # editors see every audience
    }
    for who, titles in expected.items():
        seen = _seen(client, staff[who])
        assert seen == {"search": titles, "list": titles}, who
        for title, aid in ids.items():
            opened = client.get(f"{KB}/articles/{aid}", headers=staff[who])
            assert opened.status_code == (200 if title in titles else 404), (who, title)
    shown = client.get(f"{KB}/articles/{ids['停电维修']}", headers=editor).json()
    assert shown["audience_id"] == techs["id"]
    listed = client.get(f"{KB}/audiences", headers=editor).json()["data"]
    assert [(a["name"], a["articles"]) for a in listed] == [("城区坐席", 1), ("维修人员", 1)]


def test_a_redefined_audience_changes_who_reads_at_once(client: TestClient, staff: dict) -> None:
    editor, reviewer = staff["editor"], staff["reviewer"]
    group = _audience(client, editor, name="城区", areas=["urban"])
    aid = _published(client, editor, reviewer, title="停电通知", audience_id=group["id"])
    county = staff["county_agent"]
    assert client.get(f"{KB}/articles/{aid}", headers=county).status_code == 404
    changed = client.put(
        f"{KB}/audiences/{group['id']}", json={"name": "城区和县域", "areas": ["urban", "county"]},
        headers=editor,
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json()["areas"] == ["urban", "county"]
    assert client.get(f"{KB}/articles/{aid}", headers=county).status_code == 200


def test_must_read_pending_lists_only_the_audience(
    client: TestClient, staff: dict, login: Callable[..., dict]
) -> None:
    editor, reviewer = staff["editor"], staff["reviewer"]
    techs = _audience(client, editor, name="维修", roles=["technician"])
    aid = _published(
        client, editor, reviewer, title="安全规程", must_read=True, audience_id=techs["id"]
    )
    acks = client.get(f"{KB}/articles/{aid}/acks", headers=editor).json()
    assert [p["username"] for p in acks["pending"]] == ["technician5"]  # the only technician
    # an agent cannot acknowledge what is not for them: it does not exist for them
    ack = client.post(f"{KB}/articles/{aid}/ack", headers=staff["urban_agent"])
    assert ack.status_code == 404
    assert client.post(f"{KB}/articles/{aid}/ack", headers=staff["technician"]).status_code == 200
    assert client.get(f"{KB}/articles/{aid}/acks", headers=editor).json()["pending"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "空"}, "roles"),  # names nothing: an article for all has no audience
        ({"name": "x", "roles": ["boss"]}, "roles"),
        ({"name": "x", "roles": ["cti"]}, "roles"),  # a machine reads no articles
        ({"name": "x", "levels": ["town"]}, "levels"),
        ({"name": "x", "nodes": ["43010"]}, "nodes"),
        ({"name": "x", "nodes": ["430110"]}, "nodes"),  # six digits, not a division level
        ({"name": "x", "areas": ["moon"]}, "areas"),  # no such service area here
        ({"name": "", "roles": ["agent"]}, "name"),
        ({"name": "x", "roles": ["agent"], "colour": "red"}, "colour"),
        ({"name": "x", "areas": ["urban"] * 51}, "areas"),
    ],
)
def test_a_bad_audience_is_refused_naming_the_field(
    client: TestClient, staff: dict, body: dict, field: str
) -> None:
    resp = client.post(f"{KB}/audiences", json=body, headers=staff["editor"])
    assert resp.status_code == 422, resp.text
    assert field in resp.text
    assert client.get(f"{KB}/audiences", headers=staff["editor"]).json()["data"] == []


def test_names_uses_and_rights(client: TestClient, staff: dict) -> None:
    editor, reviewer = staff["editor"], staff["reviewer"]
    group = _audience(client, editor, name="坐席", roles=["agent"])
    again = client.post(
        f"{KB}/audiences", json={"name": "坐席", "levels": ["city"]}, headers=editor
    )
    assert again.status_code == 409 and "坐席" in again.json()["error"]["message"]
    aid = _published(client, editor, reviewer, title="停电", audience_id=group["id"])
    used = client.delete(f"{KB}/audiences/{group['id']}", headers=editor)
    assert used.status_code == 409 and "1 article" in used.json()["error"]["message"]
    unknown = str(uuid.uuid4())
    folder_id = client.get(f"{KB}/articles/{aid}", headers=editor).json()["folder_id"]
    bad = client.post(
        f"{KB}/articles",
        json={"folder_id": folder_id, "kind": "rule", "title": "x", "audience_id": unknown},
        headers=editor,
    )
    assert bad.status_code == 422 and "audience_id" in bad.text
    # readers neither list nor change audiences
    reader = staff["urban_agent"]
    assert client.get(f"{KB}/audiences", headers=reader).status_code == 403
    assert client.post(f"{KB}/audiences", json={"name": "y"}, headers=reader).status_code == 403
    spare = _audience(client, editor, name="闲置", levels=["city"])
    assert client.delete(f"{KB}/audiences/{spare['id']}", headers=editor).status_code == 204
    assert client.get(f"{KB}/audiences/{spare['id']}", headers=editor).status_code == 404


# ---- down the tree ----------------------------------------------------------------------


def test_an_audience_travels_down_with_its_article(
    parent_database: Database, database: Database
) -> None:
    with parent_database.unit_of_work() as session:
        group = create_audience(
            session, "各市维修", AudienceRule(roles=("technician",), levels=("city",)), "zhang"
        )
        folder = create_folder(session, "安全", None, "zhang")
        fields = ArticleFields(folder.id, "policy", [], False, None, None, group.id)
        article = create_article(session, fields, "登高作业规程", "系好安全带", "", "zhang")
        review.submit(session, article, "zhang")
        review.approve(session, article, "li")
        group_id, article_id = group.id, article.id
    seq = _hand_down(parent_database, database)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 1
        copy = session.get(KbAudience, group_id)
        assert copy is not None and (copy.name, copy.owner) == ("各市维修", PROVINCE)
        taken = session.get(KbArticle, article_id)
        assert taken is not None and taken.audience_id == group_id
        here = session.info["node_code"]
        tech = reach_for(session, ReaderFacts("technician", here, None))
        agent = reach_for(session, ReaderFacts("agent", here, None))
        assert _titles(session, tech) == ["登高作业规程"] and _titles(session, agent) == []
    # The province narrows the audience to the county area: the city follows.
    with parent_database.unit_of_work() as session:
        group = session.get(KbAudience, group_id)
        assert group is not None
        rule = AudienceRule(roles=("technician",), levels=("city",), areas=("county",))
        update_audience(session, group, "县域维修", rule)
    _hand_down(parent_database, database, seq)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 1
        copy = session.get(KbAudience, group_id)
        assert copy is not None and copy.name == "县域维修"
        here = session.info["node_code"]
        assert _titles(session, reach_for(session, ReaderFacts("technician", here, None))) == []
        county = reach_for(session, ReaderFacts("technician", here, "county"))
        assert _titles(session, county) == ["登高作业规程"]


def _titles(session: Any, reach: frozenset) -> list[str]:
    hits, _ = search(session, "规程", False, 20, None, reach)
    return [hit.version.title for hit in hits]


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        '{"id": "x", "name": "a", "owner": "430000", "roles": [], "levels": [], "nodes": [], '
        '"areas": []}',
        '{"id": "' + "a" * 32 + '", "name": "a", "owner": "430000", "roles": [], "levels": []}',
        '{"id": "' + "a" * 32 + '", "name": "a", "owner": "430000", "roles": [1], "levels": [],'
        ' "nodes": [], "areas": []}',
    ],
)
def test_a_publication_with_an_audience_no_node_can_read_is_refused(
    parent_database: Database, value: str
) -> None:
    with parent_database.unit_of_work() as session:
        folder = create_folder(session, "公告", None, "zhang")
        fields = ArticleFields(folder.id, "policy", [], False, None, None)
        article = create_article(session, fields, "通知", "内容", "", "zhang")
        review.submit(session, article, "zhang")
        review.approve(session, article, "li")
    with parent_database.engine.connect() as conn:
        changes = read_changes(conn, "kb_publications", 0, 100)
    assert changes is not None
    good = changes.rows
    check_values("kb_publications", good)  # as the province wrote it: taken
    column = good.schema.get_field_index("audience")
    bad = good.set_column(column, "audience", [[value] * good.num_rows])
    with pytest.raises(BatchRejected) as refused:
        check_values("kb_publications", bad)
    assert "kb_publications.audience" in str(refused.value)
