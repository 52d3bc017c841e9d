"""Dictionaries over HTTP: anyone signed in reads, admins add and rename."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.crud.resource import Resource
from node.crud.schemas import ReplicatedRead, StrictInput, partial
from node.dictionaries.defaults import DEFAULT_ENTRIES
from node.dictionaries.models import DictionaryEntry, DictionaryKind, StatusMeaning
from node.divisions import ancestors
from node.errors import invalid


class DictionaryEntryIn(StrictInput):
    kind: DictionaryKind
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, max_length=100)
    meaning: StatusMeaning | None = None
    sort_order: int = 0
    active: bool = True


class DictionaryEntryOut(ReplicatedRead):
    kind: str
    code: str
    label: str
    meaning: str | None
    sort_order: int
    active: bool


class DictionaryResource(Resource[DictionaryEntry]):
    path = "dictionaries"
    entity = "dictionary entry"
    model = DictionaryEntry
    create_schema = DictionaryEntryIn
    update_schema = partial(DictionaryEntryIn, "DictionaryEntryPatch")
    read_schema = DictionaryEntryOut
    # Anyone signed in reads: every role holds customers:read, and the labels name the
    # statuses and kinds on every row a role may read (a technician's tickets too).
    read_perm = Perm.customers_read
    write_perm = Perm.dictionaries_write
    filter_fields: ClassVar[dict[str, Any]] = {"kind": DictionaryKind, "origin": str}
    order_fields = ("sort_order", "created_at", "code")
    default_order = "sort_order"

    def check_values(
        self,
        session: Session,
        viewer: Viewer,
        values: dict[str, Any],
        existing: DictionaryEntry | None,
    ) -> dict[str, Any]:
        if values["kind"] == DictionaryKind.customer_status and values["meaning"] is None:
            raise invalid(
                "meaning", "a customer status needs a meaning: active, suspended or churned"
            )
        if existing is not None and (existing.kind, existing.code) != (
            values["kind"],
            values["code"],
        ):
            raise invalid(
                "code", "kind and code cannot change (rows refer to them); add a new entry"
            )
        if existing is None:
            _check_code_free_above(session, values["kind"], values["code"])
        return values  # a kind and code another entry holds: Resource.check_storage


def _check_code_free_above(session: Session, kind: str, code: str) -> None:
    """A node's own additions live in its own namespace: a code its province or HQ
    already owns is theirs (docs/federation.md rule 11), so a new local entry may not
    take it and mean something else below."""
    above = ancestors(session.info["node_code"])
    owner = session.execute(
        select(DictionaryEntry.origin).where(
            DictionaryEntry.kind == kind,
            DictionaryEntry.code == code,
            DictionaryEntry.origin.in_(above),
            DictionaryEntry.deleted_at.is_(None),
        )
    ).scalar()
    if owner is not None:
        raise invalid(
            "code",
            f"代码 {code!r} 已由上级 {owner} 定义，请直接使用或另取代码 "
            f"(code {code!r} is owned by {owner} above this node: use it, or choose another)",
        )


def seed_dictionaries(session: Session) -> int:
    """Add the default entries this node does not have yet; return how many were added."""
    local = session.info["node_code"]
    have = set(
        session.execute(
            select(DictionaryEntry.kind, DictionaryEntry.code).where(
                DictionaryEntry.origin == local
            )
        ).all()
    )
    added = 0
    for order, (kind, code, label, meaning) in enumerate(DEFAULT_ENTRIES):
        if (kind, code) not in have:
            session.add(
                DictionaryEntry(
                    kind=kind, code=code, label=label, meaning=meaning, sort_order=order
                )
            )
            added += 1
    session.flush()
    return added
