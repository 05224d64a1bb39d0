"""`archiver missing`: gaps against the tags and against a MusicBrainz tracklist."""

from __future__ import annotations

import json

from click.testing import CliRunner

from archiver.catalog import completeness as sql
from archiver.cli import cli
from archiver.integrity.completeness import album_folder, incomplete_albums, release_gaps, tag_gaps
from tests.integrity.conftest import Library


def row(
    n: int | None,
    *,
    disc=None,
    total=None,
    discs=None,
    missing=0,
    track_mbid=None,
    release=None,
    path="/m/LP/x.flac",
) -> sql.AlbumTrackRow:
    return sql.AlbumTrackRow(
        0, path, missing, "LP", "Band", "Band", disc, discs, n, total, release, track_mbid
    )


def test_tag_gaps_per_disc() -> None:
    rows = [
        row(1, disc=1, total=4, discs=3),
        row(2, disc=1, total=4),
        row(4, disc=1, total=4),
        row(1, disc=2, total=2),
        row(2, disc=2, total=2, missing=1),
    ]
    missing_discs, gaps, expected = tag_gaps(rows)
    assert missing_discs == [3]
    assert gaps == {1: [3], 2: [2]}
    assert expected is None  # disc 3 says nothing about its length


def test_tag_gaps_complete_album_and_unknown_totals() -> None:
    assert tag_gaps([row(1, total=2), row(2, total=2)]) == ([], {}, 2)
    assert tag_gaps([row(1), row(3)]) == ([], {}, None)  # no totaltracks: no claim


def test_release_gaps_by_track_id_or_position() -> None:
    tracks = [
        sql.ReleaseTrack("r", f"t{i}", 1, i, str(i), f"Song {i}", 180.0 + i) for i in (1, 2, 3)
    ]
    tracks.append(sql.ReleaseTrack("r", "t4", 2, 1, "1", "Bonus", None))
    rows = [
        row(9, track_mbid="t1", release="r"),
        row(2, disc=1, release="r"),
        row(3, track_mbid="t3", release="r", missing=1),
    ]
    assert [(t.disc, t.position, t.title) for t in release_gaps(rows, tracks)] == [
        (1, 3, "Song 3"),
        (2, 1, "Bonus"),
    ]


def test_album_folder_skips_disc_folders() -> None:
    assert album_folder("/m/Band/LP/CD2/01.flac") == "/m/Band/LP"
    assert album_folder("/m/Band/LP/Disc 1/01.flac") == "/m/Band/LP"
    assert album_folder("/m/Band/CDs/01.flac") == "/m/Band/CDs"


def test_gaps_from_real_files(library: Library, album) -> None:
    album("Complete", "mp3", [1, 2, 3], total=3)
    album("Holes", "flac", [1, 2, 4, 6], total=6)
    album("Two discs", "ogg", [1, 2], total=2, disc=1, discs=2)
    gone = album("Lost one", "m4a", [1, 2], total=2)[1]
    library.scan()
    gone.unlink()
    library.scan()  # marked missing: counts as absent
    result = CliRunner().invoke(cli, ["--db", str(library.db), "missing", "--json"])
    assert result.exit_code == 0, result.output
    albums = {a["album"]: a for a in json.loads(result.output)["albums"]}
    assert set(albums) == {"Holes", "Two discs", "Lost one"}
    assert albums["Holes"]["gaps"] == [{"disc": 1, "tracks": [3, 5]}]
    assert (albums["Holes"]["present"], albums["Holes"]["expected"]) == (4, 6)
    assert albums["Two discs"]["missing_discs"] == [2]
    assert albums["Lost one"]["gaps"] == [{"disc": 1, "tracks": [2]}]
    assert albums["Lost one"]["missing_files"] == [str(gone)]
    table = CliRunner().invoke(cli, ["--db", str(library.db), "missing"])
    assert table.exit_code == 0 and "Holes" in table.output and "3, 5" in table.output


def test_release_tracks_without_a_file(library: Library, album) -> None:
    paths = album("Matched", "flac", [1, 2], total=2)  # the tags think the album is complete
    library.scan()
    with library.catalog() as catalog, catalog.write() as conn:
        conn.execute(
            "INSERT INTO mb_releases (mbid, title, artist_credit, fetched_at)"
            " VALUES ('rel', 'Matched (Deluxe)', 'The Band', 'now')"
        )
        for disc, pos, title, length in [
            (1, 1, "One", 61.0),
            (1, 2, "Two", 62.0),
            (1, 3, "Three", 183.5),
            (2, 1, "Demo", 90.0),
        ]:
            rec = f"rec-{disc}-{pos}"
            conn.execute(
                "INSERT INTO mb_recordings (mbid, title, length) VALUES (?, ?, ?)",
                (rec, title, length),
            )
            conn.execute(
                "INSERT INTO mb_tracks (mbid, release_mbid, disc_number, position, number,"
                " title, length, recording_mbid) VALUES (?, 'rel', ?, ?, ?, ?, ?, ?)",
                (f"trk-{disc}-{pos}", disc, pos, str(pos), title, length, rec),
            )
        for n, path in enumerate(paths, 1):
            conn.execute(
                "INSERT INTO matches (file_id, status, release_mbid, track_mbid,"
                " recording_mbid, matched_at) VALUES (?, 'matched', 'rel', ?, ?, 'now')",
                (library.file_id(path), f"trk-1-{n}", f"rec-1-{n}"),
            )
        albums = incomplete_albums(conn)
    assert len(albums) == 1
    found = albums[0]
    assert (found.release_mbid, found.release_title) == ("rel", "Matched (Deluxe)")
    assert found.gaps == {}
    assert [(t.disc, t.position, t.title, t.length) for t in found.release_missing] == [
        (1, 3, "Three", 183.5),
        (2, 1, "Demo", 90.0),
    ]
    out = CliRunner().invoke(cli, ["--db", str(library.db), "missing"]).output
    assert "Three" in out and "3:04" in out and "Demo" in out


def test_no_incomplete_albums(library: Library, album) -> None:
    album("Whole", "wav", [1, 2], total=2)
    library.scan()
    result = CliRunner().invoke(cli, ["--db", str(library.db), "missing"])
    assert result.exit_code == 0 and "No incomplete albums" in result.output


def test_a_second_copy_of_a_track_fills_no_gap(library: Library, album) -> None:
    """Track 2 twice (another folder, same album tags) and no track 4: the header and the
    JSON count distinct tracks (4 of 5), agreeing with the gap listed; files are 5."""
    album("Doubled", "mp3", [1, 2, 3, 5], total=5)
    album("Doubled", "mp3", [2], total=5, folder="Doubled (copy)")
    library.scan()
    result = CliRunner().invoke(cli, ["--db", str(library.db), "missing", "--json"])
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)["albums"]
    assert found["gaps"] == [{"disc": 1, "tracks": [4]}]
    assert (found["present"], found["expected"], found["files"]) == (4, 5, 5)
    table = CliRunner().invoke(cli, ["--db", str(library.db), "missing"])
    assert "(4 of 5 tracks, 5 files)" in " ".join(table.output.split()), table.output


def _random_catalog(path, seed: int) -> None:
    """Albums with every oddity the summaries must not miss: case and accent variants
    of one album, blank album artists (folder albums, disc folders), duplicates,
    numbers past the total, missing files, discs without files, matched releases."""
    import random

    from archiver.catalog.db import open_catalog
    from tests.conftest import add_match, add_root, add_track

    rng = random.Random(seed)
    catalog = open_catalog(path)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    artists = ["Band", "BAND", "Björk", "BJÖRK", None, "", " ", "\t", "Ünïcode"]
    albums = ["LP", "lp", " LP ", "Straße", "STRASSE", "Other"]
    n = 0
    for _ in range(40):
        artist, album = rng.choice(artists), rng.choice(albums)
        folder = f"/m/{rng.randrange(6)}/{album}"
        total, discs = rng.choice([None, 3, 4]), rng.choice([None, 1, 2, 3])
        release = f"rel{rng.randrange(8)}" if rng.random() < 0.4 else None
        for _track in range(rng.randrange(1, 6)):
            n += 1
            disc = rng.choice([None, 0, 1, 1, 2, 3])
            sub = f"/CD{disc}" if disc and rng.random() < 0.3 else ""
            file_id = add_track(
                conn,
                f"{folder}{sub}/{n:03}.flac",
                albumartist=artist,
                artist=rng.choice(["X", "Y"]),
                album=album,
                tracknumber=rng.choice([None, 1, 2, 3, 4, 5, 1, 0, "A1"]),
                totaltracks=total if rng.random() < 0.8 else rng.choice([None, 0, 2, 5]),
                discnumber=disc,
                totaldiscs=discs if rng.random() < 0.9 else 0,
                missing=1 if rng.random() < 0.1 else 0,
            )
            if release:
                add_match(
                    conn,
                    file_id,
                    release_mbid=release,
                    track_mbid=rng.choice([None, f"{release}-t{rng.randrange(1, 5)}"]),
                )
    for r in range(8):
        conn.execute(
            "INSERT INTO mb_releases (mbid, title, artist_credit, fetched_at) VALUES (?, ?, 'A', 'now')",
            (f"rel{r}", f"Release {r}"),
        )
        conn.execute("INSERT OR IGNORE INTO mb_recordings (mbid, title) VALUES ('rec', 'R')")
        for pos in range(1, rng.randrange(2, 6)):
            conn.execute(
                "INSERT INTO mb_tracks (mbid, release_mbid, disc_number, position, number,"
                " title, recording_mbid) VALUES (?, ?, ?, ?, ?, 'T', 'rec')",
                (f"rel{r}-t{pos}", f"rel{r}", 1 + (pos > 3), pos, str(pos)),
            )
    conn.commit()
    catalog.close()


def test_summaries_find_every_album_a_full_read_finds(tmp_path, monkeypatch) -> None:
    """The fast path (SQLite summaries, then the rows of suspect albums only, a few
    albums at a time) reports exactly what reading every row reports, on random
    catalogs full of edge cases."""
    from archiver.catalog.db import open_catalog
    from archiver.integrity import completeness
    from archiver.integrity.completeness import albums_from_rows

    monkeypatch.setattr(completeness, "_CHUNK", 3)

    found = 0
    for seed in range(30):
        path = tmp_path / f"c{seed}.db"
        _random_catalog(path, seed)
        with open_catalog(path) as catalog:
            full = albums_from_rows(catalog.conn, sql.album_track_rows(catalog.conn))
            assert incomplete_albums(catalog.conn) == full, seed
            # Half the chunks read by a forked process: the same report, in the same order.
            assert incomplete_albums(catalog.conn, processes=2) == full, seed
            with monkeypatch.context() as plain:  # as a catalog without kept disc sums
                plain.setattr(sql, "kept_sums", lambda conn: False)
                assert incomplete_albums(catalog.conn) == full, seed
            found += len(full)
    assert found > 100  # the random catalogs do have incomplete albums


def test_album_numbers_in_one_pass_equal_the_separate_functions() -> None:
    """``_album_numbers`` (one pass, what the report uses) is ``tag_gaps`` and
    ``present_tracks`` and the file counts, on random albums."""
    import random

    from archiver.integrity.completeness import _album_numbers, present_tracks

    rng = random.Random(7)
    for _ in range(2000):
        rows = [
            sql.AlbumTrackRow(
                i,
                f"/m/{i:03}.flac",
                int(rng.random() < 0.2),
                "LP",
                "Band",
                "Band",
                rng.choice([None, 0, 1, 1, 2, 3]),
                rng.choice([None, 0, 1, 2, 3]),
                rng.choice([None, 0, 1, 2, 3, 4, 5, 5, "A1"]),
                rng.choice([None, 0, 3, 4, 6]),
                None,
                None,
            )
            for i in range(rng.randrange(1, 9))
        ]
        on_disk = [r for r in rows if not r.missing]
        assert _album_numbers(rows) == (
            *tag_gaps(rows),
            present_tracks(rows),
            len(on_disk),
            [r.path for r in rows if r.missing],
        )


def _rich_line_by_line(albums, console) -> None:
    """The report as ``missing`` printed it before it batched its lines: one rich
    ``print`` per line (the reference the batched output must equal)."""
    from rich.text import Text

    from archiver.commands.missing import _album_lines

    for number, album in enumerate(albums):
        if number:
            console.print()
        for text, style in _album_lines(album):
            console.print(Text(text, style=style), soft_wrap=True, highlight=False)


def test_report_text_is_what_rich_prints_line_by_line(tmp_path, monkeypatch) -> None:
    """The batched report (plain writes on a pipe, rich on a terminal) is the same text
    as one rich ``print`` per line, also for paths with tabs and control characters."""
    import io

    from rich.console import Console

    from archiver.catalog.db import open_catalog
    from archiver.commands import missing as command
    from tests.conftest import add_root, add_track

    monkeypatch.setattr(command, "_BATCH", 7)
    path = tmp_path / "c.db"
    catalog = open_catalog(path)
    add_root(catalog.conn, "/m", 1)
    names = ["plain", "tab\there", "bell\a cr\r vt\v ff\f bs\b", "wide 東京", "new\nline"]
    for n, name in enumerate(names * 3):
        add_track(
            catalog.conn,
            f"/m/{name}/{n:02}.flac",
            albumartist="Band",
            album=f"{name} {n // len(names)}",
            tracknumber=1,
            totaltracks=3,
            missing=1,
        )
    catalog.conn.commit()
    albums = incomplete_albums(catalog.conn)
    catalog.close()
    assert len(albums) == 15
    for terminal in (False, True):
        options = {
            "force_terminal": terminal,
            "width": 60,
            "color_system": "truecolor" if terminal else None,
        }
        expected, got = io.StringIO(), io.StringIO()
        _rich_line_by_line(albums, Console(file=expected, **options))
        console = Console(file=got, **options)
        monkeypatch.setattr(command, "cli_console", lambda console=console: console)
        command._print(albums)
        assert got.getvalue() == expected.getvalue() + "15 incomplete albums\n"
        assert ("\x1b[1m" in got.getvalue()) == terminal


def test_a_release_split_evenly_goes_home_to_its_first_files_album() -> None:
    """On a tie the home album is the one of the release's first file in path order (it
    was ``max(set(...))``, which followed the process's hash seed)."""
    from archiver.integrity.completeness import _home

    def file(n: int, album: str, path: str) -> sql.AlbumTrackRow:
        return sql.AlbumTrackRow(n, path, 0, album, "Band", "Band", 1, 1, n, 4, "rel", None)

    first = [file(1, "LP", "/m/a/1.flac"), file(2, "Other", "/m/b/2.flac")]
    assert _home("rel", first) == ("artist", "band", "lp")
    assert _home("rel", first[::-1]) == ("artist", "band", "other")
    most = [*first, file(3, "Other", "/m/b/3.flac")]
    assert _home("rel", most) == ("artist", "band", "other")
    assert _home("rel", [file(4, " ", "/m/c/4.flac")]) == ("release", "rel", "")


def test_a_release_gap_left_by_a_missing_file_of_another_album(tmp_path) -> None:
    """A release's only missing track is a file marked missing under another album tag:
    the release's home album (complete by its tags) is reported with that track."""
    from archiver.catalog.db import open_catalog
    from archiver.integrity.completeness import albums_from_rows
    from tests.conftest import add_match, add_root, add_track

    catalog = open_catalog(tmp_path / "c.db")
    conn = catalog.conn
    add_root(conn, "/m", 1)
    conn.execute(
        "INSERT INTO mb_releases (mbid, title, artist_credit, fetched_at)"
        " VALUES ('rel', 'Home', 'Band', 'now')"
    )
    conn.execute("INSERT INTO mb_recordings (mbid, title) VALUES ('rec', 'R')")
    for n in range(1, 5):
        conn.execute(
            "INSERT INTO mb_tracks (mbid, release_mbid, disc_number, position, number, title,"
            " recording_mbid) VALUES (?, 'rel', 1, ?, ?, ?, 'rec')",
            (f"t{n}", n, str(n), f"Song {n}"),
        )
    for n in range(1, 4):
        file_id = add_track(
            conn,
            f"/m/Home/{n}.flac",
            albumartist="Band",
            album="Home",
            tracknumber=n,
            totaltracks=3,
        )
        add_match(conn, file_id, release_mbid="rel", track_mbid=f"t{n}")
    stray = add_track(
        conn, "/m/Stray/1.flac", albumartist="Band", album="Stray", tracknumber=1, totaltracks=1,
        missing=1,
    )  # fmt: skip
    add_match(conn, stray, release_mbid="rel", track_mbid="t4")
    conn.commit()
    full = albums_from_rows(conn, sql.album_track_rows(conn))
    assert [(a.album, [t.title for t in a.release_missing]) for a in full] == [
        ("Home", ["Song 4"]),
        ("Stray", []),
    ]
    assert incomplete_albums(conn) == full
    catalog.close()
