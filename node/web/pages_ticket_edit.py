"""Changing a ticket's severity or technician from its page: the API's PATCH, so the due
time moves with the severity and both changes become ticket events."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.errors import DomainError
from node.web.errors import WebRoute
from node.web.forms import as_form_errors, cleaned, parse
from node.web.pages_tickets import render_ticket, tickets
from node.web.rendering import lang_of
from node.web.session import PostingViewer, need

router = APIRouter(prefix="/ui/tickets", include_in_schema=False, route_class=WebRoute)


@router.post("/{ticket_id}/edit")
def edit_ticket(
    request: Request,
    ticket_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    severity: Annotated[str, Form()] = "",
    technician_id: Annotated[str, Form()] = "",
) -> Response:
    """New severity and/or technician; an empty technician keeps the current one (taking
    a ticket back from its technician is the move back to 待派单)."""
    need(viewer, Perm.tickets_write)
    form = {"severity": severity, "technician_id": technician_id}
    values = cleaned(form, tuple(form))
    try:
        tickets.get(session, viewer, ticket_id)
        payload = parse(tickets.update_schema, values, lang_of(request))
        tickets.update(session, viewer, ticket_id, payload)
    except DomainError as exc:
        session.rollback()
        errors = as_form_errors(exc)
        return render_ticket(
            request,
            session,
            viewer,
            ticket_id,
            errors,
            {"form": "edit", **form},
            errors.status_code,
        )
    return RedirectResponse(f"/ui/tickets/{ticket_id}?saved=1", status_code=303)
