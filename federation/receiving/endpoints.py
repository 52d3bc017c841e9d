"""HTTP way in: POST /federation/v1/batches, GET /federation/v1/checkpoint."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from federation.batches.manifest import MANIFEST_HEADER, TAG_HEADER
from federation.batches.signatures import (
    SENDER_HEADER,
    TIMESTAMP_HEADER,
    SignatureRefused,
    Verifier,
    check_fresh,
    request_bytes,
    request_time,
)
from federation.receiving.answer import Answer
from federation.receiving.intake import Refusal
from federation.receiving.service import Receiver, receive_batch, turn_away
from federation.receiving.validate import BatchRejected
from federation.registry.models import Checkpoint
from federation.registry.service import active_child, child_verifier

router = APIRouter(prefix="/federation/v1", tags=["federation"])


def respond(answer: Answer) -> JSONResponse:
    """An answer as HTTP: its status as the response code, its body as JSON."""
    return JSONResponse(answer.body(), status_code=answer.status)


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
async def post_batch(request: Request) -> JSONResponse:
    receiver: Receiver = request.app.state.receiver
    limit = request.app.state.settings.federation.receive_max_bytes
    header = request.headers.get(MANIFEST_HEADER, "")
    tag = request.headers.get(TAG_HEADER, "")
    body = await _read_limited(request, limit)
    if body is None:
        # Refused before it is read whole, so before anything in it could be verified.
        too_big = Refusal(413, f"batch body larger than this node accepts ({limit} bytes)")
        turn_away(receiver, too_big, "http")
        return respond(Answer.refused(too_big.status, too_big.reason))
    return respond(await run_in_threadpool(receive_batch, receiver, header, tag, body))


def check_signed_request(
    request: Request, verifier_for: Callable[[str], Verifier | None], signed_path: str = ""
) -> str:
    """The sender of a signed body-less request (checkpoint, digest), once its timestamp
    is a finite number, its tag verifies with what `verifier_for` gives for the sender
    and it is fresh; else BatchRejected (400 malformed, 401 bad or stale, 403 unknown).
    `signed_path`: what the tag covers when it is more than the path (a query)."""
    sender = request.headers.get(SENDER_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    tag = request.headers.get(TAG_HEADER, "")
    max_age = request.app.state.settings.federation.tag_max_age_seconds
    try:
        stamp = request_time(timestamp)
        verifier = verifier_for(sender)
        if verifier is None:
            raise SignatureRefused(403, f"sender {sender or '?'} is not a registered, active child")
        signed = request_bytes(sender, timestamp, signed_path or request.url.path)
        verifier.check(signed, b"", tag)
        check_fresh(stamp, max_age)
    except SignatureRefused as exc:
        raise BatchRejected(exc.status, exc.reason) from None
    return sender


@router.get("/checkpoint")
def get_checkpoint(request: Request):
    """What this node holds from the asking child, per table (the child resumes from it)."""
    db = request.app.state.db

    def verifier_for(code: str) -> Verifier | None:
        with db.unit_of_work(write=False) as session:
            child = active_child(session, code)
            return child_verifier(child) if child else None

    try:
        sender = check_signed_request(request, verifier_for)
    except BatchRejected as exc:
        return respond(Answer.refused(exc.status, exc.reason))
    with db.unit_of_work(write=False) as session:
        rows = session.execute(select(Checkpoint).where(Checkpoint.sender == sender)).scalars()
        return {"sender": sender, "tables": {r.table_name: r.last_seq for r in rows}}
