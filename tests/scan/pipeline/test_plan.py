"""Pure rules of the incremental scan: decisions, scopes, roots, sniffing."""

from __future__ import annotations

import pytest

from archiver.scan.plan import (
    Action,
    Known,
    choose_root,
    decide,
    gone,
    is_within,
    outermost,
    subtree_bounds,
)
from archiver.scan.walk import extension, looks_like_audio


def k(i: int = 1, size: int = 10, mtime: int = 100, missing: bool = False) -> Known:
    return Known(i, size, mtime, missing)


@pytest.mark.parametrize(
    ("known", "size", "mtime", "full", "expected"),
    [
        (None, 10, 100, False, Action.NEW),
        (None, 10, 100, True, Action.NEW),
        (k(), 10, 100, False, Action.UNCHANGED),
        (k(), 10, 100, True, Action.CHANGED),
        (k(), 11, 100, False, Action.CHANGED),
        (k(), 10, 101, False, Action.CHANGED),
        (k(), 10, 99, False, Action.CHANGED),  # an older mtime is a change too
        (k(missing=True), 10, 100, False, Action.UNCHANGED),  # returned, same file
    ],
)
def test_decide(known, size, mtime, full, expected):
    assert decide(known, size, mtime, full) is expected


@pytest.mark.parametrize(
    ("path", "top", "inside"),
    [
        (b"/m/a", b"/m/a", True),
        (b"/m/a/b.mp3", b"/m/a", True),
        (b"/m/a/b.mp3", b"/m/a/", True),
        (b"/m/ab/c.mp3", b"/m/a", False),  # a string prefix is not a folder prefix
        (b"/m", b"/m/a", False),
        (b"/x/y", b"/", True),
        (b"/m/a\xff/b", b"/m/a\xff", True),
    ],
)
def test_is_within(path, top, inside):
    assert is_within(path, top) is inside


def test_subtree_bounds_select_exactly_the_subtree():
    lo, hi = subtree_bounds(b"/m/a")
    paths = [b"/m/a", b"/m/a/x", b"/m/a/\xff\xfe", b"/m/a.mp3", b"/m/a0", b"/m/a-b/c", b"/m/b"]
    inside = [p for p in paths if lo <= p < hi]
    assert inside == [b"/m/a/x", b"/m/a/\xff\xfe"]
    assert subtree_bounds(b"/") == (b"/", b"0")


def test_choose_root_inside_existing_root_scans_a_subtree():
    roots = [(1, b"/music"), (2, b"/music2")]
    choice = choose_root(b"/music/Rock", roots)
    assert (choice.root_id, choice.root_path, choice.absorbed) == (1, b"/music", ())
    assert choose_root(b"/music", roots).root_id == 1
    assert choose_root(b"/music2/x", roots).root_id == 2


def test_choose_root_new_root_absorbs_roots_inside_it():
    roots = [(1, b"/data/music/a"), (2, b"/data/music/b"), (3, b"/data/other")]
    choice = choose_root(b"/data/music", roots)
    assert choice.root_id is None
    assert choice.root_path == b"/data/music"
    assert choice.absorbed == (1, 2)
    assert choose_root(b"/elsewhere", roots).absorbed == ()


def test_choose_root_picks_the_innermost_containing_root():
    assert choose_root(b"/a/b/c", [(1, b"/a"), (2, b"/a/b")]).root_id == 2


def test_outermost_drops_duplicates_and_nested_paths():
    assert outermost([b"/a/b", b"/a", b"/c", b"/a", b"/ab"]) == [b"/a", b"/c", b"/ab"]


def test_gone_skips_missing_files_and_unlisted_folders():
    remaining = {
        b"/m/a.mp3": k(1),
        b"/m/b.mp3": k(2, missing=True),
        b"/m/locked/c.mp3": k(3),
        b"/m/lockedness.mp3": k(4),
    }
    assert gone(remaining, [b"/m/locked"]) == [1, 4]
    assert gone(remaining, []) == [1, 3, 4]
    assert gone({}, []) == []


@pytest.mark.parametrize(
    ("name", "ext"),
    [
        (b"a.MP3", b"mp3"),
        (b"a.tar.gz", b"gz"),
        (b".hidden", b""),
        (b"noext", b""),
        (b"x.", b""),
        (b"\xff\xfe.FlAc", b"flac"),
    ],
)
def test_extension(name, ext):
    assert extension(name) == ext


@pytest.mark.parametrize(
    "head",
    [
        b"ID3\x04\x00" + bytes(20),
        b"fLaC" + bytes(20),
        b"OggS" + bytes(20),
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"FORM\x00\x00\x00\x00AIFFCOMM",
        b"\x00\x00\x00\x20ftypM4A ",
        b"\x30\x26\xb2\x75\x8e\x66\xcf\x11\xa6\xd9\x00\xaa\x00\x62\xce\x6c",
        b"MAC \x96\x0f",
        b"wvpk" + bytes(8),
        b"MPCK" + bytes(8),
        b"MThd\x00\x00\x00\x06",  # MIDI: mutagen reads SMF
        b"\x0b\x77\x00\x00\x00\x00",  # AC-3
        b"\xff\xfb\x90\x64" + bytes(8),  # MPEG-1 layer III, 128 kb/s, 44.1 kHz
        b"\xff\xf1\x50\x80" + bytes(8),  # ADTS AAC
    ],
)
def test_looks_like_audio_recognises_magic_numbers(head):
    assert looks_like_audio(head)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"ID",
        b"\x89PNG\r\n\x1a\n" + bytes(8),
        b"\xff\xd8\xff\xe0" + bytes(8),  # JPEG
        b"%PDF-1.4",
        b"PK\x03\x04" + bytes(8),
        b"RIFF\x00\x00\x00\x00AVI LIST",
        b"\xff\xff\xff\xff" + bytes(8),  # a sync word with a reserved bitrate
        b"hello world, this is text",
    ],
)
def test_looks_like_audio_rejects_other_content(head):
    assert not looks_like_audio(head)


def test_mtime_ns_is_clamped_to_sqlite_integers():
    from types import SimpleNamespace

    from archiver.scan.record import mtime_ns_of

    def st(ns: int):
        return SimpleNamespace(st_mtime_ns=ns)  # what os.stat gives, the field used

    assert mtime_ns_of(st(1_700_000_000_123_456_789)) == 1_700_000_000_123_456_789
    assert mtime_ns_of(st(-(2**62))) == -(2**62)
    assert mtime_ns_of(st(2**63 - 1)) == 2**63 - 1
    assert mtime_ns_of(st(15 * 10**18)) == 2**63 - 1
    assert mtime_ns_of(st(-(2**70))) == -(2**63)
