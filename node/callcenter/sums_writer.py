"""Writing derived sums (call_figures, agent_time_figures) over what the node holds.

Each derived row has an id made from what it sums (node, slot, ...), so recomputing a
slot finds its earlier row: a row changes (and replicates) only when its sums do, and a
row the slot no longer produces is set to zero, which merges as nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from node.db.base import Replicated, table_of
from node.db.stamping import stamp_new


class SumsWriter:
    """Makes the rows of a derived table what a computation says they are."""

    def __init__(self, session: Session, model: type[Replicated], sums: tuple[str, ...]) -> None:
        self.session = session
        self.model = model
        self.sums = sums
        self.changed = 0  # rows inserted or changed so far

    def write(self, held: Iterable[Any], computed: Mapping[uuid.UUID, dict[str, Any]]) -> None:
        """Make `held` (the rows of what was computed again) the `computed` rows, by id;
        a new row's dict holds its key columns and sums."""
        rows = {row.id: row for row in held}
        new: list[dict[str, Any]] = []
        for row_id, values in computed.items():
            row = rows.pop(row_id, None)
            if row is None:
                new.append({"id": row_id, **values})
            else:
                self.changed += _set(row, {name: values[name] for name in self.sums})
        zero = dict.fromkeys(self.sums, 0)
        for row in rows.values():  # a row its slot no longer produces merges as nothing
            self.changed += _set(row, zero)
        # New rows as stamped plain rows: a month's import writes hundreds of thousands.
        stamp_new(self.session, new)
        if new:
            self.session.connection().execute(insert(table_of(self.model)), new)
        self.changed += len(new)


def _set(row: Any, values: dict[str, Any]) -> int:
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    for name, value in changed.items():
        setattr(row, name, value)
    return 1 if changed else 0
