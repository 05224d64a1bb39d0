"""A small, fully deterministic catalog for the TUI tests and snapshots.

Rows are inserted directly (fixed timestamps, sizes and durations), so every
screen looks the same on every run. It holds: three album artists, five
albums (one a compilation, one multi-disc), a missing file, a file that could
not be read plus its scan error, and MusicBrainz data for one album (matched,
with a title that differs from the file's tag), one ambiguous album with
candidates and one unmatched file.
"""

from __future__ import annotations

import json
from pathlib import Path

from archiver.catalog import open_catalog

TS = "2026-01-02T03:04:05.000000Z"
ROOT = "/music"

# (albumartist, album, year, format, [(disc, track, title, artist, seconds)])
ALBUMS = [
    (
        "The Beatles",
        "Abbey Road",
        1969,
        "flac",
        [
            (1, 1, "Come Together", "The Beatles", 259.9),
            (1, 2, "Something", "The Beatles", 182.3),
            (1, 3, "Maxwell's Silver Hammer", "The Beatles", 207.0),
            (1, 4, "Oh! Darling", "The Beatles", 206.2),
        ],
    ),
    (
        "The Beatles",
        "Help!",
        1965,
        "mp3",
        [
            (1, 1, "Help!", "The Beatles", 138.0),
            (1, 2, "The Night Before", "The Beatles", 154.0),
            (1, 3, "Yesterday", "The Beatles", 125.0),
        ],
    ),
    (
        "Björk",
        "Homogenic",
        1997,
        "ogg",
        [
            (1, 1, "Hunter", "Björk", 255.0),
            (1, 2, "Jóga", "Björk", 305.0),
            (1, 3, "Bachelorette", "Björk", 312.0),
        ],
    ),
    (
        "Miles Davis",
        "Kind of Blue",
        1959,
        "mp4",
        [
            (1, 1, "So What", "Miles Davis", 562.0),
            (1, 2, "Freddie Freeloader", "Miles Davis", 586.0),
            (2, 1, "Blue in Green", "Miles Davis", 337.0),
            (2, 2, "All Blues", "Miles Davis", 693.0),
        ],
    ),
    (
        "Various Artists",
        "Jazz Moods",
        2001,
        "flac",
        [
            (1, 1, "Take Five", "Dave Brubeck", 324.0),
            (1, 2, "My Favorite Things", "John Coltrane", 822.0),
        ],
    ),
]
GENRES = {
    "Abbey Road": "Rock",
    "Help!": "Rock",
    "Homogenic": "Electronic",
    "Kind of Blue": "Jazz",
    "Jazz Moods": "Jazz",
}
RELEASE = "11111111-1111-4111-8111-111111111111"


def make_catalog(path: Path, *, empty: bool = False) -> Path:
    """Create the test catalog at ``path`` (``empty``: schema, roots and one scan only)."""
    with open_catalog(path) as catalog, catalog.write() as conn:
        conn.execute(
            "INSERT INTO scan_runs (id, started_at, finished_at, status, paths, files_found) "
            "VALUES (1, ?, ?, 'finished', ?, 0)",
            ("2026-01-02T03:00:00.000000Z", TS, json.dumps([ROOT])),
        )
        conn.execute(
            "INSERT INTO library_roots (id, path, path_bytes, added_at, last_scan_id, last_scanned_at) "
            "VALUES (1, ?, ?, ?, 1, ?)",
            (ROOT, ROOT.encode(), TS, TS),
        )
        if empty:
            return path
        file_id = 0
        for albumartist, album, year, fmt, tracks in ALBUMS:
            for disc, number, title, artist, seconds in tracks:
                file_id += 1
                ext = {"mp4": "m4a"}.get(fmt, fmt)
                display = f"{ROOT}/{albumartist}/{album}/{disc}-{number:02d} {title}.{ext}"
                conn.execute(
                    "INSERT INTO files (id, path, path_bytes, root_id, size, mtime_ns, mtime, format, codec, "
                    "duration, bitrate, sample_rate, channels, bits_per_sample, lossless, tag_formats, "
                    "missing, missing_since, first_seen_at, last_seen_at, last_read_at, first_scan_id, last_scan_id) "
                    "VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, 44100, 2, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1)",
                    (
                        file_id,
                        display,
                        display.encode(),
                        int(seconds * 20_000),
                        1_700_000_000_000_000_000 + file_id,
                        "2023-11-14T22:13:20Z",
                        fmt,
                        {"mp4": "aac", "ogg": "vorbis"}.get(fmt, fmt),
                        seconds,
                        160_000,
                        16 if fmt == "flac" else None,
                        1 if fmt == "flac" else 0,
                        {"mp3": "ID3v2.4", "mp4": "MP4"}.get(fmt, "Vorbis comment"),
                        1 if title == "Yesterday" else 0,
                        TS if title == "Yesterday" else None,
                        TS,
                        TS,
                        TS,
                    ),
                )
                raw = {
                    "TITLE": [title],
                    "ARTIST": [artist],
                    "ALBUM": [album],
                    "TRACKNUMBER": [str(number)],
                }
                conn.execute(
                    "INSERT INTO tags (file_id, title, artist, album, albumartist, tracknumber, totaltracks, "
                    "discnumber, totaldiscs, date, year, genre, composer, compilation, raw) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        file_id,
                        title,
                        artist,
                        album,
                        albumartist,
                        number,
                        len(tracks),
                        disc,
                        2 if album == "Kind of Blue" else 1,
                        str(year),
                        year,
                        GENRES[album],
                        "Lennon; McCartney" if albumartist == "The Beatles" else None,
                        1 if albumartist == "Various Artists" else 0,
                        json.dumps(raw),
                    ),
                )
        # A file that could not be read: in files with an error, and in scan_errors.
        bad = f"{ROOT}/Unsorted/broken.flac"
        file_id += 1
        conn.execute(
            "INSERT INTO files (id, path, path_bytes, root_id, size, mtime_ns, mtime, format, read_error, "
            "first_seen_at, last_seen_at, first_scan_id, last_scan_id) "
            "VALUES (?, ?, ?, 1, 4096, 1, '2023-11-14T22:13:20Z', 'flac', 'corrupt: bad header', ?, ?, 1, 1)",
            (file_id, bad, bad.encode(), TS, TS),
        )
        conn.execute("INSERT INTO tags (file_id) VALUES (?)", (file_id,))
        conn.execute(
            "INSERT INTO scan_errors (scan_id, path, path_bytes, kind, message, occurred_at) "
            "VALUES (1, ?, ?, 'corrupt', 'file said 8192 bytes, read 2048 bytes', ?)",
            (bad, bad.encode(), TS),
        )
        conn.execute(
            "UPDATE scan_runs SET files_found = ?, added = ?, errors = 1 WHERE id = 1",
            (file_id, file_id),
        )
        _musicbrainz(conn)
    return path


def _musicbrainz(conn) -> None:  # type: ignore[no-untyped-def]
    """Abbey Road matched (one title differs), Homogenic ambiguous, one Help! track unmatched."""
    conn.execute(
        "INSERT INTO mb_releases (mbid, title, artist_credit, date, country, status, barcode, medium_count, "
        "track_count, fetched_at) VALUES (?, 'Abbey Road', 'The Beatles', '1969-09-26', 'GB', 'Official', "
        "'077774644624', 1, 17, ?)",
        (RELEASE, TS),
    )
    conn.execute(
        "INSERT INTO mb_release_labels (release_mbid, position, label_name, catalog_number) "
        "VALUES (?, 0, 'Apple Records', 'PCS 7088')",
        (RELEASE,),
    )
    titles = ["Come Together", "Something", "Maxwell’s Silver Hammer", "Oh! Darling!"]
    for i, title in enumerate(titles, start=1):
        rec = f"2222222{i}-2222-4222-8222-222222222222"
        trk = f"3333333{i}-3333-4333-8333-333333333333"
        conn.execute(
            "INSERT INTO mb_recordings (mbid, title, artist_credit, length) VALUES (?, ?, 'The Beatles', ?)",
            (rec, title, 260.0 if i == 1 else 200.0),
        )
        conn.execute(
            "INSERT INTO mb_tracks (mbid, release_mbid, disc_number, position, number, title, artist_credit, "
            "length, recording_mbid) VALUES (?, ?, 1, ?, ?, ?, 'The Beatles', ?, ?)",
            (trk, RELEASE, i, str(i), title, 260.0 if i == 1 else 200.0, rec),
        )
        conn.execute(
            "INSERT INTO matches (file_id, status, method, score, release_mbid, track_mbid, recording_mbid, "
            "album_key, matched_at) VALUES (?, 'matched', 'search', 0.97, ?, ?, ?, 'abbey', ?)",
            (i, RELEASE, trk, rec, TS),
        )
    conn.execute(
        "INSERT INTO mb_recording_isrcs (recording_mbid, isrc) VALUES ('22222221-2222-4222-8222-222222222222', 'GBAYE0601690')"
    )
    conn.execute(
        "INSERT INTO mb_credits (recording_mbid, role, artist_name, attributes) VALUES "
        "('22222221-2222-4222-8222-222222222222', 'producer', 'George Martin', ''), "
        "('22222221-2222-4222-8222-222222222222', 'performer', 'Ringo Starr', 'drums')"
    )
    candidates = [
        {
            "release_mbid": "44444444-4444-4444-8444-444444444444",
            "title": "Homogenic",
            "artist": "Björk",
            "score": 0.81,
            "penalties": {"tracks": 0.1},
        },
        {
            "release_mbid": "55555555-5555-4555-8555-555555555555",
            "title": "Homogenic (deluxe)",
            "artist": "Björk",
            "score": 0.79,
            "penalties": {"tracks": 0.2},
        },
    ]
    conn.execute(
        "INSERT INTO album_matches (album_key, albumartist, album, folder, status, candidates, matched_at) "
        "VALUES ('homogenic', 'Björk', 'Homogenic', '/music/Björk/Homogenic', 'ambiguous', ?, ?)",
        (json.dumps(candidates), TS),
    )
    for file_id in (8, 9, 10):
        conn.execute(
            "INSERT INTO matches (file_id, status, method, score, album_key, matched_at) "
            "VALUES (?, 'ambiguous', 'search', 0.81, 'homogenic', ?)",
            (file_id, TS),
        )
    conn.execute(
        "INSERT INTO matches (file_id, status, method, album_key, matched_at) VALUES (6, 'unmatched', 'search', 'help', ?)",
        (TS,),
    )


# (albumartist, album, title, raw tags) that a hostile or careless tagger can write:
# markup that would crash Rich/Textual, markup that would be applied, an action link,
# terminal escape sequences and long raw keys (TXXX frames).
HOSTILE = [
    ("Closer [/red] Band", "Bad [/] close", "x [/b] y", {"TITLE": ["x [/b] y"]}),
    ("Marked Up", "[red]Album[/red]", "Plain title", {"ALBUM": ["[red]Album[/red]"]}),
    (
        "Marked Up",
        "Album [@click=app.quit]",
        "Clicky",
        {"ALBUM": ["Album [@click=app.quit]"], "COMMENT": ["[b]bold[/b]"]},
    ),
    (
        "Escapes",
        "Terminal",
        "Ctrl\x1b[31mRED\x1b[0m title",
        {
            "TITLE": ["Ctrl\x1b[31mRED\x1b[0m title"],
            "TXXX:MusicBrainz Album Id": ["aaaa"],
            "TXXX:MusicBrainz Album Artist Id": ["bbbb"],
            "TXXX:MusicBrainz Album Type": ["album"],
            "TXXX:MusicBrainz Album Status": ["official"],
            "TXXX:MusicBrainz Album Release Country": ["GB"],
        },
    ),
]


def make_hostile_catalog(path: Path) -> Path:
    """The empty catalog plus one track per row of :data:`HOSTILE`."""
    make_catalog(path, empty=True)
    with open_catalog(path) as catalog, catalog.write() as conn:
        for file_id, (albumartist, album, title, raw) in enumerate(HOSTILE, start=1):
            display = f"{ROOT}/hostile/{file_id:02d}.flac"
            conn.execute(
                "INSERT INTO files (id, path, path_bytes, root_id, size, mtime_ns, mtime, format, "
                "duration, first_seen_at, last_seen_at, first_scan_id, last_scan_id) "
                "VALUES (?, ?, ?, 1, 1000, 1, '2023-11-14T22:13:20Z', 'flac', 60.0, ?, ?, 1, 1)",
                (file_id, display, display.encode(), TS, TS),
            )
            conn.execute(
                "INSERT INTO tags (file_id, title, artist, album, albumartist, tracknumber, "
                "musicbrainz_recordingid, raw) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                (
                    file_id,
                    title,
                    albumartist,
                    album,
                    albumartist,
                    "66666666-6666-4666-8666-666666666666",
                    json.dumps(raw),
                ),
            )
    return path
