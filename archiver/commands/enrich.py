"""`archiver enrich` (placeholder until its issue lands)."""

import click


@click.command()
def enrich() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver enrich` is not built yet")
