"""`fedcrm surveys export` at one node and `fedcrm surveys import` at another carry a
questionnaire's published versions with their ids; a bad file is refused naming what is
wrong, with a non-zero exit and nothing changed."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
from sqlalchemy import func, select
from typer.testing import CliRunner

from node.cli.main import app
from node.db.unit_of_work import Database
from node.surveys.definition import parse_definition
from node.surveys.models import Questionnaire, QuestionnaireVersion
from node.surveys.service import create_questionnaire, new_draft, publish

runner = CliRunner()

DEFINITION = {
    "questions": [
        {
            "code": "fixed",
            "type": "single",
            "text": "修好了吗？",
            "choices": [
                {"code": "yes", "label": "是"},
                {"code": "no", "label": "否", "jump_to": "END"},
            ],
        },
        {"code": "score", "type": "rating", "text": "满意吗？", "required": True},
    ]
}


def _node(tmp_path: Path, name: str, code: str) -> tuple[Path, str]:
    node_dir, url = tmp_path / name, f"sqlite:///{tmp_path / name}.db"
    args = ["init", str(node_dir), "--level", "city", "--code", code, "--name", name, "--db", url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return node_dir, url


def _counts(url: str) -> tuple[int, int]:
    db = Database(url, "430100")
    try:
        with db.unit_of_work(write=False) as session:
            questionnaires = session.execute(select(func.count()).select_from(Questionnaire))
            versions = session.execute(select(func.count()).select_from(QuestionnaireVersion))
            return questionnaires.scalar_one(), versions.scalar_one()
    finally:
        db.dispose()


def test_export_then_import_carries_the_published_versions(tmp_path: Path) -> None:
    hq_dir, hq_url = _node(tmp_path, "hq", "430100")
    city_dir, city_url = _node(tmp_path, "city", "430200")
    hq = Database(hq_url, "430100")
    with hq.unit_of_work() as session:
        questionnaire, v1 = create_questionnaire(
            session, "报修回访", "", parse_definition(DEFINITION)
        )
        publish(session, v1, "hq_lead")
        new_draft(session, questionnaire.id)  # a draft: never exported
        qid, v1_id = str(questionnaire.id), str(v1.id)
    hq.dispose()
    out = tmp_path / "survey.json"
    result = runner.invoke(app, ["surveys", "export", str(hq_dir), qid, str(out)])
    assert result.exit_code == 0, result.output
    exported = orjson.loads(out.read_bytes())
    assert exported["id"] == qid and [v["id"] for v in exported["versions"]] == [v1_id]
    result = runner.invoke(app, ["surveys", "import", str(city_dir), str(out)])
    assert result.exit_code == 0, result.output
    assert _counts(city_url) == (1, 1)
    city = Database(city_url, "430200")
    with city.unit_of_work(write=False) as session:
        version = session.get(QuestionnaireVersion, v1.id)
        assert version is not None and version.status == "published"
        assert version.published_by == "hq_lead" and version.number == 1
    city.dispose()
    # the same file again adds nothing
    again = runner.invoke(app, ["surveys", "import", str(city_dir), str(out)])
    assert again.exit_code == 0 and "0" in again.output
    assert _counts(city_url) == (1, 1)

    # a changed version 1 under the same ids: refused, nothing changed
    changed = copy.deepcopy(exported)
    changed["versions"][0]["definition"]["questions"][1]["text"] = "改过的"
    bad = tmp_path / "changed.json"
    bad.write_bytes(orjson.dumps(changed))
    result = runner.invoke(app, ["surveys", "import", str(city_dir), str(bad)])
    assert result.exit_code != 0 and "versions[0]" in result.output
    assert _counts(city_url) == (1, 1)


def test_a_bad_file_is_refused_naming_the_path_and_nothing_changes(tmp_path: Path) -> None:
    city_dir, city_url = _node(tmp_path, "city", "430200")
    backward = copy.deepcopy(DEFINITION)
    backward["questions"][0]["choices"][1]["jump_to"] = "fixed"
    good_version = {
        "id": "0190f000-0000-7000-8000-000000000002",
        "number": 1,
        "published_at": "2026-12-01T09:00:00+08:00",
        "published_by": "hq_lead",
        "definition": DEFINITION,
    }
    base = {
        "format": "fedcrm-questionnaire",
        "format_version": 1,
        "id": "0190f000-0000-7000-8000-000000000001",
        "name": "报修回访",
    }
    cases = {
        "not json": (b"{nope", "file"),
        "a backward jump": (
            orjson.dumps({**base, "versions": [{**good_version, "definition": backward}]}),
            "versions[0].definition.questions[0].choices[1].jump_to",
        ),
        "no format": (
            orjson.dumps({**base, "format": "csv", "versions": [good_version]}),
            "format",
        ),
        "a naive time": (
            orjson.dumps(
                {**base, "versions": [{**good_version, "published_at": "2026-12-01T09:00"}]}
            ),
            "versions[0].published_at",
        ),
        "a version twice": (orjson.dumps({**base, "versions": [good_version] * 2}), "versions"),
    }
    for label, (raw, path) in cases.items():
        file = tmp_path / "bad.json"
        file.write_bytes(raw)
        result = runner.invoke(app, ["surveys", "import", str(city_dir), str(file)])
        assert result.exit_code != 0, label
        assert path in result.output, (label, result.output)
        assert _counts(city_url) == (0, 0), label
    missing = runner.invoke(app, ["surveys", "import", str(city_dir), str(tmp_path / "no.json")])
    assert missing.exit_code != 0 and "no.json" in missing.output
    unknown = runner.invoke(
        app,
        ["surveys", "export", str(city_dir), base["id"], str(tmp_path / "out.json")],
    )
    assert unknown.exit_code != 0 and base["id"] in unknown.output
    assert not (tmp_path / "out.json").exists()


def test_fill_runs_the_self_filling_campaigns_once(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from node.surveys import campaigns
    from node.tickets.models import Ticket

    node_dir, url = _node(tmp_path, "city", "430100")
    db = Database(url, "430100")
    closed = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    with db.unit_of_work() as session:
        _, version = create_questionnaire(session, "报修回访", "", parse_definition(DEFINITION))
        publish(session, version, "lead")
        fill = campaigns.AutoFill(kind="repair", since=closed)
        campaign = campaigns.create_campaign(
            session, "报修", version.id, campaigns.Rules(), "lead", fill
        )
        # A customer this node holds no number of: counted, no task.
        session.add(Ticket(ticket_no="T1", customer_id=campaign.id, kind="repair",
                           due_at=closed, status="closed", closed_at=closed))  # fmt: skip
        campaign_id = campaign.id
    db.dispose()
    result = runner.invoke(app, ["surveys", "fill", str(node_dir)])
    assert result.exit_code == 0, result.output
    assert f"{campaign_id}: 新增 0 (added), 已在回访中 0 (already open), 无号码 1" in result.output
    assert "1 个自动补充的活动" in result.output
