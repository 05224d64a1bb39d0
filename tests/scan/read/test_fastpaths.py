"""The fast UTF-16 ``decode_terminated`` behaves exactly like mutagen's own."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen import _util, id3

from archiver.scan import fastpaths
from archiver.scan.read import read_file
from tests import audiogen

ORIGINAL = _util.decode_terminated  # mutagen's, untouched (only id3._specs is rerouted)


def _outcome(fn, data: bytes, encoding: str, strict: bool):
    try:
        return ("ok", fn(data, encoding, strict))
    except UnicodeDecodeError:
        return ("UnicodeDecodeError",)
    except ValueError as exc:
        return ("ValueError", str(exc))


def _same(data: bytes, encoding: str, strict: bool) -> None:
    assert _outcome(fastpaths.decode_terminated, data, encoding, strict) == _outcome(
        ORIGINAL, data, encoding, strict
    ), (data, encoding, strict)


ENCODINGS = ("utf-16", "utf-16-be", "utf-16-le", "latin1", "utf-8", "utf16")


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=40),
    st.sampled_from(ENCODINGS),
    st.booleans(),
)
def test_random_bytes_same_as_mutagen(data, encoding, strict):
    _same(data, encoding, strict)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(max_size=8), min_size=1, max_size=4),
    st.sampled_from(("utf-16", "utf-16-be")),
    st.booleans(),
    st.binary(max_size=3),
)
def test_encoded_strings_same_as_mutagen(texts, encoding, terminated, tail):
    parts = []
    for text in texts:
        try:
            parts.append(text.encode(encoding))
        except UnicodeEncodeError:  # lone surrogates
            parts.append(text.encode(encoding, "surrogatepass"))
    data = b"\x00\x00".join(parts) + (b"\x00\x00" if terminated else b"") + tail
    for strict in (True, False):
        _same(data, encoding, strict)


def test_edge_cases():
    for data in (
        b"",
        b"\x00",
        b"\x00\x00",
        b"\xff\xfe\x00\x00rest",
        b"\xfe\xff\x00A\x00\x00",
        b"A\x00\x00B\x00\x00",  # a zero pair straddling two code units is not a terminator
        b"\x00\xd8\x00\x00",  # lone high surrogate before the terminator
        b"\xff\xfeA",  # odd length, no terminator
        b"\xff\xfeA\x00B\x00",
        b"A\x00B\x00\x00\x00",  # no BOM: mutagen's decoder refuses it
        b"\xff\xfe\x00\xd8\x00\x00",
    ):
        for encoding in ("utf-16", "utf-16-be", "utf-16-le"):
            for strict in (True, False):
                _same(data, encoding, strict)


def test_installed_for_id3_and_tags_read_the_same(tmp_path):
    from mutagen.id3 import _specs

    assert _specs.decode_terminated is fastpaths.decode_terminated
    path = audiogen.make_file(tmp_path / "a.mp3", "mp3", {"title": "x"})
    tag = id3.ID3()
    tag.add(id3.TIT2(encoding=1, text=["Ünïcødé 🎵", "second"]))
    tag.add(id3.TXXX(encoding=1, desc="Désc", text=["välue"]))
    tag.add(id3.COMM(encoding=2, lang="eng", desc="", text=["big endian ✓"]))
    tag.save(path, v2_version=4)
    record = read_file(os.fsencode(path))
    assert record.error is None
    assert record.tags["title"] == "Ünïcødé 🎵; second"
    assert record.raw_tags["TXXX:Désc"] == ["välue"]
    assert record.tags["comment"] == "big endian ✓"
