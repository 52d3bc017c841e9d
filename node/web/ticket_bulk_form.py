"""Reading the queue's bulk form: every value checked before any ticket is touched.

A wrong value refuses the whole request (422, each field named in the reader's
language) so nothing half-happens because of a typo; only the tickets themselves are
judged one by one (ticket_bulk_plan).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from node.web.forms import FormErrors
from node.web.queue_filters import QueueQuery
from node.web.ticket_bulk_plan import MAX_TICKETS, BulkAction

NOTE_MAX = 2000  # TransitionIn.note, the API's limit
_SHOWN = 40  # how much of a malformed id the message repeats


@dataclass(frozen=True)
class BulkForm:
    """A checked bulk request: distinct ticket ids in the order ticked."""

    ids: list[uuid.UUID]
    action: BulkAction
    technician_id: uuid.UUID | None
    note: str | None
    filters: QueueQuery = field(default_factory=QueueQuery)


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
    filters: QueueQuery,
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
