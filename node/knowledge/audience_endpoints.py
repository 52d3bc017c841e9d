"""/api/v1/kb/audiences: 群组, the audiences an article can be limited to. Editors
(kb:write) list, create, change and delete them; one from above is read-only here (409
naming its owner)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.knowledge import audiences
from node.knowledge.audience_rules import AudienceRule, rule_of
from node.knowledge.audience_schemas import (
    AudienceIn,
    AudienceListQuery,
    AudienceOut,
    AudiencePageOut,
)
from node.knowledge.models import KbArticle, KbAudience

router = APIRouter(prefix="/api/v1/kb/audiences", tags=["knowledge base"])
Writer = Annotated[Viewer, Depends(require(Perm.kb_write))]


def rule_from(body: AudienceIn) -> AudienceRule:
    """The rule a body describes (its enumerations as their codes)."""
    return AudienceRule(
        roles=tuple(r.value for r in body.roles),
        levels=tuple(level.value for level in body.levels),
        nodes=tuple(body.nodes),
        areas=tuple(body.areas),
    )


def article_counts(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many articles use each of the audiences `ids` (those none uses: absent)."""
    if not ids:
        return {}
    stmt = (
        select(KbArticle.audience_id, func.count())
        .where(KbArticle.audience_id.in_(ids))
        .group_by(KbArticle.audience_id)
    )
    return {audience_id: n for audience_id, n in session.execute(stmt) if audience_id is not None}


def _out(audience: KbAudience, used: int) -> dict[str, Any]:
    rule = rule_of(audience).to_json()
    fields = ("id", "name", "owner", "created_by", "created_at", "updated_at")
    return {**{f: getattr(audience, f) for f in fields}, **rule, "articles": used}


def _one(session: SessionDep, audience: KbAudience) -> dict[str, Any]:
    return _out(audience, article_counts(session, [audience.id]).get(audience.id, 0))


@router.get("", response_model=AudiencePageOut)
def list_audiences(
    query: Annotated[AudienceListQuery, Query()], viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """The audiences this node holds (its own and those from above), by name."""
    rows, cursor = audiences.list_audiences(session, query.limit, query.cursor, query.order_by)
    used = article_counts(session, [a.id for a in rows])
    return {"data": [_out(a, used.get(a.id, 0)) for a in rows], "next_cursor": cursor}


@router.post("", status_code=201, response_model=AudienceOut, responses=errors(409))
def create_audience(body: AudienceIn, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """A new audience; 422 naming the list that is wrong, 409 if the name is taken."""
    audience = audiences.create_audience(session, body.name, rule_from(body), viewer.user.username)
    record_by(session, viewer, "kb.audience_created", "kb_audience", audience.id)
    return _one(session, audience)


@router.get("/{audience_id}", response_model=AudienceOut)
def get_audience(audience_id: uuid.UUID, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """One audience and how many articles use it."""
    return _one(session, audiences.get_audience(session, audience_id))


@router.put("/{audience_id}", response_model=AudienceOut, responses=errors(409))
def update_audience(
    audience_id: uuid.UUID, body: AudienceIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Rename and redefine; its published articles reach the new audience at once, here
    and (republished) below."""
    audience = audiences.get_audience(session, audience_id)
    audiences.update_audience(session, audience, body.name, rule_from(body))
    record_by(session, viewer, "kb.audience_changed", "kb_audience", audience.id)
    return _one(session, audience)


@router.delete("/{audience_id}", status_code=204, responses=errors(409))
def delete_audience(audience_id: uuid.UUID, viewer: Writer, session: SessionDep) -> Response:
    """Delete an audience no article uses (409 naming how many do)."""
    audience = audiences.get_audience(session, audience_id)
    audiences.delete_audience(session, audience)
    record_by(session, viewer, "kb.audience_deleted", "kb_audience", audience_id)
    return Response(status_code=204)
