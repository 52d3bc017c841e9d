"""fedcrm child / parent / sync / status / quarantine: running the federation by hand."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy import select

from federation.registry.models import QuarantinedBatch
from federation.registry.service import RegistryError, add_child, list_children, revoke_child
from federation.sending.setup import CREDENTIAL_FILE, NoParent, build_sender
from federation.status import node_status
from node.cli.context import console, fail, open_database, open_settings
from node.settings import Level, write_settings

child_app = typer.Typer(help="Children of this node (at a parent).", no_args_is_help=True)
parent_app = typer.Typer(help="This node's parent link (at a child).", no_args_is_help=True)
quarantine_app = typer.Typer(help="Refused batches kept for inspection.", no_args_is_help=True)
DirArg = Annotated[Path, typer.Argument(help="The node directory")]


@child_app.command("add")
def child_add(
    data_dir: DirArg,
    code: Annotated[str, typer.Option(help="The child's 6-digit division code")],
    name: Annotated[str, typer.Option(help="The child's name, e.g. 长沙市")],
    level: Annotated[Level, typer.Option(help="province or city")],
    url: Annotated[
        str | None, typer.Option(help="The child's base URL, for `fedcrm verify`")
    ] = None,
) -> None:
    """Register a child and print its credential once (only a hash is stored)."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        with db.unit_of_work() as session:
            credential = add_child(
                session, settings.node.code, settings.node.level, code, name, level, url
            )
    except RegistryError as exc:
        fail(str(exc))
    console.print(f"registered {level.value} {code} {name}. Its credential (shown once):")
    print(credential)


@child_app.command("list")
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


@child_app.command("revoke")
def child_revoke(data_dir: DirArg, code: Annotated[str, typer.Option(help="Child code")]) -> None:
    """Revoke a child's credential: its batches are refused from now on."""
    settings = open_settings(data_dir)
    db = open_database(settings)
    try:
        with db.unit_of_work() as session:
            revoke_child(session, code)
    except RegistryError as exc:
        fail(str(exc))
    console.print(f"revoked {code}")


@parent_app.command("set")
def parent_set(
    data_dir: DirArg,
    url: Annotated[str, typer.Option(help="The parent's base URL, e.g. http://10.1.2.3:8100")],
    credential_file: Annotated[
        Path, typer.Option(help="File holding the credential the parent printed")
    ],
) -> None:
    """Point this node at its parent and store the credential (mode 0600)."""
    settings = open_settings(data_dir)
    if settings.node.level is Level.hq:
        fail("an hq node has no parent")
    if not url.startswith(("http://", "https://")):
        fail("--url must start with http:// or https://")
    if not credential_file.is_file():
        fail(f"credential file {credential_file} not found")
    credential = credential_file.read_text(encoding="utf-8").strip()
    if not credential.startswith(f"fedcrm-{settings.node.code}-"):
        fail(f"this credential was not issued for node {settings.node.code}")
    target = settings.data_dir / CREDENTIAL_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(credential + "\n", encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(target)
    settings.node.parent_url = url
    settings.federation.credential_file = CREDENTIAL_FILE
    write_settings(settings)
    console.print(f"parent set to {url}")


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

        report = sender.sync_once(progress)
    sender.transport.close()
    table = Table("table", "rows sent", "batches", "error")
    for t in report.tables:
        table.add_row(t.table, str(t.rows_sent), str(t.batches), t.error or "")
    console.print(table)
    console.print(f"{report.rows_sent} rows sent" + ("" if report.ok else " (with errors)"))
    if not report.ok:
        raise typer.Exit(1)


def status(
    data_dir: DirArg, as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False
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


@quarantine_app.command("list")
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


@quarantine_app.command("show")
def quarantine_show(data_dir: DirArg, batch_id: Annotated[int, typer.Argument(help="Id")]) -> None:
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


def verify(data_dir: DirArg) -> None:
    """Prove this node holds exactly what each child holds (count and digest per origin
    and table). Exit 0 when all match, 1 naming each divergence."""
    from federation.verify.client import verify_children

    settings = open_settings(data_dir)
    db = open_database(settings)
    rows, problems = verify_children(db)
    table = Table("child", "table", "origin", "here", "child", "result")
    for r in rows:
        if r.parent_rows or r.child_rows:
            table.add_row(
                r.child,
                r.table,
                r.origin,
                str(r.parent_rows),
                str(r.child_rows),
                "[green]match[/]" if r.match else "[red]DIVERGES[/]",
            )
    console.print(table)
    bad = [r for r in rows if not r.match]
    for r in bad:
        console.print(
            f"[red]divergence[/]: child {r.child} {r.table} origin {r.origin}: "
            f"{r.parent_rows} rows here, {r.child_rows} at the child"
        )
    for p in problems:
        console.print(f"[red]not verified[/]: {p}")
    if bad or problems:
        raise typer.Exit(1)
    console.print("all children match")


def resync(
    data_dir: DirArg,
    child: Annotated[str, typer.Option("--child", help="The child's code")],
    wait: Annotated[bool, typer.Option(help="Show progress until the child has resent all")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait at most")] = 3600,
) -> None:
    """Make a child resend everything (a new or rebuilt parent). Resumable, with progress."""
    from federation.registry.service import reset_checkpoints
    from federation.resync import expected_rows, received_rows

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
    total = expected_rows(db, child)
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
