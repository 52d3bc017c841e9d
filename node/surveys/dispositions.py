"""A final task's disposition in AAPOR's terms, and the two rates the reports name.

AAPOR, Standard Definitions (10th edition, 2023), for a telephone survey of a list:

    a task that became final by        its disposition
    a completed call, all answered     interviews (I, 1.1)
    a completed call, partial          partials (P, 1.2)
    a refusal, "do not call", or a     refusals (R, 2.1)
      second soft refusal
    the tries used up, never reached   non_contacts (NC, 2.2)
    the tries used up after a contact  others (O, 2.3): reached (a soft refusal, an
      that was no refusal                appointment) but never interviewed
    its campaign closing, never dialled unknown (UH/UO, 3.1: not attempted)
    its campaign closing after dials   non_contacts or others, as above
    every number wrong or disconnected not_eligible (4.3: non-working number)

    RR1   = I / ((I + P) + (R + NC + O) + (UH + UO))    response rate 1 (the minimum)
    COOP1 = I / ((I + P) + R + O)                        cooperation rate 1 (the minimum)
"""

from __future__ import annotations

from collections.abc import Mapping

from node.surveys.campaign_models import DialResult, TaskOutcome

R = DialResult
# A dial that reached the customer (or someone speaking for the number).
CONTACT_RESULTS = frozenset({R.completed, R.soft_refusal, R.refused, R.do_not_call, R.appointment})


def disposition(outcome: TaskOutcome, partial: bool, attempts: int, contacted: bool) -> str:
    """The AAPOR group (a SurveyFigures column) of a task that became final."""
    if outcome is TaskOutcome.completed:
        return "partials" if partial else "interviews"
    if outcome is TaskOutcome.refused:
        return "refusals"
    if outcome is TaskOutcome.no_number:
        return "not_eligible"
    if outcome is TaskOutcome.closed and attempts == 0:
        return "unknown"
    return "others" if contacted else "non_contacts"


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def aapor_rr1(sums: Mapping[str, int]) -> float | None:
    """AAPOR response rate 1; None while no task is final."""
    cases = ("interviews", "partials", "refusals", "non_contacts", "others", "unknown")
    return _share(sums["interviews"], sum(sums[k] for k in cases))


def aapor_coop1(sums: Mapping[str, int]) -> float | None:
    """AAPOR cooperation rate 1; None while no eligible case was reached."""
    reached = ("interviews", "partials", "refusals", "others")
    return _share(sums["interviews"], sum(sums[k] for k in reached))
