"""Where a node sits in the tree, read off its six-digit division code (HQ 000000, a
province PP0000, a city PPCC00; node.settings.check_division_code): one source for
every part that needs a node's level, parent, ancestors or standard name (GB/T 2260)."""

from __future__ import annotations

from functools import cache

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


@cache
def division_name(code: str) -> str | None:
    """The standard name of the division `code` (latest revision holding it), or None.

    The table is the GB2260 package's (revisions up to 2014): a city created since has
    no name here, and its caller falls back to the code.
    """
    if len(code) != 6 or not code.isdigit():
        return None
    import gb2260  # type: ignore[import-untyped]  # 2 MB of data: loaded on first need

    division = gb2260.Division.search(int(code))
    return str(division.name) if division is not None else None
