"""GET /api/v1/federation/status for operators and analysts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from federation.status import node_status
from node.api.deps import require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer

router = APIRouter(prefix="/api/v1/federation", tags=["federation"])


@router.get("/status")
def federation_status(
    request: Request, viewer: Annotated[Viewer, Depends(require(Perm.federation_read))]
):
    return node_status(request.app.state.db, request.app.state.settings)
