"""Write tags natively with tests/audiogen.py (mutagen), read them back through read_file."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest

from archiver.scan.mapping import TAG_COLUMNS
from archiver.scan.read import read_file
from tests import audiogen
from tests.scan.read.conftest import FULL_TAGS, expected_columns

# template -> (format, codec, lossless, tag_formats)
EXPECTED_KIND = {
    "aiff": ("aiff", "pcm", True, ["ID3v2.4"]),
    "alac.m4a": ("mp4", "alac", True, ["MP4"]),
    "flac": ("flac", "flac", True, ["VorbisComment"]),
    "m4a": ("mp4", "aac", False, ["MP4"]),
    "mp3": ("mp3", "mp3", False, ["ID3v2.4"]),
    "ogg": ("ogg", "vorbis", False, ["VorbisComment"]),
    "opus": ("opus", "opus", False, ["VorbisComment"]),
    "spx": ("speex", "speex", False, ["VorbisComment"]),
    "tta": ("tta", "tta", True, ["APEv2"]),
    "wav": ("wav", "pcm", True, ["ID3v2.4"]),
    "wma": ("asf", "wma", False, ["ASF"]),
    "wv": ("wavpack", "wavpack", True, ["APEv2"]),
}


def _read(path):
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    return record


def _check_record_shape(record) -> None:
    assert set(record.tags) <= set(TAG_COLUMNS)
    json.dumps(record.raw_tags)
    for key, values in record.raw_tags.items():
        assert isinstance(key, str)
        for v in values:
            # text, or a binary value marked as one (mapping.binary_value)
            assert isinstance(v, str) or set(v) <= _BINARY_KEYS and ("base64" in v or "sha256" in v)
        text = [v for v in values if isinstance(v, str)]
        assert not any(audiogen.PICTURE_PNG.decode("latin-1") in v for v in text)


_BINARY_KEYS = {"base64", "size", "sha256", "mime", "type", "desc"}


def _raw_binaries(record) -> list[bytes]:
    return [
        base64.b64decode(v["base64"])
        for values in record.raw_tags.values()
        for v in values
        if isinstance(v, dict) and "base64" in v
    ]


def test_every_template_has_an_expectation():
    assert set(audiogen.FORMATS) == set(EXPECTED_KIND)


@pytest.mark.parametrize("fmt", sorted(EXPECTED_KIND))
def test_full_tags_round_trip(tmp_path, fmt):
    family = audiogen.FAMILY[fmt]
    path = audiogen.make_file(tmp_path / f"song.{fmt}", fmt, FULL_TAGS, strict=False)
    record = _read(path)
    _check_record_shape(record)
    expected = expected_columns(FULL_TAGS, audiogen.supported_fields(family))
    assert record.tags == expected
    fmt_name, codec, lossless, tag_formats = EXPECTED_KIND[fmt]
    assert (record.format, record.codec, record.lossless) == (fmt_name, codec, lossless)
    assert record.tag_formats == tag_formats
    assert record.duration and record.duration > 0
    assert record.sample_rate and record.sample_rate > 0
    assert record.channels and record.channels >= 1
    assert record.size == path.stat().st_size
    assert record.mtime_ns == path.stat().st_mtime_ns
    if lossless:
        assert record.bits_per_sample and record.bits_per_sample >= 8
    else:
        assert record.bits_per_sample is None
    assert record.pictures == []
    assert record.notes == []


@pytest.mark.parametrize("fmt", sorted(EXPECTED_KIND))
def test_untagged_template_reads_without_tags(tmp_path, fmt):
    record = _read(audiogen.make_untagged(tmp_path / f"blank.{fmt}", fmt))
    assert record.tags == {"has_lyrics": 0}
    assert record.format == EXPECTED_KIND[fmt][0]


@pytest.mark.parametrize("fmt", sorted(EXPECTED_KIND))
def test_picture_summary(tmp_path, fmt):
    path = audiogen.make_file(tmp_path / f"pic.{fmt}", fmt, {"title": "x"}, with_picture=True)
    record = _read(path)
    _check_record_shape(record)
    assert len(record.pictures) == 1
    pic = record.pictures[0]
    assert pic.picture_type == "front cover"
    assert pic.mime == audiogen.PICTURE_MIME
    assert pic.size == len(audiogen.PICTURE_PNG)
    assert pic.sha256 == hashlib.sha256(audiogen.PICTURE_PNG).hexdigest()
    assert (pic.width, pic.height) == (1, 1)
    if fmt not in ("flac",):  # FLAC pictures are metadata blocks, not tags
        # the tag that holds the picture is kept exactly in raw tags, not as a placeholder
        assert any(audiogen.PICTURE_PNG in data for data in _raw_binaries(record)), record.raw_tags


@pytest.mark.parametrize("fmt", ["mp3", "wav", "aiff"])
def test_id3v23(tmp_path, fmt):
    path = audiogen.make_file(tmp_path / f"v23.{fmt}", fmt, FULL_TAGS, id3="v2.3", strict=False)
    record = _read(path)
    assert record.tag_formats == ["ID3v2.3"]
    assert record.tags == expected_columns(
        FULL_TAGS, audiogen.supported_fields("id3"), id3_v23=True
    )


def test_id3v1_only(tmp_path):
    tags = {
        "title": "Old Song",
        "artist": "Old Artist",
        "album": "Old Album",
        "date": "1994",
        "tracknumber": "7",
        "genre": "Rock",
    }
    record = _read(audiogen.make_file(tmp_path / "v1.mp3", "mp3", tags, id3="v1"))
    assert record.tag_formats == ["ID3v1"]
    assert record.tags == expected_columns(tags, audiogen.supported_fields("id3v1"))


def test_id3v24_plus_id3v1(tmp_path):
    path = audiogen.make_file(tmp_path / "both.mp3", "mp3", {"title": "New Title"})
    from mutagen import id3

    frames = id3.ID3()
    frames.add(id3.TIT2(encoding=0, text=["Old Title"]))
    frames.add(id3.TALB(encoding=0, text=["Only In V1"]))
    with open(path, "ab") as fh:
        fh.write(id3.MakeID3v1(frames))
    record = _read(path)
    assert record.tag_formats == ["ID3v2.4", "ID3v1"]
    assert record.tags["title"] == "New Title"
    # mutagen fills frames missing from v2 from the v1 tag.
    assert record.tags["album"] == "Only In V1"


def test_mp3_with_id3_and_apev2(tmp_path):
    tags = dict(FULL_TAGS)
    path = audiogen.make_file(
        tmp_path / "both.mp3", "mp3", tags, ape=True, with_picture=True, strict=False
    )
    record = _read(path)
    assert record.tag_formats == ["ID3v2.4", "APEv2"]
    assert record.tags == expected_columns(
        tags, audiogen.supported_fields("id3") | audiogen.supported_fields("ape")
    )
    assert any(key.startswith("APEv2:") for key in record.raw_tags)
    assert "TIT2" in record.raw_tags
    assert len(record.pictures) == 2


def test_mp3_with_apev2_only(tmp_path):
    path = audiogen.make_file(
        tmp_path / "ape.mp3", "mp3", FULL_TAGS, ape=True, id3="none", strict=False
    )
    record = _read(path)
    assert record.tag_formats == ["APEv2"]
    assert record.tags == expected_columns(FULL_TAGS, audiogen.supported_fields("ape"))
    assert "Title" in record.raw_tags


def test_id3_secondary_fills_only_missing_fields(tmp_path):
    path = audiogen.make_file(
        tmp_path / "mix.mp3",
        "mp3",
        {"title": "Ape Title", "album": "Ape Album"},
        ape=True,
        id3="none",
    )
    from mutagen import id3

    frames = id3.ID3()
    frames.add(id3.TIT2(encoding=3, text=["ID3 Title"]))
    frames.save(path, v1=0)
    record = _read(path)
    assert record.tags["title"] == "ID3 Title"
    assert record.tags["album"] == "Ape Album"


def test_multivalue_and_unicode_values(tmp_path):
    tags = {
        "artist": ["王菲", "שלמה ארצי", "Zoë"],
        "title": "🎵 Ǹøn-ÁSCII",
        "genre": ["K-Pop", "J-Pop", "C-Pop"],
    }
    for fmt in ("flac", "mp3", "m4a", "wma", "wv"):
        record = _read(audiogen.make_file(tmp_path / f"u.{fmt}", fmt, tags))
        assert record.tags["artist"] == "王菲; שלמה ארצי; Zoë", fmt
        assert record.tags["title"] == "🎵 Ǹøn-ÁSCII", fmt
        assert record.tags["genre"] == "K-Pop; J-Pop; C-Pop", fmt


def test_given_stat_is_used(tmp_path):
    path = audiogen.make_file(tmp_path / "s.flac", "flac", {"title": "x"})
    st = os.stat(path)
    record = read_file(os.fsencode(path), st)
    assert (record.size, record.mtime_ns) == (st.st_size, st.st_mtime_ns)


def test_reading_never_modifies_the_file(tmp_path):
    paths = [
        audiogen.make_file(tmp_path / f"r.{fmt}", fmt, {"title": "x"}, with_picture=True)
        for fmt in EXPECTED_KIND
    ]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    for p in paths:
        _read(p)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths} == before
