"""/healthz (alive), /readyz (database reachable and migrated), /metrics."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from node.db.migrate import is_up_to_date

router = APIRouter(tags=["operations"])
log = logging.getLogger(__name__)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request):
    db = request.app.state.db
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        migrated = is_up_to_date(db.engine)
    except Exception as exc:  # any database failure means "not ready"
        # Anyone may ask /readyz: the driver's message (host, database and user names)
        # goes to the node's log only.
        log.warning("readyz: database unreachable: %r", str(exc)[:500])
        return JSONResponse(
            {"status": "unavailable", "reason": "database unreachable (see the node's log)"},
            status_code=503,
        )
    if not migrated:
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": "database not migrated: run `fedcrm db upgrade DIR`",
            },
            status_code=503,
        )
    return {"status": "ready"}


@router.get("/metrics", response_class=PlainTextResponse)  # documented as text, as it is
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST
    )
