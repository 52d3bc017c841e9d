"""fedcrm child / parent / sync / status / quarantine: running the federation by hand."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import select

from federation.entry import (
    NoParent,
    QuarantinedBatch,
    RegistryError,
    Row,
    VerifyError,
    build_sender,
    expected_rows,
    ingest_inbox_now,
    list_children,
    node_public_key,
    node_signer,
    node_status,
    pull_now,
    received_rows,
    reset_checkpoints,
    revoke_child,
    save_result,
    verify_children,
    verify_parent,
)
from node.cli.context import console, fail, open_database, open_settings
from node.cli.help_texts import cli_text, command_help
from node.cli.shared import DirArg, command_group
from node.knowledge.jobs import take_articles_from_above
from node.provisioning.errors import ProvisioningError
from node.provisioning.links import (
    SftpTarget,
    register_child,
    rotate_child_key,
    rotate_parent_key,
    set_parent,
)
from node.settings import Level
from node.surveys.publications import take_questionnaires_from_above

child_app = command_group("child")
parent_app = command_group("parent")
key_app = command_group("key")
quarantine_app = command_group("quarantine")
PublicKey = Annotated[str, typer.Option(help=cli_text("child.public_key"))]
ParentKey = Annotated[str, typer.Option(help=cli_text("parent.parent_key"))]
ChildCode = Annotated[str, typer.Option(help=cli_text("child.code"))]


@key_app.command("show", help=command_help("key.show"))
def key_show(data_dir: DirArg) -> None:
    """Print this node's public key (making DIR/node.key, mode 0600, if it has none)."""
    settings = open_settings(data_dir)
    print(node_public_key(settings.data_dir))


@child_app.command("add", help=command_help("child.add"))
def child_add(
    data_dir: DirArg,
    code: ChildCode,
    name: Annotated[str, typer.Option(help=cli_text("child.name"))],
    level: Annotated[Level, typer.Option(help=cli_text("child.level"))],
    public_key: PublicKey,
    url: Annotated[str | None, typer.Option(help=cli_text("child.url"))] = None,
    sftp: Annotated[bool, typer.Option("--sftp", help=cli_text("child.sftp"))] = False,
) -> None:
    """Register a child by its public key; print this node's, for `parent set` there."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        issued = register_child(settings, db, (code, name, level), public_key, url, sftp=sftp)
    except ProvisioningError as exc:
        fail(str(exc))
    if issued.inbox is not None:
        console.print(
            f"SFTP inbox for {code}: {issued.inbox} (give the child's SSH user write access)"
        )
    console.print(f"registered {level.value} {code} {name}. This node's key, for --parent-key:")
    print(issued.parent_key)


@child_app.command("rotate", help=command_help("child.rotate"))
def child_rotate(
    data_dir: DirArg,
    code: ChildCode,
    public_key: PublicKey,
    hmac_days: Annotated[
        float,
        typer.Option(help=cli_text("child.hmac_days")),
    ] = 7,
) -> None:
    """Make a child's signatures verify with a new public key (accepted at once)."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        parent_key = rotate_child_key(settings, db, code, public_key, hmac_days)
    except ProvisioningError as exc:
        fail(str(exc))
    console.print(f"child {code} now signs with {public_key.strip()}. This node's key:")
    print(parent_key)


@child_app.command("list", help=command_help("child.list"))
def child_list(data_dir: DirArg) -> None:
    """List registered children."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    table = Table("code", "name", "level", "registered", "state")
    with db.unit_of_work(write=False) as session:
        for c in list_children(session):
            table.add_row(
                c.code,
                c.name,
                c.level,
                c.created_at.strftime("%Y-%m-%d %H:%M"),
                "revoked" if c.revoked_at else "active",
            )
    console.print(table)


@child_app.command("revoke", help=command_help("child.revoke"))
def child_revoke(data_dir: DirArg, code: ChildCode) -> None:
    """Revoke a child: its batches and requests are refused from now on."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        with db.unit_of_work() as session:
            revoke_child(session, code)
    except RegistryError as exc:
        fail(str(exc))
    console.print(f"revoked {code}")


class Transport(StrEnum):
    http = "http"
    sftp = "sftp"


@parent_app.command("set", help=command_help("parent.set"))
def parent_set(
    data_dir: DirArg,
    parent_key: ParentKey,
    url: Annotated[str | None, typer.Option(help=cli_text("parent.url"))] = None,
    transport: Annotated[
        Transport, typer.Option(help=cli_text("parent.transport"))
    ] = Transport.http,
    host: Annotated[str | None, typer.Option(help=cli_text("parent.host"))] = None,
    port: Annotated[int, typer.Option(help=cli_text("parent.port"))] = 22,
    username: Annotated[str | None, typer.Option(help=cli_text("parent.username"))] = None,
    key_file: Annotated[Path | None, typer.Option(help=cli_text("parent.key_file"))] = None,
    known_hosts: Annotated[Path | None, typer.Option(help=cli_text("parent.known_hosts"))] = None,
    inbox: Annotated[str | None, typer.Option(help=cli_text("parent.inbox"))] = None,
) -> None:
    """Point this node at its parent (HTTP or SFTP) and keep the parent's public key."""
    settings = open_settings(data_dir)
    target = None
    if transport is Transport.sftp:
        given = {
            "--host": host,
            "--username": username,
            "--key-file": key_file,
            "--known-hosts": known_hosts,
            "--inbox": inbox,
        }
        missing = [flag for flag, value in given.items() if not value]
        if missing or not (host and username and key_file and known_hosts and inbox):
            fail(f"the SFTP transport needs {', '.join(missing)}")
        target = SftpTarget(host, port, username, key_file, known_hosts, inbox)
    try:
        where = set_parent(settings, parent_key, url if target is None else None, target)
    except ProvisioningError as exc:
        fail(str(exc))
    console.print(f"parent set to {where}. Give the parent this node's key (`key show`).")


@parent_app.command("rotate", help=command_help("parent.rotate"))
def parent_rotate(data_dir: DirArg, parent_key: ParentKey) -> None:
    """Keep the parent's (new) public key and sign with this node's own key from now on
    (a link made before keys drops its credential file)."""
    settings = open_settings(data_dir)
    try:
        removed = rotate_parent_key(settings, parent_key)
    except ProvisioningError as exc:
        fail(str(exc))
    if removed is not None:
        console.print(f"legacy credential {removed} removed")
    console.print(f"this node signs with {node_public_key(settings.data_dir)}")


def ingest(data_dir: DirArg) -> None:
    """Apply the batches waiting in this node's SFTP inbox now, write their answers, and
    write what flows down into the children's outboxes."""
    settings = open_settings(data_dir)
    if not settings.federation.inbox_dir:
        fail("this node has no SFTP inbox: add a child with `fedcrm child add ... --sftp`")
    report = ingest_inbox_now(settings, open_database(settings))
    console.print(
        f"{report.applied} batches applied ({report.rows} rows), {report.rejected} "
        f"rejected, {report.out_of_order} out of order; {report.down_written} batches "
        "written for the children to pull"
    )


def sync(data_dir: DirArg) -> None:
    """Run one full replication cycle to the parent now and print what was sent."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        sender = build_sender(settings, db)
    except NoParent as exc:
        fail(str(exc))
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} rows"),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("sending", total=None)

        def progress(table: str, rows: int) -> None:
            bar.update(task, advance=rows, description=f"sending {table}")

        report = sender.sync_once(progress, wait=True)
    sender.transport.close()
    table = Table("table", "rows sent", "batches", "error")
    for t in report.tables:
        table.add_row(t.table, str(t.rows_sent), str(t.batches), t.error or "")
    console.print(table)
    console.print(f"{report.rows_sent} rows sent" + ("" if report.ok else " (with errors)"))
    if not report.ok:
        raise typer.Exit(1)


def status(
    data_dir: DirArg,
    as_json: Annotated[bool, typer.Option("--json", help=cli_text("status.json"))] = False,
) -> None:
    """Show the parent link and every child: last success, backlog, lag, rejections."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    state = node_status(db, settings)
    if as_json:
        print(json.dumps(state, ensure_ascii=False, indent=2))
        return
    node = state["node"]
    console.print(f"[bold]{node['level']} {node['code']} {node['name']}[/]")
    parent = state["parent"]
    if parent:
        console.print(
            f"parent {parent['url']} ({parent['transport']}): last success "
            f"{parent['last_success'] or 'never'}, backlog {parent['backlog_rows']} rows"
        )
        for t in parent["tables"]:
            if t["last_error"] or t["backlog_rows"]:
                console.print(
                    f"  {t['table']}: backlog {t['backlog_rows']}  {t['last_error'] or ''}"
                )
    children = Table("child", "name", "last batch", "rows applied", "lag s", "rejected", "state")
    for c in state["children"]:
        lag = f"{c['lag_seconds']:.1f}" if c["lag_seconds"] is not None else ""
        children.add_row(
            c["code"],
            c["name"],
            c["last_batch_received"] or "never",
            str(c["rows_applied"]),
            lag,
            str(c["rejected_batches"]),
            "revoked" if c["revoked"] else "active",
        )
    if state["children"]:
        console.print(children)


@quarantine_app.command("list", help=command_help("quarantine.list"))
def quarantine_list(data_dir: DirArg) -> None:
    """List refused batches with their reasons."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    table = Table("id", "received", "sender", "table", "status", "reason")
    with db.unit_of_work(write=False) as session:
        for q in session.execute(select(QuarantinedBatch).order_by(QuarantinedBatch.id)).scalars():
            table.add_row(
                str(q.id),
                q.received_at.strftime("%Y-%m-%d %H:%M:%S"),
                q.sender or "?",
                q.table_name or "?",
                str(q.status_code),
                q.reason,
            )
    console.print(table)


@quarantine_app.command("show", help=command_help("quarantine.show"))
def quarantine_show(
    data_dir: DirArg, batch_id: Annotated[int, typer.Argument(help=cli_text("quarantine.batch_id"))]
) -> None:
    """Show one refused batch: reason, manifest, where its body is kept."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    with db.unit_of_work(write=False) as session:
        q = session.get(QuarantinedBatch, batch_id)
        if q is None:
            fail(f"no quarantined batch {batch_id}")
        console.print(f"id {q.id}  received {q.received_at.isoformat()}  status {q.status_code}")
        console.print(f"sender {q.sender}  table {q.table_name}")
        console.print(f"reason: {q.reason}")
        console.print(f"body: {q.body_path or 'not kept'} ({q.body_bytes} bytes)")
        if q.manifest:
            console.print(f"manifest (base64): {q.manifest}")


def verify(
    data_dir: DirArg,
    from_parent: Annotated[
        bool, typer.Option("--from-parent", help=cli_text("verify.from_parent"))
    ] = False,
) -> None:
    """Prove this node holds exactly what each child holds (count and digest per origin
    and table); with --from-parent, also exactly what its parent serves down. Exit 0
    when all match, 1 naming each divergence."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    rows, problems = verify_children(db, node_signer(settings))
    save_result(settings.data_dir, rows, problems)  # for the web UI's federation page
    if from_parent:
        try:
            above = verify_parent(settings, db)
        except (NoParent, VerifyError) as exc:
            problems.append(str(exc))
        else:
            _print_rows(above, "parent", "from the parent")
            rows += above
    _print_rows([r for r in rows if r.child != db.node_code], "child", "at the child")
    for p in problems:
        console.print(f"[red]not verified[/]: {p}")
    if any(not r.match for r in rows) or problems:
        raise typer.Exit(1)
    console.print("all children match" + (" and so does the parent" if from_parent else ""))


def _print_rows(rows: list[Row], side: str, where: str) -> None:
    """The comparison as a table, then each divergence on its own line."""
    table = Table(side, "table", "origin", "here", side, "result")
    for r in rows:
        if r.parent_rows or r.child_rows:
            here, there = (
                (r.child_rows, r.parent_rows) if side == "parent" else (r.parent_rows, r.child_rows)
            )
            name = "" if side == "parent" else r.child
            table.add_row(
                name,
                r.table,
                r.origin,
                str(here),
                str(there),
                "[green]match[/]" if r.match else "[red]DIVERGES[/]",
            )
    if rows:
        console.print(table)
    for r in rows:
        if not r.match:
            here, there = (
                (r.child_rows, r.parent_rows) if side == "parent" else (r.parent_rows, r.child_rows)
            )
            who = f"{side} {r.child}" if side == "child" else side
            console.print(
                f"[red]divergence[/]: {who} {r.table} origin {r.origin}: "
                f"{here} rows here, {there} {where}"
            )


def pull(data_dir: DirArg) -> None:
    """Pull what the parent serves down (dictionaries, products, knowledge-base articles)
    now and print it."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    taken: list[int] = []

    def take() -> None:
        taken.extend((take_articles_from_above(db), take_questionnaires_from_above(db)))

    try:
        report = pull_now(settings, db, take)
    except NoParent as exc:
        fail(str(exc))
    table = Table("table", "batches", "rows received", "rows applied", "result")
    for t in report.tables:
        result = "[green]ok[/]" if t.error is None else f"[red]{t.error}[/]"
        table.add_row(t.table, str(t.batches), str(t.rows_received), str(t.rows_applied), result)
    console.print(table)
    if taken and taken[0]:
        console.print(f"{taken[0]} knowledge-base article(s) from above made or withdrawn")
    if taken and taken[1]:
        console.print(f"{taken[1]} questionnaire(s) from above brought in")
    if not report.ok:
        raise typer.Exit(1)


def resync(
    data_dir: DirArg,
    child: Annotated[str, typer.Option("--child", help=cli_text("resync.child"))],
    wait: Annotated[bool, typer.Option(help=cli_text("resync.wait"))] = True,
    timeout: Annotated[float, typer.Option(help=cli_text("resync.timeout"))] = 3600,
) -> None:
    """Make a child resend everything (a new or rebuilt parent). Resumable, with progress."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        with db.unit_of_work() as session:
            reset_checkpoints(session, child)
    except RegistryError as exc:
        fail(str(exc))
    console.print(f"child {child} will resend everything on its next cycle")
    if not wait:
        return
    total = expected_rows(db, child, node_signer(settings))
    if total is None:
        console.print(
            "the child has no URL here, so progress cannot be shown: follow it with `fedcrm status`"
        )
        return
    deadline = time.monotonic() + timeout
    with Progress(
        TextColumn("resync {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} rows"),
        console=console,
    ) as bar:
        task = bar.add_task(child, total=total)
        while (done := received_rows(db, child)) < total:
            bar.update(task, completed=done)
            if time.monotonic() > deadline:
                fail(f"resync of {child} not finished after {timeout:.0f} s ({done}/{total})")
            time.sleep(1)
        bar.update(task, completed=total)
    console.print(f"resync of {child} complete: {total} rows received")
