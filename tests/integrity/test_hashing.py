"""Fingerprints of real files: sha256 as sha256sum prints it, and an audio identity
that survives tag edits (mutagen saves on a copy) but not damage to the audio."""

from __future__ import annotations

import csv
import hashlib
import shutil
import struct
from pathlib import Path

import pytest

from archiver.integrity.hashing import WHOLE_FILE, fingerprint_file
from tests.audiogen import FORMATS, make_untagged
from tests.integrity.conftest import flip_byte
from tests.integrity.tagedit import retag

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"

METHOD = {
    "mp3": "mp3-frames-sha256",
    "flac": "flac-streaminfo-md5",
    "ogg": "ogg-packets-sha256",
    "opus": "ogg-packets-sha256",
    "spx": "ogg-packets-sha256",
    "m4a": "mp4-mdat-sha256",
    "alac.m4a": "mp4-mdat-sha256",
    "wav": "riff-data-sha256",
    "aiff": "aiff-ssnd-sha256",
    "wma": "asf-data-sha256",
    "wv": "apev2-stripped-sha256",
    "tta": "apev2-stripped-sha256",
    "ape": "apev2-stripped-sha256",
    "mpc": "apev2-stripped-sha256",
}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _copy(tmp_path: Path, fmt: str) -> Path:
    return make_untagged(tmp_path / f"x.{fmt}", fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sha256_and_method_per_format(tmp_path: Path, fmt: str) -> None:
    path = _copy(tmp_path, fmt)
    fp = fingerprint_file(path)
    assert fp.sha256 == _sha(path)
    assert fp.audio_hash_method == METHOD[fmt]
    assert fp.size == path.stat().st_size
    assert fp.mtime_ns == path.stat().st_mtime_ns


@pytest.mark.parametrize("fmt", FORMATS)
def test_tag_edits_keep_the_audio_identity(tmp_path: Path, fmt: str) -> None:
    path = _copy(tmp_path, fmt)
    before = fingerprint_file(path)
    retag(path, "First title")
    small = fingerprint_file(path)
    # A comment far bigger than any padding: the tag grows, pages/atoms/chunks move.
    retag(path, "A much longer second title", comment="x" * 70_000)
    big = fingerprint_file(path)
    assert len({before.sha256, small.sha256, big.sha256}) == 3
    assert before.audio_hash == small.audio_hash == big.audio_hash
    assert before.audio_hash_method == big.audio_hash_method == METHOD[fmt]


def _audio_offset(path: Path) -> int:
    """An offset well inside the audio data: the middle of the last quarter of the file."""
    return path.stat().st_size * 7 // 8


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "m4a", "wav", "aiff", "wv", "opus"])
def test_damage_to_the_audio_changes_the_identity(tmp_path: Path, fmt: str) -> None:
    path = _copy(tmp_path, fmt)
    before = fingerprint_file(path)
    flip_byte(path, _audio_offset(path))
    after = fingerprint_file(path)
    assert after.sha256 != before.sha256
    assert after.audio_hash != before.audio_hash


def test_flac_without_streaminfo_md5_hashes_the_frames(tmp_path: Path) -> None:
    path = _copy(tmp_path, "flac")
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO first
    data[8 + 18 : 8 + 34] = bytes(16)  # MD5 field of STREAMINFO
    path.write_bytes(bytes(data))
    fp = fingerprint_file(path)
    assert fp.audio_hash_method == "flac-frames-sha256"
    retag(path, "Edited", comment="y" * 10_000)
    assert fingerprint_file(path).audio_hash == fp.audio_hash
    flip_byte(path, _audio_offset(path))
    assert fingerprint_file(path).audio_hash != fp.audio_hash


def test_flac_streaminfo_md5_is_the_stored_value(tmp_path: Path) -> None:
    path = _copy(tmp_path, "flac")
    data = path.read_bytes()
    assert fingerprint_file(path).audio_hash == data[8 + 18 : 8 + 34].hex()


def _ape_tag(items: dict[str, str]) -> bytes:
    body = b"".join(
        struct.pack("<II", len(v.encode()), 0) + k.encode() + b"\0" + v.encode()
        for k, v in items.items()
    )
    size = len(body) + 32
    header = b"APETAGEX" + struct.pack("<IIII", 2000, size, len(items), 0xA0000000) + bytes(8)
    footer = b"APETAGEX" + struct.pack("<IIII", 2000, size, len(items), 0x80000000) + bytes(8)
    return header + body + footer


def _id3v1(title: str) -> bytes:
    return b"TAG" + title.encode().ljust(30, b"\0") + bytes(125 - 30)


def test_mp3_trailing_tags_are_all_stripped(tmp_path: Path) -> None:
    bare = _copy(tmp_path, "mp3")
    frames = bare.read_bytes()
    expected = fingerprint_file(bare).audio_hash
    assert expected == hashlib.sha256(frames).hexdigest()  # the template has no tags
    lyrics = b"LYRICSBEGININD00002" + b"10"
    lyrics += f"{len(lyrics):06d}".encode() + b"LYRICS200"
    variants = {
        "id3v1": frames + _id3v1("Song"),
        "ape": frames + _ape_tag({"Title": "Song"}),
        "ape+id3v1": frames + _ape_tag({"Title": "Song"}) + _id3v1("Song"),
        "lyrics3+id3v1": frames + lyrics + _id3v1("Song"),
        "id3v2+ape+id3v1": b"ID3\x04\x00\x00\x00\x00\x00\x0a"
        + bytes(10)
        + frames
        + _ape_tag({"Artist": "Someone"})
        + _id3v1("Song"),
    }
    for name, data in variants.items():
        path = tmp_path / f"{name}.mp3"
        path.write_bytes(data)
        fp = fingerprint_file(path)
        assert fp.audio_hash == expected, name
        assert fp.sha256 == hashlib.sha256(data).hexdigest()


def test_unknown_content_falls_back_to_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not audio at all\n" * 1000)
    fp = fingerprint_file(path)
    assert fp.audio_hash_method == WHOLE_FILE
    assert fp.audio_hash == fp.sha256 == _sha(path)


def test_truncated_and_empty_files_do_not_raise(tmp_path: Path) -> None:
    for fmt in ("flac", "m4a", "wav", "ogg", "wma"):
        data = _copy(tmp_path, fmt).read_bytes()
        for size in (0, 3, 40, len(data) // 2):
            path = tmp_path / f"cut-{size}.{fmt}"
            path.write_bytes(data[:size])
            fp = fingerprint_file(path)
            assert fp.sha256 == hashlib.sha256(data[:size]).hexdigest()


def test_small_chunks_give_the_same_hashes(tmp_path: Path) -> None:
    """The ranges and the Ogg page parser work across chunk boundaries."""
    for fmt in ("ogg", "opus", "m4a", "wav", "mp3"):
        path = _copy(tmp_path, fmt)
        retag(path, "T", comment="z" * 5000)
        assert fingerprint_file(path, chunk=7) == fingerprint_file(path)


def test_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        fingerprint_file(tmp_path / "gone.flac")


def test_file_is_not_modified(tmp_path: Path) -> None:
    path = _copy(tmp_path, "mp3")
    path.chmod(0o444)
    st = path.stat()
    before = path.read_bytes()
    fingerprint_file(path)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == st.st_mtime_ns


@pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").is_file(), reason="shared corpus absent")
def test_real_corpus_sha256_matches_the_manifest() -> None:
    with open(CORPUS / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    methods = set()
    for row in rows:
        fp = fingerprint_file(CORPUS / row["file"])
        assert fp.sha256 == row["sha256"], row["file"]
        methods.add(fp.audio_hash_method)
    assert {"flac-streaminfo-md5", "mp3-frames-sha256", "ogg-packets-sha256"} <= methods


def test_copy_keeps_both_hashes(tmp_path: Path) -> None:
    path = _copy(tmp_path, "ogg")
    other = tmp_path / "copy.ogg"
    shutil.copyfile(path, other)
    a, b = fingerprint_file(path), fingerprint_file(other)
    assert (a.sha256, a.audio_hash) == (b.sha256, b.audio_hash)
