"""POST /api/v1/surveys/next: the signed-in agent takes the next callback, if ready.

It lives with the call center because readiness is the call center's: taking callbacks
needs interactions:write (what the people who take calls hold, as changing one's state
does) besides surveys:read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.callcenter.agent_endpoints import wrap_up_max
from node.callcenter.callback_seat import reserve_when_ready
from node.db.types import utcnow
from node.surveys.campaign_schemas import NextOut
from node.surveys.pool_endpoints import next_out

router = APIRouter(prefix="/api/v1/surveys", tags=["surveys"])
Seat = Annotated[Viewer, Depends(require(Perm.interactions_write))]


@router.post(
    "/next",
    response_model=NextOut,
    responses=errors(409),
    dependencies=[Depends(require(Perm.surveys_read))],
)
def next_task(request: Request, viewer: Seat, session: SessionDep) -> dict[str, Any]:
    """Reserve the next callback for me (the same one, renewed, if I hold one); 409
    naming my state unless I am ready (示闲)."""
    task = reserve_when_ready(session, viewer.user.id, utcnow(), wrap_up_max(request))
    return next_out(session, task)
