"""Checks that a code names an active entry this node may use: its own, or one that
flowed down from its province or HQ (docs/federation.md rule 11). Where the same code is
held from several levels (every node seeds the defaults), the nearest owner's entry is
the one that counts: this node's own, then its province's, then HQ's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from node.dictionaries.models import DictionaryEntry, DictionaryKind, StatusMeaning
from node.divisions import ancestors
from node.errors import invalid


def usable_origins(session: Session) -> tuple[str, ...]:
    """The owners whose dictionary entries this node uses, nearest first."""
    code: str = session.info["node_code"]
    return (code, *ancestors(code))


def nearest(
    session: Session, entries: list[DictionaryEntry]
) -> dict[tuple[str, str], DictionaryEntry]:
    """{(kind, code): entry} keeping, for each code, the nearest owner's entry."""
    rank = {origin: i for i, origin in enumerate(usable_origins(session))}
    out: dict[tuple[str, str], DictionaryEntry] = {}
    for entry in sorted(entries, key=lambda e: rank[e.origin]):
        out.setdefault((entry.kind, entry.code), entry)
    return out


def usable_entries(session: Session, *kinds: str) -> list[DictionaryEntry]:
    """The live entries of `kinds` this node may use, nearest owner per code, in the
    admin's order."""
    rows = (
        session.execute(
            select(DictionaryEntry).where(
                DictionaryEntry.kind.in_(kinds),
                DictionaryEntry.origin.in_(usable_origins(session)),
                DictionaryEntry.deleted_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    chosen = nearest(session, list(rows)).values()
    return sorted(chosen, key=lambda e: (e.sort_order, e.code))


def dictionary_entry(
    session: Session, kind: str, code: str | None, field: str
) -> DictionaryEntry | None:
    """The active entry `kind`/`code` this node may use, or InvalidFields naming `field`."""
    if code is None:
        return None
    rows = session.execute(
        select(DictionaryEntry).where(
            DictionaryEntry.kind == kind,
            DictionaryEntry.code == code,
            DictionaryEntry.origin.in_(usable_origins(session)),
            DictionaryEntry.deleted_at.is_(None),
        )
    ).scalars()
    found = nearest(session, list(rows)).get((kind, code))
    if found is None or not found.active:
        raise invalid(
            field,
            f"不是可选的代码 {code!r} (unknown {kind} code {code!r}; "
            f"see GET /api/v1/dictionaries?kind={kind})",
        )
    return found


def codes_with_meaning(session: Session, meaning: StatusMeaning) -> list[str]:
    """Customer-status codes this node uses that mean `meaning` (e.g. every churned status)."""
    entries = usable_entries(session, DictionaryKind.customer_status)
    return [e.code for e in entries if e.meaning == meaning]
