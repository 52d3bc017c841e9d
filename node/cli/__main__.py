"""`python -m node.cli` is the same as the `fedcrm` command."""

from node.cli.main import app

app()
