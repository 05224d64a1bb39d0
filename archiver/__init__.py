"""archiver: a personal music library archiver.

The package is split by capability; the core (catalog, scan, musicbrainz,
integrity, export) never imports textual or rich, so it can be driven by the
CLI, the TUI or a script alike.
"""

__version__ = "0.1.0"
