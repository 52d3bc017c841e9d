"""Who may be whose child, and which origins lie inside a sender's subtree."""

from __future__ import annotations

from node.divisions import ancestors, level_of, parent_of
from node.settings import HQ_CODE, Level

__all__ = [
    "ancestors",
    "check_child",
    "in_subtree",
    "level_of",
    "origins_sql",
    "parent_of",
    "served_down",
    "subtree_sql",
]

CHILD_LEVEL = {Level.hq: Level.province, Level.province: Level.city}


def check_child(parent_code: str, parent_level: Level, child_code: str, child_level: Level) -> None:
    """Refuse a child that does not nest under this parent (ValueError with the reason)."""
    parent_level, child_level = Level(parent_level), Level(child_level)
    expected = CHILD_LEVEL.get(parent_level)
    if expected is None:
        raise ValueError("a city node has no children")
    if child_level is not expected:
        raise ValueError(f"a {parent_level.value} node's children are {expected.value} nodes")
    if parent_level is Level.province and child_code[:2] != parent_code[:2]:
        raise ValueError(f"city {child_code} does not lie in province {parent_code}")
    if child_code in (parent_code, HQ_CODE):
        raise ValueError(f"{child_code} cannot be a child of {parent_code}")


def in_subtree(sender_code: str, sender_level: Level, origin: str) -> bool:
    """A city may send only its own rows; a province its own and its cities'."""
    if sender_level is Level.city:
        return origin == sender_code
    if sender_level is Level.province:
        return origin[:2] == sender_code[:2] and origin != HQ_CODE
    return False


def served_down(code: str) -> tuple[str, ...]:
    """The origins whose rows node `code` serves its children (docs/federation.md rule
    11): its own and its ancestors', never its subtree's (those only go up)."""
    return (code, *ancestors(code))


def subtree_sql(code: str) -> str | None:
    """A SQL condition on `origin` that holds for the rows of `code`'s subtree, or None
    when every row is (HQ). Codes are six digits, checked at start-up, so they are
    written into the SQL."""
    level = level_of(code)
    if level is Level.hq:
        return None
    if level is Level.city:
        return f"origin = '{int(code):06d}'"
    # substr, not LIKE: a '%' in SQL a driver formats with parameters reads as one.
    return f"substr(origin, 1, 2) = '{int(code[:2]):02d}'"


def origins_sql(codes: tuple[str, ...]) -> str:
    """A SQL condition on `origin` that holds for exactly these node codes."""
    return "origin IN (" + ", ".join(f"'{int(c):06d}'" for c in codes) + ")"
