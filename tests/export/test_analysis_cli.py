"""`archiver ls` and `export` on files really analysed: a genuine FLAC, an MP3
re-encoded to FLAC and a truncated FLAC, made with ffmpeg, scanned and analysed
in subprocesses as a user runs them; then a file changed since its analysis."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")

REPO = Path(__file__).resolve().parents[2]
ANALYSIS = "path,decode,decode_detail,quality,quality_detail,cutoff_hz,analyzed_at"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def archiver(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "archiver", "--db", str(db), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def analyze(db: Path) -> dict:
    done = archiver(db, "analyze", "--json", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ls(db: Path, *query: str) -> list[str]:
    done = archiver(db, "ls", *query)
    assert done.returncode == 0, done.stderr
    return [Path(line).name for line in done.stdout.splitlines()]


def export(db: Path, *query: str) -> dict[str, dict[str, str]]:
    done = archiver(db, "export", "--columns", ANALYSIS, *query)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
    return {Path(r["path"]).name: r for r in rows}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    lib = tmp_path_factory.mktemp("lib")
    genuine = lib / "genuine.flac"
    # Pink noise (treble up to the Nyquist frequency) under a tone: 12 s of "music".
    ffmpeg(
        "-f", "lavfi", "-i", "anoisesrc=d=12:c=pink:r=44100:a=0.3:seed=7",
        "-f", "lavfi", "-i", "sine=f=440:d=12:r=44100",
        "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo",
        "-c:a", "flac", str(genuine),
    )  # fmt: skip
    mp3 = lib.parent / f"{lib.name}-source.mp3"
    ffmpeg("-i", str(genuine), "-b:a", "128k", str(mp3))
    ffmpeg("-i", str(mp3), "-c:a", "flac", str(lib / "transcode.flac"))
    (lib / "truncated.flac").write_bytes(genuine.read_bytes()[:300_000])
    db = lib.parent / f"{lib.name}.db"
    done = archiver(db, "scan", str(lib))
    assert done.returncode == 0, done.stderr
    assert ls(db, "analyzed:no") == ["genuine.flac", "transcode.flac", "truncated.flac"]
    summary = analyze(db)
    assert summary["analyzed"] == 3 and summary["decode_errors"] == 1
    return lib, db


def test_queries_find_what_analyze_heard(library: tuple[Path, Path]) -> None:
    _, db = library
    assert ls(db, "quality:transcode") == ["transcode.flac"]
    assert ls(db, "decode:error") == ["truncated.flac"]
    assert ls(db, "cutoff:..17000") == ["transcode.flac"]
    assert ls(db, "quality:lossless") == ["genuine.flac"]
    assert ls(db, "analyzed:no") == []
    assert ls(db, "-decode:ok") == ["truncated.flac"]


def test_export_and_ls_columns(library: tuple[Path, Path]) -> None:
    _, db = library
    rows = export(db)
    assert rows["transcode.flac"]["quality"] == "transcode"
    assert "mp3" in rows["transcode.flac"]["quality_detail"]
    assert 15000 < int(rows["transcode.flac"]["cutoff_hz"]) <= 17000
    assert rows["truncated.flac"]["decode"] == "error"
    assert "truncated" in rows["truncated.flac"]["decode_detail"]
    assert rows["truncated.flac"]["quality"] == ""  # no verdict without a clean decode
    assert rows["genuine.flac"]["decode"] == "ok" and rows["genuine.flac"]["quality"] == "lossless"
    assert all(r["analyzed_at"].startswith("20") for r in rows.values())
    # The default export has the columns too.
    done = archiver(db, "export", "quality:transcode")
    header = next(csv.reader(io.StringIO(done.stdout)))
    assert header[-6:] == ANALYSIS.split(",")[1:]
    done = archiver(db, "ls", "--format", "{quality} {cutoff_hz} {decode}", "quality:transcode")
    assert done.stdout.split()[0] == "transcode" and done.stdout.split()[2] == "ok"


def test_a_file_changed_since_reads_as_not_analysed(library: tuple[Path, Path]) -> None:
    lib, db = library
    target = lib / "genuine.flac"
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert archiver(db, "scan", str(lib)).returncode == 0
    try:
        assert ls(db, "analyzed:no") == ["genuine.flac"]
        assert ls(db, "quality:lossless") == []
        assert set(export(db)["genuine.flac"].values()) == {str(target), ""}
        summary = analyze(db)
        assert summary["analyzed"] == 1 and summary["skipped"] == 2
        assert ls(db, "analyzed:no") == []
        assert ls(db, "quality:lossless") == ["genuine.flac"]
    finally:
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        archiver(db, "scan", str(lib))
