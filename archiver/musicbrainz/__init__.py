"""MusicBrainz enrichment: the client adapter, parsing, matching and the run.

Only :mod:`archiver.musicbrainz.client` imports musicbrainzngs. Entry points
for the CLI and the TUI: :func:`enrich_catalog` with a :class:`Client`.
"""

from archiver.musicbrainz.client import (
    BadResponse,
    Client,
    ClientSettings,
    MusicBrainzError,
    OfflineMiss,
    ServerUnreachable,
    ServiceError,
)
from archiver.musicbrainz.enrich import EnrichStats, Progress
from archiver.musicbrainz.enrich import enrich as enrich_catalog

__all__ = [
    "BadResponse",
    "Client",
    "ClientSettings",
    "EnrichStats",
    "MusicBrainzError",
    "OfflineMiss",
    "Progress",
    "ServerUnreachable",
    "ServiceError",
    "enrich_catalog",
]
