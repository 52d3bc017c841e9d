"""The knowledge base's folders: a tree whose names are unique among siblings, renamed
and moved without cycles, deleted only when empty, listed a page at a time."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.api.pagination import keyset_page
from node.db.types import utcnow
from node.errors import Conflict, NotFound, invalid
from node.knowledge.models import KbArticle, KbFolder
from node.knowledge.ownership import ensure_own
from node.knowledge.publications import sync_folder_publications

FOLDER_ORDERS = ("name", "created_at")


def get_folder(session: Session, folder_id: uuid.UUID, field: str | None = None) -> KbFolder:
    """The folder; NotFound, or 422 naming `field` when a body refers to it."""
    folder = session.get(KbFolder, folder_id)
    if folder is None:
        if field is not None:
            raise invalid(field, f"no folder {folder_id}")
        raise NotFound(f"no folder {folder_id}")
    return folder


def _sibling_named(
    session: Session, parent_id: uuid.UUID | None, name: str, other_than: uuid.UUID | None
) -> KbFolder | None:
    parent = KbFolder.parent_id.is_(None) if parent_id is None else KbFolder.parent_id == parent_id
    stmt = select(KbFolder).where(parent, KbFolder.name == name)
    if other_than is not None:
        stmt = stmt.where(KbFolder.id != other_than)
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def _check_name_free(
    session: Session, parent_id: uuid.UUID | None, name: str, folder_id: uuid.UUID | None = None
) -> None:
    taken = _sibling_named(session, parent_id, name, folder_id)
    if taken is not None:
        where = "at the top" if parent_id is None else "in this folder"
        raise Conflict(f"name: a folder named 「{name}」 is already {where} ({taken.id})")


def create_folder(
    session: Session, name: str, parent_id: uuid.UUID | None, username: str
) -> KbFolder:
    """A new folder at the top or inside `parent_id` (422 naming parent_id if it is
    unknown; 409 if a sibling has the name)."""
    if parent_id is not None:
        ensure_own(session, get_folder(session, parent_id, "parent_id"))
    _check_name_free(session, parent_id, name)
    folder = KbFolder(
        name=name, parent_id=parent_id, owner=session.info["node_code"], created_by=username
    )
    session.add(folder)
    session.flush()
    return folder


def _ancestors(session: Session, folder_id: uuid.UUID) -> list[uuid.UUID]:
    """The folder and every folder above it."""
    chain: list[uuid.UUID] = []
    current: uuid.UUID | None = folder_id
    while current is not None and current not in chain:
        chain.append(current)
        current = session.execute(
            select(KbFolder.parent_id).where(KbFolder.id == current)
        ).scalar_one_or_none()
    return chain


def update_folder(
    session: Session,
    folder: KbFolder,
    name: str | None,
    move: bool,
    parent_id: uuid.UUID | None,
) -> KbFolder:
    """Rename and/or move (`move`: parent_id was given, None for the top level)."""
    ensure_own(session, folder)
    new_parent = parent_id if move else folder.parent_id
    if move and parent_id is not None:
        ensure_own(session, get_folder(session, parent_id, "parent_id"))
        if folder.id in _ancestors(session, parent_id):
            raise invalid("parent_id", "a folder cannot move into itself or a folder inside it")
    new_name = name if name is not None else folder.name
    _check_name_free(session, new_parent, new_name, folder.id)
    folder.name, folder.parent_id, folder.updated_at = new_name, new_parent, utcnow()
    session.flush()
    sync_folder_publications(session, folder)
    return folder


def delete_folder(session: Session, folder: KbFolder) -> None:
    """Delete an empty folder; 409 naming the folders and articles inside otherwise."""
    ensure_own(session, folder)
    children = list(
        session.execute(
            select(KbFolder.name).where(KbFolder.parent_id == folder.id).order_by(KbFolder.name)
        ).scalars()
    )
    articles = list(
        session.execute(
            select(KbArticle.title)
            .where(KbArticle.folder_id == folder.id)
            .order_by(KbArticle.created_at)
        ).scalars()
    )
    if children or articles:
        held = []
        if children:
            held.append(f"{len(children)} folder(s): " + "、".join(children[:5]))
        if articles:
            held.append(f"{len(articles)} article(s): " + "、".join(articles[:5]))
        raise Conflict(f"folder 「{folder.name}」 is not empty: it holds " + "; ".join(held))
    session.delete(folder)
    session.flush()


def list_folders(
    session: Session,
    parent_id: uuid.UUID | None,
    limit: int,
    cursor: str | None,
    order_by: str | None,
) -> tuple[list[KbFolder], str | None]:
    """A page of folders (one folder's children with `parent_id`), by name by default."""
    where = [] if parent_id is None else [KbFolder.parent_id == parent_id]
    return keyset_page(session, KbFolder, limit, cursor, order_by or "name", FOLDER_ORDERS, where)
