"""Who an audience (群组) reaches: a rule over four facts of a reader, free of any
database so the rule is one function the tests can hold against a hand-written table.

An audience names roles, levels, nodes and service areas; an empty list leaves that
fact free. A reader is in it when every list that is not empty holds the reader's fact:
the role, the level of the node they sign in at, that node or any node above it, and
the user's service area (a reader with no area is outside any list of areas)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from node.divisions import ancestors, level_of

DIMENSIONS = ("roles", "levels", "nodes", "areas")


@dataclass(frozen=True)
class AudienceRule:
    """The four lists of an audience; an empty one matches everybody."""

    roles: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {name: list(getattr(self, name)) for name in DIMENSIONS}

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> AudienceRule:
        return cls(**{name: tuple(data.get(name) or ()) for name in DIMENSIONS})


@dataclass(frozen=True)
class ReaderFacts:
    """What an audience asks of a reader."""

    role: str
    node_code: str
    area: str | None

    @property
    def level(self) -> str:
        return level_of(self.node_code).value

    @property
    def nodes(self) -> tuple[str, ...]:
        """The reader's node and every node above it."""
        return (self.node_code, *ancestors(self.node_code))


def reaches(rule: AudienceRule, reader: ReaderFacts) -> bool:
    """Whether `reader` is in the audience `rule` describes."""
    return (
        (not rule.roles or reader.role in rule.roles)
        and (not rule.levels or reader.level in rule.levels)
        and (not rule.nodes or any(code in rule.nodes for code in reader.nodes))
        and (not rule.areas or (reader.area is not None and reader.area in rule.areas))
    )


def parse_list(text: str | None) -> tuple[str, ...]:
    """A stored JSON list of strings (a column of kb_audiences)."""
    return tuple(orjson.loads(text)) if text else ()


def rule_of(row: Any) -> AudienceRule:
    """The rule an audience row (kb_audiences) stores in its four JSON columns."""
    return AudienceRule(*(parse_list(getattr(row, name)) for name in DIMENSIONS))
