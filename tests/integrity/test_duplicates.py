"""`archiver duplicates`: real files scanned and fingerprinted; pure ranking rules."""

from __future__ import annotations

import hashlib
import json
import shutil

from click.testing import CliRunner

from archiver.cli import cli
from archiver.integrity.checksum import checksum_files
from archiver.integrity.duplicates import Copy, cluster_by_duration, find_duplicates, rank_copies
from tests.integrity.conftest import Library
from tests.integrity.tagedit import retag


def copy(file_id: int, **kw) -> Copy:
    base = dict(
        path=f"/m/{file_id}",
        format="mp3",
        codec="mp3",
        lossless=False,
        bitrate=192_000,
        sample_rate=44100,
        bits_per_sample=None,
        duration=200.0,
        tag_score=5,
    )
    base.update(kw)
    return Copy(file_id, **base)


def test_rank_lossless_over_lossy_even_with_worse_tags() -> None:
    mp3 = copy(1, bitrate=320_000, tag_score=13)
    flac = copy(
        2,
        format="flac",
        codec="flac",
        lossless=True,
        bitrate=900_000,
        bits_per_sample=16,
        tag_score=1,
    )
    ordered, reason = rank_copies([mp3, flac])
    assert ordered == [flac, mp3]
    assert reason.startswith("lossless (flac 16-bit/44.1 kHz) over lossy (mp3 320 kbps)")


def test_rank_bitrate_then_tags_then_first_catalogued() -> None:
    low, high = copy(1, bitrate=128_000, tag_score=9), copy(2, bitrate=256_000)
    assert rank_copies([low, high]) == (
        [high, low],
        "higher bitrate (mp3 256 kbps vs mp3 128 kbps)",
    )
    poor, rich = copy(3, tag_score=2), copy(4, tag_score=7)
    ordered, reason = rank_copies([poor, rich])
    assert ordered == [rich, poor] and reason.startswith("more complete tags (7 of")
    a, b = copy(6), copy(5)
    assert rank_copies([a, b])[0] == [b, a]


def test_rank_lossless_resolution() -> None:
    cd = copy(1, lossless=True, codec="flac", bits_per_sample=16, sample_rate=44100)
    hires = copy(2, lossless=True, codec="flac", bits_per_sample=24, sample_rate=96000)
    ordered, reason = rank_copies([cd, hires])
    assert ordered[0] is hires and reason.startswith("higher resolution (flac 24-bit/96 kHz")


def test_rank_inflated_lossless_after_genuine_whatever_it_declares() -> None:
    """analyze's verdicts: an upsampled 96 kHz or 16-bits-in-24 file declares more than it
    holds, so a genuine CD-resolution copy beats it."""
    cd = copy(1, lossless=True, codec="flac", bits_per_sample=16, sample_rate=44100)
    up = copy(2, lossless=True, codec="flac", bits_per_sample=24, sample_rate=96000)
    up = Copy(**{**up.__dict__, "verdict": "upsampled"})
    pad = copy(3, lossless=True, codec="flac", bits_per_sample=24, sample_rate=44100)
    pad = Copy(**{**pad.__dict__, "verdict": "padded-bits"})
    ordered, reason = rank_copies([up, pad, cd])
    assert ordered[0] is cd
    assert reason.startswith("genuine lossless (flac 16-bit/44.1 kHz) over")
    assert up.quality() == "flac 24-bit/96 kHz upsampled"


def test_rank_a_copy_that_does_not_decode_comes_last() -> None:
    broken = copy(1, lossless=True, codec="flac", bits_per_sample=24, sample_rate=96000)
    broken = Copy(**{**broken.__dict__, "decode": "error"})
    mp3 = copy(2, bitrate=128_000, tag_score=0)
    ordered, reason = rank_copies([broken, mp3])
    assert ordered == [mp3, broken]
    assert reason == "decodes cleanly (mp3 128 kbps) over flac 24-bit/96 kHz (decode error)"


def test_cluster_by_duration_within_two_seconds() -> None:
    copies = [
        copy(1, duration=100.0),
        copy(2, duration=101.9),
        copy(3, duration=103.5),
        copy(4, duration=104.0),
        copy(5, duration=None),
        copy(6, duration=300.0),
    ]
    assert [[c.file_id for c in g] for g in cluster_by_duration(copies)] == [[1, 2], [3, 4]]


def run(library: Library, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--db", str(library.db), "duplicates", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_same_tune_in_two_formats_is_a_tags_duplicate_not_an_audio_one(library: Library) -> None:
    mp3 = library.add("a/song.mp3", "mp3", title="Song", artist="Band")
    flac = library.add("b/song.flac", "flac", title="song ", artist="BAND")
    library.add("c/other.wav", "wav", title="Other", artist="Band")
    library.scan()
    checksum_files(library.db, jobs=1)
    assert run(library)["groups"] == []  # mp3 frames vs FLAC MD5: different audio identities
    data = run(library, "--by", "tags")
    assert data["group_count"] == 1 and data["file_count"] == 2
    group = data["groups"][0]
    assert group["best"] == str(flac)
    assert [c["path"] for c in group["copies"]] == [str(flac), str(mp3)]
    assert group["reason"].startswith("lossless (flac")


def test_retagged_copy_is_an_audio_duplicate(library: Library) -> None:
    original = library.add("orig/t.ogg", "ogg", title="T", artist="A", album="Al", date="2001")
    other = library.root / "copy" / "t.ogg"
    other.parent.mkdir()
    shutil.copyfile(original, other)
    retag(other, "T (copy)")  # same audio, other tags
    assert other.read_bytes() != original.read_bytes()
    library.scan()
    checksum_files(library.db, jobs=1)
    data = run(library, "--by", "audio")
    assert data["group_count"] == 1
    group = data["groups"][0]
    assert {c["path"] for c in group["copies"]} == {str(original), str(other)}
    # retag() added a comment only; the tag fields counted are the same: first catalogued wins.
    assert group["reason"] == "equal quality and tags; the copy catalogued first"
    first = min((original, other), key=library.file_id)
    assert group["best"] == str(first)
    # Missing files take no part.
    other.unlink()
    library.scan()
    assert run(library, "--by", "audio")["groups"] == []


def test_same_recording(library: Library) -> None:
    a = library.add("a.mp3", "mp3", title="One", artist="X")
    b = library.add("b.m4a", "m4a", title="One (live?)", artist="X")
    library.add("c.flac", "flac", title="Two", artist="X")
    library.scan()
    with library.catalog() as catalog, catalog.write() as conn:
        for path in (a, b):
            conn.execute(
                "INSERT INTO matches (file_id, status, recording_mbid, matched_at)"
                " VALUES (?, 'matched', 'rec-one', 'now')",
                (library.file_id(path),),
            )
        groups = find_duplicates(conn, "recording")
    assert [(g.key, {c.path for c in g.copies}) for g in groups] == [("rec-one", {str(a), str(b)})]


def test_cli_table(library: Library) -> None:
    library.add("a.mp3", "mp3", title="Song", artist="Band")
    library.add("b.flac", "flac", title="Song", artist="Band")
    library.scan()
    result = CliRunner().invoke(cli, ["--db", str(library.db), "duplicates", "--by", "tags"])
    assert result.exit_code == 0
    assert "Band - Song" in result.output and "lossless" in result.output
    result = CliRunner().invoke(cli, ["--db", str(library.db), "duplicates", "--by", "nope"])
    assert result.exit_code == 2


def test_files_without_audio_data_are_never_the_same_audio(library: Library) -> None:
    """A 0-byte .mp3 and a lone 10-byte ID3 header both hash to the identity of empty
    input (sha256 e3b0c442...), and two byte-identical unreadable files share theirs:
    none of them is audio, so none forms a same-audio group. Real audio still does."""
    (library.root / "empty.mp3").write_bytes(b"")
    (library.root / "lone-tag.mp3").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00")
    (library.root / "junk1.mp3").write_bytes(b"0123456789" * 50)
    (library.root / "junk2.mp3").write_bytes(b"0123456789" * 50)
    song = library.add("song.ogg", "ogg", title="T", artist="A")
    shutil.copyfile(song, library.root / "song copy.ogg")
    library.scan()
    checksum_files(library.db, jobs=1)
    hashes = dict(library.query("SELECT path, audio_hash FROM files"))
    empty = hashlib.sha256(b"").hexdigest()
    assert hashes[str(library.root / "empty.mp3")] == empty
    assert hashes[str(library.root / "lone-tag.mp3")] == empty
    assert hashes[str(library.root / "junk1.mp3")] == hashes[str(library.root / "junk2.mp3")]
    data = run(library)
    assert [{c["path"] for c in g["copies"]} for g in data["groups"]] == [
        {str(song), str(library.root / "song copy.ogg")}
    ]


def test_without_fingerprints_or_matches_it_says_what_to_run_first(library: Library) -> None:
    """Not "No duplicates by audio." when nothing could be compared: say which command
    makes the data (docs/duplicates.md); a partly fingerprinted library gets a note."""
    song = library.add("a.ogg", "ogg", title="T", artist="A")
    shutil.copyfile(song, library.root / "b.ogg")
    library.scan()
    runner = CliRunner()
    audio = runner.invoke(cli, ["--db", str(library.db), "duplicates"])
    assert audio.exit_code == 0
    assert audio.stdout.splitlines() == [
        "No file is fingerprinted yet: run `archiver scan --checksum` or `archiver verify`"
        " first to find duplicates by audio."
    ]
    recording = runner.invoke(cli, ["--db", str(library.db), "duplicates", "--by", "recording"])
    assert recording.stdout.splitlines() == [
        "No file is matched to a MusicBrainz recording yet: run `archiver enrich` first to"
        " find duplicates by recording."
    ]
    checksum_files(library.db, jobs=1, file_ids=[library.file_id(song)])
    partly = runner.invoke(cli, ["--db", str(library.db), "duplicates"])
    assert partly.stdout == "No duplicates by audio.\n"
    assert "1 of 2 files not fingerprinted yet" in partly.stderr
