"""The shared real-world corpus (../shared/corpus/real, never copied here): every file gives
a record, never an exception, and what mutagen reads (MANIFEST.tsv) comes through."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from archiver.scan.mapping import TAG_COLUMNS
from archiver.scan.read import VIDEO_ONLY, read_file

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "real"
if not (CORPUS / "MANIFEST.tsv").is_file():
    CORPUS = Path("/work/shared/corpus/real")

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(), reason="shared corpus absent"
)

# Manifest column -> our normalized column.
COMPARED = {"title": "title", "artist": "artist", "album": "album", "date": "date"}


def _manifest() -> list[dict[str, str]]:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        return []
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


ROWS = _manifest()


def _comparable(value: str) -> bool:
    # The manifest escapes control characters and cuts long values; compare only plain ones.
    return bool(value) and "\\" not in value and not value.endswith("...")


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_corpus_file(row):
    path = os.fsencode(CORPUS / row["file"])
    record = read_file(path)
    assert record.path_bytes == path
    assert record.size == int(row["size"])
    json.dumps(record.raw_tags)
    assert set(record.tags) <= set(TAG_COLUMNS)
    if row["expected"] == "error":
        # Either an error, or read by content sniffing - and then it says so.
        assert record.error is not None or record.notes, record
        if record.error is not None:
            assert record.error[0] in ("corrupt", "unsupported"), record.error
            assert "\n" not in record.error[1]
        return
    if record.not_audio:
        # mutagen reads a video-only Ogg Theora; for us it is no audio track (test_video_only)
        assert record.error == ("unsupported", VIDEO_ONLY)
        return
    assert record.error is None, record.error
    assert record.format
    assert record.codec or record.format in ("apev2", "id3") or record.duration == 0
    if row["expected"] == "tags":
        assert record.raw_tags, "mutagen saw tags, raw_tags must keep them"
    for column, field in COMPARED.items():
        value = row[column]
        if _comparable(value):
            assert record.tags.get(field) == value.replace(
                " | ", "; "
            ).strip() or value.strip() in str(record.raw_tags), (
                column,
                value,
                record.tags.get(field),
            )
    track = row["tracknumber"]
    if _comparable(track) and track.split("/")[0].strip().isdigit():
        assert record.tags.get("tracknumber") == int(track.split("/")[0])


def test_corpus_wrong_extension_cases():
    if not ROWS:
        pytest.skip("shared corpus absent")
    dsf = read_file(os.fsencode(CORPUS / "derived/wrongext-dsf-named.flac"))
    assert dsf.error is None and dsf.format == "dsf"
    assert dsf.notes == ["content is DSF, extension is .flac"]
    flac = read_file(os.fsencode(CORPUS / "derived/wrongext-flac-named.m4a"))
    assert flac.format == "flac" and flac.notes == ["content is FLAC, extension is .m4a"]


def test_corpus_all_files_including_unlisted():
    """Every file in the corpus folders, listed or not, gives a record and never raises."""
    if not ROWS:
        pytest.skip("shared corpus absent")
    count = 0
    for dirpath, _dirs, files in os.walk(os.fsencode(CORPUS)):
        for name in files:
            record = read_file(os.path.join(dirpath, name))
            assert record.error is None or record.error[0] in (
                "corrupt",
                "unsupported",
                "unreadable",
            )
            count += 1
    assert count >= len(ROWS)
