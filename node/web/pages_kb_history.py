"""An article's version history (issue 22 §4, kb:write): every version, the newest
first, keyset-paged and counted, with who wrote it, when and its note; and the
difference between two of them (versions.diff: the title change and a unified diff of the
Markdown), lines marked added or removed. A version number the article does not have is
named beside its box (422), never a 5xx."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from node.api.deps import SessionDep
from node.auth.permissions import Perm
from node.errors import InvalidFields
from node.knowledge import articles, versions
from node.knowledge.models import KbArticle, KbArticleVersion
from node.web.errors import WebRoute
from node.web.i18n import translator
from node.web.paging import count_rows, page_at, pager
from node.web.rendering import lang_of, render
from node.web.session import WebViewer, need
from node.web.tables import time_cell
from node.web.validation_texts import domain_message

router = APIRouter(prefix="/ui/kb/articles", include_in_schema=False, route_class=WebRoute)
PAGE_SIZE = 50
# ASCII digits, as many as a version number can have (int() refuses some Unicode digits
# and very long numbers).
NUMBER = re.compile(r"[0-9]{1,7}")


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff and what it is, for its colour."""

    kind: str  # add, del, hunk, file, same
    text: str


def _lines(body_diff: str) -> list[DiffLine]:
    out = []
    for line in body_diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        out.append(DiffLine(kind, line))
    return out


def _number(text: str, default: int, latest: int, name: str, t: Any) -> int:
    """A version number from the form: 1..latest, else a 422 naming the box."""
    if not text:
        return default
    if not NUMBER.fullmatch(text) or not 1 <= int(text) <= latest:
        raise InvalidFields({name: t("kb.no_version", latest=latest)})
    return int(text)


def _numbers(article: KbArticle, params: Any, t: Any) -> tuple[int, int]:
    latest = article.latest_number
    errors: dict[str, str] = {}
    numbers = []
    for name, default in (("from", max(1, latest - 1)), ("to", latest)):
        try:
            numbers.append(_number((params.get(name) or "").strip(), default, latest, name, t))
        except InvalidFields as exc:
            errors |= exc.errors
    if errors:
        raise InvalidFields(errors)
    return numbers[0], numbers[1]


@router.get("/{article_id}/history")
def history(
    request: Request, article_id: uuid.UUID, viewer: WebViewer, session: SessionDep
) -> Response:
    """The versions and the difference between `from` and `to` (by default the newest
    and the one before it)."""
    need(viewer, Perm.kb_write)
    t = translator(lang_of(request))
    article = articles.get_article(session, article_id)
    params = request.query_params
    values = {name: (params.get(name) or "").strip() for name in ("from", "to")}
    context: dict[str, Any] = {
        "a": article, "values": values, "errors": {}, "versions": [], "pager": None,
        "diff": None, "lines": [],
    }  # fmt: skip
    try:
        at = page_at(params.get("cursor"), params.get("back"))
        old, new = _numbers(article, params, t)
        rows, cursor = versions.versions_page(session, article.id, PAGE_SIZE, at.cursor, None)
    except InvalidFields as exc:  # a service's (English) text too: the reader's language
        context["errors"] = {k: domain_message(v, lang_of(request)) for k, v in exc.errors.items()}
        return render(request, "kb_history.html", viewer, context, status_code=422)
    where = KbArticleVersion.article_id == article.id
    total = count_rows(session, select(KbArticleVersion).where(where))
    context["versions"] = [
        {"number": v.number, "title": v.title, "by": v.created_by,
         "at": str(time_cell(v.created_at)), "note": v.note}
        for v in rows
    ]  # fmt: skip
    home = f"/ui/kb/articles/{article.id}/history"
    context["pager"] = pager(home, values, at, PAGE_SIZE, len(rows), total, cursor)
    diff = versions.diff(session, article.id, old, new)
    context["diff"] = diff
    context["values"] = {"from": str(old), "to": str(new)}
    context["lines"] = _lines(str(diff["body_diff"]))
    return render(request, "kb_history.html", viewer, context)
