"""知识库 folders in the browser (issue 22 §4, kb:write): a new folder at the top or
inside another, and renaming or moving one. The service's checks apply: a name unique
among its siblings (409 beside the name), a parent that exists and is not the folder
itself or one inside it (422 beside the parent)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import DomainError
from node.knowledge import folders
from node.knowledge.models import KbFolder
from node.knowledge.schemas import FolderIn
from node.web.errors import WebRoute
from node.web.forms import FormErrors, parse
from node.web.kb_folder_tree import folder_choices, folder_tree
from node.web.kb_form_errors import kb_form_errors
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/kb/folders", include_in_schema=False, route_class=WebRoute)
FIELDS = ("name", "parent_id")


def _render(
    request: Request,
    session: Session,
    viewer: Viewer,
    folder: KbFolder | None,
    values: dict[str, str],
    errors: FormErrors | None = None,
) -> Response:
    tree = folder_tree(session)
    context: dict[str, Any] = {
        "f": folder,
        "v": values,
        "folders": [c for c in folder_choices(tree) if folder is None or c[0] != str(folder.id)],
        "errors": errors.fields if errors else {},
        "error_message": errors.message if errors else None,
    }
    status = errors.status_code if errors else 200
    return render(request, "kb_folder_form.html", viewer, context, status_code=status)


def _read(values: dict[str, str], lang: str) -> FolderIn:
    data = {"name": values["name"].strip() or None, "parent_id": values["parent_id"] or None}
    parsed = parse(FolderIn, data, lang)
    assert isinstance(parsed, FolderIn)
    return parsed


async def _submitted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: str(form.get(name, "")).strip() for name in FIELDS}


@router.get("/new")
def new_folder_form(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """An empty folder form (inside `?parent=` when given)."""
    need(viewer, Perm.kb_write)
    parent = (request.query_params.get("parent") or "").strip()
    return _render(request, session, viewer, None, {"name": "", "parent_id": parent})


@router.post("/new")
async def create_folder(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Create the folder and show it; else the form with the field named."""
    need(viewer, Perm.kb_write)
    values = await _submitted(request)
    lang = lang_of(request)
    try:
        body = _read(values, lang)
        folder = folders.create_folder(session, body.name, body.parent_id, viewer.user.username)
    except DomainError as exc:
        session.rollback()
        return _render(request, session, viewer, None, values, kb_form_errors(exc, lang, FIELDS))
    record_by(session, viewer, "kb.folder_created", "kb_folder", folder.id, {"name": body.name})
    return RedirectResponse(f"/ui/kb?folder={folder.id}", status_code=303)


@router.get("/{folder_id}/edit")
def edit_folder_form(
    request: Request, folder_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The folder's name and parent, to rename or move it."""
    need(viewer, Perm.kb_write)
    folder = folders.get_folder(session, folder_id)
    values = {"name": folder.name, "parent_id": str(folder.parent_id or "")}
    return _render(request, session, viewer, folder, values)


@router.post("/{folder_id}/edit")
async def update_folder(
    request: Request, folder_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Rename and/or move the folder (an empty parent: the top level)."""
    need(viewer, Perm.kb_write)
    folder = folders.get_folder(session, folder_id)
    values = await _submitted(request)
    lang = lang_of(request)
    try:
        body = _read(values, lang)
        folders.update_folder(session, folder, body.name, True, body.parent_id)
    except DomainError as exc:
        session.rollback()
        shown = folders.get_folder(session, folder_id)
        return _render(request, session, viewer, shown, values, kb_form_errors(exc, lang, FIELDS))
    record_by(session, viewer, "kb.folder_changed", "kb_folder", folder.id)
    return RedirectResponse(f"/ui/kb?folder={folder.id}", status_code=303)
