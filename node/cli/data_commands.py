"""fedcrm import / export (customers). Implemented in node.dataio."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from node.cli.context import fail


class Entity(StrEnum):
    customers = "customers"


def import_command(
    data_dir: Annotated[Path, typer.Argument(help="The node directory")],
    file: Annotated[Path, typer.Argument(help=".csv or .xlsx with a header row")],
    entity: Annotated[Entity, typer.Option(help="What the file holds")] = Entity.customers,
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the good rows even if some are bad")
    ] = False,
    update_existing: Annotated[
        bool, typer.Option(help="Update customers matched by customer_no or ID number")
    ] = False,
) -> None:
    """Import customers from CSV or XLSX (Chinese or English headers)."""
    fail("import is not implemented yet")


def export_command(
    data_dir: Annotated[Path, typer.Argument(help="The node directory")],
    out: Annotated[Path, typer.Option(help="Output file: .csv, .xlsx or .parquet")],
    entity: Annotated[Entity, typer.Option(help="What to export")] = Entity.customers,
    unmasked: Annotated[
        bool, typer.Option(help="Write full phone and ID numbers (audited)")
    ] = False,
) -> None:
    """Export customers, with personal data masked unless --unmasked."""
    fail("export is not implemented yet")
