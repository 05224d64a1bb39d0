"""SQL of ``duplicates`` (``integrity/duplicates.py`` groups and ranks):
present files sharing an audio identity, a MusicBrainz recording or an artist and
title, each with what ranking needs. Callers pass a ``sqlite3.Connection``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

# Fields that make a copy's tags "complete"; a picture counts as one more.
TAG_FIELDS = (
    "title",
    "artist",
    "album",
    "albumartist",
    "tracknumber",
    "totaltracks",
    "discnumber",
    "date",
    "genre",
    "isrc",
    "musicbrainz_recordingid",
    "musicbrainz_albumid",
)
TAG_SCORE_MAX = len(TAG_FIELDS) + 1


@dataclass(frozen=True)
class CopyRow:
    """One file as duplicate detection sees it; ``key`` is what groups it."""

    key: str
    file_id: int
    path: str
    format: str | None
    codec: str | None
    lossless: int | None
    bitrate: int | None
    sample_rate: int | None
    bits_per_sample: int | None
    duration: float | None
    tag_score: int
    artist: str | None
    title: str | None
    album: str | None


_TAG_SCORE = (
    "("
    + " + ".join(f"(t.{name} IS NOT NULL AND t.{name} != '')" for name in TAG_FIELDS)
    + " + EXISTS (SELECT 1 FROM pictures p WHERE p.file_id = f.id))"
)
_COPY_COLS = (
    "f.id, f.path, f.format, f.codec, f.lossless, f.bitrate, f.sample_rate, f.bits_per_sample,"
    f" f.duration, {_TAG_SCORE}, t.artist, t.title, t.album"
)
_TAGS_KEY = "lower(trim(t.artist)) || char(31) || lower(trim(t.title))"

# The audio identity of no audio at all: a 0-byte file, a lone tag, an empty data chunk.
EMPTY_AUDIO_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# A present file that can be "the same audio" as another: fingerprinted, with audio data
# to compare, and readable by the scanner. Files with no audio (the empty identity) or
# that could not be read share nothing meaningful even when their hashes are equal.
_HAS_AUDIO = (
    "{f}missing = 0 AND {f}audio_hash IS NOT NULL"
    f" AND {{f}}audio_hash != '{EMPTY_AUDIO_HASH}' AND {{f}}read_error IS NULL"
)


def same_audio_count(conn: sqlite3.Connection) -> int:
    """How many groups of present files share their audio: ``len(find_duplicates(conn,
    'audio'))`` (copies with a tags row, as the "audio" query reads them) without reading
    or ranking the copies."""
    sql = (
        "SELECT count(*) FROM (SELECT 1 FROM files f JOIN tags t ON t.file_id = f.id"
        f" WHERE {_HAS_AUDIO.format(f='f.')} GROUP BY f.audio_hash HAVING count(*) > 1)"
    )
    return int(conn.execute(sql).fetchone()[0])


_DUPLICATE_SQL = {
    "audio": (
        f"SELECT f.audio_hash, {_COPY_COLS} FROM files f JOIN tags t ON t.file_id = f.id"
        f" WHERE {_HAS_AUDIO.format(f='f.')} AND f.audio_hash IN (SELECT audio_hash FROM files"
        f" WHERE {_HAS_AUDIO.format(f='')} GROUP BY audio_hash HAVING count(*) > 1)"
        " ORDER BY f.audio_hash, f.id"
    ),
    "recording": (
        f"SELECT m.recording_mbid, {_COPY_COLS} FROM files f JOIN tags t ON t.file_id = f.id"
        " JOIN matches m ON m.file_id = f.id"
        " WHERE f.missing = 0 AND m.status = 'matched' AND m.recording_mbid IN ("
        " SELECT m2.recording_mbid FROM matches m2 JOIN files f2 ON f2.id = m2.file_id"
        " WHERE f2.missing = 0 AND m2.status = 'matched' AND m2.recording_mbid IS NOT NULL"
        " GROUP BY m2.recording_mbid HAVING count(*) > 1)"
        " ORDER BY m.recording_mbid, f.id"
    ),
    "tags": (
        f"SELECT {_TAGS_KEY}, {_COPY_COLS} FROM files f JOIN tags t ON t.file_id = f.id"
        " WHERE f.missing = 0 AND trim(t.artist) != '' AND trim(t.title) != ''"
        f" AND {_TAGS_KEY} IN (SELECT {_TAGS_KEY} FROM files f JOIN tags t ON t.file_id = f.id"
        " WHERE f.missing = 0 AND trim(t.artist) != '' AND trim(t.title) != ''"
        f" GROUP BY {_TAGS_KEY} HAVING count(*) > 1)"
        f" ORDER BY {_TAGS_KEY}, f.duration, f.id"
    ),
}
DUPLICATE_KINDS = tuple(_DUPLICATE_SQL)


def duplicate_rows(conn: sqlite3.Connection, by: str) -> list[CopyRow]:
    """Present files sharing their ``by`` key with another present file, ordered by key."""
    if by not in _DUPLICATE_SQL:
        raise ValueError(f"unknown duplicate kind {by!r} (use one of {', '.join(DUPLICATE_KINDS)})")
    return [CopyRow(*row) for row in conn.execute(_DUPLICATE_SQL[by]).fetchall()]


def duplicate_coverage(conn: sqlite3.Connection, by: str) -> tuple[int, int]:
    """(present files that can take part in ``by``, present files): how much of the
    library ``duplicates`` could compare (fingerprinted files for ``audio``, files
    matched to a recording for ``recording``)."""
    total = conn.execute("SELECT count(*) FROM files WHERE missing = 0").fetchone()[0]
    if by == "audio":
        sql = "SELECT count(*) FROM files WHERE missing = 0 AND audio_hash IS NOT NULL"
    elif by == "recording":
        sql = (
            "SELECT count(*) FROM files f JOIN matches m ON m.file_id = f.id WHERE f.missing = 0"
            " AND m.status = 'matched' AND m.recording_mbid IS NOT NULL"
        )
    else:
        return total, total
    return conn.execute(sql).fetchone()[0], total
