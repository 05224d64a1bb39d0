"""The enrich run's plan (file ids, read a batch at a time) goes through exactly the
albums that grouping every file at once gives, in the same order (issue 17: at a
million files the albums as objects took gigabytes before the first request)."""

from __future__ import annotations

import random

import pytest

from archiver.catalog.db import open_catalog
from archiver.catalog.musicbrainz import files_to_enrich
from archiver.musicbrainz import enrich
from archiver.musicbrainz import match as m
from tests.conftest import add_root, add_track

# Folders whose order differs from their paths' ("/m/a b" sorts before "/m/a/"),
# nested ones, a file at the top, names that differ only in case or punctuation.
FOLDERS = ["/m/a", "/m/a b", "/m/a/b", "/m/a/b/c", "/m/Z", "/m/é", "/m", "/m/a-b", "/m/a.b"]
ALBUMS = ["LP", "lp", "L.P.", "Other", None, "", "...", "Straße", "STRASSE"]
ARTISTS = ["Band", "band", "B-and", None, "", "Björk"]


def _random_catalog(path, seed: int) -> None:
    rng = random.Random(seed)
    catalog = open_catalog(path)
    conn = catalog.conn
    add_root(conn, "/m", 1)
    for n in range(rng.randrange(30, 120)):
        folder = rng.choice(FOLDERS)
        add_track(
            conn,
            f"{folder}/{rng.choice(['', '0', 'x', 'Z'])}{n:03}.flac",
            album=rng.choice(ALBUMS),
            albumartist=rng.choice(ARTISTS),
            artist=rng.choice(["X", "Y"]),
            title=rng.choice(["t", None]),
            tracknumber=rng.choice([None, 1, 2, 3]),
            missing=int(rng.random() < 0.1),
            genre=rng.choice(["rock", "jazz"]),
        )
    conn.commit()
    catalog.close()


def _key(album: m.Album) -> tuple:
    return (album.key, album.albumartist, album.album, album.folder, album.loose,
            [f.file_id for f in album.files])  # fmt: skip


@pytest.mark.parametrize("where", [None, "genre:jazz"])
def test_the_plan_goes_through_the_albums_grouping_gives(tmp_path, monkeypatch, where) -> None:
    from archiver.catalog.query import compile_query

    monkeypatch.setattr(enrich, "PLAN_BATCH", 7)
    for seed in range(12):
        path = tmp_path / f"c{seed}.db"
        _random_catalog(path, seed)
        with open_catalog(path) as catalog:
            sql, params = (None, ())
            if where:
                compiled = compile_query(where)
                sql, params = compiled.where, compiled.params
            rows = files_to_enrich(catalog.conn, sql, params)
            expected = m.group_albums(m.FileInfo.from_row(r) for r in rows)
            plan = enrich.plan_albums(catalog.conn, sql, params)
            got = list(enrich.plan_iter(catalog.conn, plan))
            assert [_key(a) for a in got] == [_key(a) for a in expected], seed
            assert plan.count == len(expected)
            assert [_key(a) for a in enrich.plan_loose(catalog.conn, plan)] == [
                _key(a) for a in expected if a.loose
            ]
            assert any(a.loose for a in expected) and len(expected) > 10


def test_the_folder_in_sql_is_the_folder_python_groups_by(tmp_path) -> None:
    import os

    from archiver.catalog.musicbrainz import FOLDER

    paths = ["/x.flac", "/a/b.flac", "/a//b.flac", "/a b/c d/e.f", "/é/ü/ß.mp3", "/a/.hidden"]
    with open_catalog(tmp_path / "c.db") as catalog:
        for path in paths:
            sql = f"SELECT {FOLDER} FROM (SELECT ? AS path) files"
            (folder,) = catalog.conn.execute(sql, (path,)).fetchone()
            assert folder == os.path.dirname(path), path
