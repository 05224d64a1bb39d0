"""`archiver ls`: one line per track, from a template of column names."""

from __future__ import annotations

import string
import sys

import click

from archiver.commands._common import AppContext, QueryCommand, pass_app, query_argument
from archiver.commands._query import compile_args, quiet_broken_pipe
from archiver.errors import UsageError

DEFAULT_TEMPLATE = "{artist} - {album} - {title}"
_CONTROL = {i: " " for i in range(32)} | {0x7F: " "}


class _Formatter(string.Formatter):
    """Empty text for NULL, and never an error for a format spec the value cannot take."""

    def format_field(self, value: object, format_spec: str) -> str:
        if value is None:
            return ""
        try:
            return format(value, format_spec)
        except (ValueError, TypeError):
            return str(value)


# A value of each column kind, to try a template's format specs on before any row.
_SAMPLES = {"int": 7, "size": 7, "kbps": 7, "length": 7.5, "real": 0.5}


def template_fields(template: str) -> list[str]:
    """The column names a template uses, in order; raises ValueError for bad templates
    (unknown columns, or a format spec the column's values cannot take, such as
    ``{tracknumber:>5s}`` on a number or ``{title:02d}`` on text)."""
    from archiver.catalog.tracks import SELECTABLE

    names: list[str] = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if name == "" or not name.isidentifier():
            raise ValueError(
                f"--format: {{{name}}} is not a column name; columns: {', '.join(SELECTABLE)}"
            )
        if name not in SELECTABLE:
            raise ValueError(
                f"--format: unknown column {{{name}}}; columns: {', '.join(SELECTABLE)}"
            )
        if spec or conversion:
            sample: object = _SAMPLES.get(SELECTABLE[name].kind, "text")
            if conversion:
                sample = {"r": repr, "a": ascii}.get(conversion, str)(sample)
            try:
                format(sample, spec)
            except (ValueError, TypeError) as exc:
                shown = f"{{{name}{'!' + conversion if conversion else ''}:{spec}}}"
                raise ValueError(
                    f"--format: {shown} does not fit the {SELECTABLE[name].kind} values of {name} ({exc})"
                ) from None
        if name not in names:
            names.append(name)
    return names


def _default_line(values: dict) -> str:
    """``artist - album - title``; an untagged track shows its path, and a track
    without a title its file name (as beets names them), never `` -  - ``."""
    path = values["path"] or ""
    if not (values["artist"] or values["album"] or values["title"]):
        return path
    title = values["title"] or path.rsplit("/", 1)[-1]
    return f"{values['artist'] or ''} - {values['album'] or ''} - {title}"


@click.command(cls=QueryCommand)
@query_argument
@click.option(
    "--format",
    "template",
    default=DEFAULT_TEMPLATE,
    show_default=True,
    help="Line template: any export column in braces, with Python format specs.",
)
@pass_app
def ls(app: AppContext, query: tuple[str, ...], template: str) -> None:
    """List the tracks QUERY selects (all without QUERY), one line each.

    Tracks come in album order (album artist, date, album, disc, track).
    Control characters in values become spaces, so each track is one line.
    With the default template an untagged track shows its path.

    \b
    Example:
      archiver ls beatles
      archiver ls --format '{tracknumber:02d}. {title} ({length:.0f} s)' 'album:"abbey road"'
      archiver ls --format '{path}' missing:yes
    """
    from archiver.catalog.tracks import iter_tracks

    try:
        names = template_fields(template)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    _, compiled = compile_args(query)
    catalog = app.catalog(create=False)
    formatter = _Formatter()
    stdout = sys.stdout
    default = template == DEFAULT_TEMPLATE
    columns = [*names, "path"] if default else names or ["path"]
    rows = iter_tracks(catalog.conn, compiled, columns, text_booleans=True)
    try:
        for row in rows:
            values = dict(zip(columns, row, strict=True)) if names else {}
            if default:
                line = _default_line(values)
            else:
                line = formatter.vformat(template, (), values)
            stdout.write(line.translate(_CONTROL) + "\n")
        stdout.flush()
    except BrokenPipeError:
        rows.close()
        quiet_broken_pipe()
    finally:
        rows.close()
