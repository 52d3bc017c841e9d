"""Ticket actions beyond CRUD: status transitions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from node.api.deps import SessionDep, require
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.tickets.resource import TicketOut, TicketResource, TransitionIn

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])
tickets = TicketResource()


@router.post("/{ticket_id}/transition", response_model=TicketOut)
def transition_ticket(
    ticket_id: uuid.UUID,
    body: TransitionIn,
    viewer: Annotated[Viewer, Depends(require(Perm.tickets_transition))],
    session: SessionDep,
):
    """Move a ticket to its next state; 409 if the move is not allowed from here."""
    return tickets.present(tickets.transition(session, viewer, ticket_id, body), viewer, True)
