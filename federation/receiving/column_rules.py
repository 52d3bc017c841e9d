"""Every value of a received batch against what its column may hold (docs/federation.md
rule 12), before anything is applied.

The rules are read from the tables themselves, so there is one statement of each: the
SQL type (a UUID column, a String's length, a 32-bit Integer, a Numeric's digits), the
column's `one_of`/`within` info (node/db/value_rules.py), plus two ranges stated here for
every table: times and dates lie in [1900-01-01, 2200-01-01), and text is free of NUL
and at most TEXT_MAX characters where the column itself sets no length. Checks are
vectorised (pyarrow.compute), so they cost little beside the apply.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import BigInteger, Column, Integer, Numeric, String, Uuid

from federation.receiving.validate import BatchRejected
from node.db.value_rules import ONE_OF, SHAPED, WITHIN
from node.models import Base
from schemas.wire import TABLES

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive
TEXT_MAX = 65_535
HEX32 = r"^[0-9a-f]{32}$"
INT32 = (-(2**31), 2**31 - 1)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Check:
    """One rule on one column: `bad` marks the offending values (nulls are not offences:
    required values are checked apart), `problem` says what is wrong with them."""

    column: str
    problem: str
    bad: Callable[[pa.ChunkedArray], pa.ChunkedArray | pa.Array]


def check_values(table_name: str, rows: pa.Table) -> None:
    """Refuse (400) the batch at its first value a column may not hold, naming the
    table, the column, the rule and the row."""
    for check in rules_for(table_name):
        bad = pc.fill_null(check.bad(rows.column(check.column)), False)
        if pc.any(bad).as_py():
            row = pc.index(bad, True).as_py()
            raise BatchRejected(400, f"{table_name}.{check.column}: {check.problem} (row {row})")


@functools.cache
def rules_for(table_name: str) -> tuple[Check, ...]:
    """The checks of one wire table, derived once from its wire schema and its table."""
    table = Base.metadata.tables[table_name]
    checks: list[Check] = []
    for field in TABLES[table_name]:
        checks.extend(_checks(field, table.columns[field.name]))
    return tuple(checks)


def _checks(field: pa.Field, column: Column) -> list[Check]:
    name, info = field.name, column.info
    if pa.types.is_string(field.type):
        return _text_checks(name, column)
    if pa.types.is_integer(field.type):
        low, high = info.get(WITHIN, _int_range(column))
        return [Check(name, f"outside {low}..{high}", _outside(low, high))]
    if pa.types.is_decimal(field.type):
        assert isinstance(column.type, Numeric)
        limit = 10 ** ((column.type.precision or 38) - (column.type.scale or 0))
        return [Check(name, f"not below {limit:,} in size", _decimal_too_large(limit))]
    if pa.types.is_timestamp(field.type):
        low_us, high_us = (_micros(EARLIEST), _micros(LATEST) - 1)
        return [Check(name, _time_problem(), _cast_outside(pa.int64(), low_us, high_us))]
    if pa.types.is_date(field.type):
        low_d, high_d = (_days(EARLIEST.date()), _days(LATEST.date()) - 1)
        return [Check(name, _time_problem(), _cast_outside(pa.int32(), low_d, high_d))]
    return []  # booleans: any value is a value


def _text_checks(name: str, column: Column) -> list[Check]:
    checks = [Check(name, "contains a NUL character", _contains_nul)]
    if isinstance(column.type, Uuid):
        return [*checks, Check(name, "not a 32-hex-digit UUID", _not_hex32)]
    length = column.type.length if isinstance(column.type, String) else None
    limit = length or TEXT_MAX
    checks.append(Check(name, f"longer than {limit} characters", _longer_than(limit)))
    values = column.info.get(ONE_OF)
    if values:
        listed = ", ".join(sorted(values))
        checks.append(Check(name, f"not one of {listed}", _not_in(values)))
    if SHAPED in column.info:
        what, fits = column.info[SHAPED]
        checks.append(Check(name, f"not {what}", _misshapen(fits)))
    return checks


def _int_range(column: Column) -> tuple[int, int]:
    """A 32-bit Integer column (PostgreSQL's integer) refuses what int64 can carry."""
    if isinstance(column.type, Integer) and not isinstance(column.type, BigInteger):
        return INT32
    return (-(2**63), 2**63 - 1)


def _time_problem() -> str:
    return f"outside {EARLIEST.date()}..{LATEST.date()} (exclusive)"


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // datetime.resolution


def _days(day: date) -> int:
    return (day - _EPOCH.date()).days


def _contains_nul(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.match_substring(values, "\x00")


def _not_hex32(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.invert(pc.match_substring_regex(values, HEX32))


def _longer_than(limit: int) -> Callable[[pa.ChunkedArray], pa.ChunkedArray]:
    return lambda values: pc.greater(pc.utf8_length(values), limit)


def _not_in(allowed: frozenset[str]) -> Callable[[pa.ChunkedArray], pa.ChunkedArray]:
    value_set = pa.array(sorted(allowed), pa.string())
    # is_in answers false (not null) for a null: mask nulls out, they are no offence here.
    return lambda values: pc.and_(
        pc.is_valid(values), pc.invert(pc.is_in(values, value_set=value_set))
    )


def _misshapen(fits: Callable[[str], bool]) -> Callable[[pa.ChunkedArray], pa.Array]:
    # Structure inside a text (JSON) has no vectorised check; such columns are few and
    # their tables small (publications from above).
    return lambda values: pa.array(
        [value is not None and not fits(value) for value in values.to_pylist()], pa.bool_()
    )


def _outside(low: int, high: int) -> Callable[[pa.ChunkedArray], pa.ChunkedArray]:
    return lambda values: pc.or_(pc.less(values, low), pc.greater(values, high))


def _cast_outside(
    as_type: pa.DataType, low: int, high: int
) -> Callable[[pa.ChunkedArray], pa.ChunkedArray]:
    """Compare times as their integer encoding: a value past year 9999 has no Python
    datetime, so it must never be turned into one."""
    return lambda values: _outside(low, high)(values.cast(as_type))


def _decimal_too_large(limit: int) -> Callable[[pa.ChunkedArray], pa.ChunkedArray]:
    # Through float64: exact enough at these magnitudes, and Arrow compares decimals of
    # one type only; a decimal holding more digits than its type is caught the same way.
    return lambda values: pc.greater_equal(pc.abs(values.cast(pa.float64())), float(limit))
