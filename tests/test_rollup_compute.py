"""The rollup computation against a row-by-row reference, and its edge cases (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from rollup.compute import compute_partials
from rollup.figures import figures
from rollup.labels import Labels
from rollup.pareto import Bucket, pareto
from rollup.partials import KINDS, concat, merge
from rollup.periods import Window, current_month, month_index, parse_period
from rollup.source import SourceTables
from tests.rollup_data import Rows, at, generate, source_tables
from tests.rollup_reference import as_dicts, reference_partials

WINDOW = Window.ending(parse_period("2026-11"))
OCT = parse_period("2026-10")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_partials_equal_the_row_by_row_reference(seed):
    rows = generate(["430100", "430200", "430000"], customers_per_origin=60, seed=seed)
    computed = as_dicts(compute_partials(source_tables(rows), WINDOW), KINDS)
    expected = reference_partials(rows, WINDOW)
    for kind in KINDS:
        assert computed[kind] == expected.get(kind, {}), kind


def test_some_origins_give_exactly_their_share_of_all():
    rows = generate(["430100", "430200"], customers_per_origin=50, seed=11)
    whole = compute_partials(source_tables(rows), WINDOW)
    one = compute_partials(source_tables(rows.of_origins({"430100"})), WINDOW)
    other = compute_partials(source_tables(rows.of_origins({"430200"})), WINDOW)
    for name, kind in KINDS.items():
        together = concat(kind, [one[name], other[name]])
        keys = ["origin", "period", *kind.dim_names]
        assert _sorted(merge(kind, together, keys)) == _sorted(whole[name]), name


def _sorted(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=repr)


def test_month_boundaries_are_shanghai_months():
    moments = [
        at(2026, 9, 30, 23, 59, 59, 999_999),
        at(2026, 10, 1),
        at(2026, 10, 31, 23, 59),
        at(2026, 11, 1),
    ]
    index = month_index(pa.array(moments, pa.timestamp("us", tz="UTC"))).to_pylist()
    assert index == [parse_period(p) for p in ("2026-09", "2026-10", "2026-10", "2026-11")]
    # 2026-10-01 00:00 in Shanghai is still September in UTC: the zone decides.
    assert at(2026, 10, 1).astimezone(UTC).month == 9


def test_an_empty_node_has_zero_figures_and_null_rates():
    parts = compute_partials(SourceTables.empty(), WINDOW)
    assert all(t.num_rows == 0 for t in parts.values())
    for name in ("key-accounts", "churn", "service", "value"):
        result = figures(name, parts, OCT, "total", Labels())
        assert result.rows[0]["key"] == "total"
    churn = figures("churn", parts, OCT, "total", Labels()).total
    assert churn["active_at_start"] == 0 and churn["churn_rate"] is None
    service = figures("service", parts, OCT, "total", Labels()).total
    assert service["sla_rate"] is None and service["satisfaction_mean"] is None
    value = figures("value", parts, OCT, "total", Labels()).total
    assert value["arpu"] is None and value["lifetime_value"] is None


def test_no_active_customers_at_the_start_gives_a_null_rate_not_an_error():
    rows = Rows()
    c = rows.customer("430100", at(2026, 10, 3))
    rows.churn(c, "430100", at(2026, 10, 9), "price", None, "0")
    parts = compute_partials(source_tables(rows), WINDOW)
    total = figures("churn", parts, OCT, "total", Labels()).total
    assert total["active_at_start"] == 0
    assert total["churned"] == 1 and total["churned_from_start"] == 0
    assert total["churn_rate"] is None


def test_joined_and_churned_in_the_same_month():
    rows = Rows()
    stayer = rows.customer("430100", at(2025, 1, 1))
    rows.subscription(stayer, "430100", "10.00", at(2025, 1, 1))
    c = rows.customer("430100", at(2026, 10, 1))  # 00:00, first instant of October
    rows.subscription(c, "430100", "59.00", at(2026, 10, 1), at(2026, 10, 31, 23, 59))
    rows.churn(c, "430100", at(2026, 10, 31, 23, 59), "service", "china_mobile", "59.00")
    parts = compute_partials(source_tables(rows), WINDOW)
    total = figures("churn", parts, OCT, "total", Labels()).total
    assert (total["active_at_start"], total["joined"], total["churned"]) == (1, 1, 1)
    assert total["churned_from_start"] == 0 and total["churn_rate"] == 0.0
    assert total["churned_revenue"] == 59.0
    key = figures("key-accounts", parts, OCT, "total", Labels()).total
    assert key["customers"] == 1 and key["revenue"] == 10.0


def test_latest_churn_event_counts_once():
    rows = Rows()
    c = rows.customer("430100", at(2024, 1, 1))
    rows.churn(c, "430100", at(2025, 3, 1), "price", None, "10.00")
    rows.churn(c, "430100", at(2026, 10, 2), "network_quality", "china_unicom", "20.00")
    parts = compute_partials(source_tables(rows), WINDOW)
    march = figures("churn", parts, parse_period("2025-03"), "total", Labels()).total
    october = figures("churn", parts, OCT, "total", Labels()).total
    assert march["churned"] == 0 and march["active_at_start"] == 1
    assert october["churned"] == 1 and october["churned_revenue"] == 20.0


def test_pareto_is_exact_when_boundary_customers_pay_the_same():
    buckets = [Bucket(1, 1000, 1000, 1000), Bucket(4, 400, 100, 100), Bucket(5, 0, 0, 0)]
    p = pareto(buckets)
    # Top 20% of 10 customers = 2: 1000 + 100 of 1400.
    assert p.top20_revenue_share == pytest.approx(1100 / 1400, abs=1e-15) and p.exact
    # 80% of 1400 = 1120: the 1000 customer and 1.2 of the 100 ones: 2.2 of 10.
    assert p.customers_share_for_80 == pytest.approx(0.22, abs=1e-15)
    assert p.curve[0] == (0.0, 0.0) and p.curve[-1] == (1.0, 1.0)


def test_pareto_split_bucket_is_within_one_percent():
    # Three customers paying 100.00, 100.50 and 101.00 share one 1% bucket.
    buckets = [Bucket(3, 30150, 10000, 10100), Bucket(7, 7000, 1000, 1000)]
    p = pareto(buckets)
    exact = (10100 + 10050) / 37150  # the top 20% are the two biggest
    assert not p.exact
    assert p.top20_revenue_share == pytest.approx(exact, rel=0.01)
    assert p.top20_revenue_share != exact


def test_unknown_group_by_is_refused_with_the_choices():
    parts = compute_partials(SourceTables.empty(), WINDOW)
    with pytest.raises(ValueError, match=r"churn can be grouped by .*reason"):
        figures("churn", parts, OCT, "colour", Labels())


def test_now_decides_the_window():
    now = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # 2026-11-01 00:00 in Shanghai
    assert current_month(now=now) == parse_period("2026-11")
