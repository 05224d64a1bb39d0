"""`archiver stats` (placeholder until its issue lands)."""

import click


@click.command()
def stats() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver stats` is not built yet")
