"""`archiver enrich`: match albums and tracks against MusicBrainz (cached, polite, resumable)."""

from __future__ import annotations

import json
from typing import Any

import click

from archiver.commands._common import (
    AppContext,
    QueryCommand,
    console,
    format_seconds,
    json_option,
    pass_app,
    query_argument,
    quiet_option,
)
from archiver.commands._editions import preference_options
from archiver.commands._job import long_job
from archiver.musicbrainz.match import edition_preferences

MAX_LISTED_ERRORS = 10
MAX_JSON_FAILURES = 1000
JSON_KEYS = (
    "albums",
    "matched",
    "ambiguous",
    "unmatched",
    "errors",
    "requests",
    "cache_hits",
    "seconds",
)


@click.command(cls=QueryCommand)
@query_argument
@click.option(
    "--server",
    metavar="URL",
    default=None,
    help="MusicBrainz server (default https://musicbrainz.org). Env: ARCHIVER_MUSICBRAINZ_URL; "
    "config: [musicbrainz] server.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Seconds between requests (default 1 for musicbrainz.org, never less there; "
    "0 for other servers). 0 disables it on mirrors.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up on a request after this long (then retried with backoff).",
)
@click.option("--offline", is_flag=True, help="Use only cached answers; make no requests.")
@click.option("--refresh", is_flag=True, help="Ignore cached answers and ask again.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Enrich at most N albums.",
)
@preference_options
@click.option(
    "--acoustid",
    "use_acoustid",
    is_flag=True,
    help="Look up files their tags leave unmatched by acoustic fingerprint on AcoustID "
    "(needs `archiver analyze` first; sends fingerprints to acoustid.org).",
)
@click.option(
    "--acoustid-key",
    metavar="KEY",
    default=None,
    help="AcoustID application API key for --acoustid. Env: ARCHIVER_ACOUSTID_KEY.",
)
@click.option(
    "--acoustid-server",
    metavar="URL",
    default=None,
    help="AcoustID server for --acoustid (default https://api.acoustid.org).",
)
@quiet_option()
@json_option
@pass_app
def enrich(
    app: AppContext,
    query: tuple[str, ...],
    server: str | None,
    rate_limit: float | None,
    timeout: float,
    offline: bool,
    refresh: bool,
    limit: int | None,
    use_acoustid: bool,
    acoustid_key: str | None,
    acoustid_server: str | None,
    quiet: bool,
    as_json: bool,
    prefer_country: tuple[str, ...] | None,
    prefer_format: tuple[str, ...] | None,
    prefer_type: tuple[str, ...] | None,
    prefer_status: tuple[str, ...] | None,
    prefer_original: bool | None,
) -> None:
    """Match albums and loose tracks in the catalog against MusicBrainz.

    Files are grouped into albums (album artist + album + folder). An album
    whose files carry a MusicBrainz release id costs one request; recording
    ids or ISRCs lead to the release; otherwise one search picks a clearly
    best candidate (checked against the tracklist) or records the album as
    ambiguous or unmatched. Editions of one album are told apart by every
    clue in the files (dates, barcode, catalog number, label, media, track
    lengths, ...), then by your preferred editions (--prefer-*, or [match] in
    the config file); when the files fit several editions equally, their
    common recordings (ISRCs, credits) are stored and the edition is left
    for review. Results (releases, tracks, ISRCs, labels,
    credits) are stored beside your tags; your files are never written.
    Every answer is cached in the catalog: a second run makes no requests.
    QUERY selects files with the query language of `archiver ls`.

    Exit status: 0 when the run finished (albums that failed are counted as
    errors), 1 on a fatal error, 2 on a usage error, 130 when interrupted
    (what was done is kept; run again to continue).

    \b
    Example:
      archiver enrich
      archiver enrich artist:radiohead --json
      archiver enrich --server http://127.0.0.1:5000 --rate-limit 0
      archiver enrich --offline
      archiver enrich --prefer-country GB,US --prefer-format CD --prefer-original
      archiver enrich --acoustid    # after `archiver analyze`; key in ARCHIVER_ACOUSTID_KEY
    """
    from archiver.commands._acoustid import acoustid_client, acoustid_settings, acoustid_summary
    from archiver.commands._query import compile_args
    from archiver.musicbrainz import Client, ClientSettings, enrich_catalog
    from archiver.musicbrainz.client import parse_server

    if offline and refresh:
        raise click.UsageError("--offline and --refresh cannot be used together")
    text, compiled = compile_args(query)  # a bad query: one `Error: bad query ...` line, exit 2
    settings = ClientSettings(
        server=server or app.config.musicbrainz_url,
        contact=app.config.contact,
        rate_limit=rate_limit,
        timeout=timeout,
        offline=offline,
        refresh=refresh,
    )
    try:
        parse_server(settings.server)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--server") from None
    # usage errors (exit 2) before the catalog is opened
    ac_settings = acoustid_settings(
        use_acoustid, acoustid_key or app.config.acoustid_key, acoustid_server, settings
    )
    catalog = app.catalog(create=False)
    client = Client(catalog.conn, settings)
    acoustid = acoustid_client(catalog, ac_settings)

    with long_job(
        "enrich",
        quiet=quiet,
        as_json=as_json,
        bar=_ProgressRenderer,
        note="albums done so far are kept",
    ) as job:
        stats = enrich_catalog(
            catalog,
            client,
            where=None if compiled.where == "1" else compiled.where,
            params=compiled.params,
            query_text=text or None,
            limit=limit,
            on_progress=job.progress,
            preferences=edition_preferences(
                app.config.match,
                prefer_country=prefer_country,
                prefer_format=prefer_format,
                prefer_type=prefer_type,
                prefer_status=prefer_status,
                prefer_original=prefer_original,
            ),
            acoustid=acoustid,
        )

    result = {key: getattr(stats, key) for key in JSON_KEYS}
    result["skipped"] = stats.skipped
    result["settled"] = stats.settled  # albums left alone: the user decided them
    result["run_id"] = stats.run_id
    if acoustid is not None:
        result["acoustid"] = acoustid_summary(catalog, acoustid, stats.run_id)
    if as_json:
        result["failures"] = _failures(catalog, stats.run_id)
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    if not quiet:
        _print_summary(result, offline)
    _print_errors(result["errors"], _errors(catalog, stats.run_id))


def _errors(catalog, run_id: int | None) -> list[tuple[str, str]]:
    from archiver.catalog.musicbrainz import run_errors

    return [] if run_id is None else run_errors(catalog.conn, run_id, MAX_LISTED_ERRORS)


def _failures(catalog, run_id: int | None) -> list[dict]:
    from archiver.catalog.musicbrainz import run_failures

    return [] if run_id is None else run_failures(catalog.conn, run_id, MAX_JSON_FAILURES)


def _print_summary(result: dict, offline: bool) -> None:
    from rich.table import Table

    out = console()
    table = Table(title="MusicBrainz enrichment", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in ("albums", "matched", "ambiguous", "unmatched", "errors", "requests", "cache_hits"):
        table.add_row(key.replace("_", " "), str(result[key]))
    if offline or result["skipped"]:
        table.add_row("not cached (offline)", str(result["skipped"]))
    if result.get("settled"):
        table.add_row("settled by you (left alone)", str(result["settled"]))
    if "acoustid" in result:
        table.add_row("matched by AcoustID", str(result["acoustid"]["matched"]))
        table.add_row("AcoustID requests", str(result["acoustid"]["requests"]))
        table.add_row("AcoustID cached", str(result["acoustid"]["cache_hits"]))
    table.add_row("elapsed", format_seconds(result["seconds"]))
    out.print(table)


def _print_errors(count: int, errors: list[tuple[str, str]]) -> None:
    """The albums that failed, on stderr (with --quiet too: they are problems), one line
    each however long: album names are printed literally (``[Live]`` is no markup)."""
    if not errors:
        return
    from rich.console import Console
    from rich.text import Text

    err = Console(stderr=True)
    for album, error in errors:
        line = Text("error", style="red")
        line.append(f" {album}: {' '.join(error.split())}")
        err.print(line, highlight=False, soft_wrap=True)
    if count > len(errors):
        err.print(f"... and {count - len(errors)} more", highlight=False)


class _ProgressRenderer:
    """A rich progress bar on stderr, fed by enrich's Progress events."""

    def __enter__(self) -> _ProgressRenderer:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("enriching"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("albums · {task.fields[requests]} requests · {task.fields[hits]} cached"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task("enrich", total=None, requests=0, hits=0)
        return self

    def update(self, event: Any) -> None:
        self._progress.update(
            self._task,
            total=event.total,
            completed=event.done,
            requests=event.requests,
            hits=event.cache_hits,
        )

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)
