"""RIFF INFO chunks and the audio-property table, on real (hand-assembled) files."""

from __future__ import annotations

import os
import struct

import pytest

from archiver.scan import formats
from archiver.scan.mapping_riff import normalize_riff, parse_info_block, raw_riff
from archiver.scan.read import read_file
from tests import audiogen


def _info_chunk(items: dict[str, bytes]) -> bytes:
    body = b"INFO"
    for key, value in items.items():
        data = value + b"\x00"
        body += (
            key.encode("ascii")
            + struct.pack("<I", len(data))
            + data
            + (b"\x00" if len(data) & 1 else b"")
        )
    return b"LIST" + struct.pack("<I", len(body)) + body


def _with_info(path, items: dict[str, bytes]) -> None:
    data = bytearray(path.read_bytes())
    data += _info_chunk(items)
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))


def test_parse_info_block_and_normalize():
    pairs = parse_info_block(
        _info_chunk({"INAM": b"T\xc3\xadtulo", "IART": b"Caf\xe9", "ITRK": b"3/9"})[12:]
    )
    assert pairs == [("INAM", "Título"), ("IART", "Café"), ("ITRK", "3/9")]
    out = normalize_riff(pairs)
    assert out == {
        "title": "Título",
        "artist": "Café",
        "tracknumber": 3,
        "totaltracks": 9,
        "has_lyrics": 0,
    }
    assert raw_riff(pairs)["INFO:INAM"] == ["Título"]


def test_parse_info_block_truncated_item_is_kept_short():
    block = b"INAM" + struct.pack("<I", 100) + b"short"
    assert parse_info_block(block) == [("INAM", "short")]


def test_wav_with_riff_info_only(tmp_path):
    path = audiogen.make_untagged(tmp_path / "info.wav", "wav")
    _with_info(
        path,
        {
            "INAM": b"Info Title",
            "IART": b"Info Artist",
            "IPRD": b"Info Album",
            "ICRD": b"2001",
            "IGNR": b"Jazz",
        },
    )
    record = read_file(os.fsencode(path))
    assert record.error is None
    assert record.tag_formats == ["RIFF INFO"]
    assert record.tags == {
        "title": "Info Title",
        "artist": "Info Artist",
        "album": "Info Album",
        "date": "2001",
        "year": 2001,
        "genre": "Jazz",
        "has_lyrics": 0,
    }
    assert record.raw_tags["INFO:INAM"] == ["Info Title"]


def test_wav_id3_wins_over_riff_info(tmp_path):
    path = audiogen.make_file(tmp_path / "both.wav", "wav", {"title": "ID3 Title"})
    _with_info(path, {"INAM": b"Info Title", "IPRD": b"Info Album"})
    record = read_file(os.fsencode(path))
    assert record.tag_formats == ["ID3v2.4", "RIFF INFO"]
    assert record.tags["title"] == "ID3 Title"
    assert record.tags["album"] == "Info Album"


def _wav_header(
    audio_format: int, bits: int, rate: int = 8000, channels: int = 1, frames: int = 800
) -> bytes:
    block_align = channels * bits // 8
    fmt = struct.pack(
        "<HHIIHH", audio_format, channels, rate, rate * block_align, block_align, bits
    )
    data = b"\x00" * (frames * block_align)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize(
    ("audio_format", "bits", "codec", "lossless"),
    [
        (1, 16, "pcm", True),
        (3, 32, "pcm_float", True),
        (6, 8, "alaw", False),
        (0x1234, 16, "wave_0x1234", None),
    ],
)
def test_wave_format_tags(tmp_path, audio_format, bits, codec, lossless):
    path = tmp_path / "x.wav"
    path.write_bytes(_wav_header(audio_format, bits))
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert (record.format, record.codec, record.lossless) == ("wav", codec, lossless)
    assert record.sample_rate == 8000 and record.channels == 1
    assert record.duration == pytest.approx(0.1)
    assert record.bits_per_sample == (bits if lossless is not False else None)


def test_wavpack_hybrid_flag_means_lossy(tmp_path):
    path = audiogen.make_untagged(tmp_path / "h.wv", "wv")
    data = bytearray(path.read_bytes())
    assert data[:4] == b"wvpk"
    assert read_file(os.fsencode(path)).lossless is True
    (flags,) = struct.unpack_from("<I", data, 24)
    struct.pack_into("<I", data, 24, flags | 0x8)
    path.write_bytes(bytes(data))
    assert read_file(os.fsencode(path)).lossless is False


def test_tta_channels_and_depth_from_header(tmp_path):
    record = read_file(os.fsencode(audiogen.make_untagged(tmp_path / "t.tta", "tta")))
    assert record.channels and record.bits_per_sample == 16


def test_kind_table_is_consistent():
    for name, kind in formats.KINDS.items():
        assert kind.format == kind.format.lower()
        assert kind.codec is None or kind.codec == kind.codec.lower()
        assert all(ext.startswith(".") and ext == ext.lower() for ext in kind.extensions), name
    # every extension the scanner's walk picks by name is known here
    walk_exts = "mp3 mp2 flac ogg oga opus spx m4a m4b mp4 aac alac wma asf wav aif aiff aifc ape wv mpc ofr ofs tak tta dsf dff"
    assert {f".{e}" for e in walk_exts.split()} <= formats.AUDIO_EXTENSIONS


def test_average_bitrate_when_the_stream_info_has_none(tmp_path):
    path = audiogen.make_untagged(tmp_path / "b.wv", "wv")
    record = read_file(os.fsencode(path))
    assert record.duration and record.duration > 0.5
    assert record.bitrate == int(path.stat().st_size * 8 / record.duration)


@pytest.mark.parametrize(
    ("name", "layer_bits", "codec"), [("x.mp2", 0b10, "mp2"), ("x.mp3", 0b01, "mp3")]
)
def test_mpeg_layer_decides_format_and_codec(tmp_path, name, layer_bits, codec):
    # MPEG-1, no CRC, 128 kbit/s, 44.1 kHz, stereo: a run of silent frames.
    second = 0xF0 | 0x08 | (layer_bits << 1) | 0x01
    frame_len = 144 * 128000 // 44100  # same formula for layers II and III
    bitrate_index = {0b10: 8, 0b01: 9}[layer_bits]  # 128 kbit/s in each layer's table
    header = bytes([0xFF, second, (bitrate_index << 4) | 0x00, 0x04])
    path = tmp_path / name
    path.write_bytes((header + b"\x00" * (frame_len - 4)) * 40)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert (record.format, record.codec, record.lossless) == (codec, codec, False)
    assert record.bitrate == 128000 and record.sample_rate == 44100
