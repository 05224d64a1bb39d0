"""`archiver missing` (placeholder until its issue lands)."""

import click


@click.command()
def missing() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver missing` is not built yet")
