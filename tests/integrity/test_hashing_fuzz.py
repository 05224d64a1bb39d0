"""Malformed files never break hashing: the sha256 is always exact and nothing raises."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.integrity.hashing import fingerprint_file

MAGICS = [
    b"OggS\x00\x02",
    b"fLaC\x00\x00\x00\x22",
    b"RIFF\xff\xff\xff\xffWAVEdata",
    b"FORM\x00\x00\x00\x10AIFFSSND",
    b"\x00\x00\x00\x18ftypM4A ",
    b"ID3\x04\x00\x10\x00\x00\x00\x05",
    bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"),
    b"DSD \x1c\x00\x00\x00",
    b"wvpk",
    b"\xff\xfb\x90\x00",
    b"",
]
TAILS = [
    b"",
    b"TAG" + bytes(125),
    b"APETAGEX\xd0\x07\x00\x00\xff\xff\xff\x7f" + bytes(16),
    b"123456LYRICS200",
]


@settings(max_examples=150, deadline=None)
@given(
    magic=st.sampled_from(MAGICS),
    body=st.binary(max_size=3000),
    tail=st.sampled_from(TAILS),
    chunk=st.sampled_from([5, 64, 1 << 20]),
)
def test_any_bytes_hash_exactly(magic: bytes, body: bytes, tail: bytes, chunk: int) -> None:
    data = magic + body + tail
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.bin"
        path.write_bytes(data)
        fp = fingerprint_file(path, chunk=chunk)
    assert fp.sha256 == hashlib.sha256(data).hexdigest()
    assert fp.size == len(data)
    assert fp.audio_hash and fp.audio_hash_method
