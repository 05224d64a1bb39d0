"""`archiver match`: settle an album's (or a track's) MusicBrainz match yourself."""

from __future__ import annotations

import json

import click

from archiver.commands._common import AppContext, QueryCommand, json_option, pass_app
from archiver.errors import UsageError

ACTIONS = ("--release", "--candidate", "--none", "--reset", "--recording")


@click.command(cls=QueryCommand)
@click.argument("target", nargs=-1, metavar="ALBUM|TRACK")
@click.option("--release", metavar="ID|URL", help="Match the album to this release.")
@click.option(
    "--candidate",
    type=click.IntRange(min=1),
    metavar="N",
    help="Take the album's Nth candidate, as `archiver review` numbers them.",
)
@click.option("--none", "none_", is_flag=True, help="The album is not on MusicBrainz.")
@click.option("--reset", is_flag=True, help="Hand the album back to automatic matching.")
@click.option("--recording", metavar="ID|URL", help="Match one track to this recording.")
@click.option("--force", is_flag=True, help="Assign the files even if the release does not fit.")
@click.option(
    "--server",
    metavar="URL",
    default=None,
    help="MusicBrainz server (default https://musicbrainz.org). Env: ARCHIVER_MUSICBRAINZ_URL.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Seconds between requests (default 1 for musicbrainz.org, never less there).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up on a request after this long.",
)
@json_option
@pass_app
def match(
    app: AppContext,
    target: tuple[str, ...],
    release: str | None,
    candidate: int | None,
    none_: bool,
    reset: bool,
    recording: str | None,
    force: bool,
    server: str | None,
    rate_limit: float | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Decide an album's match: a release, a candidate, none, or back to automatic.

    ALBUM is a key that `archiver review` prints (@42) or a query selecting
    one album's files. --release takes a MusicBrainz release id or URL (one
    request unless cached); --candidate N the Nth candidate review lists
    (no request when enrich looked it up); --none records that the album is
    not on MusicBrainz; --reset gives it back to `archiver enrich`. With
    --recording, TRACK is a query selecting one file. Your decision is kept
    (source "user") and no later enrich, refresh or rescan replaces it.

    Exit status: 0 done, 1 failure (release not found, does not fit, network),
    2 usage error (unknown key, bad id, a query selecting several albums).

    \b
    Example:
      archiver match @42 --candidate 2
      archiver match @42 --release https://musicbrainz.org/release/<id>
      archiver match 'album:"Twin Rivers"' --none
      archiver match 'title:"East Fork"' --recording <id>
      archiver match @42 --reset
    """
    from archiver.catalog import review as rdb
    from archiver.commands._query import compile_args
    from archiver.musicbrainz.client import Client, ClientSettings, parse_server
    from archiver.musicbrainz.review import (
        choose_candidate,
        choose_recording,
        choose_release,
        mark_none,
        parse_mbid,
        select_album,
        select_file,
    )
    from archiver.musicbrainz.review import (
        reset as reset_album,
    )

    chosen = [
        name
        for name, given in zip(
            ACTIONS,
            (release is not None, candidate is not None, none_, reset, recording is not None),
            strict=True,
        )
        if given
    ]
    if len(chosen) != 1:
        raise UsageError(
            "give exactly one of " + ", ".join(ACTIONS)
            if not chosen
            else f"{' and '.join(chosen)} cannot be used together"
        )
    words = [w for w in target if w.strip()]
    if not words:
        raise UsageError("give an album key (@42, see `archiver review`) or a query")
    ref = None
    where, params = None, []
    if rdb.is_key(words[0]):
        if len(words) > 1:
            raise UsageError("give one album key alone, or a query (not both)")
        ref = words[0]
        rdb.parse_key(ref)  # a malformed key: usage error before anything is opened
    else:
        _, compiled = compile_args(words)
        where, params = compiled.where, compiled.params
    settings = ClientSettings(
        server=server or app.config.musicbrainz_url,
        contact=app.config.contact,
        rate_limit=rate_limit,
        timeout=timeout,
    )
    try:
        parse_server(settings.server)
    except ValueError as exc:
        raise UsageError(f"--server: {exc}") from None
    mbid = None
    if release is not None:
        mbid = parse_mbid(release, "release", settings.server)
    elif recording is not None:
        mbid = parse_mbid(recording, "recording", settings.server)

    catalog = app.catalog(create=False)
    client = Client(catalog.conn, settings)
    if recording is not None:
        outcome = choose_recording(catalog, client, select_file(catalog, ref, where, params), mbid)
    else:
        album = select_album(catalog, ref, where, params)
        if release is not None:
            outcome = choose_release(catalog, client, album, mbid, force=force)
        elif candidate is not None:
            outcome = choose_candidate(catalog, client, album, candidate, force=force)
        elif none_:
            outcome = mark_none(catalog, album)
        else:
            outcome = reset_album(catalog, album)
    result = outcome.as_dict()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(_sentence(result))


def _sentence(r: dict) -> str:
    who = r["album"] or "the track"
    if r["action"] == "reset":
        if not r["changed"]:
            return f"{who}: no decision of yours to undo (status {r['status']})"
        return f"{who}: back to automatic matching (status {r['status']})"
    if r["action"] == "none":
        return f"{who}: not on MusicBrainz (enrich will not ask again)"
    what = r["release_id"] if r["action"] != "recording" else r["recording_id"]
    line = f"{who}: matched to {r['title']} ({what}), score {r['score']:.2f}"
    if r["action"] != "recording" and r["assigned"] < r["files"]:
        line += f", {r['assigned']} of {r['files']} files assigned"
    requests = r["requests"]
    return line + f" · {requests} request{'s' if requests != 1 else ''}"
