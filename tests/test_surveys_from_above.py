"""Questionnaires a province publishes reach its city (issue 22 §2, issue 21 §1) through
the real capture and apply path between two databases: the same questionnaire and
version ids, read-only below, a later version and a rename follow, taking them twice
changes nothing, and a city publishes nothing. Expectations written out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from federation.receiving.apply import apply_incoming
from federation.sending.capture import read_changes
from node.db.unit_of_work import Database
from node.errors import Conflict
from node.surveys import service
from node.surveys.definition import Definition
from node.surveys.models import Questionnaire, QuestionnairePublication
from node.surveys.publications import publish_version, take_from_above
from tests.callback_helpers import DEFINITION

PROVINCE = "430000"


def _hand_down(parent: Database, child: Database, after: int = 0) -> int:
    """What the province's capture reads, applied at the city as the pull applies it."""
    table = "questionnaire_publications"
    with parent.engine.connect() as conn:
        changes = read_changes(conn, table, after, 100)
    if changes is None:
        return after
    apply_incoming(child, PROVINCE, table, changes.rows, after, changes.seq_end)
    return changes.seq_end


def _take(db: Database) -> int:
    with db.unit_of_work() as session:
        return take_from_above(session)


def _held(db: Database) -> list[tuple[str, str | None, list[tuple[int, str]]]]:
    """(name, owner, [(number, status)]) of every questionnaire the node holds."""
    with db.unit_of_work(write=False) as session:
        out = []
        for q in session.execute(select(Questionnaire).order_by(Questionnaire.name)).scalars():
            versions = [(v.number, v.status) for v in service.versions_of(session, q.id)]
            out.append((q.name, q.owner, versions))
        return out


def test_a_province_s_questionnaire_reaches_its_city_read_only(
    parent_database: Database, database: Database
) -> None:
    with parent_database.unit_of_work() as session:
        made, draft = service.create_questionnaire(
            session, "宽带装机回访", "", Definition.model_validate(DEFINITION)
        )
        publish_version(session, draft, "hn.editor")
        questionnaire_id, version_id = made.id, draft.id
    seen = _hand_down(parent_database, database)
    assert _take(database) == 1
    assert _take(database) == 0
    assert _held(database) == [("宽带装机回访", PROVINCE, [(1, "published")])]
    with database.unit_of_work(write=False) as session:
        assert service.get_version(session, questionnaire_id, 1).id == version_id

    # The city may use it, not change it.
    with database.unit_of_work() as session, pytest.raises(Conflict, match="node 430000"):
        service.new_draft(session, questionnaire_id)

    # A second version, renamed, follows.
    with parent_database.unit_of_work() as session:
        second = service.new_draft(session, questionnaire_id)
        service.update_draft(session, second, None, name="宽带装机满意度回访")
        publish_version(session, second, "hn.editor")
    _hand_down(parent_database, database, seen)
    assert _take(database) == 1
    assert _held(database) == [
        ("宽带装机满意度回访", PROVINCE, [(1, "published"), (2, "published")])
    ]


def test_a_city_publishes_no_questionnaire(database: Database) -> None:
    with database.unit_of_work() as session:
        _, draft = service.create_questionnaire(
            session, "营业厅回访", "", Definition.model_validate(DEFINITION)
        )
        publish_version(session, draft, "cs.editor")
    with database.unit_of_work(write=False) as session:
        count = select(func.count()).select_from(QuestionnairePublication)
        assert session.execute(count).scalar_one() == 0
