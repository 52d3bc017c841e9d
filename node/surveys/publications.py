"""Questionnaires HQ or a province publishes for the nodes below (docs/federation.md rule
11): publishing a version there rewrites the questionnaire's publication, the file
`fedcrm surveys export` writes; below, each pull brings the questionnaire in line with
it, read-only. A city has no node below and publishes none."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.orm import Session

from node.db.pending_publications import pending_publications
from node.db.types import utcnow
from node.db.unit_of_work import Database
from node.divisions import ancestors, level_of
from node.errors import DomainError
from node.settings import Level
from node.surveys import service
from node.surveys.models import Questionnaire, QuestionnairePublication, QuestionnaireVersion
from node.surveys.transfer import export_questionnaire, import_questionnaire, read_file

log = logging.getLogger("fedcrm.surveys")


def publish_version(
    session: Session, version: QuestionnaireVersion, by: str
) -> QuestionnaireVersion:
    """Publish the draft (service.publish) and, at HQ or a province, hand the
    questionnaire's published versions down to every node below."""
    service.publish(session, version, by)
    here: str = session.info["node_code"]
    if level_of(here) is not Level.city:
        _write_publication(session, version.questionnaire_id, here)
    return version


def _write_publication(session: Session, questionnaire_id: uuid.UUID, here: str) -> None:
    document = export_questionnaire(session, questionnaire_id).decode()
    publication = session.get(QuestionnairePublication, questionnaire_id)
    if publication is None:
        session.add(QuestionnairePublication(id=questionnaire_id, origin=here, document=document))
    elif publication.document != document:
        publication.document, publication.updated_at = document, utcnow()
    session.flush()


def take_from_above(session: Session) -> int:
    """Bring every questionnaire the nodes above published in line with its publication;
    how many were brought in. One that cannot be (a version here differs) is logged and
    left for the next pull, without holding up the others."""
    owners = ancestors(session.info["node_code"])
    if not owners:
        return 0
    pending = pending_publications(
        session, QuestionnairePublication, Questionnaire, owners, withdrawals=False
    )
    taken = 0
    for publication in list(pending):
        try:
            with session.begin_nested():
                raw = publication.document.encode()
                questionnaire, _ = import_questionnaire(session, raw)
                named = read_file(raw)  # a later version may rename it
                questionnaire.name, questionnaire.description = named.name, named.description
                questionnaire.owner = publication.origin
                questionnaire.source_version = publication.origin_version
        except DomainError as exc:
            log.warning("questionnaire %s from %s not taken: %s", publication.id,
                        publication.origin, exc)  # fmt: skip
            continue
        taken += 1
    return taken


def take_questionnaires_from_above(db: Database) -> int:
    """take_from_above in its own transaction, after a pull."""
    with db.unit_of_work() as session:
        taken = take_from_above(session)
    if taken:
        log.info("surveys: %d questionnaire(s) from above brought in", taken)
    return taken
