"""Merging a duplicate into the customer on screen (team leads and admins), and leading
anyone who opens a merged customer to the one it was merged into."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.customer_merge.service import merge_customers
from node.customers.models import Customer
from node.errors import DomainError, InvalidFields
from node.web.errors import WebRoute
from node.web.forms import as_form_errors, cleaned
from node.web.i18n import translator
from node.web.pages_customers import customers, refused_on_360
from node.web.rendering import lang_of
from node.web.session import PostingViewer, need

router = APIRouter(prefix="/ui/customers", include_in_schema=False, route_class=WebRoute)
MAX_REASON = 500


@router.post("/{customer_id}/merge")
def merge_into_this(
    request: Request,
    customer_id: uuid.UUID,
    viewer: PostingViewer,
    session: SessionDep,
    duplicate_no: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Merge the customer numbered `duplicate_no` into this one."""
    need(viewer, Perm.customers_merge)
    form = {"duplicate_no": duplicate_no, "reason": reason, "confirm": confirm}
    values = cleaned(form, tuple(form))
    t = translator(lang_of(request))
    try:
        survivor = customers.get(session, viewer, customer_id)
        customers.ensure_local(survivor, viewer)
        bad: dict[str, str] = {}
        if not values["duplicate_no"]:
            bad["duplicate_no"] = t("merge.need_number")
        if not values["reason"] or len(values["reason"]) > MAX_REASON:
            bad["reason"] = t("merge.need_reason")
        if confirm != "1":
            bad["confirm"] = t("merge.need_confirm")
        if bad:
            raise InvalidFields(bad)
        stmt = customers.base_query(viewer).where(Customer.customer_no == values["duplicate_no"])
        duplicate = session.execute(stmt).scalar_one_or_none()
        if duplicate is None:
            raise InvalidFields({"duplicate_no": t("merge.unknown_number")})
        result = merge_customers(session, duplicate, survivor, viewer.user.id)
        detail = {"into": str(survivor.id), "reason": values["reason"], "moved": result.moved}
        record_by(session, viewer, "customer.merged", "customer", duplicate.id, detail)
    except DomainError as exc:
        errors = as_form_errors(exc)
        return refused_on_360(request, session, viewer, customer_id, "merge", errors, form)
    return RedirectResponse(f"/ui/customers/{customer_id}?saved=merge", status_code=303)
