"""The knowledge base's folders as the pages show them: the whole tree in reading order
(each folder right under its parent, siblings by name) with its depth, and each folder's
path of names. A node keeps tens of folders, so the tree is read whole (the oldest
TREE_MAX) rather than paged: a select box and the browse page's tree both need all of it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.knowledge.models import KbFolder

TREE_MAX = 2000
SEPARATOR = " / "


@dataclass(frozen=True)
class TreeRow:
    """One folder in the tree: its depth (0 at the top) and the names leading to it."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    depth: int
    path: str


def folder_tree(session: Session) -> list[TreeRow]:
    """Every folder, each right after its parent and its siblings by name."""
    rows = session.execute(
        select(KbFolder.id, KbFolder.parent_id, KbFolder.name)
        .order_by(KbFolder.created_at, KbFolder.id)
        .limit(TREE_MAX)
    ).all()
    # Siblings by name in code point order, the same on every database (a PostgreSQL
    # collation would order Chinese names its own way).
    rows = sorted(rows, key=lambda row: (row.name, str(row.id)))
    known = {row.id for row in rows}
    children: dict[uuid.UUID | None, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for row in rows:  # a parent past TREE_MAX: its children are shown at the top
        children[row.parent_id if row.parent_id in known else None].append((row.id, row.name))
    parents = {row.id: row.parent_id for row in rows}
    out: list[TreeRow] = []
    # Depth-first without recursion; `seen` guards against a cycle the service forbids.
    stack: list[tuple[uuid.UUID, str, int, str]] = [
        (i, n, 0, n) for i, n in reversed(children[None])
    ]
    seen: set[uuid.UUID] = set()
    while stack:
        folder_id, name, depth, path = stack.pop()
        if folder_id in seen:
            continue
        seen.add(folder_id)
        out.append(TreeRow(folder_id, parents[folder_id], name, depth, path))
        for child_id, child in reversed(children[folder_id]):
            stack.append((child_id, child, depth + 1, path + SEPARATOR + child))
    return out


def folder_choices(tree: list[TreeRow]) -> list[tuple[str, str]]:
    """(id, path) of every folder, for a select box."""
    return [(str(row.id), row.path) for row in tree]


def path_of(tree: list[TreeRow], folder_id: uuid.UUID | None) -> str:
    """The path of names leading to the folder ('' when it is not in the tree)."""
    return next((row.path for row in tree if row.id == folder_id), "")
