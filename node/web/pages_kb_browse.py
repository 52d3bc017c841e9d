"""知识库, the reader's way in (issue 22 §3): the folder tree beside one folder's
published articles (every folder's when none is chosen), the newest change first,
keyset-paged and counted like every list; and a search box that finds articles by a
Chinese fragment of one or two characters or more (node.knowledge.search, filtered as
the API filters a reader's search: published versions inside their dates). Editors may
also list the articles by the state of their newest version (drafts, in review...)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.errors import InvalidFields, invalid
from node.knowledge import articles
from node.knowledge.audiences import Reach, reach_of
from node.knowledge.models import KbArticle, KbFolder, Status
from node.knowledge.schemas import SearchQuery
from node.knowledge.search import count_matches, search
from node.web.errors import WebRoute
from node.web.forms import parse
from node.web.i18n import translator
from node.web.kb_folder_tree import TreeRow, folder_tree, path_of
from node.web.kb_labels import kb_labels
from node.web.paging import COUNT_CAP, PageAt, count_rows, page_at, pager
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.tables import time_cell
from node.web.validation_texts import domain_message

router = APIRouter(prefix="/ui/kb", include_in_schema=False, route_class=WebRoute)
HOME = "/ui/kb"
PAGE_SIZE = 50
EXCERPT = 80
FIELDS = ("folder", "q", "status")


@dataclass(frozen=True)
class Row:
    """One article as a list shows it."""

    id: uuid.UUID
    title: str
    kind: str
    folder: str
    must_read: bool
    status: str
    updated: str
    excerpt: str


@dataclass(frozen=True)
class Found:
    """A page of rows, how many rows there are in all, and the next page's cursor."""

    rows: list[Row]
    total: int
    next_cursor: str | None


def _row(article: KbArticle, title: str, tree: list[TreeRow], at: datetime, excerpt: str) -> Row:
    return Row(
        id=article.id,
        title=title,
        kind=article.kind,
        folder=path_of(tree, article.folder_id),
        must_read=article.must_read,
        status=article.status,
        updated=str(time_cell(at)),
        excerpt=excerpt,
    )


def _folder(session: Session, text: str, t: Any) -> uuid.UUID | None:
    if not text:
        return None
    try:
        folder_id = uuid.UUID(text)
    except ValueError:
        raise invalid("folder", t("kb.no_folder")) from None
    if session.get(KbFolder, folder_id) is None:
        raise invalid("folder", t("kb.no_folder"))
    return folder_id


def _status(viewer: Viewer, text: str, t: Any) -> str | None:
    """The status an editor's list shows (None: the readers' list)."""
    if not text:
        return None
    need(viewer, Perm.kb_write)  # readers see published articles only, as in the API
    if text not in {s.value for s in Status}:
        raise invalid("status", t("kb.bad_status"))
    return text


def _listed(
    session: Session,
    reach: Reach,
    tree: list[TreeRow],
    folder_id: uuid.UUID | None,
    status: str | None,
    at: PageAt,
) -> Found:
    editor_view = status is not None
    rows, cursor = articles.list_articles(
        session, editor_view, reach, folder_id, None, PAGE_SIZE, at.cursor, None, status
    )
    where = articles.article_filters(editor_view, reach, folder_id, None, status)
    total = count_rows(session, select(KbArticle).where(*where))
    titles = articles.published_titles(session, [] if editor_view else rows)
    shown = [_row(a, titles.get(a.id, a.title), tree, a.updated_at, "") for a in rows]
    return Found(shown, total, cursor)


def _found(
    session: Session, reach: Reach, tree: list[TreeRow], query: str, at: PageAt, lang: str
) -> Found:
    parse(SearchQuery, {"q": query}, lang)  # the API's limits on a query, named "q"
    hits, cursor = search(session, query, False, PAGE_SIZE, at.cursor, reach)
    total = count_matches(session, query, False, COUNT_CAP, reach)
    rows = [
        _row(h.article, h.version.title, tree, h.version.created_at, h.version.body[:EXCERPT])
        for h in hits
    ]
    return Found(rows, total, cursor)


@router.get("")
def kb_home(request: Request, viewer: WebViewer, session: SessionDep) -> Response:
    """The tree and a page of articles (a folder's, a search's, or an editor's list by
    status); a bad parameter is named beside its box with a 422."""
    need(viewer, Perm.kb_read)
    t = translator(lang_of(request))
    params = request.query_params
    values = {name: (params.get(name) or "").strip() for name in FIELDS}
    tree = folder_tree(session)
    context: dict[str, Any] = {
        "values": values, "errors": {}, "tree": tree, "rows": [], "pager": None,
        "editor": viewer.can(Perm.kb_write), "statuses": [s.value for s in Status],
        "folder_path": "", "labels": kb_labels(t),
    }  # fmt: skip
    try:
        at = page_at(params.get("cursor"), params.get("back"))
        folder_id = _folder(session, values["folder"], t)
        status = _status(viewer, values["status"], t)
        reach = reach_of(session, viewer)
        if values["q"]:
            found = _found(session, reach, tree, values["q"], at, lang_of(request))
        else:
            found = _listed(session, reach, tree, folder_id, status, at)
    except InvalidFields as exc:  # a service's (English) text too: the reader's language
        context["errors"] = {k: domain_message(v, lang_of(request)) for k, v in exc.errors.items()}
        return render(request, "kb_browse.html", viewer, context, status_code=422)
    context["folder_path"] = path_of(tree, folder_id)
    context["rows"] = found.rows
    shown = len(found.rows)
    context["pager"] = pager(HOME, values, at, PAGE_SIZE, shown, found.total, found.next_cursor)
    return render(request, "kb_browse.html", viewer, context)
