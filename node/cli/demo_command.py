"""fedcrm demo: a whole federation on this machine in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from node.cli.context import console, fail
from node.cli.help_texts import cli_text


def demo(
    data_dir: Annotated[Path, typer.Option("--dir", help=cli_text("demo.dir"))] = Path("var/demo"),
    provinces: Annotated[int, typer.Option(help=cli_text("demo.provinces"))] = 2,
    cities_per_province: Annotated[
        int, typer.Option(help=cli_text("demo.cities_per_province"))
    ] = 2,
    customers_per_city: Annotated[
        int, typer.Option(help=cli_text("demo.customers_per_city"))
    ] = 5000,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=cli_text("demo.db"),
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help=cli_text("demo.once"))] = False,
    interval: Annotated[float, typer.Option(help=cli_text("demo.interval"))] = 2.0,
    seed: Annotated[int, typer.Option(help=cli_text("demo.seed"))] = 2026,
    sftp: Annotated[
        bool,
        typer.Option("--sftp", help=cli_text("demo.sftp")),
    ] = False,
    port_base: Annotated[int, typer.Option(help=cli_text("demo.port_base"))] = 8100,
) -> None:
    """Build HQ, provinces and cities with realistic data, serve them, replicate to HQ,
    verify, print a summary; then keep a trickle of changes flowing until Ctrl-C."""
    from node.demo.plan import Params, PlanError
    from node.demo.runner import DemoOptions, run_demo

    if interval <= 0:
        fail(f"--interval must be positive; got {interval}")
    if not 1024 <= port_base <= 65000:
        fail(f"--port-base must be between 1024 and 65000; got {port_base}")
    params = Params(provinces, cities_per_province, customers_per_city, db, seed, sftp)
    try:
        options = DemoOptions(data_dir.resolve(), params, once, interval, port_base)
        status = run_demo(options, console)
    except PlanError as exc:
        fail(str(exc))
    except KeyboardInterrupt:  # while building: the city being generated rolled back
        fail(f"interrupted: run the same command again to resume in {data_dir}", code=130)
    raise typer.Exit(status)
