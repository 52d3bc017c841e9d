"""Figures derived from merged partials: key accounts, churn, service, value."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from rollup.figures import churn, key_accounts, service, value
from rollup.figures.grouping import Figures, GroupingError
from rollup.labels import Labels

FigureFn = Callable[[dict[str, pa.Table], int, str, Labels], Figures]

# name -> (function, the group_by values it offers; the first is the default)
FIGURES: dict[str, tuple[FigureFn, tuple[str, ...]]] = {
    key_accounts.NAME: (key_accounts.key_account_figures, key_accounts.GROUPINGS),
    churn.NAME: (churn.churn_figures, churn.GROUPINGS),
    service.NAME: (service.service_figures, service.GROUPINGS),
    value.NAME: (value.value_figures, value.GROUPINGS),
}


def figures(
    name: str, parts: dict[str, pa.Table], period: int, group_by: str, labels: Labels
) -> Figures:
    """Figure set `name` for `period` grouped by `group_by` (GroupingError if not offered)."""
    fn, groupings = FIGURES[name]
    if group_by not in groupings:
        raise GroupingError(f"{name} can be grouped by {', '.join(groupings)}; got {group_by!r}")
    return fn(parts, period, group_by, labels)


__all__ = ["FIGURES", "Figures", "GroupingError", "figures"]
