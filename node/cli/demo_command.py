"""fedcrm demo: a whole federation on this machine in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from node.cli.context import console, fail


def demo(
    data_dir: Annotated[
        Path, typer.Option("--dir", help="Where the nodes live; reused when run again")
    ] = Path("var/demo"),
    provinces: Annotated[int, typer.Option(help="Provinces under HQ (1-6)")] = 2,
    cities_per_province: Annotated[int, typer.Option(help="Cities under each province")] = 2,
    customers_per_city: Annotated[int, typer.Option(help="Generated customers per city")] = 5000,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL template with {code}, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/fedcrm_demo_{code}; default SQLite",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Exit after verification (0 when it passes)")
    ] = False,
    interval: Annotated[
        float, typer.Option(help="Seconds between replication cycles at each node")
    ] = 2.0,
    seed: Annotated[int, typer.Option(help="Seed of the generated data")] = 2026,
    sftp: Annotated[
        bool,
        typer.Option(
            "--sftp", help="The first city replicates over SFTP through a demo sshd (OpenSSH)"
        ),
    ] = False,
    port_base: Annotated[
        int, typer.Option(help="A new demo's nodes listen on free ports from here up")
    ] = 8100,
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
