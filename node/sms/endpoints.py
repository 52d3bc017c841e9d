"""GET /api/v1/sms/dlr: Kannel's delivery reports (its dlr-url), authenticated by the
message's own token in the URL rather than a user's bearer token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from node.api.deps import SessionDep, writes_on_read
from node.sms.dlr import apply_report, parse_report

router = APIRouter(prefix="/api/v1/sms", tags=["sms"])


@router.get("/dlr")
@writes_on_read
def delivery_report(
    session: SessionDep,
    message_id: Annotated[str | None, Query(alias="id", max_length=64)] = None,
    token: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    ts: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, str]:
    """Record one delivery report (Kannel expands %d into `status` and %T into `ts`).

    403 when the token is not the message's, 422 naming a malformed field."""
    parsed_id, parsed_token, kind, at = parse_report(message_id, token, status, ts)
    message = apply_report(session, parsed_id, parsed_token, kind, at)
    return {"id": str(message.id), "status": message.status}
