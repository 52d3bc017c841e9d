"""The dispatcher's workbench: dispatch, reassign or close the tickets ticked on the queue.

POST /ui/tickets/bulk is one transaction for the whole request, with a SAVEPOINT per
ticket: each ticket is tried through TicketResource (transition, or the PATCH path for
a reassignment, exactly as the API does it), and a refused one rolls back only itself.
The answer is a redirect to the queue carrying the outcome (ticket_bulk_summary).
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import DomainError, NotFound
from node.tickets.resource import TicketResource, TransitionIn
from node.web.choices import technicians
from node.web.errors import WebRoute
from node.web.forms import FormErrors
from node.web.i18n import translator
from node.web.pages_tickets import known_here, render_queue
from node.web.queue_filters import read_query
from node.web.rendering import lang_of
from node.web.session import Forbidden, PostingViewer, need
from node.web.ticket_bulk_form import BulkForm, read_form
from node.web.ticket_bulk_plan import BulkAction, may_bulk, plan
from node.web.ticket_bulk_summary import (
    FOREIGN,
    MISSING,
    OTHER,
    Outcome,
    Refusal,
    outcome_params,
)

router = APIRouter(prefix="/ui/tickets", include_in_schema=False, route_class=WebRoute)
tickets = TicketResource()


def _try_one(session: Session, viewer: Viewer, ticket_id: uuid.UUID, form: BulkForm) -> str | None:
    """Carry the action out on one ticket; the reason code if it is refused."""
    try:
        ticket = tickets.get(session, viewer, ticket_id)  # the viewer's scope, as the API
    except NotFound:
        return MISSING
    if ticket.origin != viewer.node_code:
        return FOREIGN
    step = plan(form.action, ticket.status, ticket.technician_id, form.technician_id)
    if step.refusal is not None:
        return step.refusal
    if step.to is None:  # reassign: the API's PATCH of technician_id
        patch = tickets.update_schema.model_validate({"technician_id": form.technician_id})
        tickets.update(session, viewer, ticket_id, patch)
    else:
        technician = form.technician_id if form.action is BulkAction.dispatch else None
        move = TransitionIn(to=step.to, note=form.note, technician_id=technician)
        tickets.transition(session, viewer, ticket_id, move)
    return None


def apply_bulk(session: Session, viewer: Viewer, form: BulkForm) -> Outcome:
    """Try every ticket of `form` in its own SAVEPOINT inside the request's transaction."""
    done = 0
    refused: list[Refusal] = []
    for ticket_id in form.ids:
        savepoint = session.begin_nested()
        try:
            reason = _try_one(session, viewer, ticket_id, form)
        except DomainError:
            # The plan already refused what the workflow forbids; what is left is the
            # service's own check (e.g. the customer is another node's): the ticket's
            # page says exactly why when it is tried alone.
            reason = OTHER
        if reason is None:
            savepoint.commit()
            done += 1
        else:
            savepoint.rollback()
            refused.append(Refusal(ticket_id, reason))
    return Outcome(form.action, done, refused)


@router.post("/bulk")
def bulk(
    request: Request,
    viewer: PostingViewer,
    session: SessionDep,
    ids: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form()] = "",
    technician_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    sla: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    technician: Annotated[str, Form()] = "",
    opened_from: Annotated[str, Form()] = "",
    opened_to: Annotated[str, Form()] = "",
    city: Annotated[str, Form()] = "",
) -> Response:
    """Dispatch, reassign or close the ticked tickets; back to the queue with the count
    done and each refused ticket with its reason."""
    need(viewer, Perm.tickets_transition)
    need(viewer, Perm.tickets_write)  # reassigning is the API's PATCH
    if not may_bulk(viewer):  # a technician moves only their own tickets, one at a time
        raise Forbidden(Perm.tickets_transition)
    posted = {"area": area, "status": status, "sla": sla, "kind": kind, "severity": severity}
    posted |= {"technician": technician, "opened_from": opened_from, "opened_to": opened_to}
    # The way back keeps the filters that still read (the queue's own check) and drops
    # the rest: the tickets were ticked on screen, a stale filter must not refuse them.
    filters, _ = read_query(posted | {"city": city}, known_here(request, session))
    offered = {tid for tid, _ in technicians(session)}
    raw = ids or []
    try:
        form = read_form(
            raw, action, technician_id, note, filters, offered, translator(lang_of(request))
        )
    except FormErrors as errors:
        values = {"ids": raw, "action": action, "technician_id": technician_id, "note": note}
        return render_queue(
            request,
            session,
            viewer,
            filters,
            bulk_errors=errors,
            bulk_values=values,
            status_code=errors.status_code,
        )
    outcome = apply_bulk(session, viewer, form)
    query = urlencode(filters.params() | outcome_params(outcome))
    return RedirectResponse(f"/ui/tickets?{query}", status_code=303)
