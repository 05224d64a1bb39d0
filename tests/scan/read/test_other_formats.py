"""Formats without a committed template (Monkey's Audio, Musepack, TAK, OptimFROG, DSD WavPack,
DSF, DSDIFF, Ogg FLAC, ADTS AAC): copy an untagged file from the shared corpus into tmp_path,
write tags natively with mutagen (through tests/audiogen.py's Picard tables), read them back.
Skipped when the corpus is absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import mutagen
import pytest
from mutagen import apev2

from archiver.scan.read import read_file
from tests import audiogen
from tests.scan.read.conftest import FULL_TAGS, expected_columns

CORPUS = Path("/work/shared/corpus/real")
for _candidate in (Path(__file__).resolve().parents[4] / "shared" / "corpus" / "real", CORPUS):
    if (_candidate / "MANIFEST.tsv").is_file():
        CORPUS = _candidate
        break
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus absent")


def _values(family: str) -> dict[str, list[str]]:
    """FULL_TAGS as lists, limited to what the family carries (the form audiogen's builders take)."""
    allowed = audiogen.supported_fields(family)
    return {
        k: ([v] if isinstance(v, str) else list(v)) for k, v in FULL_TAGS.items() if k in allowed
    }


def _copy(tmp_path: Path, source: str, name: str) -> Path:
    dest = tmp_path / name
    shutil.copyfile(CORPUS / source, dest)
    return dest


# source file, name, format, codec, lossless
APE_FORMATS = [
    ("mutagen/mac-399.ape", "x.ape", "ape", "ape", True),
    ("mutagen/click.mpc", "x.mpc", "musepack", "musepack", False),
    ("mutagen/sv8_header.mpc", "sv8.mpc", "musepack", "musepack", False),
    ("mutagen/has-tags.tak", "x.tak", "tak", "tak", True),
    ("mutagen/empty.ofr", "x.ofr", "optimfrog", "optimfrog", True),
    ("mutagen/silence-2s-44100-16.ofs", "x.ofs", "optimfrog", "optimfrog", False),
    ("mutagen/dsd.wv", "dsd.wv", "wavpack", "wavpack", True),
]


@pytest.mark.parametrize(("source", "name", "fmt", "codec", "lossless"), APE_FORMATS)
def test_apev2_formats(tmp_path, source, name, fmt, codec, lossless):
    path = _copy(tmp_path, source, name)
    apev2.delete(path)
    audiogen.build_ape(_values("ape"), with_picture=True).save(path)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert (record.format, record.codec, record.lossless) == (fmt, codec, lossless)
    assert record.tag_formats == ["APEv2"]
    assert record.tags == expected_columns(FULL_TAGS, audiogen.supported_fields("ape"))
    assert [(p.picture_type, p.mime) for p in record.pictures] == [("front cover", "image/png")]


@pytest.mark.parametrize(
    ("source", "name", "fmt", "codec"),
    [
        ("mutagen/without-id3.dsf", "x.dsf", "dsf", "dsd"),
        ("mutagen/5644800-2ch-s01-silence.dff", "x.dff", "dsdiff", "dsd"),
    ],
)
def test_dsd_with_id3(tmp_path, source, name, fmt, codec):
    path = _copy(tmp_path, source, name)
    audio = mutagen.File(path)
    audio.add_tags()
    audio.tags.update(audiogen.build_id3(_values("id3"), 4, with_picture=True))
    audio.save()
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert (record.format, record.codec, record.lossless, record.bits_per_sample) == (
        fmt,
        codec,
        True,
        1,
    )
    assert record.tag_formats == ["ID3v2.4"]
    assert record.tags == expected_columns(FULL_TAGS, audiogen.supported_fields("id3"))
    assert len(record.pictures) == 1


def test_ogg_flac(tmp_path):
    path = _copy(tmp_path, "mutagen/empty.oggflac", "x.oga")
    audio = mutagen.File(path)
    for key, values in _values("vorbis").items():
        audio.tags[audiogen.VORBIS_MAP[key]] = values
    audio.save()
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert (record.format, record.codec, record.lossless) == ("oggflac", "flac", True)
    assert record.tags == expected_columns(FULL_TAGS, audiogen.supported_fields("vorbis"))
    assert record.notes == []


def test_adts_aac_with_id3_prefix(tmp_path):
    path = _copy(tmp_path, "mutagen/empty.aac", "x.aac")
    audiogen.build_id3(_values("id3"), 4, with_picture=False).save(path, v1=0)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert (record.format, record.codec, record.lossless) == ("aac", "aac", False)
    assert record.tag_formats == ["ID3v2.4"]
    assert record.tags == expected_columns(FULL_TAGS, audiogen.supported_fields("id3"))
    assert record.notes == []


def test_tta_with_id3v2(tmp_path):
    path = audiogen.make_untagged(tmp_path / "x.tta", "tta")
    audiogen.build_id3(_values("id3"), 3, with_picture=False).save(path, v1=0, v2_version=3)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert record.format == "tta"
    assert record.tag_formats == ["ID3v2.3"]
    assert record.tags == expected_columns(
        FULL_TAGS, audiogen.supported_fields("id3"), id3_v23=True
    )
