"""`archiver tui`: the terminal browser (also `archiver` alone on a terminal)."""

from __future__ import annotations

import os
import sys

import click

from archiver.commands._common import AppContext, jobs_option, pass_app
from archiver.errors import ArchiverError, UsageError


def terminal_attached() -> bool:
    """The browser draws on stdout and reads keys from stdin: both must be a terminal.
    (Without one, Textual would draw escape codes into a pipe and spin forever.)"""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@click.command()
@jobs_option("Worker processes for a rescan (r).")
@pass_app
def tui(app: AppContext, jobs: int | None) -> None:
    """Browse the catalog in a terminal UI.

    Miller columns (album artists, artists, albums, genres, years, formats,
    needs review, missing files, scan errors), an All tracks view that stays
    fast at 100,000+ tracks, track details beside MusicBrainz, a `/` filter
    with the query language, and rescan (r), enrich (e) and CSV export (x).
    Press ? inside for every key. A missing catalog is never created here:
    the welcome screen says how to make one.

    \b
    Example:
      archiver --db ~/music.db tui
      archiver            # on a terminal, same as `archiver tui`
    """
    from archiver.catalog import open_catalog

    path = app.db_path
    if path.exists():
        # Validate and upgrade the schema once, before the UI starts, so a
        # foreign file or a newer catalog is a one-line error, not a screen.
        open_catalog(path, create=False).close()
    if not terminal_attached():
        raise UsageError(
            "the terminal browser needs a terminal (stdin and stdout are not one); "
            "for output to a pipe or file use `archiver ls`, `archiver export` or `archiver stats`"
        )
    preload = None
    if path.exists():
        from archiver.tui.preload import Preload

        preload = Preload(path)  # the first view, read while the browser is imported
    from archiver.tui.app import ArchiverApp  # the one command that is the TUI

    truecolor_under_tmux()  # album covers in 24-bit colour under tmux too

    browser = ArchiverApp(
        path,
        jobs=jobs,
        musicbrainz_url=app.config.musicbrainz_url,
        contact=app.config.contact,
        # Kitty, Sixel or half blocks: asked of the terminal now, before Textual reads it.
        cover_protocol=ArchiverApp.terminal_cover_protocol(),
        preload=preload,
    )
    browser.run()
    # Textual prints the traceback of an unhandled exception and returns; the
    # exit status must still say it failed (return_code is 1 then).
    if browser.return_code:
        raise ArchiverError("the terminal browser stopped on an unexpected error (traceback above)")


def truecolor_under_tmux(environ: dict | None = None) -> bool:
    """Under tmux, which announces no colour depth (no COLORTERM), draw in 24-bit
    colour anyway: tmux takes 24-bit colour and converts it for the terminal
    outside when that has less. Rich would otherwise pick 256 colours from TERM,
    and covers would come out banded. Call before the App is made; returns
    whether it changed the environment. NO_COLOR and a chosen TEXTUAL_COLOR_SYSTEM win."""
    env = os.environ if environ is None else environ
    if not env.get("TMUX") or env.get("COLORTERM") or "NO_COLOR" in env:
        return False
    if env.get("TEXTUAL_COLOR_SYSTEM", "auto") != "auto":
        return False
    env["COLORTERM"] = "truecolor"
    return True
