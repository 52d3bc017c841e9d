"""What a column may hold beyond its SQL type, stated on the column itself.

A value that reaches a table by another way than the API (a child's batch, an import)
is checked against the same statement: `one_of` closes a text column to an enumeration,
`within` bounds a number, `shaped` holds a text column to a structure
(JSON a reader below parses). Read by federation/receiving/column_rules.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ONE_OF = "one_of"
WITHIN = "within"
SHAPED = "shaped"


def one_of(values: Iterable[str]) -> dict[str, Any]:
    """Column info: the column holds one of these values (or NULL where nullable)."""
    return {ONE_OF: frozenset(str(v) for v in values)}


def within(low: int, high: int) -> dict[str, Any]:
    """Column info: the column holds an integer in [low, high] (or NULL where nullable)."""
    return {WITHIN: (low, high)}


def shaped(what: str, fits: Callable[[str], bool]) -> dict[str, Any]:
    """Column info: every value is `what` (e.g. "a JSON list of [id, name] pairs"), as
    `fits` decides."""
    return {SHAPED: (what, fits)}
