"""The outcome of a bulk action, carried in the queue's link after the redirect.

The POST redirects (303) back to the queue so a reload does not send it again; the
outcome rides in the query: `bulk` (the action), `done` (how many were applied) and
`refused`, a list of `<ticket id hex>.<reason code>` joined by `~` (characters a link
keeps as they are, so 200 refusals stay under 10 KB). A reason is a code, never text,
so a hand-made link can only show this page's own sentences; ticket numbers are read
back through the viewer's own scope, so it cannot reveal one they may not see.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from node.auth.viewer import Viewer
from node.tickets.models import Ticket, TicketStatus
from node.tickets.resource import TicketResource
from node.web.ticket_bulk_plan import MAX_TICKETS, SAME_TECHNICIAN, BulkAction

MISSING = "missing"  # no such ticket, or outside the viewer's scope (the API's 404)
FOREIGN = "foreign"  # another node's ticket, read-only here
OTHER = "other"  # the service refused for another reason
_OWN_REASONS = (MISSING, FOREIGN, OTHER, SAME_TECHNICIAN)
REASONS = frozenset({*_OWN_REASONS, *(s.value for s in TicketStatus)})
_ENTRY = re.compile(r"^([0-9a-f]{32})\.([a-z_]{1,20})$")
_DONE = re.compile(r"^\d{1,4}$")


@dataclass(frozen=True)
class Refusal:
    """One ticket left as it was, and why (a reason code)."""

    ticket_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What a bulk request did: the action, how many applied, which were refused."""

    action: BulkAction
    done: int
    refused: list[Refusal]


def outcome_params(outcome: Outcome) -> dict[str, str]:
    """The outcome as query parameters of the queue's link."""
    refused = "~".join(f"{r.ticket_id.hex}.{r.reason}" for r in outcome.refused)
    params = {"bulk": outcome.action.value, "done": str(outcome.done)}
    if refused:
        params["refused"] = refused
    return params


def read_outcome(params: dict[str, str]) -> Outcome | None:
    """The outcome a queue link carries, or None; a tampered part is dropped, never
    an error (the summary is a courtesy, the tickets already say what happened)."""
    try:
        action = BulkAction(params.get("bulk", ""))
    except ValueError:
        return None
    done = params.get("done", "")
    refused: list[Refusal] = []
    for entry in params.get("refused", "").split("~")[:MAX_TICKETS]:
        match = _ENTRY.fullmatch(entry)
        if match and match.group(2) in REASONS:
            refused.append(Refusal(uuid.UUID(match.group(1)), match.group(2)))
    return Outcome(action, int(done) if _DONE.fullmatch(done) else 0, refused)


def reason_text(
    action: BulkAction, reason: str, t: Callable[..., str], label: Callable[[str], str], lang: str
) -> str:
    """A refusal in the reader's language: 「已关闭的工单不能派单」."""
    if reason in _OWN_REASONS:
        return t(f"bulk.why.{reason}")
    status = label(reason)
    return t(f"bulk.cannot.{action.value}", status=status.lower() if lang == "en" else status)


def refused_lines(
    session: Session,
    viewer: Viewer,
    outcome: Outcome,
    t: Callable[..., str],
    label: Callable[[str], str],
    lang: str,
) -> list[tuple[str, str]]:
    """(ticket number, reason) for each refusal; a ticket the viewer cannot see (or
    none at all) shows as the id they sent."""
    ids = [r.ticket_id for r in outcome.refused]
    numbers: dict[uuid.UUID, str] = {}
    if ids:
        stmt = (
            TicketResource()
            .base_query(viewer)
            .where(Ticket.id.in_(ids))
            .with_only_columns(Ticket.id, Ticket.ticket_no)
        )
        numbers = {row_id: no for row_id, no in session.execute(stmt).all()}
    return [
        (
            numbers.get(r.ticket_id, str(r.ticket_id)),
            reason_text(outcome.action, r.reason, t, label, lang),
        )
        for r in outcome.refused
    ]
