"""Writing a knowledge-base article in the browser (issue 22 §4, kb:write): a new one
(its version 1, a draft) and a new version of a draft or published one, through the
API's schema (ArticleIn) and service, so an empty title, an unknown folder or an expiry
on or before the effective date is named beside its field, and an article in review or
archived is refused (409) on the form."""

from __future__ import annotations

import re
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
from node.knowledge import articles, versions
from node.knowledge.audiences import all_audiences
from node.knowledge.models import KbArticle, Kind
from node.knowledge.schemas import ArticleIn
from node.web.errors import WebRoute
from node.web.forms import FormErrors, parse
from node.web.i18n import translator
from node.web.kb_folder_tree import folder_choices, folder_tree
from node.web.kb_form_errors import kb_form_errors
from node.web.kb_labels import kb_labels
from node.web.rendering import lang_of, render
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/kb/articles", include_in_schema=False, route_class=WebRoute)
FIELDS = ("folder_id", "kind", "title", "body", "tags", "must_read", "effective_from",
          "expires_at", "note", "audience_id")  # fmt: skip
# Tags are typed in one box, separated as people separate them: commas (either width),
# 顿号, semicolons or spaces.
TAG_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _render(
    request: Request,
    session: Session,
    viewer: Viewer,
    article: KbArticle | None,
    values: dict[str, str],
    errors: FormErrors | None = None,
) -> Response:
    context: dict[str, Any] = {
        "a": article,
        "v": values,
        "folders": folder_choices(folder_tree(session)),
        "kinds": [k.value for k in Kind],
        "audiences": [(str(g.id), g.name) for g in all_audiences(session)],
        "labels": kb_labels(translator(lang_of(request))),
        "errors": errors.fields if errors else {},
        "error_message": errors.message if errors else None,
    }
    status = errors.status_code if errors else 200
    return render(request, "kb_article_form.html", viewer, context, status_code=status)


def _read(values: dict[str, str], lang: str) -> articles.ArticleFields:
    """The submitted article checked by the API's schema, as the service takes it."""
    data = {
        "folder_id": values["folder_id"] or None,
        "kind": values["kind"] or None,
        "title": values["title"] or None,
        "body": values["body"],
        "tags": [tag for tag in TAG_SEPARATORS.split(values["tags"]) if tag],
        "must_read": values["must_read"] == "yes",
        "effective_from": values["effective_from"] or None,
        "expires_at": values["expires_at"] or None,
        "note": values["note"],
        "audience_id": values["audience_id"] or None,
    }
    body = parse(ArticleIn, data, lang)
    assert isinstance(body, ArticleIn)
    articles.check_dates(body.effective_from, body.expires_at)
    return articles.ArticleFields(
        folder_id=body.folder_id,
        kind=body.kind.value,
        tags=body.tags,
        must_read=body.must_read,
        effective_from=body.effective_from,
        expires_at=body.expires_at,
        audience_id=body.audience_id,
    )


async def _submitted(request: Request) -> dict[str, str]:
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in FIELDS}
    # Markdown keeps its whitespace; every other box is trimmed.
    return {k: v if k == "body" else v.strip() for k, v in values.items()}


def _stored(session: Session, article: KbArticle) -> dict[str, str]:
    """The form's starting values: the article's fields and its newest version."""
    version = versions.get_version(session, article.id, article.latest_number)
    return {
        "folder_id": str(article.folder_id),
        "kind": article.kind,
        "title": version.title,
        "body": version.body,
        "tags": "，".join(articles.tags_of(article)),
        "must_read": "yes" if article.must_read else "",
        "effective_from": str(article.effective_from or ""),
        "expires_at": str(article.expires_at or ""),
        "note": "",
        "audience_id": str(article.audience_id or ""),
    }


@router.get("/new")
def new_article_form(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """An empty article form (in `?folder=` when given)."""
    need(viewer, Perm.kb_write)
    values = dict.fromkeys(FIELDS, "")
    values |= {"folder_id": (request.query_params.get("folder") or "").strip(), "kind": "rule"}
    return _render(request, session, viewer, None, values)


@router.post("/new")
async def create_article(request: Request, viewer: PostingViewer, session: SessionDep) -> Response:
    """Save version 1 as a draft and show the article; else the form, fields named."""
    need(viewer, Perm.kb_write)
    values = await _submitted(request)
    lang = lang_of(request)
    try:
        fields = _read(values, lang)
        article = articles.create_article(
            session, fields, values["title"], values["body"], values["note"], viewer.user.username
        )
    except DomainError as exc:
        session.rollback()
        return _render(request, session, viewer, None, values, kb_form_errors(exc, lang, FIELDS))
    record_by(session, viewer, "kb.article_created", "kb_article", article.id)
    return RedirectResponse(f"/ui/kb/articles/{article.id}?done=saved", status_code=303)


@router.get("/{article_id}/edit")
def edit_article_form(
    request: Request, article_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The article's newest version, to write the next one."""
    need(viewer, Perm.kb_write)
    article = articles.get_article(session, article_id)
    return _render(request, session, viewer, article, _stored(session, article))


@router.post("/{article_id}/edit")
async def edit_article(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Save a new version (a draft; readers keep the published one until approved)."""
    need(viewer, Perm.kb_write)
    article = articles.get_article(session, article_id)
    values = await _submitted(request)
    lang = lang_of(request)
    try:
        fields = _read(values, lang)
        version = articles.edit_article(
            session, article, fields, values["title"], values["body"], values["note"],
            viewer.user.username,
        )  # fmt: skip
    except DomainError as exc:
        session.rollback()
        shown = articles.get_article(session, article_id)
        errors = kb_form_errors(exc, lang, FIELDS)
        return _render(request, session, viewer, shown, values, errors)
    detail = {"number": version.number}
    record_by(session, viewer, "kb.article_edited", "kb_article", article.id, detail)
    return RedirectResponse(f"/ui/kb/articles/{article.id}?done=saved", status_code=303)
