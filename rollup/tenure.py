"""Tenure bands: how long a customer has been with us at a given month.

Tenure is counted in calendar months from the month the customer joined to the month
looked at (joined in March, looking at the next March: 12 months, band 1-2 years).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# (code, first month of the band, label)
BANDS: tuple[tuple[str, int, str], ...] = (
    ("lt1y", 0, "不满1年"),
    ("1to2y", 12, "1-2年"),
    ("2to3y", 24, "2-3年"),
    ("3to5y", 36, "3-5年"),
    ("ge5y", 60, "5年以上"),
)
CODES = tuple(code for code, _, _ in BANDS)
LABELS = {code: label for code, _, label in BANDS}
# Beyond this many months every customer is in the last band: joins earlier than that
# before a window can be treated as one.
SATURATION = BANDS[-1][1]


def band_codes(months: pa.Array) -> pa.Array:
    """The band code of each tenure in months (negative counts as the first band)."""
    index = None
    for _, start, _ in BANDS[1:]:
        step = pc.greater_equal(months, start).cast(pa.int8())
        index = step if index is None else pc.add(index, step)
    assert index is not None
    return pa.array(CODES, pa.string()).take(index)
