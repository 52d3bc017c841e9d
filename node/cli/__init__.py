"""The fedcrm command line (Typer): the composition root for command-line work."""
