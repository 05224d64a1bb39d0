"""`archiver export` (placeholder until its issue lands)."""

import click


@click.command()
def export() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver export` is not built yet")
