"""Customer segments as codes: (origin, type, grade, key account, join month).

Join months before the window are folded into one (`Segments.low`): whoever joined that
long ago is in the last tenure band for every month of the window, so their exact month
no longer changes any figure. That keeps the number of segments small.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from rollup.compute.facts import CustomerFacts
from rollup.compute.packing import KeyPacker, codes
from rollup.periods import Window
from rollup.tenure import SATURATION, band_codes


@dataclass
class Segments:
    """Per-customer segment key plus what is needed to decode it."""

    window: Window
    low: int  # months before this are folded into it
    key: pa.Array  # int64 per customer
    packer: KeyPacker
    dictionaries: dict[str, pa.Array]

    @property
    def end(self) -> int:
        """The month after the window: 'never' for churn, 'not yet' for ends."""
        return self.window.last + 1

    def clip_month(self, months: pa.Array, missing: int | None = None) -> pa.Array:
        """Months clipped to [low, end] (nulls become `missing`), as int32."""
        if missing is not None:
            months = pc.fill_null(months, missing)
        clipped = pc.min_element_wise(pc.max_element_wise(months, self.low), self.end)
        return clipped.cast(pa.int32())

    def decode(self, key: pa.Array) -> dict[str, pa.Array]:
        """Segment keys -> origin, type, grade, key_account and joined (month)."""
        parts = self.packer.unpack(key)
        return {
            "origin": self.dictionaries["origin"].take(parts["origin"]),
            "type": self.dictionaries["type"].take(parts["type"]),
            "grade": self.dictionaries["grade"].take(parts["grade"]),
            "key_account": pc.equal(parts["key_account"], 1),
            "joined": pc.add(parts["joined"], self.low).cast(pa.int32()),
        }


def customer_segments(facts: CustomerFacts, window: Window) -> Segments:
    low = window.first - SATURATION - 1
    end = window.last + 1
    columns: dict[str, pa.Array] = {}
    dictionaries: dict[str, pa.Array] = {}
    for name in ("origin", "type", "grade"):
        columns[name], dictionaries[name] = codes(facts.column(name))
    columns["key_account"] = pc.fill_null(facts.column("key_account"), False).cast(pa.int8())
    joined = pc.min_element_wise(pc.max_element_wise(facts.column("joined"), low), end)
    columns["joined"] = pc.subtract(joined, low)
    sizes = {name: max(len(dictionaries[name]), 1) for name in ("origin", "type", "grade")}
    packer = KeyPacker({**sizes, "key_account": 2, "joined": end - low + 1})
    return Segments(window, low, packer.pack(columns), packer, dictionaries)


def tenure_at(period: int, joined: pa.Array) -> pa.Array:
    """Tenure band codes at month `period` for customers who joined in `joined`."""
    return band_codes(pc.subtract(pa.scalar(period, pa.int32()), joined))
