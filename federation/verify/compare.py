"""Comparing a parent's holdings with a child's, per origin and table."""

from __future__ import annotations

from dataclasses import dataclass

from federation.registry.topology import in_subtree
from node.settings import Level

Digests = dict[str, dict[str, dict[str, int | str]]]


@dataclass(frozen=True)
class Row:
    child: str
    table: str
    origin: str
    parent_rows: int
    child_rows: int
    match: bool


def compare(child: str, child_level: Level, mine: Digests, theirs: Digests) -> list[Row]:
    """One row per (table, origin) in the child's subtree that either side holds."""
    out = []
    for table in sorted(set(mine) | set(theirs)):
        here = {o: v for o, v in mine.get(table, {}).items() if in_subtree(child, child_level, o)}
        there = {
            o: v for o, v in theirs.get(table, {}).items() if in_subtree(child, child_level, o)
        }
        for origin in sorted(set(here) | set(there)):
            a, b = here.get(origin), there.get(origin)
            out.append(
                Row(
                    child,
                    table,
                    origin,
                    int(a["rows"]) if a else 0,
                    int(b["rows"]) if b else 0,
                    a == b,
                )
            )
    return out
