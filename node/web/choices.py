"""Choices for select boxes and labels for codes: the node's own dictionaries and staff."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.dictionaries.lookup import usable_entries
from node.dictionaries.models import DictionaryEntry, DictionaryKind
from node.tickets.models import OPEN_TICKET_STATES, Ticket


def dictionary_choices(session: Session, kind: str) -> list[tuple[str, str]]:
    """(code, label) of the active entries of `kind` this node uses (its own and those
    from above, the nearest owner's per code), in the admin's order."""
    return [(e.code, e.label) for e in usable_entries(session, kind) if e.active]


def dictionary_labels(session: Session) -> dict[tuple[str, str], str]:
    """{(kind, code): label} over every dictionary this node holds (its own win)."""
    out: dict[tuple[str, str], str] = {}
    rows = session.execute(
        select(
            DictionaryEntry.kind,
            DictionaryEntry.code,
            DictionaryEntry.label,
            DictionaryEntry.origin,
        ).where(DictionaryEntry.deleted_at.is_(None))
    ).all()
    local = session.info["node_code"]
    for kind, code, label, origin in rows:
        if origin == local or (kind, code) not in out:
            out[(kind, code)] = label
    return out


def technicians(session: Session, area: str | None = None) -> list[tuple[uuid.UUID, str]]:
    """(id, display name) of the active local technicians, of `area` first if given."""
    rows = session.execute(
        select(User.id, User.display_name, User.username, User.service_area)
        .where(
            User.role == Role.technician,
            User.active.is_(True),
            User.deleted_at.is_(None),
            User.origin == session.info["node_code"],
        )
        .order_by(User.display_name)
    ).all()
    ordered = sorted(rows, key=lambda r: area is not None and r.service_area != area)
    return [(r.id, f"{r.display_name}（{r.username}）") for r in ordered]


def open_load(session: Session, technician_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many open tickets each technician holds now (those without any are left out)."""
    if not technician_ids:
        return {}
    rows = session.execute(
        select(Ticket.technician_id, func.count())
        .where(
            Ticket.technician_id.in_(technician_ids),
            Ticket.status.in_(OPEN_TICKET_STATES),
            Ticket.deleted_at.is_(None),
        )
        .group_by(Ticket.technician_id)
    ).all()
    return {tid: n for tid, n in rows if tid is not None}


def user_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of the given users (unknown ids are left out)."""
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    return dict(rows)


def kind_labels(session: Session) -> dict[str, str]:
    """Work-order kind code -> its label (the ticket_kind dictionary)."""
    kind = DictionaryKind.ticket_kind.value
    return {code: label for (k, code), label in dictionary_labels(session).items() if k == kind}
