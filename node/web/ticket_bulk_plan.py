"""What a bulk action on the ticket queue does to one ticket, decided from its state alone.

Pure (no database): the queue's bulk form asks `plan` for each selected ticket, then
carries the step out through TicketResource, the API's own paths. Dispatching and
closing are workflow transitions, so they follow workflow.TRANSITIONS; reassigning
changes only the technician of a ticket someone already holds (the API's PATCH).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.tickets import workflow
from node.tickets.models import TicketStatus

# One request's worth: a page of the queue is 50 rows, an SLA filter page up to 500;
# 200 keeps one transaction short enough not to hold the writers' lock for long.
MAX_TICKETS = 200


class BulkAction(StrEnum):
    dispatch = "dispatch"  # 派单: to dispatched, with the chosen technician
    reassign = "reassign"  # 改派: another technician, the state unchanged
    close = "close"  # 关闭: resolved -> closed


# A ticket a technician holds: dispatched, being worked on, or back after a reopen.
REASSIGNABLE = frozenset({TicketStatus.dispatched, TicketStatus.in_progress, TicketStatus.reopened})
# Why a ticket is refused besides its state (its state refuses under its status code).
SAME_TECHNICIAN = "same"


@dataclass(frozen=True)
class Step:
    """One ticket's part in a bulk action: a move to `to`, a technician change only
    (`to` None), or a refusal (`refusal`: a reason code, or the status refusing)."""

    to: TicketStatus | None = None
    refusal: str | None = None


def may_bulk(viewer: Viewer) -> bool:
    """Whether `viewer` may use the bulk form: both moving tickets and changing them
    (reassigning is the API's PATCH). Technicians move only their own, agents none."""
    return (
        viewer.can(Perm.tickets_transition)
        and viewer.can(Perm.tickets_write)
        and viewer.user.role != Role.technician
    )


def plan(
    action: BulkAction,
    status: str,
    technician_now: uuid.UUID | None,
    technician_new: uuid.UUID | None,
) -> Step:
    """The step `action` takes for a ticket in `status` held by `technician_now`."""
    current = TicketStatus(status)
    if action is BulkAction.reassign:
        if current not in REASSIGNABLE:
            return Step(refusal=current.value)
        if technician_now == technician_new:
            return Step(refusal=SAME_TECHNICIAN)  # nothing would change: say so
        return Step(to=None)
    target = TicketStatus.dispatched if action is BulkAction.dispatch else TicketStatus.closed
    if not workflow.allowed(current, target):
        return Step(refusal=current.value)
    return Step(to=target)
