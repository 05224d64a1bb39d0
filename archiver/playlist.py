"""Reading M3U / M3U8 playlists: a pure parser, and the lookup of its entries in the catalog.

The parser takes the file's bytes and gives entries; it never touches the disk:

- the text: a UTF-8 BOM means UTF-8; a ``.m3u8`` is UTF-8; a ``.m3u`` is UTF-8
  when it decodes as such, else Latin-1 (what old players wrote). Bytes that
  are not UTF-8 in a UTF-8 playlist are kept (surrogate escapes), so a path
  naming a file whose name is not UTF-8 still finds it.
- CRLF, CR or LF line ends; blank lines and ``#`` comments are skipped;
  ``#EXTINF:<seconds>,<label>`` gives the next entry its length and label.
- an entry is a path, absolute or relative to the playlist's folder, or a
  ``file://`` URL (percent-decoded; host empty or ``localhost``). Anything else
  with a scheme (``http://``) is a stream: kept, with ``path`` None.

Core module: no click, rich or textual here.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = [
    "Entry",
    "ImportReport",
    "decode_playlist",
    "entry_path",
    "match_entries",
    "parse_playlist",
    "read_playlist",
]

_BOM = b"\xef\xbb\xbf"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: C:\ is a drive
_EXTINF = re.compile(r"^#EXTINF:\s*(-?\d+(?:\.\d+)?)?\s*(?:[^,]*?)?,(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    """One playlist entry: ``location`` as written, ``path`` the file it names
    (bytes, absolute), or None for a stream or a URL of another host."""

    location: str
    path: bytes | None
    line: int  # 1-based line number in the playlist
    seconds: float | None = None  # from #EXTINF; None when absent or -1
    label: str | None = None  # "Artist - Title" from #EXTINF


def decode_playlist(data: bytes, name: str = "") -> str:
    """The playlist's text (see the module docstring for the rules)."""
    if data.startswith(_BOM):
        return data[len(_BOM) :].decode("utf-8", "surrogateescape")
    if name.lower().endswith(".m3u8"):
        return data.decode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def entry_path(location: str, base: bytes) -> bytes | None:
    """The absolute path bytes ``location`` names, relative ones against the
    folder ``base``; None for a URL that is not a local ``file://``."""
    if location.lower().startswith("file:"):
        parts = urlsplit(location)
        if parts.netloc not in ("", "localhost"):
            return None
        raw = unquote_to_bytes(parts.path)
        return os.path.normpath(raw) if raw.startswith(b"/") else None
    if _SCHEME.match(location):
        return None
    raw = os.fsencode(location)
    if not raw.startswith(b"/"):
        raw = os.path.join(base, raw)
    return os.path.normpath(raw)


def parse_playlist(text: str, base: bytes) -> list[Entry]:
    """Entries of an M3U text whose relative paths are relative to ``base``."""
    entries: list[Entry] = []
    seconds: float | None = None
    label: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip().removeprefix("\ufeff")
        if not line:
            continue
        if line.startswith("#"):
            match = _EXTINF.match(line)
            if match:
                value = float(match.group(1)) if match.group(1) else None
                seconds = value if value is not None and value >= 0 else None
                label = match.group(2).strip() or None
            continue
        entries.append(Entry(line, entry_path(line, base), number, seconds, label))
        seconds = label = None
    return entries


def read_playlist(path: str | os.PathLike) -> list[Entry]:
    """Read and parse the playlist file at ``path`` (relative entries against its folder)."""
    with open(path, "rb") as handle:
        data = handle.read()
    folder = os.path.dirname(os.path.abspath(os.fsencode(path)))
    return parse_playlist(decode_playlist(data, os.fsdecode(path)), folder)


@dataclass
class ImportReport:
    """What a playlist's entries are to the catalog."""

    entries: int = 0
    found: int = 0  # catalogued and on disk
    missing: list[Entry] = field(default_factory=list)  # catalogued, but not on disk
    unknown: list[Entry] = field(default_factory=list)  # not in the catalog (or a stream)

    def as_json(self) -> dict:
        def item(entry: Entry) -> dict:
            return {
                "line": entry.line,
                "location": entry.location,
                "path": None if entry.path is None else os.fsdecode(entry.path),
            }

        return {
            "entries": self.entries,
            "found": self.found,
            "missing": len(self.missing),
            "unknown": len(self.unknown),
            "missing_entries": [item(e) for e in self.missing],
            "unknown_entries": [item(e) for e in self.unknown],
        }


def match_entries(
    conn: sqlite3.Connection,
    entries: Iterable[Entry],
    *,
    exists: Callable[[bytes], bool] = os.path.isfile,
) -> ImportReport:
    """Look each entry up in the catalog by its exact path bytes, then by its
    real path (a symlinked folder): found, catalogued but missing (marked
    missing by the last scan, or not on disk now), or unknown. Reads only."""
    report = ImportReport()
    for entry in entries:
        report.entries += 1
        row = None
        if entry.path is not None:
            for candidate in dict.fromkeys((entry.path, _real(entry.path))):
                row = conn.execute(
                    "SELECT missing FROM files WHERE path_bytes = ?", (candidate,)
                ).fetchone()
                if row is not None:
                    break
        if row is None:
            report.unknown.append(entry)
        elif row[0] or not exists(entry.path):
            report.missing.append(entry)
        else:
            report.found += 1
    return report


def _real(path: bytes) -> bytes:
    """The path with symlinks resolved; itself when it cannot be (a NUL byte, a loop)."""
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path
