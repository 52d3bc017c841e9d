"""HTTP way down: GET /federation/v1/down (the next batch a child pulls) and
GET /federation/v1/down/digest (what this node serves down, for the child's verify).

Both are signed by the asking child with its node key, over the path and the query, so
a request cannot be replayed for another table or position; the batch itself is signed
with this node's key, which the child holds (docs/federation.md rule 11)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from federation.batches.manifest import MANIFEST_HEADER, TAG_HEADER
from federation.batches.signatures import Verifier
from federation.downward.digests import served_digests
from federation.downward.serving import next_down_batch
from federation.receiving.answer import Answer
from federation.receiving.endpoints import check_signed_request, respond
from federation.receiving.validate import BatchRejected
from federation.registry.service import active_child, child_verifier
from federation.sending.setup import node_signer
from node.db.unit_of_work import Database
from schemas.wire import DOWN_TABLES

router = APIRouter(prefix="/federation/v1", tags=["federation"])
ARROW = "application/vnd.apache.arrow.stream"
MAX_SEQ = 2**63 - 1


def _child(request: Request, signed_path: str) -> str:
    db: Database = request.app.state.db

    def verifier_for(code: str) -> Verifier | None:
        with db.unit_of_work(write=False) as session:
            child = active_child(session, code)
            return child_verifier(child) if child else None

    return check_signed_request(request, verifier_for, signed_path)


def _signed_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _position(request: Request) -> tuple[str, int]:
    """`table` and `after` from the query, else BatchRejected (400) naming the field."""
    table = request.query_params.get("table", "")
    if table not in DOWN_TABLES:
        flowing = ", ".join(DOWN_TABLES)
        raise BatchRejected(400, f"table: {table[:40]!r} does not flow down ({flowing})")
    after = request.query_params.get("after", "")
    if not after.isascii() or not after.isdigit() or int(after) > MAX_SEQ:
        raise BatchRejected(400, f"after: {after[:40]!r} is not a sequence number")
    return table, int(after)


@router.get("/down")
async def get_down(request: Request) -> Response:
    """The next batch of a table's rows this node serves down after `after`: 200 with
    an Arrow body and the manifest and tag headers, or 204 when the child holds all."""
    try:
        _child(request, _signed_path(request))
        table, after = _position(request)
    except BatchRejected as exc:
        return respond(Answer.refused(exc.status, exc.reason))
    settings = request.app.state.settings
    batch = await run_in_threadpool(
        next_down_batch,
        request.app.state.db,
        node_signer(settings),
        settings.federation,
        table,
        after,
    )
    if batch is None:
        return Response(status_code=204)
    headers = {MANIFEST_HEADER: batch.header, TAG_HEADER: batch.tag}
    return Response(batch.body, media_type=ARROW, headers=headers)


@router.get("/down/digest")
async def get_down_digest(request: Request) -> JSONResponse:
    """Counts and digests per table and origin of what this node serves down."""
    try:
        _child(request, request.url.path)
    except BatchRejected as exc:
        return respond(Answer.refused(exc.status, exc.reason))
    db: Database = request.app.state.db
    tables = await run_in_threadpool(served_digests, db)
    return JSONResponse({"node": db.node_code, "tables": tables})
