"""Staff users for admins: the list, a new user, and one user's page (name, role, area,
enabled, a new password). Everything goes through the API's UserResource: the same
password policy, the last-admin rule and the sessions ended on a new password."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.accounts import Role, User
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.dictionaries.lookup import dictionary_entry
from node.dictionaries.models import DictionaryKind
from node.errors import DomainError
from node.users.resource import UserResource
from node.web.choices import dictionary_choices, dictionary_labels
from node.web.errors import WebRoute
from node.web.forms import FormErrors, as_form_errors, cleaned, parse
from node.web.i18n import role_label, translator
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need
from node.web.tables import Table

router = APIRouter(prefix="/ui/users", include_in_schema=False, route_class=WebRoute)
users = UserResource()
NEW_FIELDS = (
    "username",
    "display_name",
    "role",
    "service_area",
    "department",
    "agent_group",
    "agent_no",
    "extension",
    "mobile",
    "password",
)
EDIT_FIELDS = (
    "display_name",
    "role",
    "service_area",
    "department",
    "agent_group",
    "agent_no",
    "extension",
    "mobile",
    "active",
    "password",
)
# Blank on the edit form means "none", which a PATCH would otherwise read as "unchanged".
CLEARABLE = ("service_area", "department", "agent_group", "agent_no", "extension", "mobile")


def _users_table(
    request: Request, session: Session, department: str | None, group: str | None
) -> Table:
    t = translator(lang_of(request))
    labels = dictionary_labels(session)
    table = Table(
        "users",
        t("users.title"),
        [
            t("login.username"),
            t("users.display_name"),
            t("users.role"),
            t("field.area"),
            t("users.department"),
            t("users.group"),
            t("users.active"),
        ],
    )
    stmt = select(User).where(User.origin == session.info["node_code"], User.deleted_at.is_(None))
    if department:
        stmt = stmt.where(User.department == department)
    if group:
        stmt = stmt.where(User.agent_group == group)
    for u in session.execute(stmt.order_by(User.username)).scalars():

        def word(kind: str, code: str | None) -> str:
            return labels.get((kind, code), code) if code else ""

        table.add(
            [
                u.username,
                u.display_name,
                role_label(u.role, lang_of(request)),
                word(DictionaryKind.service_area, u.service_area),
                word(DictionaryKind.service_department, u.department),
                word(DictionaryKind.agent_group, u.agent_group),
                t("yes") if u.active else t("no"),
            ],
            link=f"/ui/users/{u.id}",
        )
    return table


@router.get("")
def users_page(
    request: Request,
    viewer: WebViewer,
    session: SessionDep,
    department: str | None = None,
    group: str | None = None,
) -> Response:
    """This node's staff, each linked to their page (an admin's page: users:write), by
    service department and agent group if asked."""
    need(viewer, Perm.users_write)
    department, group = department or None, group or None
    dictionary_entry(session, DictionaryKind.service_department, department, "department")
    dictionary_entry(session, DictionaryKind.agent_group, group, "group")
    return render(
        request,
        "users.html",
        viewer,
        {
            "table": _users_table(request, session, department, group),
            "can_write": viewer.can(Perm.users_write),
            "departments": dictionary_choices(session, DictionaryKind.service_department),
            "groups": dictionary_choices(session, DictionaryKind.agent_group),
            "department": department or "",
            "group": group or "",
        },
    )


def _render_form(
    request: Request,
    session: Session,
    viewer: Viewer,
    values: dict[str, Any],
    user: User | None = None,
    errors: FormErrors | None = None,
) -> Response:
    return render(
        request,
        "user_form.html",
        viewer,
        {
            "u": user,
            "v": values,
            "roles": [(r.value, role_label(r.value, lang_of(request))) for r in Role],
            "areas": dictionary_choices(session, DictionaryKind.service_area),
            "departments": dictionary_choices(session, DictionaryKind.service_department),
            "groups": dictionary_choices(session, DictionaryKind.agent_group),
            "errors": errors.fields if errors else {},
            "error_message": errors.message if errors else None,
            "saved": request.query_params.get("saved"),
        },
        status_code=errors.status_code if errors else 200,
    )


@router.get("/new")
def new_user_form(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    need(viewer, Perm.users_write)
    return _render_form(request, session, viewer, {"role": Role.agent.value})


@router.post("/new")
async def create_user(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Create the user, then show their page; else the form again with the errors."""
    need(viewer, Perm.users_write)
    form = await request.form()
    submitted = {name: str(form.get(name, "")) for name in NEW_FIELDS}
    try:
        payload = parse(users.create_schema, cleaned(submitted, NEW_FIELDS), lang_of(request))
        user = users.create(session, viewer, payload)
    except DomainError as exc:
        session.rollback()
        submitted["password"] = ""  # never sent back into the page
        return _render_form(request, session, viewer, submitted, None, as_form_errors(exc))
    return RedirectResponse(f"/ui/users/{user.id}?saved=1", status_code=303)


@router.get("/{user_id}")
def user_page(
    request: Request, user_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    need(viewer, Perm.users_write)
    user = users.get(session, viewer, user_id)
    values = {
        "display_name": user.display_name,
        "role": user.role,
        "service_area": user.service_area or "",
        "department": user.department or "",
        "agent_group": user.agent_group or "",
        "agent_no": user.agent_no or "",
        "extension": user.extension or "",
        "mobile": user.mobile or "",
        "active": user.active,
    }
    return _render_form(request, session, viewer, values, user)


@router.post("/{user_id}")
async def update_user(
    request: Request, user_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Change a user; a new password (if given) ends their other sessions."""
    need(viewer, Perm.users_write)
    form = await request.form()
    submitted: dict[str, Any] = {name: str(form.get(name, "")) for name in EDIT_FIELDS}
    submitted["active"] = submitted["active"] == "yes"  # an unticked box is not sent
    values = cleaned(submitted, EDIT_FIELDS)
    values["active"] = submitted["active"]
    try:
        payload = parse(users.update_schema, values, lang_of(request))
        for name in CLEARABLE:
            if values[name] is None:
                setattr(payload, name, None)  # blank: none (any area, no department...)
        user = users.update(session, viewer, user_id, payload)
    except DomainError as exc:
        session.rollback()
        submitted["password"] = ""  # never sent back into the page
        shown = users.get(session, viewer, user_id)
        return _render_form(request, session, viewer, submitted, shown, as_form_errors(exc))
    return RedirectResponse(f"/ui/users/{user.id}?saved=1", status_code=303)
