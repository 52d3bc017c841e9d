"""群组 in the browser (issue 22 §3, kb:write): the audiences an article can be limited
to, listed with how many articles use each; a new one, a change, a deletion. The API's
schema and service check them, so a list naming nothing, a node code that is no
division or an unknown area is named beside its boxes, and a name taken or an audience
still in use is refused (409) on the form."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.accounts import Role
from node.auth.permissions import ROLE_PERMISSIONS, Perm
from node.auth.viewer import Viewer
from node.dictionaries.models import DictionaryKind
from node.errors import DomainError
from node.knowledge import audiences
from node.knowledge.audience_endpoints import article_counts, rule_from
from node.knowledge.audience_rules import rule_of
from node.knowledge.audience_schemas import AudienceIn
from node.knowledge.models import KbAudience
from node.settings import Level
from node.web.choices import dictionary_choices
from node.web.errors import WebRoute
from node.web.forms import FormErrors, parse
from node.web.i18n import role_label, translator
from node.web.kb_form_errors import kb_form_errors
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/kb/audiences", include_in_schema=False, route_class=WebRoute)
FIELDS = ("name", "roles", "levels", "nodes", "areas")
LISTS = ("roles", "levels", "areas")  # ticked boxes; nodes are typed
CODE_SEPARATORS = re.compile(r"[,，、;；\s]+")
READER_ROLES = [r.value for r in Role if Perm.kb_read in ROLE_PERMISSIONS[r]]


def _labels(request: Request) -> dict[str, dict[str, str]]:
    """The names shown for role and level codes, in the reader's language."""
    t = translator(lang_of(request))
    levels = {"hq": t("kba.level_hq"), "province": t("kba.level_province"),
              "city": t("kba.level_city")}  # fmt: skip
    return {"roles": {r: role_label(r, lang_of(request)) for r in READER_ROLES}, "levels": levels}


def _choices(session: Session) -> dict[str, Any]:
    return {
        "roles": READER_ROLES,
        "levels": [level.value for level in Level],
        "areas": dictionary_choices(session, DictionaryKind.service_area),
    }


def _render(
    request: Request,
    session: Session,
    viewer: Viewer,
    audience: KbAudience | None,
    values: dict[str, Any],
    errors: FormErrors | None = None,
) -> Response:
    context: dict[str, Any] = {
        "g": audience,
        "v": values,
        "choices": _choices(session),
        "labels": _labels(request),
        "errors": errors.fields if errors else {},
        "error_message": errors.message if errors else None,
    }
    status = errors.status_code if errors else 200
    return render(request, "kb_audience_form.html", viewer, context, status_code=status)


async def _submitted(request: Request) -> dict[str, Any]:
    form = await request.form()
    values: dict[str, Any] = {name: [str(x) for x in form.getlist(name)] for name in LISTS}
    values["name"] = str(form.get("name", "")).strip()
    values["nodes"] = str(form.get("nodes", "")).strip()
    return values


def _read(values: dict[str, Any], lang: str) -> AudienceIn:
    data = dict(values) | {"name": values["name"] or None}
    data["nodes"] = [code for code in CODE_SEPARATORS.split(values["nodes"]) if code]
    body = parse(AudienceIn, data, lang)
    assert isinstance(body, AudienceIn)
    return body


def _stored(audience: KbAudience) -> dict[str, Any]:
    rule = rule_of(audience)
    values: dict[str, Any] = {name: list(getattr(rule, name)) for name in LISTS}
    return values | {"name": audience.name, "nodes": "，".join(rule.nodes)}


@router.get("")
def list_audiences(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """Every audience this node holds, by name, with its lists and articles."""
    need(viewer, Perm.kb_write)
    rows = audiences.all_audiences(session)
    used = article_counts(session, [a.id for a in rows])
    shown = [{"g": a, "rule": rule_of(a), "articles": used.get(a.id, 0)} for a in rows]
    here = session.info["node_code"]
    areas = dict(dictionary_choices(session, DictionaryKind.service_area))
    t = translator(lang_of(request))
    done = {"saved": t("kba.done_saved"), "deleted": t("kba.done_deleted")}
    context = {"rows": shown, "here": here, "areas": areas, "labels": _labels(request),
               "done": done.get(request.query_params.get("done", ""), "")}  # fmt: skip
    return render(request, "kb_audiences.html", viewer, context)


@router.get("/new")
def new_audience_form(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """An empty audience form."""
    need(viewer, Perm.kb_write)
    values: dict[str, Any] = {"name": "", "nodes": ""} | {name: [] for name in LISTS}
    return _render(request, session, viewer, None, values)


@router.post("/new")
async def create_audience(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Create the audience and list them; else the form with the boxes named."""
    need(viewer, Perm.kb_write)
    values = await _submitted(request)
    lang = lang_of(request)
    try:
        body = _read(values, lang)
        made = audiences.create_audience(session, body.name, rule_from(body), viewer.user.username)
    except DomainError as exc:
        session.rollback()
        return _render(request, session, viewer, None, values, kb_form_errors(exc, lang, FIELDS))
    record_by(session, viewer, "kb.audience_created", "kb_audience", made.id)
    return RedirectResponse("/ui/kb/audiences?done=saved", status_code=303)


@router.get("/{audience_id}/edit")
def edit_audience_form(
    request: Request, audience_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The audience's name and lists, to change them."""
    need(viewer, Perm.kb_write)
    audience = audiences.get_audience(session, audience_id)
    return _render(request, session, viewer, audience, _stored(audience))


@router.post("/{audience_id}/edit")
async def update_audience(
    request: Request, audience_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Change the audience; its articles reach the new audience at once."""
    need(viewer, Perm.kb_write)
    audience = audiences.get_audience(session, audience_id)
    values = await _submitted(request)
    lang = lang_of(request)
    try:
        body = _read(values, lang)
        audiences.update_audience(session, audience, body.name, rule_from(body))
    except DomainError as exc:
        session.rollback()
        shown = audiences.get_audience(session, audience_id)
        errors = kb_form_errors(exc, lang, FIELDS)
        return _render(request, session, viewer, shown, values, errors)
    record_by(session, viewer, "kb.audience_changed", "kb_audience", audience.id)
    return RedirectResponse("/ui/kb/audiences?done=saved", status_code=303)


@router.post("/{audience_id}/delete")
async def delete_audience(
    request: Request, audience_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Delete an audience no article uses; else its form says which articles do."""
    need(viewer, Perm.kb_write)
    audience = audiences.get_audience(session, audience_id)
    try:
        audiences.delete_audience(session, audience)
    except DomainError as exc:
        session.rollback()
        shown = audiences.get_audience(session, audience_id)
        errors = kb_form_errors(exc, lang_of(request), FIELDS)
        return _render(request, session, viewer, shown, _stored(shown), errors)
    record_by(session, viewer, "kb.audience_deleted", "kb_audience", audience_id)
    return RedirectResponse("/ui/kb/audiences?done=deleted", status_code=303)
