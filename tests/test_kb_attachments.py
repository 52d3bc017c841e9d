"""附件 (issue 22 §3) on SQLite and PostgreSQL: files attached to an article are listed
and downloaded by whoever may read it (byte for byte, as a download, a type that could
run script served as octet-stream), refused when too large, empty, nameless or one too
many, and travel down with the article: a province's file reaches its city, goes when
removed or archived, and a batch carrying a file that is not base64 or whose digest is
not one is refused on receipt. The digest of "abc" is FIPS 180-2's published example."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from federation.receiving.apply import apply_incoming
from federation.receiving.column_rules import check_values
from federation.receiving.validate import BatchRejected
from federation.sending.capture import read_changes
from node.auth.accounts import Role
from node.db.unit_of_work import Database
from node.knowledge import review
from node.knowledge.articles import ArticleFields, create_article
from node.knowledge.attachments import (
    add_attachment,
    attachments_of,
    clean_name,
    remove_attachment,
)
from node.knowledge.folders import create_folder
from node.knowledge.from_above import take_from_above
from node.knowledge.models import ATTACHMENT_MAX_BYTES, KbArticle, KbAttachment

KB = "/api/v1/kb"
PROVINCE = "430000"
ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2


@pytest.fixture
def staff(login: Callable[..., dict]) -> dict[str, dict]:
    return {"editor": login(Role.team_lead), "reviewer": login(Role.admin),
            "reader": login(Role.agent)}  # fmt: skip


def _article(client: TestClient, editor: dict) -> str:
    folder = client.post(f"{KB}/folders", json={"name": uuid.uuid4().hex[:8]}, headers=editor)
    body = {"folder_id": folder.json()["id"], "kind": "knowledge", "title": "资费标准"}
    made = client.post(f"{KB}/articles", json=body, headers=editor)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _publish(client: TestClient, staff: dict, aid: str) -> None:
    assert client.post(f"{KB}/articles/{aid}/submit", headers=staff["editor"]).status_code == 200
    assert client.post(f"{KB}/articles/{aid}/approve", headers=staff["reviewer"]).status_code == 200


def _attach(client: TestClient, headers: dict, aid: str, name: str, data: bytes, kind: str):  # type: ignore[no-untyped-def]
    files = {"file": (name, data, kind)}
    return client.post(f"{KB}/articles/{aid}/attachments", files=files, headers=headers)


def test_a_file_is_attached_listed_and_downloaded_as_it_was(
    client: TestClient, staff: dict
) -> None:
    editor, reader = staff["editor"], staff["reader"]
    aid = _article(client, editor)
    made = _attach(client, editor, aid, "资费 标准.pdf", b"abc", "application/pdf")
    assert made.status_code == 201, made.text
    file = made.json()
    assert (file["name"], file["size"], file["sha256"]) == ("资费 标准.pdf", 3, ABC_SHA256)
    url = f"{KB}/attachments/{file['id']}"
    assert client.get(url, headers=reader).status_code == 404  # a draft's file: not yet
    _publish(client, staff, aid)
    got = client.get(url, headers=reader)
    assert got.status_code == 200 and got.content == b"abc"
    assert got.headers["content-type"] == "application/pdf"
    # RFC 5987/6266: the UTF-8 name percent-encoded, and saved rather than shown
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''%E8%B5%84%E8%B4%B9%20%E6%A0%87%E5%87%86.pdf"
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    listed = client.get(f"{KB}/articles/{aid}/attachments", headers=reader).json()["data"]
    assert [f["name"] for f in listed] == ["资费 标准.pdf"]
    page = _attach(client, editor, aid, "x.html", b"<script>alert(1)</script>", "text/html")
    served = client.get(f"{KB}/attachments/{page.json()['id']}", headers=reader)
    assert served.headers["content-type"] == "application/octet-stream"
    assert client.delete(url, headers=reader).status_code == 403
    assert client.delete(url, headers=editor).status_code == 204
    assert client.get(url, headers=reader).status_code == 404
    listed = client.get(f"{KB}/articles/{aid}/attachments", headers=reader).json()["data"]
    assert [f["name"] for f in listed] == ["x.html"]


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张伟\\报告.docx", "报告.docx"),
        ("长" * 300 + ".xlsx", "长" * 195 + ".xlsx"),  # 195 + 5 = 200 characters, .xlsx kept
    ],
)
def test_a_file_keeps_its_own_name_only(
    client: TestClient, staff: dict, raw: str, kept: str
) -> None:
    aid = _article(client, staff["editor"])
    made = _attach(client, staff["editor"], aid, raw, b"abc", "text/plain")
    assert made.status_code == 201, made.text
    assert made.json()["name"] == kept


def test_control_characters_leave_a_name() -> None:
    # httpx percent-encodes them in a multipart header; another client may not.
    assert clean_name("tab\tand\nnewline\u200b.txt") == "tabandnewline.txt"
    assert clean_name("  报告.pdf ") == "报告.pdf"


def test_bad_files_are_refused_naming_the_file(client: TestClient, staff: dict) -> None:
    editor = staff["editor"]
    aid = _article(client, editor)
    big = _attach(client, editor, aid, "大.bin", b"\0" * (ATTACHMENT_MAX_BYTES + 1), "x/y")
    assert big.status_code == 413 and "file" in big.text
    exact = _attach(client, editor, aid, "刚好.bin", b"\0" * ATTACHMENT_MAX_BYTES, "x/y")
    assert exact.status_code == 201, exact.text
    empty = _attach(client, editor, aid, "空.txt", b"", "text/plain")
    assert empty.status_code == 422 and "file" in empty.text
    missing = client.post(f"{KB}/articles/{aid}/attachments", headers=editor)
    assert missing.status_code == 422 and "file" in missing.text
    for n in range(19):  # 20 in all with the one above
        assert _attach(client, editor, aid, f"{n}.txt", b"abc", "text/plain").status_code == 201
    extra = _attach(client, editor, aid, "21.txt", b"abc", "text/plain")
    assert extra.status_code == 409 and "20" in extra.text
    unknown = _attach(client, editor, str(uuid.uuid4()), "a.txt", b"abc", "text/plain")
    assert unknown.status_code == 404
    listed = client.get(f"{KB}/articles/{aid}/attachments", headers=editor).json()["data"]
    assert len(listed) == 20


# ---- down the tree ----------------------------------------------------------------------


def _hand_down_all(parent: Database, child: Database, after: dict[str, int]) -> None:
    """What the province's capture reads of both publication tables, applied at the city
    in the order the pull applies them."""
    for table in ("kb_publications", "kb_attachment_publications"):
        with parent.engine.connect() as conn:
            changes = read_changes(conn, table, after.get(table, 0), 100)
        if changes is not None:
            apply_incoming(child, PROVINCE, table, changes.rows, after.get(table, 0),
                           changes.seq_end)  # fmt: skip
            after[table] = changes.seq_end


def _city_files(db: Database) -> dict[str, bytes]:
    with db.unit_of_work(write=False) as session:
        rows = session.query(KbAttachment).all()
        return {row.name: row.content for row in rows}


def test_a_provinces_files_follow_its_article_down(
    parent_database: Database, database: Database
) -> None:
    with parent_database.unit_of_work() as session:
        folder = create_folder(session, "资费", None, "zhang")
        fields = ArticleFields(folder.id, "knowledge", [], False, None, None)
        article = create_article(session, fields, "2027 资费", "见附件", "", "zhang")
        add_attachment(session, article, "资费表.xlsx", "application/vnd.ms-excel", b"abc", "zh")
        # a draft's files stay above until the article is published
        article_id = article.id
    seen: dict[str, int] = {}
    _hand_down_all(parent_database, database, seen)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 0
    with parent_database.unit_of_work() as session:
        article = session.get(KbArticle, article_id)
        review.submit(session, article, "zhang")
        review.approve(session, article, "li")
        add_attachment(session, article, "说明.txt", "text/plain", "附件说明".encode(), "zh")
    _hand_down_all(parent_database, database, seen)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 3  # the article and its two files
        assert take_from_above(session) == 0  # taken once
    assert _city_files(database) == {"资费表.xlsx": b"abc", "说明.txt": "附件说明".encode()}
    with database.unit_of_work(write=False) as session:
        taken = attachments_of(session, article_id)
        assert {f.owner for f in taken} == {PROVINCE}
        assert {f.sha256 for f in taken if f.name == "资费表.xlsx"} == {ABC_SHA256}
    with parent_database.unit_of_work() as session:
        (sheet,) = [f for f in attachments_of(session, article_id) if f.name == "资费表.xlsx"]
        remove_attachment(session, sheet)
    _hand_down_all(parent_database, database, seen)
    with database.unit_of_work() as session:
        assert take_from_above(session) == 1
    assert _city_files(database) == {"说明.txt": "附件说明".encode()}
    with parent_database.unit_of_work() as session:
        review.archive(session, session.get(KbArticle, article_id), "li", "过期")
    _hand_down_all(parent_database, database, seen)
    with database.unit_of_work() as session:
        take_from_above(session)
    assert _city_files(database) == {}


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("content", "not base64!", "base64"),
        ("content", "YWJj\n", "base64"),
        ("sha256", "ABC", "hex"),
        ("sha256", ABC_SHA256.upper(), "hex"),
    ],
)
def test_a_file_no_node_could_take_is_refused_on_receipt(
    parent_database: Database, column: str, value: str, problem: str
) -> None:
    with parent_database.unit_of_work() as session:
        folder = create_folder(session, "资费", None, "zhang")
        fields = ArticleFields(folder.id, "knowledge", [], False, None, None)
        article = create_article(session, fields, "资费", "", "", "zhang")
        review.submit(session, article, "zhang")
        review.approve(session, article, "li")
        add_attachment(session, article, "a.txt", "text/plain", b"abc", "zhang")
    with parent_database.engine.connect() as conn:
        changes = read_changes(conn, "kb_attachment_publications", 0, 100)
    assert changes is not None
    rows = changes.rows
    assert rows.column("content").to_pylist() == [base64.b64encode(b"abc").decode()]
    check_values("kb_attachment_publications", rows)  # as the province wrote it: taken
    index = rows.schema.get_field_index(column)
    bad = rows.set_column(index, column, [[value] * rows.num_rows])
    with pytest.raises(BatchRejected) as refused:
        check_values("kb_attachment_publications", bad)
    assert f"kb_attachment_publications.{column}" in str(refused.value)
    assert problem in str(refused.value)
    assert hashlib.sha256(b"abc").hexdigest() == ABC_SHA256  # the library agrees
