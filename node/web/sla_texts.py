"""A ticket's SLA as people read it on the queue, the ticket and the customer 360."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from node.tickets.sla import SlaReading, SlaState, read_sla
from node.web.i18n import translator

DAYS_FROM_HOURS = 72  # app.js reads the same


def sla_reading(ticket: dict[str, Any], now: datetime) -> SlaReading:
    """The SLA reading of a ticket as the API presents it."""

    def at(name: str) -> datetime | None:
        value = ticket.get(name)
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    created, due = at("created_at"), at("due_at")
    assert created is not None and due is not None
    return read_sla(created, due, at("resolved_at"), at("closed_at"), now)


def duration(seconds: int, lang: str) -> str:
    """'47小时59分' up to DAYS_FROM_HOURS hours (an SLA window reads in hours), then
    '363天23小时' ('47 h 59 min', '363 d 23 h' in English)."""
    minutes = abs(seconds) // 60
    hours, mins = divmod(minutes, 60)
    if hours >= DAYS_FROM_HOURS:
        days, hours = divmod(hours, 24)
        return f"{days}天{hours}小时" if lang != "en" else f"{days} d {hours} h"
    return f"{hours}小时{mins}分" if lang != "en" else f"{hours} h {mins} min"


def sla_text(reading: SlaReading, lang: str) -> str:
    """What a person reads: time left, overdue by, or met / missed by how much."""
    t = translator(lang)
    length = duration(reading.seconds, lang)
    if reading.state is SlaState.met:
        return t("sla.met").format(by=length)
    if reading.state is SlaState.missed:
        return t("sla.missed").format(by=length)
    if reading.state is SlaState.overdue:
        return f"{t('tickets.overdue')} {length}"
    return length
