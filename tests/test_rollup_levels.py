"""Across levels: HQ's figures equal the merge of its provinces', which equal the merge
of their cities' (and their own rows'), on generated data, through the real database.

One database plays each node in turn: it is given exactly the rows that node would hold
(its own and its subtree's, with their origins), computes and stores its partials, and
the stored partials are kept for the comparison.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from sqlalchemy import delete

from node.churn.models import ChurnEvent
from node.customers.models import Customer
from node.subscriptions.models import Subscription
from node.tickets.models import Ticket
from rollup.figures import FIGURES, figures
from rollup.labels import Labels
from rollup.models import RollupPartial, RollupRun
from rollup.partials import KINDS, concat, merge
from rollup.periods import Window, parse_period
from rollup.refresh import refresh
from rollup.store import load_partials
from tests.rollup_data import generate, insert_rows

NOW = datetime(2026, 11, 20, tzinfo=UTC)
WINDOW = Window.ending(parse_period("2026-11"))
CITIES = {"430000": ["430100", "430200"], "320000": ["320100"]}


def _reset(db) -> None:  # type: ignore[no-untyped-def]
    with db.unit_of_work() as session:
        for model in (RollupPartial, RollupRun, Customer, Subscription, ChurnEvent, Ticket):
            session.execute(delete(model))


def _node_partials(db, rows) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    _reset(db)
    insert_rows(db, rows)
    refresh(db, "test", now=NOW)
    with db.unit_of_work(write=False) as session:
        return load_partials(session, list(WINDOW.months))


def _merged(*nodes: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {name: concat(kind, [n[name] for n in nodes]) for name, kind in KINDS.items()}


def _canonical(parts: dict[str, pa.Table]) -> dict[str, list]:
    out = {}
    for name, kind in KINDS.items():
        table = merge(kind, parts[name], ["origin", "period", *kind.dim_names])
        out[name] = sorted(table.to_pylist(), key=repr)
    return out


def _all_figures(parts: dict[str, pa.Table]) -> list:
    out = []
    for name, (_, groupings) in FIGURES.items():
        for group_by in groupings:
            for period in ("2025-11", "2026-10", "2026-11"):
                result = figures(name, parts, parse_period(period), group_by, Labels())
                out.append((name, group_by, period, result.rows, result.total, result.extra))
    return out


def test_hq_equals_provinces_equals_cities(database):
    origins = [*CITIES, *(c for cs in CITIES.values() for c in cs)]
    rows = generate(origins, customers_per_origin=40, seed=5)

    city = {c: _node_partials(database, rows.of_origins({c})) for cs in CITIES.values() for c in cs}
    province = {p: _node_partials(database, rows.of_origins({p, *cs})) for p, cs in CITIES.items()}
    hq = _node_partials(database, rows)

    # Each city's partials are the same wherever they are computed.
    for p, cs in CITIES.items():
        own = _node_partials(database, rows.of_origins({p}))
        assert _canonical(province[p]) == _canonical(_merged(own, *(city[c] for c in cs)))
    assert _canonical(hq) == _canonical(_merged(*province.values()))
    # And so is every figure.
    assert _all_figures(hq) == _all_figures(_merged(*province.values()))
    hunan = province["430000"]
    assert _all_figures(hunan) == _all_figures(
        _merged(
            _node_partials(database, rows.of_origins({"430000"})),
            *(city[c] for c in CITIES["430000"]),
        )
    )
    # Not trivially: the data has churn, revenue and tickets in October.
    total = figures("churn", hq, parse_period("2026-10"), "total", Labels()).total
    assert total["active_at_start"] > 50 and total["churned"] > 0


@pytest.mark.parametrize("seed", [21])
def test_stored_partials_equal_a_computation_from_the_rows(database, seed):
    """The database path (ADBC read, storage forms of both databases) changes nothing."""
    from rollup.compute import compute_partials
    from tests.rollup_data import source_tables

    rows = generate(["430100", "430200"], customers_per_origin=40, seed=seed)
    stored = _node_partials(database, rows)
    direct = compute_partials(source_tables(rows), WINDOW)
    assert _canonical(stored) == _canonical(direct)
