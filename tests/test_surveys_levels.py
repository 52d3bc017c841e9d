"""Issue 21 §4-§5 across levels, as real processes: two cities run callbacks (driven
in-process at each city's database with the clock passed in, since a real process's
calling window depends on the hour); one `fedcrm sync` per level carries the figures
and the suppression list upward. A refusal at Changsha is honoured at once there and,
after one replication cycle, at the province and HQ; the parents' satisfaction, RR1,
COOP1 and each city's row equal the merge of the cities', worked out by hand below."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from node.auth.accounts import User
from node.db.unit_of_work import Database
from node.surveys.campaign_models import DialResult
from node.surveys.figures_fold import fold_all
from node.surveys.pool import reserve
from node.surveys.results import Report, record_result
from node.surveys.suppression import is_suppressed
from tests.callback_helpers import T0, add_numbers, make_campaign
from tests.topology import Topology, build, db_url_factory, fedcrm

pytestmark = pytest.mark.slow

R = DialResult
REFUSED = "13800138099"
# Each city's dials at T0 (Tuesday 2026-12-01 10:00 in Beijing): (number, result, score).
CHANGSHA = [("13800138001", R.completed, 5), ("13800138002", R.completed, 4),
            ("13800138003", R.completed, 2), (REFUSED, R.refused, None)]  # fmt: skip
ZHUZHOU = [("13900139001", R.completed, 5), ("13900139002", R.completed, 3),
           ("13900139003", R.no_answer, None)]  # fmt: skip
DAY = {"from": "2026-12-01", "to": "2026-12-01"}


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    topo = build(tmp_path, db_url_factory("sqlite", tmp_path, None))
    topo.start_all()
    yield topo
    topo.stop_all()


def _run_callbacks(node, dials) -> None:  # type: ignore[no-untyped-def]
    db = Database(node.db_url, node.code)
    try:
        with db.unit_of_work() as session:
            agent = session.execute(select(User.id).where(User.username == "admin")).scalar_one()
            campaign = make_campaign(session)
            add_numbers(session, campaign, *[[phone] for phone, _, _ in dials])
            for phone, result, score in dials:
                task = reserve(session, agent, T0)
                assert task is not None and task.phone == phone
                answers = {"fixed": "yes", "score": score} if score is not None else None
                record_result(session, task.id, agent, Report(result, answers), T0)
            fold_all(session)  # what the node's fold job does every few seconds
    finally:
        db.dispose()


def _offered_numbers(node, numbers: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    """What a new campaign at `node` offers of `numbers`, one agent after another
    (nothing kept)."""
    db = Database(node.db_url, node.code)
    try:
        with db.unit_of_work() as session:
            add_numbers(session, make_campaign(session), *[[n] for n in numbers])
            offered = []
            while (task := reserve(session, uuid.uuid4(), T0)) is not None:
                offered.append(task.phone)
            session.rollback()
            return offered
    finally:
        db.dispose()


def _report(node, **params: str) -> dict:  # type: ignore[no-untyped-def]
    with node.api() as api:
        resp = api.get("/api/v1/surveys/report", params=DAY | params)
        answers = api.get("/api/v1/surveys/report/answers", params=DAY)
    assert resp.status_code == 200 and answers.status_code == 200, resp.text + answers.text
    return {"report": resp.json(), "answers": answers.json()["questions"]}


def test_refusals_and_figures_reach_the_province_and_hq(topology):
    changsha, zhuzhou = topology["430100"], topology["430200"]
    _run_callbacks(changsha, CHANGSHA)
    _run_callbacks(zhuzhou, ZHUZHOU)
    # At once at Changsha: a new campaign there never offers the refused number.
    assert _offered_numbers(changsha, [REFUSED, "13800138005"]) == ["13800138005"]
    assert _offered_numbers(topology["000000"], [REFUSED]) == [REFUSED]  # not yet at HQ
    for code in ("430100", "430200", "430000"):
        fedcrm("sync", str(topology[code].dir))
    for parent in (topology["430000"], topology["000000"]):
        db = Database(parent.db_url, parent.code)
        with db.unit_of_work(write=False) as session:
            assert is_suppressed(session, REFUSED)
        db.dispose()
        assert _offered_numbers(parent, [REFUSED, "13700137001"]) == ["13700137001"]
        got = _report(parent, group_by="node")
        rows = {r["key"]: r for r in got["report"]["rows"]}
        # By hand: Changsha 4 dials, 4 contacts, 3 interviews and 1 refusal (final 4);
        # Zhuzhou 3 dials, 2 contacts, 2 interviews (its no-answer is still open).
        assert {k: (r["attempts"], r["contacts"], r["interviews"], r["refusals"])
                for k, r in rows.items()} == {"430100": (4, 4, 3, 1),
                                              "430200": (3, 2, 2, 0)}  # fmt: skip
        total = got["report"]["total"]
        assert (total["final_tasks"], total["aapor_rr1"]) == (6, round(5 / 6, 4))
        assert total["aapor_coop1"] == round(5 / 6, 4)
        # Scores 5, 4, 2 and 5, 3: 4-5 three times of five.
        score = next(q for q in got["answers"] if q["question"] == "score")
        assert (score["respondents"], score["satisfaction"]) == (5, 0.6)
    assert "all children match" in fedcrm("verify", str(topology["000000"].dir)).stdout
