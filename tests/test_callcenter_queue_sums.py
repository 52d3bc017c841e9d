"""Issue 20 §7: the sums per slot and queue without the agent (`call_queue_figures`).

A report by slot, queue or node reads them; the golden log's figures through them are
the ones written out by hand in test_callcenter_queue_log and equal those computed from
the calls (test_callcenter_partials). Here: a late line moves a call within its queue's
row, and `fedcrm cti refigure` fills the table on a node that held figures before it
existed, idempotently."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select
from typer.testing import CliRunner

from node.callcenter.importer import import_queue_log, store_events
from node.callcenter.kpis import Rules
from node.callcenter.models import CallQueueFigures
from node.callcenter.queue_log import parse_line
from node.cli.main import app
from node.db.unit_of_work import Database
from tests.test_callcenter_queue_log import D1, GOLDEN, t, write

runner = CliRunner()


def _queue_rows(database: Database) -> set[tuple[str, int, int, int]]:
    Q = CallQueueFigures
    with database.unit_of_work(write=False) as session:
        return {
            (queue, offered, answered, hold)
            for queue, offered, answered, hold in session.execute(
                select(Q.queue, Q.offered, Q.answered, Q.hold_seconds)
            )
        }


def test_a_late_connect_stays_in_its_queue_row(database):
    """Waiting, then answered by 8001 after 5 s: the agent rows move (test_callcenter_
    partials), the queue's one row only changes its sums."""
    lines = [
        f"{t(D1 + ' 10:00:00')}|m1|q|NONE|ENTERQUEUE||13907310001|1",
        f"{t(D1 + ' 10:00:05')}|m1|q|SIP/8001|CONNECT|5|m1.1|2",
    ]
    with database.unit_of_work() as session:
        store_events(session, [parse_line(lines[0])], Rules())
    assert _queue_rows(database) == {("q", 1, 0, 0)}
    with database.unit_of_work() as session:
        store_events(session, [parse_line(lines[1])], Rules())
    assert _queue_rows(database) == {("q", 1, 1, 5)}


def test_refigure_fills_the_table_from_the_call_figures(tmp_path: Path):
    node_dir, url = tmp_path / "cz", f"sqlite:///{tmp_path / 'cz'}.db"
    args = ["init", str(node_dir), "--level", "city", "--code", "320400", "--name", "常州"]
    assert runner.invoke(app, [*args, "--db", url]).exit_code == 0
    database = Database(url, "320400")
    try:
        with database.unit_of_work() as session:
            import_queue_log(session, write(tmp_path / "queue_log", GOLDEN))
        written = _queue_rows(database)
        # The golden log's eight queue calls, as test_callcenter_queue_log counts them.
        assert sum(offered for _, offered, _, _ in written) == 8
        with database.unit_of_work() as session:  # a node from before migration 0024
            session.execute(delete(CallQueueFigures))
        result = runner.invoke(app, ["cti", "refigure", str(node_dir)])
        assert result.exit_code == 0, result.output
        assert _queue_rows(database) == written
        assert f"written: {len(written)})" in result.output
        again = runner.invoke(app, ["cti", "refigure", str(node_dir)])
        assert "written: 0)" in again.output
    finally:
        database.dispose()
