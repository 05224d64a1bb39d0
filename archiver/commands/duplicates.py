"""`archiver duplicates` (placeholder until its issue lands)."""

import click


@click.command()
def duplicates() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver duplicates` is not built yet")
