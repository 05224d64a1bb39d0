"""Tags mutagen's own reader skips: ID3v2 in front of FLAC, an appended ID3v2.4 ("3DI"),
ID3v1 after APEv2 formats, APEv2 after MP3 audio behind Lyrics3."""

from __future__ import annotations

import os

from mutagen import id3

from archiver.scan.read import read_file
from tests import audiogen


def _id3_bytes(title: str, version: int = 4) -> bytes:
    import io

    frames = id3.ID3()
    frames.add(id3.TIT2(encoding=3, text=[title]))
    frames.add(id3.TALB(encoding=3, text=["From ID3"]))
    buf = io.BytesIO()
    frames.save(buf, v1=0, v2_version=version, padding=lambda info: 0)
    return buf.getvalue()


def _v1(title: str, album: str = "") -> bytes:
    frames = id3.ID3()
    frames.add(id3.TIT2(encoding=0, text=[title]))
    if album:
        frames.add(id3.TALB(encoding=0, text=[album]))
    return id3.MakeID3v1(frames)


def test_id3v2_in_front_of_flac_is_read_as_secondary(tmp_path):
    path = audiogen.make_file(tmp_path / "x.flac", "flac", {"title": "Vorbis Title"})
    path.write_bytes(_id3_bytes("ID3 Title") + path.read_bytes())
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert record.tag_formats == ["VorbisComment", "ID3v2.4"]
    assert record.tags["title"] == "Vorbis Title"  # the format's own tag wins
    assert record.tags["album"] == "From ID3"  # the other fills gaps
    assert record.raw_tags["ID3:TIT2"] == ["ID3 Title"]


def test_appended_id3v24_with_footer(tmp_path):
    path = audiogen.make_untagged(tmp_path / "x.mp3", "mp3")
    tag = bytearray(_id3_bytes("Appended"))
    tag[5] |= 0x10  # footer present flag
    footer = b"3DI" + bytes(tag[3:10])
    path.write_bytes(path.read_bytes() + bytes(tag) + footer)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert record.tag_formats == ["ID3v2.4 (appended)"]
    assert record.tags["title"] == "Appended"


def test_id3v1_after_wavpack_audio_and_apev2(tmp_path):
    path = audiogen.make_file(tmp_path / "x.wv", "wv", {"title": "APE Title"})
    path.write_bytes(path.read_bytes() + _v1("V1 Title", "V1 Album"))
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert record.tag_formats == ["APEv2", "ID3v1"]
    assert record.tags["title"] == "APE Title"
    assert record.tags["album"] == "V1 Album"
    assert record.raw_tags["ID3v1:TIT2"] == ["V1 Title"]


def test_id3v1_only_on_tta(tmp_path):
    path = audiogen.make_untagged(tmp_path / "x.tta", "tta")
    path.write_bytes(path.read_bytes() + _v1("Only V1"))
    record = read_file(os.fsencode(path))
    assert record.tag_formats == ["ID3v1"]
    assert record.tags["title"] == "Only V1"


def test_apev2_behind_lyrics3_and_id3v1_on_mp3(tmp_path):
    path = audiogen.make_file(
        tmp_path / "x.mp3", "mp3", {"title": "APE Title"}, ape=True, id3="none"
    )
    lyrics = b"LYRICSBEGIN" + b"IND0000210" + b"LYR0000005hello"
    size = str(len(lyrics)).zfill(6).encode()
    path.write_bytes(path.read_bytes() + lyrics + size + b"LYRICS200" + _v1("V1 Title"))
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert "APEv2" in record.tag_formats and "ID3v1" in record.tag_formats
    # mutagen turns the ID3v1 tag into the MP3's ID3 tag; APEv2 fills the rest
    assert record.tags["title"] == "V1 Title"
    assert any(k.startswith("APEv2:") for k in record.raw_tags)


def test_aac_adts_with_id3(tmp_path):
    # An ADTS stream: a few silent AAC-LC frames (7-byte header, no CRC) behind an ID3v2 tag.
    frame_len = 7 + 6
    header = bytes(
        [
            0xFF,
            0xF1,
            (1 << 6) | (4 << 2) | 0,  # LC, 44.1 kHz
            (2 << 6) | ((frame_len >> 11) & 0x3),
            (frame_len >> 3) & 0xFF,
            ((frame_len & 0x7) << 5) | 0x1F,
            0xFC,
        ]
    )
    frame = header + b"\x21\x00\x49\x90\x02\x19"
    path = tmp_path / "x.aac"
    path.write_bytes(_id3_bytes("AAC Title") + frame * 50)
    record = read_file(os.fsencode(path))
    assert record.error is None, record.error
    assert record.format == "aac"
    assert record.tags["title"] == "AAC Title"
    assert record.tag_formats == ["ID3v2.4"]
