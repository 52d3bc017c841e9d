"""Small column builders the computations share."""

from __future__ import annotations

import pyarrow as pa


def constant(value: object, length: int, type_: pa.DataType) -> pa.Array:
    """An array of `length` copies of `value`."""
    return pa.nulls(length, type_).fill_null(pa.scalar(value, type_))


def next_values(values: pa.Array, last: object) -> pa.Array:
    """values[i + 1] at row i, and `last` at the final row."""
    if len(values) == 0:
        return values
    return pa.concat_arrays([values.slice(1), pa.array([last], values.type)])


def previous_values(values: pa.Array, first: object) -> pa.Array:
    """values[i - 1] at row i, and `first` at row 0."""
    if len(values) == 0:
        return values
    return pa.concat_arrays([pa.array([first], values.type), values.slice(0, len(values) - 1)])
