"""Reading a person's notifications, and marking them seen, in the caller's session.

- A technician: open tickets assigned to them that changed since they last looked (a
  new dispatch, a reassignment to them, a new severity).
- Whoever moves tickets (team leads, dispatchers, admins): open tickets of their reach
  that entered the about-to-breach window (node.tickets.sla) since they last looked.
- The same people: once per office day, a digest of the overdue open tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from node.auth.accounts import Role
from node.auth.permissions import Perm
from node.auth.viewer import Viewer
from node.notifications.models import NotificationRead
from node.office_time import OFFICE_TZ
from node.tickets.models import OPEN_TICKET_STATES, Ticket
from node.tickets.sla import DUE_SOON_SHARE
from node.tickets.workflow import SLA

SHOWN = 20  # tickets listed per kind
COUNTED_UP_TO = 999  # a badge says 999+ past this; counting further helps nobody
# The widest about-to-breach window of any severity: candidates are due within it.
WIDEST_SOON = max(SLA.values()) * DUE_SOON_SHARE
NEVER = datetime(2000, 1, 1, tzinfo=OFFICE_TZ)


@dataclass
class Notices:
    """What one person is shown; `count` is the badge."""

    assigned: list[Ticket] = field(default_factory=list)
    breaching: list[Ticket] = field(default_factory=list)
    overdue: int | None = None  # the digest, when not yet seen today
    count: int = 0


def office_day(moment: datetime) -> date:
    return moment.astimezone(OFFICE_TZ).date()


def _read(session: Session, viewer: Viewer) -> NotificationRead | None:
    return session.get(NotificationRead, viewer.user.id)


def watches_the_queue(viewer: Viewer) -> bool:
    """Team leads, dispatchers and admins: those who move other people's tickets."""
    return viewer.can(Perm.tickets_transition) and viewer.user.role != Role.technician


def _reach(viewer: Viewer) -> Select:
    """Open tickets the viewer may see (the ticket resource's scoping)."""
    stmt = select(Ticket).where(Ticket.deleted_at.is_(None), Ticket.status.in_(OPEN_TICKET_STATES))
    if viewer.user.role == Role.technician:
        return stmt.where(Ticket.technician_id == viewer.user.id)
    if viewer.area:
        stmt = stmt.where(Ticket.service_area == viewer.area)
    return stmt


def entered_soon_at(ticket: Ticket) -> datetime:
    """When the ticket entered its about-to-breach window."""
    window = ticket.due_at - ticket.created_at
    return ticket.due_at - window * DUE_SOON_SHARE


def notices_for(session: Session, viewer: Viewer, now: datetime) -> Notices:
    """The viewer's notifications at `now`."""
    read = _read(session, viewer)
    seen = read.seen_at if read is not None else NEVER
    notices = Notices()
    if viewer.user.role == Role.technician:
        stmt = _reach(viewer).where(Ticket.updated_at > seen).order_by(Ticket.due_at)
        notices.assigned = list(session.execute(stmt.limit(SHOWN)).scalars())
        notices.count = _capped(session, _reach(viewer).where(Ticket.updated_at > seen))
    if watches_the_queue(viewer):
        notices.breaching = _breaching(session, viewer, seen, now)
        notices.count += len(notices.breaching)
        if read is None or read.digest_seen_on != office_day(now):
            notices.overdue = _capped(session, _reach(viewer).where(Ticket.due_at < now))
            notices.count += 1 if notices.overdue else 0
    return notices


def _breaching(session: Session, viewer: Viewer, seen: datetime, now: datetime) -> list[Ticket]:
    """Open tickets not yet due whose about-to-breach window opened after `seen`."""
    stmt = (
        _reach(viewer)
        .where(Ticket.due_at >= now, Ticket.due_at <= now + WIDEST_SOON)
        .order_by(Ticket.due_at)
        .limit(COUNTED_UP_TO)
    )
    found = [t for t in session.execute(stmt).scalars() if seen < entered_soon_at(t) <= now]
    return found[:SHOWN]


def _capped(session: Session, stmt: Select) -> int:
    limited = stmt.with_only_columns(Ticket.id).limit(COUNTED_UP_TO + 1).subquery()
    return int(session.execute(select(func.count()).select_from(limited)).scalar_one())


def mark_seen(session: Session, viewer: Viewer, now: datetime) -> None:
    """The viewer has seen everything up to `now`, and today's digest."""
    read = _read(session, viewer)
    if read is None:
        session.add(
            NotificationRead(user_id=viewer.user.id, seen_at=now, digest_seen_on=office_day(now))
        )
    else:
        read.seen_at, read.digest_seen_on = now, office_day(now)
    session.flush()
