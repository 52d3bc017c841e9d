"""附件 in the browser (issue 22 §3): a reader downloads the files of an article they may
read; an editor attaches a file to an article of this node's and detaches one. A
refusal (too large: 413, empty or nameless: 422, an article from above, in review or
archived: 409) is shown on the article's page beside the file box, never as a 5xx."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from node.api.deps import SessionDep
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.errors import DomainError, invalid
from node.knowledge import articles, attachments
from node.knowledge.attachment_endpoints import download, readable_file
from node.knowledge.models import ATTACHMENT_MAX_BYTES
from node.web.errors import WebRoute
from node.web.kb_article_view import article_page
from node.web.kb_form_errors import kb_form_errors
from node.web.rendering import lang_of
from node.web.session import PostingViewer, WebViewer, need

router = APIRouter(prefix="/ui/kb", include_in_schema=False, route_class=WebRoute)


@router.get("/attachments/{attachment_id}")
def download_file(attachment_id: uuid.UUID, viewer: WebViewer, session: SessionDep) -> Response:
    """The file as a download, if the viewer may read its article (else the 404 page)."""
    need(viewer, Perm.kb_read)
    return download(readable_file(session, viewer, attachment_id))


@router.post("/articles/{article_id}/attachments")
async def attach_file(
    request: Request, article_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Attach the chosen file, then the article; else the article, the file box named."""
    need(viewer, Perm.kb_write)
    article = articles.get_article(session, article_id)
    upload = (await request.form()).get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise invalid("file", "请选择要上传的文件 (choose a file)")
        content = await upload.read(ATTACHMENT_MAX_BYTES + 1)
        made = attachments.add_attachment(
            session, article, upload.filename, upload.content_type, content, viewer.user.username
        )
    except DomainError as exc:
        session.rollback()
        errors = kb_form_errors(exc, lang_of(request), ("file",))
        shown = articles.get_article(session, article_id)
        return article_page(
            request, session, viewer, shown, errors.fields, errors.message, errors.status_code
        )
    detail = {"name": made.name, "size": made.size}
    record_by(session, viewer, "kb.file_attached", "kb_article", article.id, detail)
    return RedirectResponse(f"/ui/kb/articles/{article_id}?done=attached", status_code=303)


@router.post("/attachments/{attachment_id}/delete")
async def detach_file(
    request: Request, attachment_id: uuid.UUID, viewer: PostingViewer, session: SessionDep
) -> Response:
    """Detach the file, then the article; a refusal is shown on the article's page."""
    need(viewer, Perm.kb_write)
    attachment = attachments.get_attachment(session, attachment_id)
    article_id = attachment.article_id
    try:
        attachments.remove_attachment(session, attachment)
    except DomainError as exc:
        session.rollback()
        errors = kb_form_errors(exc, lang_of(request), ("file",))
        shown = articles.get_article(session, article_id)
        return article_page(
            request, session, viewer, shown, errors.fields, errors.message, errors.status_code
        )
    detail = {"name": attachment.name}
    record_by(session, viewer, "kb.file_detached", "kb_article", article_id, detail)
    return RedirectResponse(f"/ui/kb/articles/{article_id}?done=detached", status_code=303)
