"""Where a node sits in the tree, read off its six-digit division code (HQ 000000, a
province PP0000, a city PPCC00; node.settings.check_division_code): one source for
every part that needs a node's level, parent or ancestors."""

from __future__ import annotations

from node.settings import HQ_CODE, Level


def level_of(code: str) -> Level:
    """A node's level read off its division code."""
    if code == HQ_CODE:
        return Level.hq
    return Level.province if code.endswith("0000") else Level.city


def parent_of(code: str) -> str | None:
    """The code of the node directly above `code` (None for HQ)."""
    level = level_of(code)
    if level is Level.hq:
        return None
    return HQ_CODE if level is Level.province else code[:2] + "0000"


def ancestors(code: str) -> tuple[str, ...]:
    """Every node above `code`, nearest first: a city's province and HQ, a province's HQ."""
    above: list[str] = []
    parent = parent_of(code)
    while parent is not None:
        above.append(parent)
        parent = parent_of(parent)
    return tuple(above)
