"""What a request for call-center figures says: the period, its slots, the grouping."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import ConfigDict, Field, model_validator

from node.callcenter.kpis import OFFICE_OFFSET, PARTIAL_SLOT, GroupBy, Slot
from node.crud.schemas import StrictInput
from node.office_time import OFFICE_TZ

MAX_SPAN = timedelta(days=92)


class KpiQuery(StrictInput):
    """A period in office time (a time without a zone is Beijing time), its slots and
    what each row is of; unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: datetime = Field(alias="from", description="first minute, e.g. 2026-12-01T08:00")
    end: datetime = Field(alias="to", description="the minute after the last")
    slot: Slot = Slot.m30
    group_by: GroupBy = GroupBy.slot
    queue: str | None = Field(None, max_length=80)
    agent: str | None = Field(None, max_length=80)
    group: str | None = Field(None, max_length=40, description="an agent group (组)")

    @model_validator(mode="after")
    def _period(self) -> KpiQuery:
        self.start, self.end = _office(self.start), _office(self.end)
        if self.end <= self.start:
            raise ValueError("to 必须晚于 from (to must be after from)")
        if self.end - self.start > MAX_SPAN:
            raise ValueError("时间范围最长 92 天 (the period is at most 92 days)")
        return self

    @property
    def on_quarter_hours(self) -> bool:
        """Whether the period starts and ends on 15-minute boundaries, as the partial
        sums every node keeps do (Beijing is a whole number of hours from UTC)."""
        return all(epoch % PARTIAL_SLOT.seconds == 0 for epoch in self.epochs)

    @property
    def on_office_days(self) -> bool:
        """Whether the period starts and ends at midnight in Beijing, as the sums per
        office day every node keeps do."""
        return all((epoch + OFFICE_OFFSET) % Slot.day.seconds == 0 for epoch in self.epochs)

    @property
    def epochs(self) -> tuple[int, int]:
        """The period as Unix times [start, end)."""
        return int(self.start.timestamp()), int(self.end.timestamp())


def _office(moment: datetime) -> datetime:
    return moment.replace(tzinfo=OFFICE_TZ) if moment.tzinfo is None else moment


class CallbackQuery(StrictInput):
    """Which office day's lost callers; today when not given."""

    model_config = ConfigDict(extra="forbid")

    day: date | None = None
