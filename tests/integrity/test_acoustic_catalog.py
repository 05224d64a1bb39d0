"""`archiver duplicates --by acoustic` on a real catalog: generated songs encoded with
ffmpeg, scanned, fingerprinted by fpcalc into the analysis table; and the ranking rule
that a genuine lossless copy beats a transcode."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.catalog import analysis
from archiver.cli import cli
from archiver.integrity.duplicates import Copy, rank_copies
from tests.integrity.conftest import Library
from tests.integrity.test_acoustic import RATE, fpcalc, make_song, needs_tools, write_wav


def copy(file_id: int, **kw) -> Copy:
    base = dict(
        path=f"/m/{file_id}",
        format="flac",
        codec="flac",
        lossless=True,
        bitrate=900_000,
        sample_rate=44100,
        bits_per_sample=16,
        duration=200.0,
        tag_score=5,
    )
    base.update(kw)
    return Copy(file_id, **base)


# --- ranking with the analysis verdict -----------------------------------------------------------


def test_genuine_lossless_beats_a_transcode_with_more_bits_and_tags() -> None:
    transcode = copy(1, bits_per_sample=24, sample_rate=96000, tag_score=13, verdict="transcode")
    genuine = copy(2, tag_score=2, verdict="lossless")
    ordered, reason = rank_copies([transcode, genuine])
    assert [c.file_id for c in ordered] == [2, 1]
    assert reason.startswith("genuine lossless (flac 16-bit/44.1 kHz) over a transcode")
    assert "flac 24-bit/96 kHz transcode" in reason


def test_a_lossy_file_beats_a_transcode() -> None:
    """A transcode holds lossy audio in a lossless file: it counts as lossy with an unknown
    bitrate, so a real lossy copy (with its bitrate) is the better one to keep."""
    transcode = copy(1, tag_score=13, verdict="transcode")
    mp3 = copy(2, format="mp3", codec="mp3", lossless=False, bitrate=256_000, bits_per_sample=None)
    ordered, reason = rank_copies([transcode, mp3])
    assert [c.file_id for c in ordered] == [2, 1]
    assert reason.startswith("lossy (mp3 256 kbps) over a transcode")


def test_unanalysed_lossless_files_rank_as_before() -> None:
    flac = copy(1, verdict=None)
    mp3 = copy(2, format="mp3", codec="mp3", lossless=False, bitrate=320_000, tag_score=13)
    ordered, reason = rank_copies([mp3, flac])
    assert [c.file_id for c in ordered] == [1, 2]
    assert reason == "lossless (flac 16-bit/44.1 kHz) over lossy (mp3 320 kbps)"


def test_two_transcodes_fall_back_to_tags() -> None:
    a = copy(1, tag_score=3, verdict="transcode", bits_per_sample=24)
    b = copy(2, tag_score=9, verdict="transcode")
    ordered, reason = rank_copies([a, b])
    assert [c.file_id for c in ordered] == [2, 1]
    assert reason.startswith("more complete tags")


# --- the command on a real catalog ---------------------------------------------------------------


def store(library: Library, path: Path, **values) -> None:
    """An analysis row as `archiver analyze` stores it, made against the file as catalogued."""
    file_id = library.file_id(path)
    with sqlite3.connect(library.db) as conn:
        size, mtime_ns = conn.execute(
            "SELECT size, mtime_ns FROM files WHERE id = ?", (file_id,)
        ).fetchone()
        analysis.store(
            conn, file_id, {"size": size, "mtime_ns": mtime_ns, "analyzer_version": 1, **values}
        )


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def encode(src: Path, dest: Path, title: str, *args: str) -> Path:
    ffmpeg(
        "-i", str(src), *args, "-metadata", f"title={title}", "-metadata", "artist=Band", str(dest)
    )
    return dest


def analyse(library: Library, verdicts: dict[Path, str]) -> None:
    """What `archiver analyze` stores, for the files given: fpcalc's fingerprint and
    duration, and a quality verdict."""
    for path, verdict in verdicts.items():
        duration, fingerprint = fpcalc(path)
        store(
            library,
            path,
            fingerprint=fingerprint,
            fingerprint_seconds=duration,
            quality=verdict,
            decode="ok",
        )


def run(library: Library, *args: str):
    return CliRunner().invoke(
        cli, ["--db", str(library.db), "duplicates", "--by", "acoustic", *args]
    )


@pytest.fixture
def songs(library: Library, tmp_path: Path) -> dict[str, Path]:
    """Song 0 as genuine FLAC and MP3; song 1 as genuine FLAC and as a FLAC transcoded
    from an MP3 (24-bit, so it would win on resolution); a 10 s excerpt of song 0; song 2
    alone. Every file is tagged "Band - <name>", the same recording under other names."""
    needs_tools()
    wavs = {n: write_wav(tmp_path / f"s{n}.wav", make_song(n, 30)) for n in range(3)}
    excerpt = write_wav(tmp_path / "ex.wav", make_song(0, 30)[: 10 * RATE])
    lossy = tmp_path / "s1-source.mp3"
    ffmpeg("-i", str(wavs[1]), "-b:a", "128k", str(lossy))
    root = library.root
    files = {
        "s0.flac": encode(wavs[0], root / "s0.flac", "Zero"),
        "s0.mp3": encode(wavs[0], root / "s0.mp3", "Zero (lossy)", "-b:a", "192k"),
        "s1.flac": encode(wavs[1], root / "s1.flac", "One"),
        "s1-transcode.flac": encode(
            lossy, root / "s1-transcode.flac", "One", "-sample_fmt", "s32", "-ar", "96000"
        ),
        "excerpt.flac": encode(excerpt, root / "excerpt.flac", "Zero (excerpt)"),
        "s2.mp3": encode(wavs[2], root / "s2.mp3", "Two", "-b:a", "192k"),
    }
    library.scan()
    return files


def test_groups_json_and_best_copy(library: Library, songs: dict[str, Path]) -> None:
    verdicts = {
        "s0.flac": "lossless",
        "s0.mp3": "lossy",
        "s1.flac": "lossless",
        "s1-transcode.flac": "transcode",
        "excerpt.flac": "lossless",
        "s2.mp3": "lossy",
    }
    analyse(library, {songs[name]: verdict for name, verdict in verdicts.items()})
    result = run(library, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["by"] == "acoustic" and data["group_count"] == 2 and data["file_count"] == 4
    groups = {frozenset(c["path"] for c in g["copies"]): g for g in data["groups"]}
    zero = groups[frozenset({str(songs["s0.flac"]), str(songs["s0.mp3"])})]
    one = groups[frozenset({str(songs["s1.flac"]), str(songs["s1-transcode.flac"])})]
    assert zero["best"] == str(songs["s0.flac"]) and zero["key"] == "Band - Zero"
    assert zero["reason"].startswith("lossless (flac 16-bit/44.1 kHz) over lossy (mp3")
    assert one["best"] == str(songs["s1.flac"])
    assert one["reason"].startswith("genuine lossless (flac 16-bit/44.1 kHz) over a transcode")
    # The same shape as the other modes.
    tags = json.loads(
        CliRunner()
        .invoke(cli, ["--db", str(library.db), "duplicates", "--by", "tags", "--json"])
        .stdout
    )
    assert set(tags) == set(data)
    assert set(tags["groups"][0]) == set(zero)
    assert set(tags["groups"][0]["copies"][0]) == set(zero["copies"][0])

    text = run(library)
    assert text.exit_code == 0
    assert "same recording: Band - Zero" in text.stdout
    assert "transcode" in text.stdout
    assert "2 groups, 4 files" in text.stdout
    assert text.stderr == ""


def test_before_analyze_it_says_what_to_run(library: Library, songs: dict[str, Path]) -> None:
    """Nothing analysed, then an analysis with no fingerprint: one line, exit 0."""
    expected = [
        "No file is fingerprinted acoustically yet: run `archiver analyze` first to find"
        " duplicates by acoustic."
    ]
    result = run(library)
    assert result.exit_code == 0 and result.stdout.splitlines() == expected
    store(library, songs["s0.flac"], fingerprint=None, quality="unknown", decode="error")
    result = run(library)
    assert result.exit_code == 0 and result.stdout.splitlines() == expected
    assert json.loads(run(library, "--json").stdout)["groups"] == []


def test_partly_analysed_and_a_bad_fingerprint(library: Library, songs: dict[str, Path]) -> None:
    """Files not analysed yet are counted on stderr; a stored fingerprint that does not
    decode takes no part instead of failing the command."""
    analyse(library, {songs["s0.flac"]: "lossless", songs["s0.mp3"]: "lossy"})
    store(
        library,
        songs["s1.flac"],
        fingerprint="not a fingerprint",
        fingerprint_seconds=30.0,
        quality="lossless",
    )
    result = run(library)
    assert result.exit_code == 0, result.output
    assert "1 group, 2 files" in result.stdout
    assert "3 of 6 files not fingerprinted acoustically yet" in result.stderr


def test_missing_files_take_no_part(library: Library, songs: dict[str, Path]) -> None:
    analyse(library, {songs["s0.flac"]: "lossless", songs["s0.mp3"]: "lossy"})
    with sqlite3.connect(library.db) as conn:
        conn.execute(
            "UPDATE files SET missing = 1 WHERE id = ?", (library.file_id(songs["s0.mp3"]),)
        )
    result = run(library, "--json")
    assert json.loads(result.stdout)["groups"] == []


def test_a_file_changed_since_its_analysis_takes_no_part(
    library: Library, songs: dict[str, Path]
) -> None:
    """A stale fingerprint (the file's size or mtime in the catalog differ from those
    analysed) is not the file's any more: it counts as not fingerprinted."""
    analyse(library, {songs["s0.flac"]: "lossless", songs["s0.mp3"]: "lossy"})
    assert "1 group, 2 files" in run(library).stdout
    with sqlite3.connect(library.db) as conn:
        conn.execute(
            "UPDATE files SET mtime_ns = mtime_ns + 1 WHERE id = ?",
            (library.file_id(songs["s0.mp3"]),),
        )
    result = run(library, "--json")
    assert json.loads(result.stdout)["groups"] == []
    assert "5 of 6 files not fingerprinted acoustically yet" in run(library).stderr
