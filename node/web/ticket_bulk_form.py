"""Reading the queue's bulk form: every value checked before any ticket is touched.

A wrong value refuses the whole request (422, each field named in the reader's
language) so nothing half-happens because of a typo; only the tickets themselves are
judged one by one (ticket_bulk_plan).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from node.tickets.models import TicketStatus
from node.web.forms import FormErrors
from node.web.ticket_bulk_plan import MAX_TICKETS, BulkAction

NOTE_MAX = 2000  # TransitionIn.note, the API's limit
# What an area code looks like (the dictionaries' codes); anything else is dropped from
# the way back to the queue rather than echoed into a link.
_AREA = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")
_SHOWN = 40  # how much of a malformed id the message repeats
SLA_VALUES = ("overdue", "soon")


@dataclass(frozen=True)
class QueueFilters:
    """The queue the form was sent from, to go back to."""

    area: str | None = None
    status: str | None = None
    sla: str | None = None

    def params(self) -> dict[str, str]:
        """The non-empty filters as query parameters."""
        pairs = {"area": self.area, "status": self.status, "sla": self.sla}
        return {k: v for k, v in pairs.items() if v}


@dataclass(frozen=True)
class BulkForm:
    """A checked bulk request: distinct ticket ids in the order ticked."""

    ids: list[uuid.UUID]
    action: BulkAction
    technician_id: uuid.UUID | None
    note: str | None
    filters: QueueFilters = field(default_factory=QueueFilters)


def read_filters(area: str, status: str, sla: str) -> QueueFilters:
    """The queue's filters as posted back, each kept only if it is one the queue takes."""
    area, status, sla = area.strip(), status.strip(), sla.strip()
    return QueueFilters(
        area=area if _AREA.fullmatch(area) else None,
        status=status if status in {s.value for s in TicketStatus} else None,
        sla=sla if sla in SLA_VALUES else None,
    )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def _read_ids(raw: list[str], t: Callable[..., str]) -> tuple[list[uuid.UUID], str | None]:
    if len(raw) > MAX_TICKETS:  # counted before parsing: a flood is refused cheaply
        return [], t("bulk.too_many", max=MAX_TICKETS, n=len(raw))
    ids: list[uuid.UUID] = []
    for value in raw:
        parsed = _uuid(value)
        if parsed is None:
            shown = value[:_SHOWN].replace("\x00", "\\x00")
            return [], t("bulk.bad_id", value=shown)
        if parsed not in ids:  # a ticket ticked twice is handled once
            ids.append(parsed)
    if not ids:
        return [], t("bulk.none_selected")
    return ids, None


def read_form(
    ids: list[str],
    action: str,
    technician_id: str,
    note: str,
    filters: QueueFilters,
    technicians: set[uuid.UUID],
    t: Callable[..., str],
) -> BulkForm:
    """The checked form, or FormErrors naming each wrong field (422).

    `technicians` are the ids the form offered (active local technicians): any other
    id is refused here, once, rather than once per ticket.
    """
    errors: dict[str, str] = {}
    ticket_ids, ids_error = _read_ids(ids, t)
    if ids_error:
        errors["ids"] = ids_error
    try:
        chosen = BulkAction(action.strip())
    except ValueError:
        chosen = None
        errors["action"] = t("bulk.need_action")
    technician = None
    if chosen in (BulkAction.dispatch, BulkAction.reassign):
        if not technician_id.strip():
            errors["technician_id"] = t("bulk.need_technician")
        else:
            technician = _uuid(technician_id)
            if technician is None or technician not in technicians:
                errors["technician_id"] = t("bulk.unknown_technician")
    text = note.strip()
    if len(text) > NOTE_MAX:
        errors["note"] = t("bulk.note_too_long", max=NOTE_MAX)
    elif "\x00" in text:  # PostgreSQL cannot store it
        errors["note"] = t("login.nul")
    if errors or chosen is None:
        raise FormErrors(errors, t("form.fix"))
    return BulkForm(ticket_ids, chosen, technician, text or None, filters)
