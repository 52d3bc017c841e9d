"""Checks that a code names an active entry of this node's dictionary."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.dictionaries.models import DictionaryEntry, DictionaryKind, StatusMeaning
from node.errors import invalid


def dictionary_entry(
    session: Session, kind: str, code: str | None, field: str
) -> DictionaryEntry | None:
    """The active local dictionary entry `kind`/`code`, or InvalidFields naming `field`."""
    if code is None:
        return None
    entry = session.execute(
        select(DictionaryEntry).where(
            DictionaryEntry.kind == kind,
            DictionaryEntry.code == code,
            DictionaryEntry.origin == session.info["node_code"],
            DictionaryEntry.deleted_at.is_(None),
        )
    ).scalar_one_or_none()
    if entry is None or not entry.active:
        raise invalid(
            field,
            f"不是可选的代码 {code!r} (unknown {kind} code {code!r}; "
            f"see GET /api/v1/dictionaries?kind={kind})",
        )
    return entry


def codes_with_meaning(session: Session, meaning: StatusMeaning) -> list[str]:
    """Local customer-status codes that mean `meaning` (e.g. every churned status)."""
    return list(
        session.execute(
            select(DictionaryEntry.code)
            .where(
                DictionaryEntry.kind == DictionaryKind.customer_status,
                DictionaryEntry.meaning == meaning,
                DictionaryEntry.origin == session.info["node_code"],
                DictionaryEntry.deleted_at.is_(None),
            )
            .order_by(DictionaryEntry.sort_order)
        ).scalars()
    )
