"""Registering a customer in the browser, and the caller pop-up a telephone system opens.

The pop-up (`/ui/pop?number=...`) takes the caller ID in any form a PBX sends it (+86,
0086, 86, spaces, dashes, full-width digits), then lands the agent on the customer 360
for one match, on the matching list for several, and on the new-customer form with the
number filled in for none. The form creates through the API's resource: same schema,
same checks, same permissions; before it does, it names likely duplicates (the same
phone, or the same name at a similar address) and registers one anyway only with a
reason, which the audit log keeps.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.customer_360.resource import CustomerResourceWith360
from node.customers.duplicates import likely_duplicates
from node.customers.lookup import QueryKind, classify
from node.customers.models import CustomerType
from node.customers.schemas import CustomerIn
from node.dictionaries.models import DictionaryKind
from node.errors import DomainError, invalid
from node.web.choices import dictionary_choices
from node.web.errors import WebRoute
from node.web.forms import FormErrors, as_form_errors, cleaned, parse
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(include_in_schema=False, route_class=WebRoute)
MAX_REASON = 500  # why a likely duplicate is registered anyway (kept in the audit log)
customers = CustomerResourceWith360()
FIELDS = (
    "type",
    "name",
    "phone",
    "id_number",
    "home_address",
    "company_address",
    "email",
    "service_area",
    "grade",
    "note",
)


def _render_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    duplicates: list[dict[str, Any]] | None = None,
) -> Response:
    status = errors.status_code if errors else 409 if duplicates else 200
    return render(
        request,
        "customer_new.html",
        viewer,
        {
            "v": values,
            "errors": errors.fields if errors else {},
            "error_message": errors.message if errors else None,
            "areas": dictionary_choices(session, DictionaryKind.service_area),
            "grades": dictionary_choices(session, DictionaryKind.customer_grade),
            "read_only": request.app.state.settings.node.level != "city",
            "duplicates": duplicates or [],
        },
        status_code=status,
    )


@router.get("/ui/customers/new")
def new_customer_form(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    phone: str = "",
    name: str = "",
    type: str = CustomerType.individual.value,
) -> Response:
    """The empty form; `phone` and `name` pre-fill it (the pop-up's "nobody found")."""
    need(viewer, Perm.customers_write)
    values = {
        "phone": phone[:40],
        "name": name[:100],
        "type": type[:20],
        "service_area": viewer.user.service_area or "",
    }
    return _render_form(request, session, viewer, values)


@router.post("/ui/customers/new")
async def create_customer(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Create the customer, then show its 360; else the form again, errors by the fields."""
    need(viewer, Perm.customers_write)
    form = await request.form()
    submitted = {name: str(form.get(name, "")) for name in (*FIELDS, "duplicate_reason")}
    values = cleaned(submitted, FIELDS)
    reason = submitted["duplicate_reason"].strip()
    try:
        if len(reason) > MAX_REASON:
            raise invalid("duplicate_reason", f"最多 {MAX_REASON} 个字符 (at most {MAX_REASON})")
        payload = parse(CustomerIn, values, lang_of(request))
        assert isinstance(payload, CustomerIn)
        if not reason and (twins := _duplicates_of(session, viewer, payload)):
            return _render_form(request, session, viewer, submitted, duplicates=twins)
        # The resource audits a registration made despite duplicates, with the reason.
        customer = customers.create(session, viewer, payload, duplicate_reason=reason or None)
    except DomainError as exc:
        session.rollback()
        return _render_form(request, session, viewer, submitted, as_form_errors(exc))
    return RedirectResponse(f"/ui/customers/{customer.id}?saved=customer", status_code=303)


def _duplicates_of(session: Session, viewer: Viewer, payload: CustomerIn) -> list[dict[str, Any]]:
    """Likely duplicates the viewer may open, as the lists show them (masked)."""
    twins = likely_duplicates(
        session,
        customers.base_query(viewer),
        payload.name,
        payload.phone,
        (payload.home_address, payload.company_address),
    )
    return [customers.present(c, viewer, detail=False) for c in twins]


@router.get("/ui/pop")
def caller_pop(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    number: str = "",
) -> Response:
    """Where a telephone system sends the agent's browser when a call rings."""
    need(viewer, Perm.customers_read)
    lookup = classify(number[:64]) if number.strip() else None
    if lookup is None or lookup.kind not in (QueryKind.phone, QueryKind.phone_tail):
        query = urlencode({"q": number.strip()[:64]}) if number.strip() else ""
        return RedirectResponse(f"/ui/customers?{query}", status_code=303)
    try:
        found = customers.list(session, viewer, {"q": lookup.value}, limit=2).data
    except DomainError:
        found = []
    if len(found) == 1:
        return RedirectResponse(f"/ui/customers/{found[0]['id']}", status_code=303)
    if found or not viewer.can(Perm.customers_write):
        return RedirectResponse("/ui/customers?" + urlencode({"q": lookup.value}), status_code=303)
    return RedirectResponse(
        "/ui/customers/new?" + urlencode({"phone": lookup.value}), status_code=303
    )


def new_customer_link(viewer: Viewer, q: str | None) -> str | None:
    """Where "register as a new customer" goes after a search found nobody: the form,
    pre-filled with the number or name searched for; None for who may not create."""
    if not viewer.can(Perm.customers_write):
        return None
    text = (q or "").strip()[:64]
    if not text:
        return "/ui/customers/new"
    lookup = classify(text)
    if lookup.kind is QueryKind.phone:
        return "/ui/customers/new?" + urlencode({"phone": lookup.value})
    if lookup.kind is QueryKind.text:
        return "/ui/customers/new?" + urlencode({"name": text})
    return "/ui/customers/new"
