"""`archiver verify` (placeholder until its issue lands)."""

import click


@click.command()
def verify() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver verify` is not built yet")
