"""One knowledge-base article as its page shows it, to a reader and to an editor: the
published version rendered (sanitised by node.knowledge.render), 必读 and whether the
viewer has acknowledged it; for an editor also the newest version when it is not the
published one, the approval steps and the actions the article's state allows. Shared by
the reading page and the review actions, which show a refusal on the same page."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.knowledge import articles, review, versions
from node.knowledge.attachments import attachments_of
from node.knowledge.audiences import names_of
from node.knowledge.models import KbAck, KbArticle, KbArticleVersion, KbAttachment, Status
from node.knowledge.render import render_html
from node.web.i18n import translator
from node.web.kb_feedback_panel import editor_panel, reader_part
from node.web.kb_folder_tree import folder_tree, path_of
from node.web.kb_labels import kb_labels
from node.web.rendering import lang_of, render
from node.web.tables import time_cell


def _version(version: KbArticleVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "number": version.number,
        "title": version.title,
        "html": render_html(version.body),
        "by": version.created_by,
        "at": str(time_cell(version.created_at)),
        "note": version.note,
    }


def _steps(session: Session, article: KbArticle) -> list[dict[str, Any]]:
    return [
        {"number": s.number, "from_status": s.from_status, "to_status": s.to_status,
         "by": s.by, "at": str(time_cell(s.at)), "reason": s.reason}
        for s in review.steps_of(session, article.id)
    ]  # fmt: skip


def own_ack(session: Session, article: KbArticle, viewer: Viewer) -> KbAck | None:
    """The viewer's acknowledgement of the article, if any."""
    stmt = select(KbAck).where(KbAck.article_id == article.id, KbAck.user_id == viewer.user.id)
    return session.execute(stmt).scalar_one_or_none()


def _audience_name(session: Session, article: KbArticle) -> str | None:
    if article.audience_id is None:
        return None
    return names_of(session, [article.audience_id]).get(article.audience_id)


def _file(attachment: KbAttachment) -> dict[str, object]:
    size = attachment.size
    shown = f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(1, round(size / 1024))} KB"
    return {"id": attachment.id, "name": attachment.name, "size": shown}


def article_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    article: KbArticle,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    status_code: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    """The article's page; `errors`/`message` show a refused action beside its form."""
    editor = viewer.can(Perm.kb_write)
    published = None
    if article.published_number is not None:
        published = versions.get_version(session, article.id, article.published_number)
    draft = None
    if editor and article.latest_number != article.published_number:
        draft = versions.get_version(session, article.id, article.latest_number)
    ack = own_ack(session, article, viewer)
    visible = articles.is_visible(article)
    context = {
        "a": article,
        "title": article.title if editor or published is None else published.title,
        "folder": path_of(folder_tree(session), article.folder_id),
        "tags": articles.tags_of(article),
        "published": _version(published),
        "draft": _version(draft),
        "acked_at": str(time_cell(ack.acked_at)) if ack is not None else None,
        "may_ack": article.must_read and visible and ack is None,
        "visible": visible,
        "files": [_file(f) for f in attachments_of(session, article.id)],
        "may_attach": editor
        and article.owner == session.info["node_code"]
        and article.status in (Status.draft.value, Status.published.value),
        "audience": _audience_name(session, article),
        "editor": editor,
        "reviewer": viewer.can(Perm.kb_review),
        "steps": _steps(session, article) if editor else [],
        "editable": article.status in (Status.draft.value, Status.published.value),
        "errors": errors or {},
        "error_message": message,
        "v": values or {},
        "done": request.query_params.get("done", ""),
        "labels": kb_labels(translator(lang_of(request))),
        "feedback": editor_panel(request, session, article) if editor else None,
        "my_feedback": reader_part(session, viewer, article),
    }
    return render(request, "kb_article.html", viewer, context, status_code=status_code)
