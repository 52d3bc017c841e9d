"""Adding and changing a customer's contacts, subscriptions and contracts (and removing a
contact) from its 360, each through its API resource: the same schema, checks, scope,
permission and field history as POST/PATCH/DELETE /api/v1/<rows>.

Each form is a page of its own (/ui/customers/{id}/<rows>/new, .../<row id>/edit) that
goes back to the 360 once saved; refused, it shows again with the reasons by the fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import DomainError, NotFound, invalid
from node.web.customer_rows import ROW_KINDS, RowKind
from node.web.errors import WebRoute
from node.web.form_fields import (
    api_values,
    changed_fields,
    parse_change,
    parse_new,
    stored_values,
    submitted_values,
)
from node.web.forms import FormErrors, as_form_errors
from node.web.i18n import translator
from node.web.ownership import local_or_refuse
from node.web.pages_customer_entry import customers
from node.web.record_page import render_record_form
from node.web.rendering import lang_of
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/customers", include_in_schema=False, route_class=WebRoute)


def _render(
    request: Request,
    session: Session,
    viewer: Viewer,
    kind: RowKind,
    customer_id: uuid.UUID,
    values: dict[str, Any],
    row: Any = None,
    errors: FormErrors | None = None,
) -> Response:
    t = translator(lang_of(request))
    customer = customers.get(session, viewer, customer_id)
    base = f"/ui/customers/{customer_id}/{kind.path}"
    verb = "row.edit" if row is not None else "row.add"
    return render_record_form(
        request,
        session,
        viewer,
        title=f"{t(verb)}{t(kind.title)} · {customer.name}",
        action=f"{base}/{row.id}/edit" if row is not None else f"{base}/new",
        back=f"/ui/customers/{customer_id}",
        fields=kind.fields,
        values=values,
        hints=kind.resource.present(row, viewer, detail=True) if row is not None else None,
        delete=f"{base}/{row.id}/delete" if row is not None and kind.deletable else None,
        errors=errors,
    )


def _row_of(session: Session, viewer: Viewer, kind: RowKind, cid: uuid.UUID, rid: uuid.UUID) -> Any:
    """The row, if it is this customer's and the viewer may read it (else 404)."""
    row = kind.resource.get(session, viewer, rid)
    if row.customer_id != cid:
        raise NotFound(f"no {kind.resource.entity} with id {rid}")
    return row


def _add_routes(kind: RowKind) -> None:
    """Register the new/edit (and delete) pages of one kind of row."""
    path = f"/{{customer_id}}/{kind.path}"

    def new_form(
        request: Request, customer_id: uuid.UUID, viewer: WebViewer, session: SessionDep
    ) -> Response:
        need(viewer, kind.perm)
        customer = customers.get(session, viewer, customer_id)
        local_or_refuse(customer.origin, viewer, lang_of(request))
        values = stored_values(None, kind.fields, True)
        return _render(request, session, viewer, kind, customer_id, values)

    async def create(
        request: Request, customer_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
    ) -> Response:
        need(viewer, kind.perm)
        lang = lang_of(request)
        customer = customers.get(session, viewer, customer_id)
        local_or_refuse(customer.origin, viewer, lang)
        submitted = submitted_values(await request.form(), kind.fields)
        fixed = {"customer_id": customer_id}
        try:
            payload = parse_new(
                kind.resource.create_schema, api_values(submitted, kind.fields), fixed, lang
            )
            kind.resource.create(session, viewer, payload)
        except DomainError as exc:
            session.rollback()
            errors = as_form_errors(exc, lang)
            return _render(request, session, viewer, kind, customer_id, submitted, None, errors)
        return RedirectResponse(f"/ui/customers/{customer_id}?saved={kind.path}", 303)

    def edit_form(
        request: Request,
        customer_id: uuid.UUID,
        row_id: uuid.UUID,
        viewer: WebViewer,
        session: SessionDep,
    ) -> Response:
        need(viewer, kind.perm)
        row = _row_of(session, viewer, kind, customer_id, row_id)
        local_or_refuse(row.origin, viewer, lang_of(request))
        values = stored_values(row, kind.fields, viewer.can(Perm.pii))
        return _render(request, session, viewer, kind, customer_id, values, row)

    async def update(
        request: Request,
        customer_id: uuid.UUID,
        row_id: uuid.UUID,
        viewer: PostingViewer,
        session: SessionDep,
    ) -> Response:
        need(viewer, kind.perm)
        lang = lang_of(request)
        row = _row_of(session, viewer, kind, customer_id, row_id)
        local_or_refuse(row.origin, viewer, lang)
        submitted = submitted_values(await request.form(), kind.fields)
        values = api_values(submitted, kind.fields)
        names = changed_fields(kind.fields, values, viewer.can(Perm.pii))
        resource = kind.resource
        fixed = {"customer_id": customer_id}
        try:
            payload = parse_change(
                resource.create_schema, resource.update_schema, values, fixed, names, lang
            )
            resource.update(session, viewer, row_id, payload)
        except DomainError as exc:
            session.rollback()
            shown = _row_of(session, viewer, kind, customer_id, row_id)
            errors = as_form_errors(exc, lang)
            return _render(request, session, viewer, kind, customer_id, submitted, shown, errors)
        return RedirectResponse(f"/ui/customers/{customer_id}?saved={kind.path}", 303)

    async def delete(
        request: Request,
        customer_id: uuid.UUID,
        row_id: uuid.UUID,
        viewer: PostingViewer,
        session: SessionDep,
    ) -> Response:
        """Remove (tombstone) the row once the box saying so is ticked."""
        need(viewer, kind.perm)
        lang = lang_of(request)
        row = _row_of(session, viewer, kind, customer_id, row_id)
        local_or_refuse(row.origin, viewer, lang)
        form = await request.form()
        try:
            if form.get("confirm") != "yes":
                raise invalid("confirm", translator(lang)("row.need_confirm"))
            kind.resource.delete(session, viewer, row_id)
        except DomainError as exc:
            session.rollback()
            values = stored_values(row, kind.fields, viewer.can(Perm.pii))
            errors = as_form_errors(exc, lang)
            return _render(request, session, viewer, kind, customer_id, values, row, errors)
        return RedirectResponse(f"/ui/customers/{customer_id}?saved={kind.path}", 303)

    router.add_api_route(f"{path}/new", new_form, methods=["GET"])
    router.add_api_route(f"{path}/new", create, methods=["POST"])
    router.add_api_route(f"{path}/{{row_id}}/edit", edit_form, methods=["GET"])
    router.add_api_route(f"{path}/{{row_id}}/edit", update, methods=["POST"])
    if kind.deletable:
        router.add_api_route(f"{path}/{{row_id}}/delete", delete, methods=["POST"])


for _kind in ROW_KINDS:
    _add_routes(_kind)
