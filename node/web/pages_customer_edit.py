"""Changing a customer in the browser: the new-customer form's fields, filled in, saved
through the API's PATCH (CustomerResource.update), so the same checks, permissions and
field history apply.

A role without pii:read never sees the stored phone, ID number or e-mail, so the form
cannot send them back: those boxes start empty with the masked value as a hint, and an
empty box keeps what is stored (a masked value is never written over the real one).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep, writes_on_read
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.resource import validate_model
from node.customers.models import Customer
from node.customers.schemas import CustomerIn
from node.dictionaries.models import DictionaryKind
from node.errors import DomainError
from node.web.choices import dictionary_choices
from node.web.errors import WebRoute
from node.web.forms import FormErrors, as_form_errors, cleaned, parse
from node.web.ownership import local_or_refuse
from node.web.pages_customer_entry import FIELDS, customers
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/customers", include_in_schema=False, route_class=WebRoute)
# What a role without pii:read sees masked; the form never round-trips those.
MASKED = ("phone", "id_number", "email")


def editable_fields(viewer: Viewer, submitted: dict[str, str]) -> tuple[str, ...]:
    """The fields this submission changes: all of them for a viewer who sees the personal
    data; for one who does not, a masked field only when something was typed into it."""
    if viewer.can(Perm.pii):
        return FIELDS
    return tuple(n for n in FIELDS if n not in MASKED or submitted.get(n, "").strip())


def patch_of(row: Customer, values: dict[str, Any], names: tuple[str, ...], lang: str) -> Any:
    """The PATCH body for `names`, checked by the API's create schema first so every bad
    field is named at once in the reader's language (a blank name is 「必填」)."""
    full = parse(CustomerIn, values, lang)
    patch: dict[str, Any] = {name: getattr(full, name) for name in names}
    # The ID's type, birth date and gender follow the ID number and the customer type,
    # as on the new form: re-derived when either changes, not left as they were.
    if "type" in patch and patch["type"] != row.type:
        patch["id_type"] = None
    if "id_number" in patch and patch["id_number"] != row.id_number:
        patch |= {"id_type": None, "birth_date": None, "gender": None}
    # Not `parse`: it drops blanks, and a blank here clears the field (PATCH null).
    return validate_model(customers.update_schema, patch) if patch else None


def _stored(row: Customer, viewer: Viewer) -> dict[str, Any]:
    """The form's starting values: what is stored, minus what the viewer may not see."""
    values = {name: getattr(row, name) or "" for name in FIELDS}
    if not viewer.can(Perm.pii):
        values |= dict.fromkeys(MASKED, "")
    return values


def _render(
    request: Request,
    session: Session,
    viewer: Viewer,
    row: Customer,
    values: dict[str, Any],
    errors: FormErrors | None = None,
) -> Response:
    return render(
        request,
        "customer_edit.html",
        viewer,
        {
            "c": customers.present(row, viewer, detail=True),
            "v": values,
            "masked": not viewer.can(Perm.pii),
            "errors": errors.fields if errors else {},
            "error_message": errors.message if errors else None,
            "areas": dictionary_choices(session, DictionaryKind.service_area),
            "grades": dictionary_choices(session, DictionaryKind.customer_grade),
        },
        status_code=errors.status_code if errors else 200,
    )


@router.get("/{customer_id}/edit")
@writes_on_read  # a viewer with pii:read gets the full numbers: audited as on the 360
def edit_customer_form(
    request: Request, customer_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The customer's fields, filled in; a row another node owns is refused (409)."""
    need(viewer, Perm.customers_write)
    row = customers.get(session, viewer, customer_id)
    local_or_refuse(row.origin, viewer, lang_of(request))
    if viewer.can(Perm.pii) and (row.id_number or row.phone):
        record_by(session, viewer, "pii.read", "customer", row.id, {"fields": list(MASKED)})
    return _render(request, session, viewer, row, _stored(row, viewer))


@router.post("/{customer_id}/edit")
async def update_customer(
    request: Request, customer_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Save the changes and go back to the 360; else the form, errors by the fields."""
    need(viewer, Perm.customers_write)
    lang = lang_of(request)
    row = customers.get(session, viewer, customer_id)
    local_or_refuse(row.origin, viewer, lang)
    form = await request.form()
    submitted = {name: str(form.get(name, "")) for name in FIELDS}
    names = editable_fields(viewer, submitted)
    values = cleaned(submitted, FIELDS)
    try:
        payload = patch_of(row, values, names, lang)
        if payload is not None:
            customers.update(session, viewer, customer_id, payload)
    except DomainError as exc:
        session.rollback()
        shown = customers.get(session, viewer, customer_id)
        return _render(request, session, viewer, shown, submitted, as_form_errors(exc, lang))
    return RedirectResponse(f"/ui/customers/{customer_id}?saved=customer", status_code=303)
