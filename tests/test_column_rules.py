"""Every value a child sends is checked against its column, with the bounds stated here
by hand (docs/federation.md rule 12): each case names a value on either side of a bound.

The expected verdicts come from the rule's statement, not from the code: 1900-01-01 is
the first time allowed and 2200-01-01 the first refused; a String(100) holds 100
characters (not bytes); PostgreSQL's integer holds -2^31..2^31-1; Numeric(14, 2) holds
less than 10^12 in size; a UUID travels as 32 lowercase hex digits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from federation.batches.manifest import Manifest
from federation.receiving.column_rules import check_values
from federation.receiving.validate import BatchRejected, conform
from schemas.wire import FINGERPRINTS, SCHEMA_VERSION, TABLES

US = timedelta(microseconds=1)
FIRST = datetime(1900, 1, 1, tzinfo=UTC)
END = datetime(2200, 1, 1, tzinfo=UTC)


def _one(table: str, column: str, value: object) -> pa.Table:
    """A one-row batch of `table` holding `value` in `column` and nulls elsewhere (the
    value checks skip nulls; required values are checked apart)."""
    schema = TABLES[table]
    arrays = [
        pa.array([value], f.type) if f.name == column else pa.nulls(1, f.type) for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _verdict(table: str, column: str, value: object) -> str:
    try:
        check_values(table, _one(table, column, value))
    except BatchRejected as exc:
        assert exc.status == 400
        assert exc.reason.startswith(f"{table}.{column}: "), exc.reason
        return "refused"
    return "accepted"


CASES = [
    # (table, column, value, verdict)
    ("customers", "joined_at", FIRST, "accepted"),
    ("customers", "joined_at", FIRST - US, "refused"),
    ("customers", "joined_at", END - US, "accepted"),
    ("customers", "joined_at", END, "refused"),
    ("customers", "birth_date", date(1900, 1, 1), "accepted"),
    ("customers", "birth_date", date(1899, 12, 31), "refused"),
    ("customers", "birth_date", date(2199, 12, 31), "accepted"),
    ("customers", "birth_date", date(2200, 1, 1), "refused"),
    ("customers", "name", "张" * 100, "accepted"),  # 100 characters, 300 bytes
    ("customers", "name", "张" * 101, "refused"),
    ("customers", "name", "张\x00三", "refused"),
    ("customers", "note", "备注" * 30_000, "accepted"),  # Text: 60,000 characters
    ("customers", "note", "x" * 65_536, "refused"),
    ("customers", "type", "enterprise", "accepted"),
    ("customers", "type", "robot", "refused"),
    ("customers", "gender", "female", "accepted"),
    ("customers", "gender", "F", "refused"),
    ("customers", "account_manager_id", "0123456789abcdef0123456789abcdef", "accepted"),
    ("customers", "account_manager_id", "0123456789ABCDEF0123456789ABCDEF", "refused"),
    ("customers", "account_manager_id", "01234567-89ab-cdef-0123-456789abcdef", "refused"),
    ("tickets", "technician_id", "../../etc/passwd", "refused"),
    ("tickets", "satisfaction", 5, "accepted"),
    ("tickets", "satisfaction", 6, "refused"),
    ("tickets", "satisfaction", 0, "refused"),
    ("tickets", "status", "reopened", "accepted"),
    ("tickets", "status", "lost", "refused"),
    ("tickets", "origin_version", 2**31 - 1, "accepted"),
    ("tickets", "origin_version", 2**31, "refused"),
    ("contacts", "customer_id", "not-a-uuid", "refused"),
    ("interactions", "talk_seconds", 86_400, "accepted"),
    ("interactions", "talk_seconds", -1, "refused"),
    ("interactions", "direction", "sideways", "refused"),
    ("contracts", "amount", Decimal("999999999999.99"), "accepted"),
    ("contracts", "amount", Decimal("-999999999999.99"), "accepted"),
    ("dictionary_entries", "sort_order", 2**31, "refused"),
    ("users", "role", "superuser", "refused"),
]


@pytest.mark.parametrize(("table", "column", "value", "verdict"), CASES)
def test_a_value_on_each_side_of_each_bound(table, column, value, verdict):
    assert _verdict(table, column, value) == verdict


def test_an_amount_beyond_its_column_is_refused_even_if_arrow_carries_it():
    # decimal128(14, 2) can physically hold more digits than 14: build one from its
    # 128-bit integer, as a hostile child could, and check it is refused.
    storage = pa.array([10**15 * 100], pa.decimal128(38, 2)).cast(pa.decimal128(14, 2), safe=False)
    rows = _one("contracts", "amount", None).set_column(
        TABLES["contracts"].get_field_index("amount"), TABLES["contracts"].field("amount"), storage
    )
    with pytest.raises(BatchRejected, match=r"contracts.amount: not below 1,000,000,000,000"):
        check_values("contracts", rows)


def test_the_year_10000_never_becomes_a_python_datetime():
    # 10000-01-01 in microseconds since 1970: beyond datetime.max, so it can only be
    # checked as its integer encoding.
    micros = (datetime(9999, 12, 31, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // US
    beyond = pa.array([micros + 86_400 * 10**6], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    rows = _one("customers", "joined_at", None).set_column(
        TABLES["customers"].get_field_index("joined_at"),
        TABLES["customers"].field("joined_at"),
        beyond,
    )
    with pytest.raises(BatchRejected, match=r"customers\.joined_at: outside 1900-01-01"):
        check_values("customers", rows)


def test_the_refusal_names_the_first_offending_row():
    schema = TABLES["tickets"]
    rows = pa.Table.from_arrays(
        [
            pa.array([3, 9, 4], f.type) if f.name == "satisfaction" else pa.nulls(3, f.type)
            for f in schema
        ],
        schema=schema,
    )
    with pytest.raises(BatchRejected, match=r"tickets.satisfaction: outside 1..5 \(row 1\)"):
        check_values("tickets", rows)


def test_a_column_named_twice_is_refused_not_written_as_null():
    schema = TABLES["contacts"]
    arrays = [pa.nulls(1, f.type) for f in schema] + [pa.array(["第二个"], pa.string())]
    doubled = pa.Table.from_arrays(arrays, names=[*schema.names, "name"])
    manifest = Manifest(
        sender="430100",
        table="contacts",
        prev_seq=0,
        seq_start=1,
        seq_end=1,
        schema_version=SCHEMA_VERSION,
        fingerprint=FINGERPRINTS["contacts"],
        row_count=1,
        body_sha256="0" * 64,
        created_at=1_800_000_000.0,
    )
    with pytest.raises(BatchRejected, match="column 'name' appears twice"):
        conform(manifest, doubled)
