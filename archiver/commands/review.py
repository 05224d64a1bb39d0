"""`archiver review`: the albums whose MusicBrainz match needs a human decision."""

from __future__ import annotations

import json

import click

from archiver.commands._common import (
    AppContext,
    QueryCommand,
    json_option,
    pass_app,
    plural,
    query_argument,
)
from archiver.errors import UsageError


@click.command(cls=QueryCommand)
@query_argument
@click.option(
    "--all", "everything", is_flag=True, help="Every enriched album, matched and settled ones too."
)
@json_option
@pass_app
def review(app: AppContext, query: tuple[str, ...], everything: bool, as_json: bool) -> None:
    """List the albums that need a decision, with their files and candidates.

    An album needs one when enrich found it ambiguous (several releases
    score alike), left it unmatched with candidates, or matched it with a
    weak score (below 0.90). Each album has a key such as @42 that
    `archiver match` takes; its candidates are ranked by score, with the
    named penalties that cost them their score. Albums you settled with
    `archiver match` leave this list. QUERY (the language of `archiver ls`,
    or an album key) narrows it to the albums of the files it selects.

    \b
    Example:
      archiver review
      archiver review artist:radiohead --json
      archiver review @42
      archiver match @42 --candidate 2
    """
    from archiver.catalog import review as rdb
    from archiver.commands._query import compile_args
    from archiver.musicbrainz.review import describe

    words = [w for w in query if w.strip()]
    keys = None
    if len(words) == 1 and rdb.is_key(words[0]):
        catalog = app.catalog(create=False)
        keys = [rdb.album_key_for(catalog.conn, words[0])]
        everything = True
    else:
        if any(rdb.is_key(w) for w in words):
            raise UsageError("give one album key alone, or a query (not both)")
        _, compiled = compile_args(query)
        catalog = app.catalog(create=False)
        if compiled.where != "1":
            keys = rdb.album_keys_of(catalog.conn, compiled.where, compiled.params)
    rows = rdb.albums(catalog.conn, everything=everything, keys=keys)
    described = [describe(catalog.conn, row) for row in rows]
    if as_json:
        click.echo(json.dumps(described, ensure_ascii=False))
        return
    _print(described, everything)


def _length(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _print(albums: list[dict], everything: bool) -> None:
    """Plain lines (no markup: titles print as they are), one block per album."""
    from archiver.musicbrainz.review import penalty_words

    if not albums:
        click.echo("no album needs review" if not everything else "no enriched album")
        return
    for a in albums:
        title = a["title"]
        if title is None and a["files"]:  # a loose track: its own title
            title = f"{a['files'][0]['title'] or '?'} (loose track)"
        name = " – ".join(x for x in (a["artist"], title) if x) or "(loose track)"
        status = a["status"] + (" (yours)" if a["source"] == "user" else "")
        if a["status"] == "matched" and a["score"] is not None:
            status += f" {a['score']:.2f}"
        click.echo(f"{a['album']}  {status}  {name}  ·  {plural(len(a['files']), 'file')}")
        if a["release_id"]:
            click.echo(f"    release {a['release_id']}")
        for f in a["files"]:
            number = f"{f['discnumber']}-" if f["discnumber"] and f["discnumber"] > 1 else ""
            number += str(f["tracknumber"]) if f["tracknumber"] is not None else "?"
            click.echo(f"    {number:>4}  {_length(f['length'])}  {f['title'] or ''}  {f['path']}")
        for c in a["candidates"]:
            if "release_id" in c:
                label = " ".join(x for x in (c["label"], c["catalog_number"]) if x) or "-"
                tracks = plural(c["track_count"], "track") if c["track_count"] else "? tracks"
                what = (
                    f"{c['release_id']}  {c['title'] or '?'} – {c['artist'] or '?'}  "
                    f"{c['date'] or '-'} {c['country'] or '-'}  {label}  {c['format'] or '-'}  "
                    f"{tracks}"
                )
            else:
                what = f"recording {c['recording_id']}  {c['title'] or '?'} – {c['artist'] or '?'}"
            score = f"{c['score']:.2f}" if isinstance(c["score"], int | float) else "?"
            click.echo(f"  {c['n']:>3}. {score}  {what}")
            click.echo(f"        penalties: {penalty_words(c['penalties'])}")
        click.echo("")
    needing = sum(1 for a in albums if a["needs_review"])
    click.echo(f"{plural(len(albums), 'album')}, {needing} to review")
