"""Hostile files: mutated real audio, absurd header sizes, deep nesting, huge
tag frames. The tag reader must finish (checked in a separate process with a
time limit), return a record with or without an error, and the scanner must
account for every file and never stall on one."""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import audiogen
from tests.reliability.conftest import (
    check_invariants,
    cli_cmd,
    one,
    query,
    run_cli,
    run_measured,
)
from tests.reliability.isolated import IsolatedReader

ERROR_KINDS = {"corrupt", "unsupported", "unreadable", "timeout"}
TAGS = {
    "title": "Tïtle ✓ \u202e",
    "artist": ["A", "B"],
    "album": "Ålbum",
    "tracknumber": "3",
    "totaltracks": "12",
    "genre": ["Rock", "Jazz"],
}
EXTENSIONS = ("same", ".mp3", ".flac", ".m4a", ".ogg", ".wav", ".bin")


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IsolatedReader]:
    r = IsolatedReader(tmp_path_factory.mktemp("reader"))
    yield r
    r.close()


_BASES: dict[tuple[str, bool], bytes] = {}


def _base(fmt: str, tagged: bool) -> bytes:
    if (fmt, tagged) not in _BASES:
        if tagged:
            with tempfile.TemporaryDirectory() as tmp:
                path = audiogen.make_file(
                    Path(tmp) / f"t.{fmt}", fmt, TAGS, with_picture=True, strict=False
                )
                _BASES[fmt, tagged] = path.read_bytes()
        else:
            _BASES[fmt, tagged] = audiogen.template(fmt).read_bytes()
    return _BASES[fmt, tagged]


# Values that make sense as sizes / counts to a parser, and encodings that do not decode.
ABSURD = [
    b"\xff\xff\xff\xff",
    b"\x7f\xff\xff\xff",
    b"\x00\x00\x00\x00",
    b"\x80\x00\x00\x00",
    b"\x00\x00\x00\x01",
    b"\x7f\x7f\x7f\x7f",
    b"\xff\xff\xff\xff\xff\xff\xff\x7f",
]
BAD_TEXT = [
    b"\xff\xfe\x00\xd8",
    b"\xed\xa0\x80",
    b"\xc0\x80",
    b"\x00" * 8,
    b"\xe9t\xe9",
    b"\xef\xbf\xbe",
    b"\xf4\x90\x80\x80",
    b"\xfe\xff\xd8\x00\x00",
]
position = st.one_of(st.integers(0, 255), st.integers(0, 1 << 20))
mutation = st.one_of(
    st.tuples(st.just("truncate"), position),
    st.tuples(st.just("flip"), position, st.integers(0, 7)),
    st.tuples(st.just("size"), position, st.sampled_from(ABSURD)),
    st.tuples(st.just("insert"), position, st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("text"), position, st.sampled_from(BAD_TEXT)),
    # a region repeated: repeated / self-similar structures, chunk chains that loop back
    st.tuples(st.just("repeat"), position, st.integers(4, 512), st.integers(2, 40)),
)


def mutate(data: bytes, mutations: list[tuple]) -> bytes:
    buf = bytearray(data)
    for m in mutations:
        if not buf:
            break
        at = m[1] % len(buf)
        if m[0] == "truncate":
            del buf[max(1, at) :]
        elif m[0] == "flip":
            buf[at] ^= 1 << m[2]
        elif m[0] in ("size", "text"):
            buf[at : at + len(m[2])] = m[2]
        elif m[0] == "insert":
            buf[at:at] = m[2]
        elif m[0] == "repeat":
            region = bytes(buf[at : at + m[2]])
            buf[at:at] = region * (m[3] - 1)
    return bytes(buf)


def _check(outcome) -> None:
    if outcome.error is not None:
        kind, message = outcome.error
        assert kind in ERROR_KINDS, outcome.error
        assert message and "\n" not in message and len(message) <= 300, outcome.error
    else:
        assert outcome.format


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fmt=st.sampled_from(audiogen.FORMATS),
    tagged=st.booleans(),
    mutations=st.lists(mutation, min_size=1, max_size=6),
    ext=st.sampled_from(EXTENSIONS),
)
def test_mutated_real_files_are_read_or_recorded(reader, tmp_path, fmt, tagged, mutations, ext):
    """Never raises, never hangs, never kills the reader, and whatever it
    returns goes into a real catalog through the scanner's writer."""
    data = mutate(_base(fmt, tagged), mutations)
    name = f"f.{fmt.split('.')[-1]}" if ext == "same" else f"f{ext}"
    path = tmp_path / name
    path.write_bytes(data)
    _check(reader.read(path, timeout=30))


def _atom(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + name + payload


FTYP = _atom(b"ftyp", b"M4A \x00\x00\x00\x00M4A ")


def _nested_mp4(depth: int) -> bytes:
    inner = b""
    for _ in range(depth):
        inner = _atom(b"moov", inner)
    return FTYP + inner


def _asf_zero_objects() -> bytes:
    guid = audiogen.template("wma").read_bytes()[:16]
    objects = (b"\x00" * 16 + struct.pack("<Q", 0)) * 1000
    return guid + struct.pack("<QI", 30 + len(objects), 1000) + b"\x01\x02" + objects


def _many_id3_frames(count: int) -> bytes:
    """An ID3v2.4 tag of ``count`` tiny TXXX frames in front of real MPEG audio."""
    frames = []
    for i in range(count):
        body = b"\x03" + f"k{i}".encode() + b"\x00" + f"v{i}".encode()
        size = len(body)
        syncsafe = bytes(
            [(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F]
        )
        frames.append(b"TXXX" + syncsafe + b"\x00\x00" + body)
    tag = b"".join(frames)
    n = len(tag)
    header = b"ID3\x04\x00\x00" + bytes(
        [(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F]
    )
    return header + tag + audiogen.template("mp3").read_bytes()


PATHOLOGICAL = {
    # containers nested far deeper than any real file (recursion in the parser)
    "nested.m4a": lambda: _nested_mp4(20000),
    # a 64-bit atom size of 2**62 bytes
    "huge-atom.m4a": lambda: FTYP + struct.pack(">I4sQ", 1, b"moov", 1 << 62),
    # zero-length atoms repeated (length 0 means "to the end of the file")
    "zero-atoms.m4a": lambda: FTYP + struct.pack(">I4s", 0, b"moov") * 1000,
    # an ID3v2 header claiming 256 MB in front of a small file
    "id3-claims-256mb.mp3": lambda: (
        b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + audiogen.template("mp3").read_bytes()
    ),
    # a FLAC metadata block claiming 16 MB
    "flac-16mb-block.flac": lambda: b"fLaC\x04\xff\xff\xff" + b"\x00" * 100,
    # 200,000 empty FLAC padding blocks before the real stream
    "flac-many-blocks.flac": lambda: (
        b"fLaC" + b"\x01\x00\x00\x00" * 200000 + audiogen.template("flac").read_bytes()[4:]
    ),
    # ASF objects of size 0 (a parser that advances by the size loops forever)
    "asf-zero-objects.wma": _asf_zero_objects,
    # the first Ogg page repeated thousands of times
    "ogg-repeated-page.ogg": lambda: audiogen.template("ogg").read_bytes()[:58] * 5000,
    # a RIFF chunk claiming 4 GB
    "riff-4gb-chunk.wav": lambda: (
        audiogen.template("wav").read_bytes()[:12] + b"LIST\xf0\xff\xff\xffINFO" + b"\x00" * 100
    ),
    # 100,000 empty AIFF chunks in a FORM claiming 4 GB
    "aiff-many-chunks.aiff": lambda: b"FORM\xff\xff\xff\xffAIFF" + b"COMT\x00\x00\x00\x00" * 100000,
    # an APEv2 footer claiming 268 million items
    "ape-items.wv": lambda: (
        audiogen.template("wv").read_bytes()
        + b"APETAGEX"
        + struct.pack("<IIII", 2000, 42, 0xFFFFFFF, 0)
        + b"\x00" * 8
    ),
    # 20,000 ID3 frames
    "id3-20000-frames.mp3": lambda: _many_id3_frames(20000),
    # every byte value, with an audio extension
    "all-bytes.ogg": lambda: bytes(range(256)) * 64,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_structures_finish(reader, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(PATHOLOGICAL[name]())
    outcome = reader.read(path, timeout=60)
    _check(outcome)
    assert outcome.peak_rss_mb < 500, outcome


# --- huge tag frames -----------------------------------------------------------

HUGE = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def huge_frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real files with a 50 MB tag frame each, written with mutagen, and a
    few normal files beside them."""
    from mutagen.id3 import APIC, ID3, TXXX
    from mutagen.mp4 import MP4, MP4Cover

    root = tmp_path_factory.mktemp("huge") / "lib"
    root.mkdir()
    text = root / "text-frame.mp3"
    shutil.copyfile(audiogen.template("mp3"), text)
    tag = ID3()
    tag.add(TXXX(encoding=3, desc="huge", text=["x" * HUGE]))
    tag.save(text)
    picture = root / "picture-frame.mp3"
    shutil.copyfile(audiogen.template("mp3"), picture)
    tag = ID3()
    tag.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="c", data=os.urandom(HUGE)))
    tag.save(picture)
    cover = root / "cover-atom.m4a"
    shutil.copyfile(audiogen.template("m4a"), cover)
    mp4 = MP4(cover)
    mp4["covr"] = [MP4Cover(os.urandom(HUGE))]
    mp4.save()
    for i, fmt in enumerate(("flac", "ogg", "opus", "mp3", "m4a")):
        audiogen.make_file(root / f"normal {i}.{fmt}", fmt, {"title": f"n{i}"})
    return root


def test_huge_tag_frames_are_read_with_bounded_memory(reader, huge_frames):
    for name in ("text-frame.mp3", "picture-frame.mp3", "cover-atom.m4a"):
        outcome = reader.read(huge_frames / name, timeout=120)
        _check(outcome)
        assert outcome.error is None, outcome
        # Bounded by a small multiple of the frame: mutagen holds it, the reader
        # decodes it, the row carries it as JSON (measured: about 7x for text).
        assert outcome.peak_rss_mb < 12 * HUGE // 2**20, outcome


def test_scan_with_huge_frames_finishes_and_accounts_for_every_file(huge_frames, tmp_path):
    db = tmp_path / "catalog.db"
    result, peak = run_measured(
        cli_cmd(db, "scan", str(huge_frames), "--jobs", "2", "--json"), limit=180
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["files_found"] == 8 == summary["added"]
    check_invariants(db)
    assert peak < 1024, f"a scan with 50 MB frames peaked at {peak} MB"


def test_huge_text_frame_does_not_bloat_the_catalog(huge_frames, tmp_path):
    db = tmp_path / "catalog.db"
    assert run_cli(db, "scan", str(huge_frames / "text-frame.mp3"), "--quiet").returncode == 0
    assert one(db, "SELECT max(length(raw)) FROM tags") < 1024 * 1024


# --- the scanner never stalls on one file ---------------------------------------


def test_a_slow_file_times_out_and_the_scan_goes_on(tmp_path):
    """A real file that takes seconds to parse (ID3 with 100,000 frames) against a
    short per-file limit: it becomes a 'timeout' error, every other file is read."""
    from archiver.scan import scan

    root = tmp_path / "lib"
    (root / "slow.mp3").parent.mkdir(parents=True)
    (root / "slow.mp3").write_bytes(_many_id3_frames(100000))
    for i in range(40):
        fmt = ("mp3", "flac", "ogg", "m4a")[i % 4]
        audiogen.make_file(root / f"{i:02d}.{fmt}", fmt, {"title": f"t{i}"})
    db = tmp_path / "catalog.db"
    summary = scan(db, [root], jobs=2, file_timeout=0.3)
    assert summary.status == "finished"
    assert summary.files_found == 41
    assert summary.errors == 1
    rows = query(db, "SELECT path, kind FROM scan_errors")
    assert [(Path(p).name, k) for p, k in rows] == [("slow.mp3", "timeout")]
    assert one(db, "SELECT count(*) FROM files WHERE read_error IS NULL") == 40
    check_invariants(db)


def test_every_file_is_accounted_for(tmp_path):
    """files_found = read + errors: damaged, empty, random and mutated files mixed
    with good ones; each ends up a files row, the bad ones also scan_errors rows."""
    root = tmp_path / "lib"
    expected = 0
    for i, fmt in enumerate(audiogen.FORMATS):
        ext = fmt.split(".")[-1]
        audiogen.make_file(root / "good" / f"{i}.{ext}", fmt, {"title": "t"}, strict=False)
        audiogen.make_corrupt(root / "garbage" / f"{i}.{ext}", fmt, "garbage", seed=i)
        audiogen.make_corrupt(root / "cut" / f"{i}.{ext}", fmt, "truncated")
        audiogen.make_zero_byte(root / "empty" / f"{i}.{ext}")
        (root / "random" / f"{i}.{ext}").parent.mkdir(parents=True, exist_ok=True)
        (root / "random" / f"{i}.{ext}").write_bytes(os.urandom(3000))
        expected += 5
    for name, make in PATHOLOGICAL.items():
        (root / "weird" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "weird" / name).write_bytes(make())
        expected += 1
    db = tmp_path / "catalog.db"
    result = run_cli(db, "scan", str(root), "--jobs", "2", "--json")
    assert result.returncode == 0, result.stderr
    s = json.loads(result.stdout)
    assert s["files_found"] == expected == s["added"]
    read = one(db, "SELECT count(*) FROM files WHERE read_error IS NULL")
    failed = one(db, "SELECT count(*) FROM files WHERE read_error IS NOT NULL")
    assert read + failed == expected
    assert s["errors"] == failed == one(db, "SELECT count(*) FROM scan_errors")
    assert read >= len(audiogen.FORMATS)  # at least the good ones
    check_invariants(db)
