"""GET /federation/v1/digest: a child proves to its parent what it holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from federation.batches.manifest import credential_key
from federation.receiving.answer import Answer
from federation.receiving.endpoints import check_signed_request, respond
from federation.receiving.validate import BatchRejected
from federation.sending.setup import credential_path
from federation.verify.digest import node_digests

router = APIRouter(prefix="/federation/v1", tags=["federation"])


@router.get("/digest")
async def get_digest(request: Request):
    """Signed by the parent with this node's own credential (the one they share)."""
    settings = request.app.state.settings
    path = credential_path(settings)

    def key_for(code: str) -> bytes | None:
        if code != settings.node.code or not path.is_file():
            return None
        return credential_key(path.read_text(encoding="utf-8"))

    try:
        check_signed_request(request, key_for)
    except BatchRejected as exc:
        return respond(Answer.refused(exc.status, exc.reason))

    def compute() -> dict:
        with request.app.state.db.engine.connect() as conn:
            return node_digests(conn)

    return {"node": settings.node.code, "tables": await run_in_threadpool(compute)}
