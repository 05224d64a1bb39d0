"""`enrich --acoustid`: its options turned into a client (kept apart from the
command so the command itself only declares the options and passes them on)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from archiver.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover
    from archiver.catalog.db import Catalog
    from archiver.musicbrainz.acoustid import AcoustIDClient, AcoustIDSettings
    from archiver.musicbrainz.client import ClientSettings


def acoustid_settings(
    use: bool, key: str | None, server: str | None, mb: ClientSettings
) -> AcoustIDSettings | None:
    """The AcoustID client's settings from the options, or None without --acoustid;
    a missing key or a bad server is a usage error."""
    import os

    from archiver.musicbrainz.acoustid import (
        DEFAULT_ACOUSTID_URL,
        KEY_ENV,
        AcoustIDSettings,
        parse_acoustid_server,
    )

    if not use:
        return None
    key = (key or os.environ.get(KEY_ENV) or "").strip()
    if not key:
        raise UsageError(
            f"--acoustid needs an AcoustID API key: set {KEY_ENV} or pass --acoustid-key "
            "(get one at https://acoustid.org/new-application)"
        )
    server = server or DEFAULT_ACOUSTID_URL
    try:
        parse_acoustid_server(server)
    except ValueError as exc:
        raise UsageError(f"--acoustid-server: {exc}") from None
    return AcoustIDSettings(
        key=key,
        server=server,
        contact=mb.contact,
        timeout=mb.timeout,
        offline=mb.offline,
        refresh=mb.refresh,
    )


def acoustid_client(catalog: Catalog, settings: AcoustIDSettings | None) -> AcoustIDClient | None:
    """The client, or None (and one line on stderr) when there is nothing to look up."""
    if settings is None:
        return None
    from archiver.catalog.acoustid import fingerprint_count
    from archiver.musicbrainz.acoustid import AcoustIDClient

    if not fingerprint_count(catalog.conn):
        click.echo(
            "archiver: no acoustic fingerprints in the catalog; run `archiver analyze` first "
            "(enriching by tags only)",
            err=True,
        )
        return None
    return AcoustIDClient(catalog.conn, settings)


def acoustid_summary(
    catalog: Catalog, acoustid: AcoustIDClient, run_id: int | None
) -> dict[str, int]:
    from archiver.catalog.acoustid import run_acoustid_matches

    return {
        "matched": 0 if run_id is None else run_acoustid_matches(catalog.conn, run_id),
        "requests": acoustid.stats.requests,
        "cache_hits": acoustid.stats.cache_hits,
    }
