"""Names of China's administrative divisions by their GB/T 2260 codes (the codes nodes
are numbered by), so a level that never registered a city still shows it by name."""

from __future__ import annotations

from functools import cache


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
