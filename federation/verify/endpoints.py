"""GET /federation/v1/digest: a child proves to its parent what it holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from federation.batches.signatures import Verifier, parse_public_key
from federation.receiving.answer import Answer
from federation.receiving.endpoints import check_signed_request, respond
from federation.receiving.validate import BatchRejected
from federation.verify.digest import node_digests
from node.settings import NodeSettings

router = APIRouter(prefix="/federation/v1", tags=["federation"])


def parent_verifier(settings: NodeSettings) -> Verifier | None:
    """The parent's public key as `fedcrm parent set --parent-key` stored it, if any."""
    text = settings.federation.parent_public_key
    return Verifier(public_key=parse_public_key(text)) if text else None


@router.get("/digest")
async def get_digest(request: Request):
    """Signed by the parent with its own key; the sender named is this node (so a request
    made of one child cannot be replayed to another)."""
    settings = request.app.state.settings
    verifier = parent_verifier(settings)

    def verifier_for(code: str) -> Verifier | None:
        return verifier if code == settings.node.code else None

    if verifier is None:
        reason = "this node has no parent key: run `fedcrm parent set ... --parent-key KEY`"
        return respond(Answer.refused(401, reason))
    try:
        check_signed_request(request, verifier_for)
    except BatchRejected as exc:
        return respond(Answer.refused(exc.status, exc.reason))

    def compute() -> dict:
        with request.app.state.db.engine.connect() as conn:
            return node_digests(conn)

    return {"node": settings.node.code, "tables": await run_in_threadpool(compute)}
