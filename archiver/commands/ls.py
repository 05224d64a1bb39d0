"""`archiver ls` (placeholder until its issue lands)."""

import click


@click.command()
def ls() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver ls` is not built yet")
