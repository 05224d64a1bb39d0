"""The Quality view, the analysis in the track detail and the acoustic duplicates
of the TUI, over files made with ffmpeg (a genuine FLAC, an MP3 re-encoded to
FLAC, a truncated FLAC), scanned and analysed with the real entry points; one
more file scanned after the analysis is "not analysed yet"."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from archiver.audio import fingerprint as fp
from archiver.audio.run import run_analysis
from archiver.catalog import browse, open_catalog
from archiver.catalog.browse import Scope
from archiver.catalog.query import compile_query
from archiver.integrity import browse as integrity_browse
from archiver.scan import scan
from archiver.tui.app import ArchiverApp
from archiver.tui.screens.detail import DetailScreen, render_detail
from archiver.tui.views import VIEW_BY_KEY
from archiver.tui.views.base import Selection
from archiver.tui.views.quality import NOT_ANALYSED
from tests.tui.helpers import settle
from tests.tui.test_preservation import SIZE, as_text, open_category, rows

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("quality")
    lib = root / "lib"
    lib.mkdir()
    genuine = lib / "genuine.flac"
    ffmpeg(
        "-f", "lavfi", "-i", "anoisesrc=d=12:c=pink:r=44100:a=0.3:seed=3",
        "-f", "lavfi", "-i", "sine=f=440:d=12:r=44100",
        "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo",
        "-metadata", "title=Real", "-metadata", "artist=Band", "-c:a", "flac", str(genuine),
    )  # fmt: skip
    ffmpeg("-i", str(genuine), "-b:a", "128k", str(root / "src.mp3"))
    ffmpeg(
        "-i", str(root / "src.mp3"), "-metadata", "title=Fake", "-metadata", "artist=Band",
        "-c:a", "flac", str(lib / "transcode.flac"),
    )  # fmt: skip
    (lib / "truncated.flac").write_bytes(genuine.read_bytes()[:300_000])
    db = root / "catalog.db"
    scan(db, [lib], jobs=1)
    run_analysis(db, jobs=1)
    shutil.copy(genuine, lib / "later.flac")  # scanned after the analysis
    scan(db, [lib], jobs=1)
    return db


def test_kinds_count_current_analyses(library_db: Path) -> None:
    view = VIEW_BY_KEY["quality"]
    with open_catalog(library_db, create=False) as catalog:
        entries = view.load_entries(catalog.conn, Scope("quality"))
        assert [(e.label, e.tracks) for e in entries] == [
            ("Transcodes", 1),
            ("Upsampled", 0),
            ("Padded bits", 0),
            ("Decode errors", 1),
            ("Not analysed yet", 1),
        ]
        errors = view.load_rows(catalog.conn, Scope("quality"), entries[3])
        shown = view.show_rows(entries[3], errors, Selection(Scope("quality")))
        (title, _, verdict, detail, _, fmt) = shown.source.cells(0)
        assert (title, verdict, fmt) == ("Real", "error", "flac")
        assert detail.startswith("truncated")
        assert shown.subtitle == "1 file · decode:error"


def test_the_filter_takes_the_analysis_fields(library_db: Path) -> None:
    """`/quality:transcode` in any view selects what `ls quality:transcode` lists."""
    with open_catalog(library_db, create=False) as catalog:
        for text, titles in [("quality:transcode", ["Fake"]), ("analyzed:no", ["Real"])]:
            q = compile_query(text)
            scope = Scope("all", where=q.where, params=tuple(q.params))
            ids = browse.track_ids(catalog.conn, scope)
            assert [t.title for t in browse.tracks_by_ids(catalog.conn, ids)] == titles


def test_before_any_analysis_the_view_says_what_to_run(catalog_path: Path) -> None:
    view = VIEW_BY_KEY["quality"]
    with open_catalog(catalog_path, create=False) as catalog:
        assert view.load_entries(catalog.conn, Scope("quality")) == []
    assert "archiver analyze" in view.empty_text(Selection(Scope("quality")))
    assert view.no_rows().empty_text == NOT_ANALYSED


async def test_quality_view_lists_transcodes_and_opens_the_detail(library_db: Path) -> None:
    app = ArchiverApp(library_db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_category(pilot, "quality")
        assert rows(screen.table("entries"))[0] == ("Transcodes", "1")
        files = screen.table("albums")
        (title, artist, verdict, detail, cutoff, fmt) = rows(files)[0]
        assert (title, artist, verdict, fmt) == ("Fake", "Band", "transcode", "flac")
        assert "mp3" in detail and cutoff.endswith("kHz") and 15 < float(cutoff.split()[0]) < 17.5
        await pilot.press("enter")  # into the files
        await pilot.press("enter")  # the track's detail
        await settle(pilot, 1)
        assert isinstance(app.screen, DetailScreen)
        text = as_text(render_detail(app.screen.detail))
        assert "Audio analysis" in text
        assert "transcode — mp3" in text and "Decode" in text and "Analysed at" in text
        line = next(x for x in text.splitlines() if x.strip().startswith("Fingerprint"))
        assert line.split()[1] == ("yes" if fp.available() else "no")


def test_detail_of_a_file_changed_since_its_analysis(library_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(library_db, db)
    with open_catalog(db, create=False) as catalog:
        fid = catalog.conn.execute(
            "SELECT id FROM files WHERE path LIKE '%/transcode.flac'"
        ).fetchone()[0]
        assert browse.track_detail(catalog.conn, fid).analysis["current"]
        catalog.conn.execute("UPDATE files SET size = size + 1 WHERE id = ?", (fid,))
        catalog.conn.commit()
        detail = browse.track_detail(catalog.conn, fid)
        later = catalog.conn.execute(
            "SELECT id FROM files WHERE path LIKE '%/later.flac'"
        ).fetchone()[0]
        assert browse.track_detail(catalog.conn, later).analysis is None
    text = as_text(render_detail(detail))
    assert "not analysed since the file changed" in text and "mp3 ~" not in text


@pytest.mark.skipif(not fp.available(), reason="needs libchromaprint (fingerprints)")
def test_duplicates_by_ear_once_fingerprinted(library_db: Path, catalog_path: Path) -> None:
    with open_catalog(library_db, create=False) as catalog:
        kinds = integrity_browse.duplicate_kinds(catalog.conn)
    by_ear = kinds[-1]
    assert by_ear.label == "Same recording (by ear)" and by_ear.tracks == 1
    (group,) = by_ear.extra
    assert [c.path.rsplit("/", 1)[-1] for c in group.copies] == ["genuine.flac", "transcode.flac"]
    with open_catalog(catalog_path, create=False) as catalog:  # nothing fingerprinted: no entry
        labels = [e.label for e in integrity_browse.duplicate_kinds(catalog.conn)]
    assert "Same recording (by ear)" not in labels
