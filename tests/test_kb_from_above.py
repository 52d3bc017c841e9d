"""Articles a province publishes become read-only articles at its city (issue 22 §2),
through the real capture and apply path between two databases: taking them is
idempotent, a crash between the apply and the take is finished by the next take, a
folder renamed above is renamed below, a withdrawal archives, and a city publishes
nothing. Every expectation is written out here by hand."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from federation.receiving.apply import apply_incoming
from federation.sending.capture import read_changes
from node.db.unit_of_work import Database
from node.errors import Conflict
from node.knowledge import review
from node.knowledge.articles import ArticleFields, create_article, edit_article
from node.knowledge.folders import create_folder, update_folder
from node.knowledge.from_above import take_from_above, top_folder_id
from node.knowledge.models import KbArticle, KbFolder, KbPublication, KbSearchTerm
from node.knowledge.search import search

PROVINCE = "430000"


def _publish(db: Database, folder_name: str, title: str, body: str) -> str:
    """A folder and an article written by one editor, approved by another."""
    with db.unit_of_work() as session:
        folder = create_folder(session, folder_name, None, "zhang.wei")
        fields = ArticleFields(folder.id, "announcement", ["宽带"], True, None, None)
        article = create_article(session, fields, title, body, "", "zhang.wei")
        review.submit(session, article, "zhang.wei")
        review.approve(session, article, "li.na")
        return article.id.hex


def _hand_down(parent: Database, child: Database, after: int = 0) -> int:
    """What the province's capture reads of kb_publications, applied at the city as the
    pull applies it; the new watermark."""
    with parent.engine.connect() as conn:
        changes = read_changes(conn, "kb_publications", after, 100)
    if changes is None:
        return after
    apply_incoming(child, PROVINCE, "kb_publications", changes.rows, after, changes.seq_end)
    return changes.seq_end


def _take(db: Database) -> int:
    with db.unit_of_work() as session:
        return take_from_above(session)


def _titles(db: Database, query: str) -> list[str]:
    with db.unit_of_work(write=False) as session:
        hits, _ = search(session, query, include_drafts=False, limit=20, cursor=None, reach=None)
        return [hit.version.title for hit in hits]


def _folder_path(db: Database, article_id: str) -> list[str]:
    """The names from the top folder down to the article's folder."""
    with db.unit_of_work(write=False) as session:
        article = session.get(KbArticle, uuid.UUID(hex=article_id))
        assert article is not None
        names: list[str] = []
        folder = session.get(KbFolder, article.folder_id)
        while folder is not None:
            names.insert(0, folder.name)
            folder = session.get(KbFolder, folder.parent_id) if folder.parent_id else None
        return names


def _terms(db: Database) -> int:
    with db.unit_of_work(write=False) as session:
        return session.execute(select(func.count()).select_from(KbSearchTerm)).scalar_one()


def test_a_publication_becomes_one_read_only_article_however_often_it_is_taken(
    parent_database: Database, database: Database
) -> None:
    article_id = _publish(parent_database, "片区公告", "宽带提速公告", "全省宽带免费提速到千兆。")
    _hand_down(parent_database, database)
    assert _take(database) == 1
    assert _take(database) == 0  # nothing changed since
    assert _titles(database, "提速") == ["宽带提速公告"]
    assert _folder_path(database, article_id) == ["湖南省发布", "片区公告"]
    terms = _terms(database)

    # A crash after the apply and before the take: the next take makes it again, once.
    with database.unit_of_work() as session:
        article = session.get(KbArticle, uuid.UUID(hex=article_id))
        assert article is not None
        article.source_version = None
    assert _take(database) == 1
    assert _terms(database) == terms
    assert _titles(database, "千兆") == ["宽带提速公告"]

    # Read-only below: the city's editor cannot change it nor add to its folder.
    with database.unit_of_work() as session, pytest.raises(Conflict, match="node 430000"):
        article = session.get(KbArticle, uuid.UUID(hex=article_id))
        assert article is not None
        fields = ArticleFields(article.folder_id, "announcement", [], True, None, None)
        edit_article(session, article, fields, "改", "改", "", "city.editor")
    with database.unit_of_work() as session, pytest.raises(Conflict, match="node 430000"):
        create_folder(session, "私", top_folder_id(PROVINCE), "city.editor")


def test_a_rename_above_renames_below_and_a_withdrawal_archives(
    parent_database: Database, database: Database
) -> None:
    article_id = _publish(parent_database, "片区公告", "宽带提速公告", "全省宽带免费提速。")
    seen = _hand_down(parent_database, database)
    _take(database)
    with parent_database.unit_of_work() as session:
        folder = session.execute(select(KbFolder).where(KbFolder.name == "片区公告")).scalar_one()
        update_folder(session, folder, "湖南片区公告", False, None)
    seen = _hand_down(parent_database, database, seen)
    assert _take(database) == 1
    assert _folder_path(database, article_id) == ["湖南省发布", "湖南片区公告"]

    with parent_database.unit_of_work() as session:
        article = session.get(KbArticle, uuid.UUID(hex=article_id))
        assert article is not None
        review.archive(session, article, "li.na", "过期")
    _hand_down(parent_database, database, seen)
    assert _take(database) == 1
    assert _titles(database, "提速") == []
    with database.unit_of_work(write=False) as session:
        article = session.get(KbArticle, uuid.UUID(hex=article_id))
        assert article is not None and article.status == "archived"


def test_a_city_publishes_nothing(database: Database) -> None:
    """Nobody is below a city: approving an article there writes no publication."""
    _publish(database, "营业厅", "营业时间", "每天九点开门。")
    with database.unit_of_work(write=False) as session:
        assert session.execute(select(func.count()).select_from(KbPublication)).scalar_one() == 0
