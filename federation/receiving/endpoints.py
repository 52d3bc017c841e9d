"""HTTP way in: POST /federation/v1/batches, GET /federation/v1/checkpoint."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from federation.batches.manifest import MANIFEST_HEADER, TAG_HEADER, request_tag
from federation.receiving.service import Receiver, StreamGap, keep, receive_batch
from federation.receiving.validate import BatchRejected
from federation.registry.models import Checkpoint
from federation.registry.service import active_child

router = APIRouter(prefix="/federation/v1", tags=["federation"])


def _error(status: int, reason: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "batch_rejected", "message": reason}}, status_code=status
    )


async def _read_limited(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/batches")
async def post_batch(request: Request):
    receiver: Receiver = request.app.state.receiver
    limit = request.app.state.settings.federation.receive_max_bytes
    header = request.headers.get(MANIFEST_HEADER, "")
    tag = request.headers.get(TAG_HEADER, "")
    body = await _read_limited(request, limit)
    if body is None:
        exc = BatchRejected(413, f"batch body larger than this node accepts ({limit} bytes)")
        await run_in_threadpool(keep, receiver, exc, None, None, header, None)
        return _error(exc.status, exc.reason)
    try:
        result = await run_in_threadpool(receive_batch, receiver, header, tag, body)
    except StreamGap as exc:
        body_out = {
            "error": {"code": "out_of_order", "message": exc.reason},
            "checkpoint": exc.checkpoint,
        }
        return JSONResponse(body_out, status_code=409)
    except BatchRejected as exc:
        return _error(exc.status, exc.reason)
    return {
        "applied": result.applied,
        "skipped_older": result.skipped_older,
        "checkpoint": result.checkpoint,
    }


def _check_request(request: Request, key_for: Callable[[str], bytes | None]) -> str:
    sender = request.headers.get("x-fedcrm-sender", "")
    timestamp = request.headers.get("x-fedcrm-timestamp", "0")
    tag = request.headers.get(TAG_HEADER, "")
    key = key_for(sender)
    if key is None:
        raise BatchRejected(403, f"sender {sender or '?'} is not a registered, active child")
    expected = request_tag(key, sender, timestamp, request.url.path)
    if not hmac.compare_digest(expected, tag):
        raise BatchRejected(401, "authentication tag does not match the credential")
    try:
        age = abs(time.time() - float(timestamp))
    except ValueError:
        age = float("inf")
    if age > request.app.state.settings.federation.tag_max_age_seconds:
        raise BatchRejected(401, "authentication tag is stale")
    return sender


@router.get("/checkpoint")
def get_checkpoint(request: Request):
    """What this node holds from the asking child, per table (the child resumes from it)."""
    db = request.app.state.db

    def key_for(code: str) -> bytes | None:
        with db.unit_of_work(write=False) as session:
            child = active_child(session, code)
            return bytes.fromhex(child.key_hash) if child else None

    try:
        sender = _check_request(request, key_for)
    except BatchRejected as exc:
        return _error(exc.status, exc.reason)
    with db.unit_of_work(write=False) as session:
        rows = session.execute(select(Checkpoint).where(Checkpoint.sender == sender)).scalars()
        return {"sender": sender, "tables": {r.table_name: r.last_seq for r in rows}}
