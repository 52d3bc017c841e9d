"""Callback survey figures as mergeable sums (issue 21 §5), replicated upward so a
province compares its cities and HQ its provinces: a parent's figures are the merge
(the sum) of its children's rows by construction.

Both tables are keyed by the Beijing day, the campaign and the user who acted (the
agent who dialled, or who closed the campaign): one agent submits one result at a
time, so no two writers ever add to the same row at once. Derived at the node by
node.surveys.figures_store; campaigns, tasks and answers themselves stay local."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from node.db.base import Base, Replicated
from node.db.value_rules import within
from node.surveys.campaign_models import KEY_MAX
from node.surveys.models import NAME_MAX

_COUNT = within(0, 2**31 - 1)
# The final dispositions, as AAPOR's Standard Definitions name their groups.
DISPOSITIONS = ("interviews", "partials", "refusals", "non_contacts", "others", "unknown",
                "not_eligible")  # fmt: skip
SUMS = ("attempts", "contacts", *DISPOSITIONS)


class SurveyFigures(Base, Replicated):
    """Per day, campaign and agent: dials, contacts, and the tasks that became final,
    by their AAPOR disposition (node.surveys.dispositions)."""

    __tablename__ = "survey_figures"
    __table_args__ = (Index("ix_survey_figures_day", "day"),)

    day: Mapped[date] = mapped_column(Date)
    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    campaign_name: Mapped[str] = mapped_column(String(NAME_MAX))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    attempts: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    contacts: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    interviews: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    partials: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    refusals: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    non_contacts: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    others: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    unknown: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)
    not_eligible: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)


class SurveyAnswerFigures(Base, Replicated):
    """Per day, campaign, agent, question, answer, work-order kind and technician: how
    many responses gave that answer. `answer` "" counts the responses that answered the
    question at all (the denominator of its shares); a multiple choice adds one row per
    chosen code; text, number and date answers only their "" row."""

    __tablename__ = "survey_answer_figures"
    __table_args__ = (Index("ix_survey_answer_figures_day", "day"),)

    day: Mapped[date] = mapped_column(Date)
    campaign_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    question: Mapped[str] = mapped_column(String(KEY_MAX))
    question_type: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(String(KEY_MAX))
    ticket_kind: Mapped[str] = mapped_column(String(40))  # "" without a work order
    technician_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    responses: Mapped[int] = mapped_column(Integer, default=0, info=_COUNT)


class SurveyFigureDelta(Base):
    """What one request adds to one figure row, kept local until folded in
    (node.surveys.figures_fold). A result's transaction writes these plain rows instead
    of the replicated figures: a replicated row's write takes the node's change counter
    until commit, and fifty agents posting results would queue on it."""

    __tablename__ = "survey_figure_deltas"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    target: Mapped[str] = mapped_column(String(30))  # survey_figures or survey_answer_figures
    row_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(Text)  # JSON: the row's key columns, for a new row
    sums: Mapped[str] = mapped_column(Text)  # JSON: column -> what to add
