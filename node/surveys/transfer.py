"""A questionnaire as a file (JSON): its published versions, with their ids, so answers
name the same version everywhere. The downward channel carries the same file
(node.surveys.publications); by hand it travels with `fedcrm surveys export` / `import`."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, Field, ValidationError
from sqlalchemy.orm import Session

from node.crud.schemas import StrictInput
from node.errors import Conflict, InvalidFields, invalid
from node.surveys.definition import parse_definition, path_of
from node.surveys.models import (
    DESCRIPTION_MAX,
    NAME_MAX,
    USERNAME_MAX,
    Questionnaire,
    QuestionnaireVersion,
    VersionStatus,
)
from node.surveys.service import definition_of, get_questionnaire, stored, versions_of

FORMAT = "fedcrm-questionnaire"
FORMAT_VERSION = 1
MAX_VERSIONS = 1000


class VersionFile(StrictInput):
    id: uuid.UUID
    number: int = Field(ge=1, le=MAX_VERSIONS)
    published_at: AwareDatetime
    published_by: str = Field(min_length=1, max_length=USERNAME_MAX)
    definition: dict[str, Any]


class QuestionnaireFile(StrictInput):
    format: Literal["fedcrm-questionnaire"]
    format_version: Literal[1]
    id: uuid.UUID
    name: str = Field(min_length=1, max_length=NAME_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    versions: list[VersionFile] = Field(min_length=1, max_length=MAX_VERSIONS)


def export_questionnaire(session: Session, questionnaire_id: uuid.UUID) -> bytes:
    """The questionnaire's published versions as a file's bytes (drafts stay home).

    409 when nothing is published yet: a draft may still change."""
    questionnaire = get_questionnaire(session, questionnaire_id)
    published = [
        v for v in versions_of(session, questionnaire.id) if v.status == VersionStatus.published
    ]
    if not published:
        raise Conflict(f"questionnaire {questionnaire.id} has no published version to export")
    data = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "id": str(questionnaire.id),
        "name": questionnaire.name,
        "description": questionnaire.description,
        "versions": [
            {
                "id": str(v.id),
                "number": v.number,
                "published_at": v.published_at.isoformat() if v.published_at else None,
                "published_by": v.published_by,
                "definition": definition_of(v).model_dump(mode="json"),
            }
            for v in published
        ],
    }
    return orjson.dumps(data, option=orjson.OPT_INDENT_2)


def read_file(raw: bytes) -> QuestionnaireFile:
    """The file's content, checked: InvalidFields naming each bad path otherwise."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise invalid("file", f"is not JSON: {exc}") from None
    try:
        parsed = QuestionnaireFile.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            fields.setdefault(path_of(tuple(err["loc"])), err["msg"])
        raise InvalidFields(fields) from None
    numbers = [v.number for v in parsed.versions]
    if len(set(numbers)) != len(numbers):
        raise invalid("versions", "names a version number twice")
    for i, version in enumerate(parsed.versions):
        parse_definition(version.definition, f"versions[{i}].definition")
    return parsed


def import_questionnaire(session: Session, raw: bytes) -> tuple[Questionnaire, int]:
    """Add the file's questionnaire, or the versions of it not here yet; (it, versions added).

    A version already here must be the same (same id, same definition, published); a
    version id another questionnaire holds, or a local draft in the way, is refused.
    The caller's transaction keeps nothing when this raises."""
    parsed = read_file(raw)
    questionnaire = session.get(Questionnaire, parsed.id)
    if questionnaire is None:
        questionnaire = Questionnaire(
            id=parsed.id, name=parsed.name, description=parsed.description
        )
        session.add(questionnaire)
        session.flush()
    here = {v.number: v for v in versions_of(session, questionnaire.id)}
    added = 0
    for i, version in enumerate(parsed.versions):
        definition = parse_definition(version.definition, f"versions[{i}].definition")
        local = here.get(version.number)
        if local is not None:
            same = (
                local.id == version.id
                and local.status == VersionStatus.published
                and definition_of(local) == definition
            )
            if not same:
                raise Conflict(
                    f"versions[{i}]: version {version.number} here ({local.id}, "
                    f"{local.status}) differs from the file's ({version.id})"
                )
            continue
        holder = session.get(QuestionnaireVersion, version.id)
        if holder is not None:
            raise Conflict(f"versions[{i}].id: {version.id} is a version of another questionnaire")
        session.add(
            QuestionnaireVersion(
                id=version.id,
                questionnaire_id=questionnaire.id,
                number=version.number,
                status=VersionStatus.published.value,
                definition=stored(definition),
                published_at=version.published_at,
                published_by=version.published_by,
            )
        )
        added += 1
    session.flush()
    return questionnaire, added
