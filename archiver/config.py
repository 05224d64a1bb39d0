"""Where things live: the catalog path, MusicBrainz server and contact.

Everything is resolved from explicit arguments first, then environment
variables, then defaults, so tests and scripts never depend on the user's
home folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MUSICBRAINZ_URL = "https://musicbrainz.org"
DEFAULT_CONTACT = "https://github.com/archiver-music/archiver"


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/archiver/library.db``, falling back to ``~/.local/share``."""
    data_home = os.environ.get("XDG_DATA_HOME")
    base = Path(data_home) if data_home else Path.home() / ".local" / "share"
    return base / "archiver" / "library.db"


@dataclass(frozen=True)
class Config:
    db_path: Path
    musicbrainz_url: str
    contact: str


def load_config(db_path: str | os.PathLike[str] | None = None) -> Config:
    """Resolve the configuration; ``db_path`` wins over ``ARCHIVER_DB``."""
    if db_path is None:
        db_path = os.environ.get("ARCHIVER_DB") or default_db_path()
    return Config(
        db_path=Path(db_path).expanduser(),
        musicbrainz_url=os.environ.get("ARCHIVER_MUSICBRAINZ_URL", DEFAULT_MUSICBRAINZ_URL),
        contact=os.environ.get("ARCHIVER_CONTACT", DEFAULT_CONTACT),
    )
