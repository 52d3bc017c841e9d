"""Saving, listing and deleting saved views. The caller says who asks (an owner id and
whether they may remove others' shared views); the web layer decides what a query means."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from node.errors import NotFound, PermissionDenied, Taken, invalid
from node.views.models import NAME_MAX, QUERY_MAX, SavedView

MAX_PER_USER = 50
PAGES = ("tickets", "customers")  # the ticket queue, the customer list (its segments)


def visible_views(session: Session, owner_id: uuid.UUID, page: str) -> list[SavedView]:
    """The owner's views of `page` and everyone's shared ones, the owner's first, by name."""
    rows = session.execute(
        select(SavedView).where(
            SavedView.page == page,
            or_(SavedView.owner_id == owner_id, SavedView.shared.is_(True)),
        )
    ).scalars()
    return sorted(rows, key=lambda v: (v.owner_id != owner_id, v.name, v.id))


def get_visible(
    session: Session, owner_id: uuid.UUID, view_id: int, page: str | None = None
) -> SavedView:
    """One view the owner may open (theirs or shared), of `page` when given; another's
    private view, or a view of another page, is not found."""
    view = session.get(SavedView, view_id) if 0 < view_id < 2**63 else None
    if (
        view is None
        or (view.owner_id != owner_id and not view.shared)
        or (page is not None and view.page != page)
    ):
        raise NotFound(f"视图 {view_id} 不存在 (no such view)")
    return view


def _clean_name(name: str) -> str:
    text = name.strip()
    if not text:
        raise invalid("name", "请填写视图名称 (a view needs a name)")
    if len(text) > NAME_MAX:
        raise invalid("name", f"视图名称最多 {NAME_MAX} 个字 (at most {NAME_MAX} characters)")
    if any(ord(c) < 32 for c in text):  # NUL cannot be stored; other controls are typos
        raise invalid("name", "视图名称含有控制字符 (control characters are not allowed)")
    return text


def save_view(
    session: Session, owner_id: uuid.UUID, name: str, page: str, query: str, shared: bool
) -> SavedView:
    """Save a new view; the name is unique per owner and an owner holds MAX_PER_USER."""
    if page not in PAGES:
        raise invalid("page", f"不能保存此页面的视图 (no views of {page!r})")
    if len(query) > QUERY_MAX:
        raise invalid("query", f"筛选条件过长 (filters longer than {QUERY_MAX} characters)")
    text = _clean_name(name)
    held = session.execute(
        select(func.count()).select_from(SavedView).where(SavedView.owner_id == owner_id)
    ).scalar_one()
    if held >= MAX_PER_USER:
        raise invalid(
            "name",
            f"每人最多保存 {MAX_PER_USER} 个视图，请先删除不用的 "
            f"(at most {MAX_PER_USER} views each: delete one first)",
        )
    same = session.execute(
        select(SavedView.id).where(SavedView.owner_id == owner_id, SavedView.name == text)
    ).scalar_one_or_none()
    if same is not None:
        raise _taken(text, same)
    view = SavedView(owner_id=owner_id, name=text, page=page, query=query, shared=shared)
    savepoint = session.begin_nested()
    try:
        session.add(view)
        session.flush()
    except IntegrityError:  # the same name saved at the same moment by another request
        savepoint.rollback()
        raise _taken(text, 0) from None
    savepoint.commit()
    return view


def _taken(name: str, holder: int) -> Taken:
    return Taken(
        f"已有名为「{name}」的视图 (you already have a view of this name)", "name", str(holder)
    )


def delete_view(
    session: Session,
    owner_id: uuid.UUID,
    view_id: int,
    may_remove_shared: bool,
    page: str | None = None,
) -> None:
    """Delete a view of the owner's, or a shared one if `may_remove_shared` (an admin);
    of `page` when given."""
    view = get_visible(session, owner_id, view_id, page)
    if view.owner_id != owner_id and not may_remove_shared:
        raise PermissionDenied("只能删除自己保存的视图 (only your own views can be deleted)")
    session.delete(view)
    session.flush()
