"""Exporting customers to CSV, XLSX or Parquet, masked unless asked otherwise (audited).

CSV and XLSX are for people: Chinese headers, dictionary labels instead of codes,
times in China time; such a file can be imported again. Parquet is for programs:
English column names, codes, UTC timestamps. Rows are streamed from the database in
chunks, so exporting a million customers does not hold a million rows in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from node.audit.service import record
from node.customers.models import Customer
from node.customers.resource import mask_customer
from node.dataio.customer_columns import (
    BOOL_LABELS,
    DICTIONARY_FIELDS,
    EXPORT_FIELDS,
    GENDER_WORDS,
    ID_TYPE_WORDS,
    TYPE_WORDS,
    export_header,
)
from node.dataio.import_plan import NullTracker, Tracker
from node.dataio.tabular import (
    XLSX_MAX_DATA_ROWS,
    DataFileError,
    atomic_table_writer,
    check_output_path,
)
from node.db.unit_of_work import Database
from node.dictionaries.models import DictionaryEntry
from node.office_time import OFFICE_TZ

CHUNK = 5000
_TABLE = Customer.__table__

_PARQUET_TYPES = {
    "birth_date": pa.date32(),
    "is_key_account": pa.bool_(),
    "joined_at": pa.timestamp("us", tz="UTC"),
}
PARQUET_SCHEMA = pa.schema(
    [pa.field(name, _PARQUET_TYPES.get(name, pa.string())) for name in EXPORT_FIELDS]
)

_WORDS = {
    "type": {code: words[0] for code, words in TYPE_WORDS.items()},
    "gender": {code: words[0] for code, words in GENDER_WORDS.items()},
    "id_type": {code: words[0] for code, words in ID_TYPE_WORDS.items()},
}


@dataclass
class ExportResult:
    """What an export wrote."""

    path: Path
    format: str
    rows: int
    masked: bool


def export_customers(
    database: Database,
    out: Path,
    *,
    unmasked: bool = False,
    tracker: Tracker | None = None,
    actor: str | None = None,
) -> ExportResult:
    """Write every live customer (this node's and replicated ones) to `out`.

    Phone, ID number and e-mail are masked unless `unmasked`. The export is audited
    ("data.export", or "data.export.unmasked") before the file appears under its name.
    Raises DataFileError for an unusable output path.
    """
    tracker = tracker or NullTracker()
    fmt = check_output_path(out)
    live = _TABLE.c.deleted_at.is_(None)
    with database.unit_of_work(write=False) as session:
        total = session.execute(select(func.count()).select_from(_TABLE).where(live)).scalar_one()
        if fmt == "xlsx" and total > XLSX_MAX_DATA_ROWS:
            raise DataFileError(
                f"{total:,} customers do not fit in an Excel sheet "
                f"({XLSX_MAX_DATA_ROWS:,} rows at most); export to .csv or .parquet"
            )
        labels = _dictionary_labels(session) if fmt != "parquet" else {}
        headers = [export_header(name) for name in EXPORT_FIELDS]
        columns = [_TABLE.c[name] for name in EXPORT_FIELDS]
        stmt = (
            select(*columns)
            .where(live)
            .order_by(_TABLE.c.customer_no)
            # Server-side cursor on PostgreSQL: rows arrive a chunk at a time.
            .execution_options(yield_per=CHUNK)
        )
        written = 0
        with atomic_table_writer(out, headers, PARQUET_SCHEMA, sheet_title="客户") as writer:
            tracker.start("exporting customers", total)
            for part in session.execute(stmt).partitions():
                rows = [_row(dict(r._mapping), fmt, unmasked, labels) for r in part]
                writer.write(rows)
                written += len(rows)
                tracker.advance(len(rows))
            # Audited in its own transaction before the file is renamed into place, so
            # no export exists that the log does not show.
            with database.unit_of_work() as audit:
                record(
                    audit,
                    "data.export.unmasked" if unmasked else "data.export",
                    actor=actor,
                    entity="customer",
                    detail={"file": str(out.resolve()), "format": fmt, "rows": written},
                )
    return ExportResult(path=out, format=fmt, rows=written, masked=not unmasked)


def _dictionary_labels(session: Session) -> dict[tuple[str, str, str], str]:
    """(origin, kind, code) -> label. Replicated customers use their own node's codes."""
    stmt = select(
        DictionaryEntry.origin, DictionaryEntry.kind, DictionaryEntry.code, DictionaryEntry.label
    ).where(
        DictionaryEntry.kind.in_(list(DICTIONARY_FIELDS.values())),
        DictionaryEntry.deleted_at.is_(None),
    )
    return {(o, k, c): label for o, k, c, label in session.execute(stmt)}


def _row(
    data: dict[str, Any], fmt: str, unmasked: bool, labels: dict[tuple[str, str, str], str]
) -> list[Any]:
    if not unmasked:
        mask_customer(data)
    if data["account_manager_id"] is not None:
        data["account_manager_id"] = str(data["account_manager_id"])
    if fmt == "parquet":
        return [data[name] for name in EXPORT_FIELDS]
    for name, words in _WORDS.items():
        value = data[name]
        data[name] = words.get(value, value)
    for name, kind in DICTIONARY_FIELDS.items():
        code = data[name]
        if code is not None:
            data[name] = labels.get((data["origin"], kind, code), code)
    data["is_key_account"] = BOOL_LABELS[bool(data["is_key_account"])]
    joined: datetime = data["joined_at"]
    # Excel has no time zones; the import reads zone-less times as China time again.
    data["joined_at"] = joined.astimezone(OFFICE_TZ).replace(tzinfo=None, microsecond=0)
    return [data[name] for name in EXPORT_FIELDS]
