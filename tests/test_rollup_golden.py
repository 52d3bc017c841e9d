"""Golden figures: ten hand-made customers around the October 2026 boundary (Shanghai),
held by province 430000 with rows replicated from its cities 430100 and 430200.
Every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from rollup.labels import Labels, load_labels
from rollup.periods import parse_period
from rollup.reading import PeriodOutOfRange, RollupUnavailable, read_figures
from rollup.refresh import refresh
from tests.rollup_data import Rows, at, insert_rows

NOW = datetime(2026, 11, 15, 4, 0, tzinfo=UTC)  # window 2024-12 .. 2026-11
M1 = uuid.UUID("0190aaaa-0000-7000-8000-000000000001")  # two account managers
M2 = uuid.UUID("0190aaaa-0000-7000-8000-000000000002")


def golden_rows() -> Rows:
    r = Rows()
    city, other, own = "430100", "430200", "430000"
    # c1: an old customer, 39.00 a month; a tombstoned 777.00 subscription is ignored.
    c1 = r.customer(city, at(2024, 3, 10), grade="gold")
    r.subscription(c1, city, "39.00", at(2024, 3, 10))
    r.subscription(c1, city, "777.00", at(2024, 3, 10), deleted=True)
    # c2: key account joined at 23:59 on 30 September: active at October's start.
    c2 = r.customer(
        city, at(2026, 9, 30, 23, 59), type="enterprise", grade="diamond", key=True, manager=M1
    )
    r.subscription(c2, city, "999.00", at(2026, 9, 30, 23, 59))
    # c3: joined at 00:00 on 1 October: not active at the start, joined in October.
    c3 = r.customer(city, at(2026, 10, 1), grade="silver")
    r.subscription(c3, city, "59.00", at(2026, 10, 1))
    # c4: churned at 23:59:59 on 31 October (to China Mobile, over price).
    c4 = r.customer(city, at(2025, 1, 15), grade="gold")
    r.subscription(c4, city, "129.00", at(2025, 1, 15), at(2026, 10, 31, 23, 59, 59))
    r.churn(c4, city, at(2026, 10, 31, 23, 59, 59), "price", "china_mobile", "129.00")
    # c5: churned at 00:00 on 1 November: a November churn, active at October's end.
    c5 = r.customer(city, at(2025, 6, 1), grade="standard")
    r.subscription(c5, city, "19.00", at(2025, 6, 1), at(2026, 11, 1))
    r.churn(c5, city, at(2026, 11, 1), "network_quality", "china_unicom", "19.00")
    # c6: joined and churned in October.
    c6 = r.customer(city, at(2026, 10, 5), grade="gold")
    r.subscription(c6, city, "39.00", at(2026, 10, 5), at(2026, 10, 20))
    r.churn(c6, city, at(2026, 10, 20), "relocation", None, "39.00")
    # c7: a tombstoned key account: none of it counts.
    c7 = r.customer(
        city, at(2023, 1, 1), type="enterprise", grade="diamond", key=True, manager=M1, deleted=True
    )
    r.subscription(c7, city, "5000.00", at(2023, 1, 1))
    # c8: replicated from city 430200, a key account with two subscriptions (1,800.00).
    c8 = r.customer(other, at(2022, 5, 1), type="enterprise", grade="gold", key=True, manager=M2)
    r.subscription(c8, other, "1500.00", at(2022, 5, 1))
    r.subscription(c8, other, "300.00", at(2023, 2, 1))
    # c9: from 430200, churned in October to China Unicom; a tombstoned September churn
    # event is ignored.
    c9 = r.customer(other, at(2024, 8, 8), grade="silver")
    r.subscription(c9, other, "99.00", at(2024, 8, 8), at(2026, 10, 10))
    r.churn(c9, other, at(2026, 9, 9), "price", None, "99.00", deleted=True)
    r.churn(c9, other, at(2026, 10, 10), "competitor_offer", "china_unicom", "99.00")
    # c10: the province's own customer, joined 2026-01-01 00:30 Shanghai (2025 in UTC).
    c10 = r.customer(own, datetime(2025, 12, 31, 16, 30, tzinfo=UTC), grade="standard")
    r.subscription(c10, own, "10.00", datetime(2025, 12, 31, 16, 30, tzinfo=UTC))

    # Tickets. t1: repair, major, 23 h (met), satisfaction 5.
    r.ticket(c1, city, "repair", "major", at(2026, 10, 1), at(2026, 10, 1, 23), 5)
    # t2: repair, general, 72 h (missed), satisfaction 2; c1's t1 was resolved 14 days
    # before it opened: a repeat repair.
    r.ticket(c1, city, "repair", "general", at(2026, 10, 15, 10), at(2026, 10, 18, 10), 2)
    # t3: complaint opened 23:59 on 30 September (a September opening), resolved in
    # October after 9 h 1 min (met).
    r.ticket(c2, city, "complaint", "general", at(2026, 9, 30, 23, 59), at(2026, 10, 1, 9))
    # t4: repair, major, 25 h (missed), at 430200.
    r.ticket(c8, other, "repair", "major", at(2026, 10, 20), at(2026, 10, 21, 1))
    # t5: repair opened at 23:30 on 31 October, not resolved.
    r.ticket(c5, city, "repair", "major", at(2026, 10, 31, 23, 30))
    # t6: tombstoned: ignored.
    r.ticket(c1, city, "repair", "major", at(2026, 10, 5), at(2026, 10, 12), 1, deleted=True)
    return r


@pytest.fixture
def province(parent_database):
    insert_rows(parent_database, golden_rows())
    refresh(parent_database, "test", now=NOW)
    return parent_database


def _figures(db, name, group_by="total", period="2026-10"):
    with db.unit_of_work(write=False) as session:
        labels = load_labels(session, "430000", {"430000": "湖南省", "430100": "长沙市"})
        return read_figures(session, name, parse_period(period), group_by, labels)


def test_churn_by_hand(province):
    total = _figures(province, "churn").total
    # Active at October's start: c1, c2 (joined 30 Sep 23:59), c4, c5, c8, c9, c10 = 7.
    # Churned in October: c4, c6, c9 = 3; of them active at the start: c4, c9 = 2.
    assert total["active_at_start"] == 7
    assert total["churned"] == 3 and total["churned_from_start"] == 2
    assert total["churn_rate"] == pytest.approx(2 / 7, abs=1e-15)
    assert total["churned_revenue"] == 129 + 39 + 99
    assert total["joined"] == 2  # c3 (00:00 on 1 October) and c6

    cities = {r["key"]: r for r in _figures(province, "churn", "city").rows}
    assert cities["430100"]["label"] == "长沙市"
    # 430100: start c1, c2, c4, c5 = 4; c4 churned from the start: 1/4.
    assert cities["430100"]["churn_rate"] == pytest.approx(1 / 4)
    assert cities["430100"]["churned"] == 2  # c4, c6
    # 430200: start c8, c9; c9 churned: 1/2.
    assert cities["430200"]["churn_rate"] == pytest.approx(1 / 2)
    # 430000 (the province's own): c10 alone, nobody left: 0, not null.
    assert cities["430000"]["churn_rate"] == 0.0
    provinces = _figures(province, "churn", "province").rows
    assert [(p["key"], p["label"], p["churn_rate"]) for p in provinces] == [
        ("430000", "湖南省", pytest.approx(2 / 7))
    ]

    tenure = {r["key"]: r for r in _figures(province, "churn", "tenure").rows}
    # Tenure in October: c2 1 and c10 9 months (<1y); c4 21, c5 16 (1-2y);
    # c1 31, c9 26 (2-3y); c8 53 (3-5y). c6 churned at tenure 0.
    assert tenure["lt1y"]["active_at_start"] == 2 and tenure["lt1y"]["churned"] == 1
    assert tenure["lt1y"]["churn_rate"] == 0.0
    assert tenure["1to2y"]["churn_rate"] == pytest.approx(0.5)
    assert tenure["2to3y"]["churn_rate"] == pytest.approx(0.5)
    assert tenure["3to5y"]["churn_rate"] == 0.0

    reasons = {r["key"]: r for r in _figures(province, "churn", "reason").rows}
    assert {k: r["churned"] for k, r in reasons.items()} == {
        "price": 1,
        "relocation": 1,
        "competitor_offer": 1,
    }
    assert reasons["price"]["label"] == "资费偏高"
    assert reasons["price"]["churned_revenue"] == 129.0
    # The part of the rate each reason explains: price (c4) 1/7, relocation (c6, new) 0.
    assert reasons["price"]["churn_rate"] == pytest.approx(1 / 7)
    assert reasons["relocation"]["churn_rate"] == 0.0
    competitors = {r["key"]: r["churned"] for r in _figures(province, "churn", "competitor").rows}
    assert competitors == {"china_mobile": 1, "china_unicom": 1, None: 1}

    trend = _figures(province, "churn", "month").rows
    assert [r["key"] for r in trend][-2:] == ["2026-09", "2026-10"] and len(trend) == 12
    # September: c9's September event is tombstoned, so nobody churned.
    assert trend[-2]["churned"] == 0 and trend[-1]["churned"] == 3


def test_key_accounts_and_pareto_by_hand(province):
    total = _figures(province, "key-accounts").total
    # Active at October's end: c1 39, c2 999, c3 59, c5 19, c8 1800, c10 10 = 2,926.00.
    assert total["customers"] == 6 and total["revenue"] == 2926.0
    assert total["key_accounts"] == 2 and total["key_revenue"] == 2799.0  # c2 + c8
    assert total["key_revenue_share"] == pytest.approx(2799 / 2926, abs=1e-15)
    # Top 20% of 6 customers = 1.2: 1800 + 0.2 x 999.
    assert total["top20_revenue_share"] == pytest.approx((1800 + 0.2 * 999) / 2926, abs=1e-12)
    # 80% of 2926 = 2340.8: 1800 and 540.8 / 999 of c2.
    assert total["customers_share_for_80"] == pytest.approx((1 + 540.8 / 999) / 6, abs=1e-12)
    assert total["pareto_exact"] is True
    assert total["key_churned"] == 0 and total["key_churn_rate"] == 0.0

    managers = {r["key"]: r for r in _figures(province, "key-accounts", "account_manager").rows}
    assert managers[M1.hex]["key_accounts"] == 1 and managers[M1.hex]["key_revenue"] == 999.0
    assert managers[M2.hex]["key_revenue"] == 1800.0
    assert managers[M2.hex]["share_of_key_revenue"] == pytest.approx(1800 / 2799)
    grades = {r["key"]: r for r in _figures(province, "key-accounts", "grade").rows}
    assert grades["diamond"]["key_revenue_share"] == 1.0
    assert grades["gold"]["key_revenue"] == 1800.0 and grades["gold"]["revenue"] == 1839.0


def test_service_by_hand(province):
    total = _figures(province, "service").total
    assert total["opened"] == 4  # t1, t2, t4, t5 (t3 opened in September)
    assert total["resolved"] == 4  # t1, t2, t3, t4
    assert total["sla_met"] == 2 and total["sla_rate"] == 0.5  # t1 and t3
    # 23 h + 72 h + 9 h 1 min + 25 h = 129 h 1 min over 4.
    assert total["mean_hours_to_resolve"] == pytest.approx((129 + 1 / 60) / 4, abs=1e-12)
    assert total["repairs_opened"] == 4 and total["repeat_repairs"] == 1
    assert total["repeat_repair_rate"] == 0.25
    assert total["satisfaction_count"] == 2 and total["satisfaction_mean"] == 3.5
    severity = {r["key"]: r for r in _figures(province, "service", "severity").rows}
    assert severity["major"]["sla_rate"] == 0.5 and severity["major"]["label"] == "重大"
    assert severity["general"]["sla_rate"] == 0.5
    september = _figures(province, "service", period="2026-09").total
    assert september["opened"] == 1 and september["resolved"] == 0


def test_value_by_hand(province):
    total = _figures(province, "value").total
    assert total["arpu"] == pytest.approx(2926 / 6, abs=1e-4)
    # Active at the starts of Nov 2025 .. Oct 2026: c1 12, c2 1, c4 12, c5 12, c8 12,
    # c9 12, c10 9 = 70; churned from the start in those months: c4, c9 = 2.
    assert total["churn_rate_12m"] == pytest.approx(2 / 70, abs=1e-15)
    assert total["expected_lifetime_months"] == pytest.approx(35)
    assert total["lifetime_value"] == pytest.approx(2926 / 6 * 35, abs=0.01)


def test_reading_before_any_run_and_outside_the_window(parent_database):
    with parent_database.unit_of_work(write=False) as session, pytest.raises(RollupUnavailable):
        read_figures(session, "churn", None, "total", Labels())
    refresh(parent_database, "test", now=NOW)
    with pytest.raises(PeriodOutOfRange, match=r"2024-12 \.\. 2026-11"):
        _figures(parent_database, "churn", period="2020-01")
    # An empty node: figures, zeros and nulls, no error.
    assert _figures(parent_database, "churn").total["churn_rate"] is None
