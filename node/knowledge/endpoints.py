"""/api/v1/kb: the knowledge base (知识库). Folders and articles are read with kb:read,
written with kb:write and reviewed (approved, sent back, archived) with kb:review; a
reader sees an article's published version while today lies inside its dates."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import select

from node.api.deps import SessionDep, require, writes_on_read
from node.api.openapi import errors
from node.audit.service import record_by
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.db.types import utcnow
from node.errors import PermissionDenied
from node.knowledge import acknowledgements, articles, folders, review, versions
from node.knowledge.audiences import reach_of
from node.knowledge.feedback import note_read
from node.knowledge.models import (
    MAX_VERSION_NUMBER,
    KbAck,
    KbArticle,
    KbArticleVersion,
    KbFolder,
    KbStep,
)
from node.knowledge.render import render_html
from node.knowledge.schemas import (
    AckOut,
    AcksOut,
    ArchiveIn,
    ArticleDetailOut,
    ArticleIn,
    ArticleListQuery,
    ArticlePageOut,
    DiffOut,
    FolderIn,
    FolderListQuery,
    FolderOut,
    FolderPageOut,
    FolderPatch,
    ReasonIn,
    SearchPageOut,
    SearchQuery,
    VersionListQuery,
    VersionPageOut,
)
from node.knowledge.search import search

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
Reader = Annotated[Viewer, Depends(require(Perm.kb_read))]
Writer = Annotated[Viewer, Depends(require(Perm.kb_write))]
Reviewer = Annotated[Viewer, Depends(require(Perm.kb_review))]
Number = Annotated[int, Path(ge=1, le=MAX_VERSION_NUMBER)]
EXCERPT = 120


def _editor(viewer: Viewer) -> bool:
    return viewer.can(Perm.kb_write)


def _drafts_allowed(viewer: Viewer, include_drafts: bool) -> bool:
    if include_drafts and not _editor(viewer):
        raise PermissionDenied(f"role {viewer.user.role} may not see drafts (needs kb:write)")
    return include_drafts


def _folder(folder: KbFolder) -> dict[str, Any]:
    return {c: getattr(folder, c) for c in FolderOut.model_fields}


def _summary(article: KbArticle, title: str) -> dict[str, Any]:
    return {
        "id": article.id,
        "folder_id": article.folder_id,
        "kind": article.kind,
        "title": title,
        "tags": articles.tags_of(article),
        "must_read": article.must_read,
        "effective_from": article.effective_from,
        "expires_at": article.expires_at,
        "status": article.status,
        "latest_number": article.latest_number,
        "published_number": article.published_number,
        "published_at": article.published_at,
        "owner": article.owner,
        "created_by": article.created_by,
        "created_at": article.created_at,
        "updated_at": article.updated_at,
        "audience_id": article.audience_id,
    }


def _version(version: KbArticleVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "title": version.title,
        "note": version.note,
        "created_by": version.created_by,
        "created_at": version.created_at,
    }


def _version_detail(version: KbArticleVersion) -> dict[str, Any]:
    return {**_version(version), "body": version.body, "html": render_html(version.body)}


def _step(step: KbStep) -> dict[str, Any]:
    return {
        c: getattr(step, c) for c in ("number", "from_status", "to_status", "by", "at", "reason")
    }


def _ack(ack: KbAck) -> dict[str, Any]:
    return {c: getattr(ack, c) for c in ("article_id", "user_id", "username", "number", "acked_at")}


def _own_ack(session: SessionDep, article: KbArticle, viewer: Viewer) -> KbAck | None:
    stmt = select(KbAck).where(KbAck.article_id == article.id, KbAck.user_id == viewer.user.id)
    return session.execute(stmt).scalar_one_or_none()


def _detail(session: SessionDep, article: KbArticle, viewer: Viewer) -> dict[str, Any]:
    """The article as the viewer sees it: readers the published version; editors also
    the newest version when it is not the published one, and the approval steps."""
    editor = _editor(viewer)
    published = (
        versions.get_version(session, article.id, article.published_number)
        if article.published_number is not None
        else None
    )
    draft = None
    if editor and article.latest_number != article.published_number:
        draft = versions.get_version(session, article.id, article.latest_number)
    title = published.title if published is not None else article.title
    if editor:
        title = article.title
    ack = _own_ack(session, article, viewer)
    return {
        **_summary(article, title),
        "published": _version_detail(published) if published is not None else None,
        "draft": _version_detail(draft) if draft is not None else None,
        "steps": [_step(s) for s in review.steps_of(session, article.id)] if editor else [],
        "acknowledged_at": ack.acked_at if ack is not None else None,
    }


def _fields(body: ArticleIn) -> articles.ArticleFields:
    return articles.ArticleFields(
        folder_id=body.folder_id,
        kind=body.kind.value,
        tags=body.tags,
        must_read=body.must_read,
        effective_from=body.effective_from,
        expires_at=body.expires_at,
        audience_id=body.audience_id,
    )


# ---- folders -----------------------------------------------------------------------


@router.get("/folders", response_model=FolderPageOut)
def list_folders(
    query: Annotated[FolderListQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Folders (目录), by name by default; `parent_id` lists one folder's children."""
    rows, cursor = folders.list_folders(
        session, query.parent_id, query.limit, query.cursor, query.order_by
    )
    return {"data": [_folder(f) for f in rows], "next_cursor": cursor}


@router.post("/folders", status_code=201, response_model=FolderOut, responses=errors(409))
def create_folder(body: FolderIn, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """A new folder; 409 if a sibling has the name, 422 naming parent_id if it is unknown."""
    folder = folders.create_folder(session, body.name, body.parent_id, viewer.user.username)
    record_by(session, viewer, "kb.folder_created", "kb_folder", folder.id, {"name": body.name})
    return _folder(folder)


@router.patch("/folders/{folder_id}", response_model=FolderOut, responses=errors(409))
def update_folder(
    folder_id: uuid.UUID, body: FolderPatch, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """Rename and/or move a folder (`parent_id`: null moves it to the top level)."""
    folder = folders.get_folder(session, folder_id)
    move = "parent_id" in body.model_fields_set
    folders.update_folder(session, folder, body.name, move, body.parent_id)
    record_by(session, viewer, "kb.folder_changed", "kb_folder", folder.id)
    return _folder(folder)


@router.delete("/folders/{folder_id}", status_code=204, responses=errors(409))
def delete_folder(folder_id: uuid.UUID, viewer: Writer, session: SessionDep) -> Response:
    """Delete an empty folder; 409 naming the folders and articles still inside."""
    folder = folders.get_folder(session, folder_id)
    folders.delete_folder(session, folder)
    record_by(session, viewer, "kb.folder_deleted", "kb_folder", folder_id)
    return Response(status_code=204)


# ---- articles ----------------------------------------------------------------------


@router.get("/articles", response_model=ArticlePageOut)
def list_articles(
    query: Annotated[ArticleListQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Articles readers may see (published, inside their dates), the newest change first;
    `include_drafts` (editors) lists every article."""
    editor_view = _drafts_allowed(viewer, query.include_drafts)
    kind = query.kind.value if query.kind is not None else None
    reach = reach_of(session, viewer)
    rows, cursor = articles.list_articles(
        session,
        editor_view,
        reach,
        query.folder_id,
        kind,
        query.limit,
        query.cursor,
        query.order_by,
    )
    titles = articles.published_titles(session, [] if editor_view else rows)
    return {
        "data": [_summary(a, titles.get(a.id, a.title)) for a in rows],
        "next_cursor": cursor,
    }


@router.post("/articles", status_code=201, response_model=ArticleDetailOut)
def create_article(body: ArticleIn, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """A new article whose version 1 is a draft; 422 naming folder_id, kind, title or
    expires_at when one is wrong."""
    article = articles.create_article(
        session, _fields(body), body.title, body.body, body.note, viewer.user.username
    )
    record_by(session, viewer, "kb.article_created", "kb_article", article.id)
    return _detail(session, article, viewer)


@router.get("/articles/{article_id}", response_model=ArticleDetailOut)
@writes_on_read  # a reader's read counts one view (node.knowledge.feedback)
def get_article(article_id: uuid.UUID, viewer: Reader, session: SessionDep) -> dict[str, Any]:
    """The article with its Markdown and sanitised HTML: for readers the published
    version (404 outside its dates); editors also get the draft and the approval steps.
    A reader's read counts one view of the article here, per office day."""
    editor = _editor(viewer)
    article = articles.readable_article(session, article_id, editor, reach_of(session, viewer))
    note_read(session, article, editor, utcnow())
    return _detail(session, article, viewer)


@router.put("/articles/{article_id}", response_model=ArticleDetailOut, responses=errors(409))
def edit_article(
    article_id: uuid.UUID, body: ArticleIn, viewer: Writer, session: SessionDep
) -> dict[str, Any]:
    """A new version (a draft) of a draft or published article: readers keep seeing the
    published version until the new one is approved. 409 while in review or archived."""
    article = articles.get_article(session, article_id)
    version = articles.edit_article(
        session, article, _fields(body), body.title, body.body, body.note, viewer.user.username
    )
    detail = {"number": version.number}
    record_by(session, viewer, "kb.article_edited", "kb_article", article.id, detail)
    return _detail(session, article, viewer)


def _moved(session: SessionDep, viewer: Viewer, article: KbArticle, step: KbStep) -> dict[str, Any]:
    detail = {"number": step.number, "from": step.from_status, "to": step.to_status}
    record_by(session, viewer, f"kb.article_{step.to_status}", "kb_article", article.id, detail)
    return _detail(session, article, viewer)


@router.post(
    "/articles/{article_id}/submit", response_model=ArticleDetailOut, responses=errors(409)
)
def submit_article(article_id: uuid.UUID, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """draft → in_review; 409 naming both states from any other state."""
    article = articles.get_article(session, article_id)
    return _moved(session, viewer, article, review.submit(session, article, viewer.user.username))


@router.post(
    "/articles/{article_id}/approve", response_model=ArticleDetailOut, responses=errors(409)
)
def approve_article(article_id: uuid.UUID, viewer: Reviewer, session: SessionDep) -> dict[str, Any]:
    """in_review → published: readers see this version from now on. 409 when the
    reviewer wrote or submitted it."""
    article = articles.get_article(session, article_id)
    step = review.approve(session, article, viewer.user.username)
    return _moved(session, viewer, article, step)


@router.post(
    "/articles/{article_id}/send-back", response_model=ArticleDetailOut, responses=errors(409)
)
def send_back_article(
    article_id: uuid.UUID, body: ReasonIn, viewer: Reviewer, session: SessionDep
) -> dict[str, Any]:
    """in_review → draft, with the reason the editor reads."""
    article = articles.get_article(session, article_id)
    step = review.send_back(session, article, viewer.user.username, body.reason)
    return _moved(session, viewer, article, step)


@router.post(
    "/articles/{article_id}/archive", response_model=ArticleDetailOut, responses=errors(409)
)
def archive_article(
    article_id: uuid.UUID, viewer: Reviewer, session: SessionDep, body: ArchiveIn | None = None
) -> dict[str, Any]:
    """published → archived: readers see it no more."""
    article = articles.get_article(session, article_id)
    reason = body.reason if body is not None else ""
    step = review.archive(session, article, viewer.user.username, reason)
    return _moved(session, viewer, article, step)


@router.get("/articles/{article_id}/versions", response_model=VersionPageOut)
def list_versions(
    article_id: uuid.UUID,
    query: Annotated[VersionListQuery, Query()],
    viewer: Writer,
    session: SessionDep,
) -> dict[str, Any]:
    """The article's versions (who wrote each, when, the note), the newest first."""
    articles.get_article(session, article_id)
    rows, cursor = versions.versions_page(
        session, article_id, query.limit, query.cursor, query.order_by
    )
    return {"data": [_version(v) for v in rows], "next_cursor": cursor}


@router.get("/articles/{article_id}/diff", response_model=DiffOut)
def diff_versions(
    article_id: uuid.UUID,
    viewer: Writer,
    session: SessionDep,
    from_number: Annotated[int, Query(alias="from", ge=1, le=MAX_VERSION_NUMBER)],
    to_number: Annotated[int, Query(alias="to", ge=1, le=MAX_VERSION_NUMBER)],
) -> dict[str, Any]:
    """The title change and a unified diff of the body between two versions."""
    articles.get_article(session, article_id)
    return versions.diff(session, article_id, from_number, to_number)


# ---- search and acknowledgements -----------------------------------------------------


@router.get("/search", response_model=SearchPageOut)
def search_articles(
    query: Annotated[SearchQuery, Query()], viewer: Reader, session: SessionDep
) -> dict[str, Any]:
    """Articles holding `q` (1 character or more, or title pinyin / initials): title
    hits first, then the newest. Readers search what they may see; `include_drafts`
    (editors) searches each article's newest version."""
    drafts = _drafts_allowed(viewer, query.include_drafts)
    reach = reach_of(session, viewer)
    hits, cursor = search(session, query.q, drafts, query.limit, query.cursor, reach)
    data = [
        {
            **_summary(hit.article, hit.version.title),
            "title_hit": hit.title_hit,
            "number": hit.version.number,
            "excerpt": hit.version.body[:EXCERPT],
        }
        for hit in hits
    ]
    return {"data": data, "next_cursor": cursor}


@router.post("/articles/{article_id}/ack", response_model=AckOut, responses=errors(409))
def acknowledge(article_id: uuid.UUID, viewer: Reader, session: SessionDep) -> dict[str, Any]:
    """已阅: the caller acknowledges a must-read article they can see; again answers the
    first acknowledgement unchanged. 409 if the article is not must-read."""
    article = articles.readable_article(
        session, article_id, editor=False, reach=reach_of(session, viewer)
    )
    ack, new = acknowledgements.acknowledge(session, article, viewer.user)
    if new:
        record_by(session, viewer, "kb.article_acknowledged", "kb_article", article.id)
    return _ack(ack)


@router.get("/articles/{article_id}/acks", response_model=AcksOut)
def list_acks(article_id: uuid.UUID, viewer: Writer, session: SessionDep) -> dict[str, Any]:
    """Who acknowledged the article and when, and which of this node's active users
    have not yet."""
    article = articles.get_article(session, article_id)
    acked, pending = acknowledgements.acks_of(session, article)
    return {
        "article_id": article.id,
        "must_read": article.must_read,
        "acknowledged": [{**_ack(a), "display_name": name} for a, name in acked],
        "pending": [
            {"user_id": u.id, "username": u.username, "display_name": u.display_name}
            for u in pending
        ],
    }
