"""`archiver tui` (placeholder until its issue lands)."""

import click


@click.command()
def tui() -> None:
    """Not built yet."""
    raise click.ClickException("`archiver tui` is not built yet")
