"""Several small non-negative integer columns packed into one int64 group key.

Grouping a million rows by one int64 is several times faster in Arrow than by five
columns of text, so the computation works on codes (dictionary indices, month offsets)
packed into one key and unpacks the few grouped rows afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc


class KeyPacker:
    """Mixed-radix packing of named columns, each with values in range(size)."""

    def __init__(self, sizes: Mapping[str, int]) -> None:
        self.sizes = dict(sizes)
        capacity = 1
        for size in self.sizes.values():
            if size < 1:
                raise ValueError(f"sizes must be positive: {self.sizes}")
            capacity *= size
        if capacity >= 2**62:
            raise ValueError(f"keys too wide to pack into int64: {self.sizes}")
        self.capacity = capacity

    def pack(self, columns: Mapping[str, pa.Array]) -> pa.Array:
        """One int64 per row; every column must lie in range(its size)."""
        key: pa.Array | None = None
        for name, size in self.sizes.items():
            col = columns[name].cast(pa.int64())
            key = col if key is None else pc.add(pc.multiply(key, size), col)
        assert key is not None
        return key

    def unpack(self, key: pa.Array) -> dict[str, pa.Array]:
        """The columns back from packed keys, as int64."""
        out: dict[str, pa.Array] = {}
        rest = key.cast(pa.int64())
        for name, size in reversed(self.sizes.items()):
            out[name] = pc.subtract(rest, pc.multiply(pc.divide(rest, size), size))
            rest = pc.divide(rest, size)
        return {name: out[name] for name in self.sizes}


def codes(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """(int32 codes, dictionary): nulls get a code of their own."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values, null_encoding="encode")
    return encoded.indices.cast(pa.int32()), encoded.dictionary
