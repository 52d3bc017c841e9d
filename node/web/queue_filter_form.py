"""What the queue's filter form offers: each filter's choices, with the current value
shown even when it is no longer among them (a deleted technician in a saved view)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from node.auth.accounts import Role, User
from node.dictionaries.models import DictionaryKind
from node.settings import Level
from node.tickets.models import Severity, Ticket
from node.web.choices import dictionary_choices, dictionary_labels, user_names
from node.web.queue_filters import UNASSIGNED, QueueQuery
from rollup.entry import Labels


def technician_choices(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every active technician this node holds: at a province or HQ the
    cities' technicians too, whose tickets its queue lists."""
    rows = session.execute(
        select(User.id, User.display_name, User.username)
        .where(User.role == Role.technician, User.active.is_(True), User.deleted_at.is_(None))
        .order_by(User.display_name, User.username)
    ).all()
    return [(str(r.id), f"{r.display_name}（{r.username}）") for r in rows]


def city_choices(request: Request, session: Session) -> list[tuple[str, str]]:
    """(code, name) of the cities whose tickets this node holds, by code."""
    codes = session.execute(
        select(Ticket.origin).where(Ticket.deleted_at.is_(None)).distinct().order_by(Ticket.origin)
    ).scalars()
    names_of = getattr(request.app.state, "rollup_node_names", None)
    labels = Labels(nodes=names_of(session) if names_of else {})
    return [(code, labels.node(code)) for code in codes]


def filter_form(
    request: Request, session: Session, query: QueueQuery, t: Callable[..., str]
) -> dict[str, Any]:
    """The template's `filters`: the current values and each select's options."""
    techs = [(UNASSIGNED, t("queue.unassigned")), *technician_choices(session)]
    if query.technician and query.technician not in {tid for tid, _ in techs}:
        # Deleted, deactivated or never a technician: the view still opens, saying so.
        name = user_names(session, {uuid.UUID(query.technician)}).get(
            uuid.UUID(query.technician), query.technician[:8]
        )
        techs.append((query.technician, t("queue.tech_unknown", who=name)))
    kinds = dictionary_choices(session, DictionaryKind.ticket_kind)
    if query.kind and query.kind not in {code for code, _ in kinds}:  # inactive, or another's
        label = dictionary_labels(session).get((DictionaryKind.ticket_kind, query.kind))
        kinds.append((query.kind, label or query.kind))
    level = Level(request.app.state.settings.node.level)
    return {
        "current": query.params(),
        "kinds": kinds,
        "severities": [s.value for s in Severity],
        "technicians": techs,
        "departments": dictionary_choices(session, DictionaryKind.service_department),
        "cities": city_choices(request, session) if level is not Level.city else None,
    }
