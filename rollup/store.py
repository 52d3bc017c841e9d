"""Saving and loading partials: one Arrow IPC stream per (origin, period, kind).

Saving replaces all partials of the origins given (an origin recomputed loses the rows
of months it no longer has anything in); loading concatenates the streams of the
months asked for, for every origin. Runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import pyarrow as pa
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from rollup.models import RollupPartial, RollupRun
from rollup.partials import KINDS, concat
from rollup.periods import format_period, parse_period


def encode(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode(body: bytes) -> pa.Table:
    return pa.ipc.open_stream(pa.py_buffer(body)).read_all()


def save_partials(
    session: Session,
    parts: dict[str, pa.Table],
    origins: Sequence[str] | None,
    computed_at: datetime,
) -> int:
    """Replace the stored partials of `origins` (None: of every origin) with `parts`.

    Returns how many (origin, period, kind) streams were written.
    """
    stmt = delete(RollupPartial)
    if origins is not None:
        stmt = stmt.where(RollupPartial.origin.in_(list(origins)))
    session.execute(stmt)
    rows = [
        {
            "origin": origin,
            "period": format_period(period),
            "kind": kind,
            "rows": piece.num_rows,
            "body": encode(piece),
            "computed_at": computed_at,
        }
        for kind, table in parts.items()
        for (origin, period), piece in _split(table)
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(RollupPartial), rows[start : start + 1000])
    session.flush()
    return len(rows)


def _split(table: pa.Table) -> Iterable[tuple[tuple[str, int], pa.Table]]:
    """(origin, period) -> its rows, one slice per pair present in `table`."""
    if table.num_rows == 0:
        return
    table = table.sort_by([("origin", "ascending"), ("period", "ascending")])
    keys = list(
        zip(table.column("origin").to_pylist(), table.column("period").to_pylist(), strict=True)
    )
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            yield keys[start], table.slice(start, i - start)
            start = i


def load_partials(session: Session, periods: Sequence[int]) -> dict[str, pa.Table]:
    """Every origin's partials of the months `periods`, per kind (empty tables if none)."""
    names = [format_period(p) for p in periods]
    found: dict[str, list[pa.Table]] = {kind: [] for kind in KINDS}
    result = session.execute(
        select(RollupPartial.kind, RollupPartial.body).where(RollupPartial.period.in_(names))
    )
    for kind, body in result:
        if kind in found:
            found[kind].append(decode(body))
    return {kind: concat(KINDS[kind], tables) for kind, tables in found.items()}


def last_run(session: Session) -> RollupRun | None:
    return session.execute(
        select(RollupRun).order_by(RollupRun.id.desc()).limit(1)
    ).scalar_one_or_none()


def stored_periods(session: Session) -> list[int]:
    """The months any partial is stored for, ascending."""
    names = session.execute(select(RollupPartial.period).distinct()).scalars().all()
    return sorted(parse_period(n) for n in names)
