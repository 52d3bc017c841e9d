"""/api/v1/kb/…/attachments: 附件. Editors (kb:write) attach files to an article of this
node's (multipart field `file`) and detach them; a reader lists and downloads the files
of an article they may read (the same 404 as the article for one they may not)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Response, UploadFile
from pydantic import BaseModel

from node.api.deps import SessionDep, require
from node.api.openapi import errors
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.knowledge import articles, attachments
from node.knowledge.audiences import reach_of
from node.knowledge.models import ATTACHMENT_MAX_BYTES, KbAttachment

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
Reader = Annotated[Viewer, Depends(require(Perm.kb_read))]
Writer = Annotated[Viewer, Depends(require(Perm.kb_write))]


class AttachmentOut(BaseModel):
    id: uuid.UUID
    article_id: uuid.UUID
    name: str
    content_type: str
    size: int
    sha256: str
    owner: str
    created_by: str
    created_at: datetime


class AttachmentsOut(BaseModel):
    data: list[AttachmentOut]


def _out(attachment: KbAttachment) -> dict[str, Any]:
    return {name: getattr(attachment, name) for name in AttachmentOut.model_fields}


def readable_file(session: SessionDep, viewer: Viewer, attachment_id: uuid.UUID) -> KbAttachment:
    """The file, if the viewer may read its article (else 404, as for the article)."""
    attachment = attachments.get_attachment(session, attachment_id)
    editor = viewer.can(Perm.kb_write)
    articles.readable_article(session, attachment.article_id, editor, reach_of(session, viewer))
    return attachment


def download(attachment: KbAttachment) -> Response:
    """The file as a download: saved, never shown in the page (nosniff, attachment)."""
    name = quote(attachment.name, safe="")
    return Response(
        attachment.content,
        media_type=attachments.served_type(attachment.content_type),
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.post(
    "/articles/{article_id}/attachments",
    status_code=201,
    response_model=AttachmentOut,
    responses=errors(409, 413),
)
async def attach(
    article_id: uuid.UUID,
    viewer: Writer,
    session: SessionDep,
    file: Annotated[UploadFile, File(description=f"at most {ATTACHMENT_MAX_BYTES} bytes")],
) -> dict[str, Any]:
    """Attach a file (multipart `file`); 413 over the limit, 422 empty or nameless, 409
    for an article from above, in review or archived, or holding 20 files."""
    article = articles.get_article(session, article_id)
    content = await file.read(ATTACHMENT_MAX_BYTES + 1)
    made = attachments.add_attachment(
        session, article, file.filename, file.content_type, content, viewer.user.username
    )
    detail = {"name": made.name, "size": made.size}
    record_by(session, viewer, "kb.file_attached", "kb_article", article.id, detail)
    return _out(made)


@router.get("/articles/{article_id}/attachments", response_model=AttachmentsOut)
def list_attachments(article_id: uuid.UUID, viewer: Reader, session: SessionDep) -> dict[str, Any]:
    """The files of an article the caller may read, in the order attached."""
    editor = viewer.can(Perm.kb_write)
    articles.readable_article(session, article_id, editor, reach_of(session, viewer))
    return {"data": [_out(a) for a in attachments.attachments_of(session, article_id)]}


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_attachment(attachment_id: uuid.UUID, viewer: Reader, session: SessionDep) -> Response:
    """The file's bytes, as a download."""
    return download(readable_file(session, viewer, attachment_id))


@router.delete("/attachments/{attachment_id}", status_code=204, responses=errors(409))
def detach(attachment_id: uuid.UUID, viewer: Writer, session: SessionDep) -> Response:
    """Detach a file from an article of this node's."""
    attachment = attachments.get_attachment(session, attachment_id)
    attachments.remove_attachment(session, attachment)
    detail = {"name": attachment.name}
    record_by(session, viewer, "kb.file_detached", "kb_article", attachment.article_id, detail)
    return Response(status_code=204)
