"""`archiver scan` (placeholder until its issue lands)."""

import click


@click.command()
def scan() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver scan` is not built yet")
