"""tests/audiogen.py writes what it promises: every format opens with mutagen and carries the tags.

Expectations are spelled out by hand per tag family (native keys), read back with mutagen
directly, so a wrong entry in audiogen's mapping tables shows up here.
"""

from __future__ import annotations

import base64
from pathlib import Path

import mutagen
import pytest
from mutagen import apev2, asf, flac, id3, mp4

from tests.audiogen import (
    FAMILY,
    FORMATS,
    PICTURE_PNG,
    TEMPLATES,
    make_corrupt,
    make_file,
    make_untagged,
    make_zero_byte,
    supported_fields,
)

MBID_REC = "0f0e5a2c-6a3b-4c1d-9e8f-1a2b3c4d5e6f"
MBID_ALB = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"

TAGS: dict[str, str | list[str]] = {
    "title": "Ångström Café",
    "artist": "Björk Ǫuartet feat. Ñ",
    "artists": ["Björk Ǫuartet", "Ñ"],
    "album": "Nørth",
    "albumartist": "Björk Ǫuartet",
    "tracknumber": "3",
    "totaltracks": "12",
    "discnumber": "1",
    "totaldiscs": "2",
    "date": "2001-05-03",
    "genre": ["Rock", "Pop"],
    "composer": "Émile",
    "label": "Label Ltd",
    "isrc": "XXA010000001",
    "compilation": "1",
    "bpm": "120",
    "musicbrainz_recordingid": MBID_REC,
    "musicbrainz_albumid": MBID_ALB,
}


def _id3_expect(tags: id3.ID3) -> dict[str, object]:
    return {
        "title": tags["TIT2"].text,
        "artist": tags["TPE1"].text,
        "artists": tags["TXXX:ARTISTS"].text,
        "album": tags["TALB"].text,
        "albumartist": tags["TPE2"].text,
        "track": tags["TRCK"].text,
        "disc": tags["TPOS"].text,
        "genre": tags["TCON"].text,
        "composer": tags["TCOM"].text,
        "label": tags["TPUB"].text,
        "isrc": tags["TSRC"].text,
        "compilation": tags["TCMP"].text,
        "bpm": tags["TBPM"].text,
        "recording": tags["UFID:http://musicbrainz.org"].data.decode(),
        "albumid": tags["TXXX:MusicBrainz Album Id"].text,
    }


def _vorbis_expect(tags: mutagen.Tags) -> dict[str, object]:
    return {
        "title": tags["TITLE"],
        "artist": tags["ARTIST"],
        "artists": tags["ARTISTS"],
        "album": tags["ALBUM"],
        "albumartist": tags["ALBUMARTIST"],
        "track": [tags["TRACKNUMBER"][0] + "/" + tags["TOTALTRACKS"][0]],
        "disc": [tags["DISCNUMBER"][0] + "/" + tags["TOTALDISCS"][0]],
        "genre": tags["GENRE"],
        "composer": tags["COMPOSER"],
        "label": tags["LABEL"],
        "isrc": tags["ISRC"],
        "compilation": tags["COMPILATION"],
        "bpm": tags["BPM"],
        "recording": tags["MUSICBRAINZ_TRACKID"][0],
        "albumid": tags["MUSICBRAINZ_ALBUMID"],
    }


def _mp4_expect(tags: mp4.MP4Tags) -> dict[str, object]:
    def free(name: str) -> list[str]:
        return [bytes(v).decode() for v in tags["----:com.apple.iTunes:" + name]]

    (track, total), (disc, discs) = tags["trkn"][0], tags["disk"][0]
    return {
        "title": tags["©nam"],
        "artist": tags["©ART"],
        "artists": free("ARTISTS"),
        "album": tags["©alb"],
        "albumartist": tags["aART"],
        "track": [f"{track}/{total}"],
        "disc": [f"{disc}/{discs}"],
        "genre": tags["©gen"],
        "composer": tags["©wrt"],
        "label": free("LABEL"),
        "isrc": free("ISRC"),
        "compilation": ["1"] if tags["cpil"] is True else ["bad"],
        "bpm": [str(v) for v in tags["tmpo"]],
        "recording": free("MusicBrainz Track Id")[0],
        "albumid": free("MusicBrainz Album Id"),
    }


def _asf_expect(tags: asf.ASFTags) -> dict[str, object]:
    def get(name: str) -> list[str]:
        return [str(v) for v in tags[name]]

    return {
        "title": get("Title"),
        "artist": get("Author"),
        "artists": get("WM/ARTISTS"),
        "album": get("WM/AlbumTitle"),
        "albumartist": get("WM/AlbumArtist"),
        "track": [get("WM/TrackNumber")[0] + "/" + get("TotalTracks")[0]],
        "disc": [get("WM/PartOfSet")[0] + "/" + get("TotalDiscs")[0]],
        "genre": get("WM/Genre"),
        "composer": get("WM/Composer"),
        "label": get("WM/Publisher"),
        "isrc": get("WM/ISRC"),
        "compilation": get("WM/IsCompilation"),
        "bpm": get("WM/BeatsPerMinute"),
        "recording": get("MusicBrainz/Track Id")[0],
        "albumid": get("MusicBrainz/Album Id"),
    }


def _ape_expect(tags: apev2.APEv2) -> dict[str, object]:
    def get(name: str) -> list[str]:
        return list(tags[name])  # APEv2 lookups are case-insensitive

    return {
        "title": get("Title"),
        "artist": get("Artist"),
        "artists": get("Artists"),
        "album": get("Album"),
        "albumartist": get("Album Artist"),
        "track": get("Track"),
        "disc": get("Disc"),
        "genre": get("Genre"),
        "composer": get("Composer"),
        "label": get("Label"),
        "isrc": get("ISRC"),
        "compilation": get("Compilation"),
        "bpm": get("BPM"),
        "recording": get("musicbrainz_trackid")[0],
        "albumid": get("MUSICBRAINZ_ALBUMID"),
    }


EXPECTED = {
    "title": ["Ångström Café"],
    "artist": ["Björk Ǫuartet feat. Ñ"],
    "artists": ["Björk Ǫuartet", "Ñ"],
    "album": ["Nørth"],
    "albumartist": ["Björk Ǫuartet"],
    "track": ["3/12"],
    "disc": ["1/2"],
    "genre": ["Rock", "Pop"],
    "composer": ["Émile"],
    "label": ["Label Ltd"],
    "isrc": ["XXA010000001"],
    "compilation": ["1"],
    "bpm": ["120"],
    "recording": MBID_REC,
    "albumid": [MBID_ALB],
}


def _native(path: Path, fmt: str) -> dict[str, object]:
    family = FAMILY[fmt]
    if family == "ape":
        return _ape_expect(apev2.APEv2(path))
    audio = mutagen.File(path)
    assert audio is not None
    reader = {
        "id3": _id3_expect,
        "flac": _vorbis_expect,
        "vorbis": _vorbis_expect,
        "mp4": _mp4_expect,
        "asf": _asf_expect,
    }[family]
    return reader(audio.tags)


def test_templates_exist_small_and_untagged() -> None:
    for fmt in ["mp3", "flac", "ogg", "opus", "m4a", "alac.m4a", "wav", "aiff", "wma", "wv", "tta"]:
        assert fmt in FORMATS
    for fmt in FORMATS:
        path = TEMPLATES / f"template.{fmt}"
        assert path.stat().st_size < 20_000, fmt
        audio = mutagen.File(path)
        assert audio is not None, fmt
        assert 0.9 < audio.info.length < 1.3, fmt
        assert not audio.tags, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_tags(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path / f"song.{fmt}", fmt, TAGS)
    assert mutagen.File(path) is not None
    assert _native(path, fmt) == EXPECTED


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_carries_picture(tmp_path: Path, fmt: str) -> None:
    path = make_file(tmp_path / f"pic.{fmt}", fmt, {"title": "x"}, with_picture=True)
    family = FAMILY[fmt]
    if family == "ape":
        data = bytes(apev2.APEv2(path)["Cover Art (Front)"].value).split(b"\x00", 1)[1]
    else:
        audio = mutagen.File(path)
        if family == "id3":
            data = audio.tags.getall("APIC")[0].data
        elif family == "flac":
            data = audio.pictures[0].data
        elif family == "vorbis":
            raw = base64.b64decode(audio.tags["METADATA_BLOCK_PICTURE"][0])
            data = flac.Picture(raw).data
        elif family == "mp4":
            data = bytes(audio.tags["covr"][0])
        else:
            data = audio.tags["WM/Picture"][0].value[-len(PICTURE_PNG) :]
    assert data == PICTURE_PNG
    assert PICTURE_PNG.startswith(b"\x89PNG")


def test_id3_v23_conversions(tmp_path: Path) -> None:
    tags = {
        "date": "2001-05-03",
        "originaldate": "1999-02-03",
        "producer": "Pat",
        "performer": ["Jane Doe (guitar)"],
        "artists": ["A", "B"],
        "artistsort": "Doe, Jane",
    }
    path = make_file(tmp_path / "a.mp3", "mp3", tags, id3="v2.3")
    raw = id3.ID3(path, translate=False)
    assert raw.version == (2, 3, 0)
    assert raw["TYER"].text == ["2001"] and raw["TDAT"].text == ["0305"]
    assert raw["TORY"].text == ["1999"]
    assert raw["IPLS"].people == [["producer", "Pat"], ["guitar", "Jane Doe"]]
    assert raw["TXXX:ARTISTS"].text == ["A/B"]
    assert raw["TSOP"].text == ["Doe, Jane"]
    assert "TDRC" not in raw and "TIPL" not in raw and "TMCL" not in raw


def test_id3_v24_people_and_text_frames(tmp_path: Path) -> None:
    tags = {
        "producer": ["Pat", "Sam"],
        "engineer": "Eve",
        "mixer": "Max",
        "performer": ["Jane Doe (guitar)", "Solo Act"],
        "performer:drums": "Rob",
        "comment": "nice",
        "lyrics": "la la",
        "lyricist": "Lee",
        "conductor": "Con",
        "catalognumber": "CAT-1",
        "barcode": "0123456789012",
        "musicbrainz_trackid": MBID_ALB,
        "acoustid_id": MBID_REC,
        "replaygain_track_gain": "-6.50 dB",
    }
    raw = id3.ID3(make_file(tmp_path / "b.mp3", "mp3", tags))
    assert raw.version == (2, 4, 0)
    assert raw["TIPL"].people == [
        ["producer", "Pat"],
        ["producer", "Sam"],
        ["engineer", "Eve"],
        ["mix", "Max"],
    ]
    assert raw["TMCL"].people == [["guitar", "Jane Doe"], ["", "Solo Act"], ["drums", "Rob"]]
    assert raw["COMM::eng"].text == ["nice"]
    assert raw["USLT::eng"].text == "la la"
    assert raw["TEXT"].text == ["Lee"] and raw["TPE3"].text == ["Con"]
    assert raw["TXXX:CATALOGNUMBER"].text == ["CAT-1"]
    assert raw["TXXX:BARCODE"].text == ["0123456789012"]
    assert raw["TXXX:MusicBrainz Release Track Id"].text == [MBID_ALB]
    assert raw["TXXX:Acoustid Id"].text == [MBID_REC]
    assert raw["TXXX:REPLAYGAIN_TRACK_GAIN"].text == ["-6.50 dB"]


def test_id3v1_only(tmp_path: Path) -> None:
    path = make_file(
        tmp_path / "v1.mp3", "mp3", {"title": "Old", "artist": "Band", "tracknumber": "7"}, id3="v1"
    )
    assert path.read_bytes()[-128:][:3] == b"TAG"
    assert path.read_bytes()[:3] != b"ID3"
    audio = mutagen.File(path)
    assert audio.tags.version == (1, 1)
    assert audio.tags["TIT2"].text == ["Old"] and audio.tags["TRCK"].text == ["7"]
    with pytest.raises(ValueError, match="id3v1 cannot carry"):
        make_file(tmp_path / "v1b.mp3", "mp3", {"composer": "x"}, id3="v1")


def test_mp3_with_ape(tmp_path: Path) -> None:
    both = make_file(tmp_path / "both.mp3", "mp3", {"title": "T"}, ape=True)
    assert list(apev2.APEv2(both)["Title"]) == ["T"]
    assert id3.ID3(both)["TIT2"].text == ["T"]
    only = make_file(tmp_path / "only.mp3", "mp3", {"title": "T"}, ape=True, id3="none")
    assert list(apev2.APEv2(only)["Title"]) == ["T"]
    with pytest.raises(id3.ID3NoHeaderError):
        id3.ID3(only)


@pytest.mark.parametrize("fmt", ["flac", "ogg", "wv"])
def test_performer_strings(tmp_path: Path, fmt: str) -> None:
    path = make_file(
        tmp_path / f"p.{fmt}", fmt, {"performer": ["Jane Doe (guitar)"], "performer:piano": "Kim"}
    )
    tags = apev2.APEv2(path) if fmt == "wv" else mutagen.File(path).tags
    assert list(tags["PERFORMER"] if fmt != "wv" else tags["Performer"]) == [
        "Jane Doe (guitar)",
        "Kim (piano)",
    ]


def test_vorbis_recording_and_track_ids(tmp_path: Path) -> None:
    tags = {"musicbrainz_recordingid": MBID_REC, "musicbrainz_trackid": MBID_ALB}
    audio = mutagen.File(make_file(tmp_path / "x.opus", "opus", tags))
    assert audio.tags["MUSICBRAINZ_TRACKID"] == [MBID_REC]
    assert audio.tags["MUSICBRAINZ_RELEASETRACKID"] == [MBID_ALB]


def test_unsupported_field_strict_and_lenient(tmp_path: Path) -> None:
    assert "performer" not in supported_fields("mp4")
    with pytest.raises(ValueError, match="mp4 cannot carry performer"):
        make_file(tmp_path / "a.m4a", "m4a", {"performer": "X (y)"})
    audio = mutagen.File(
        make_file(tmp_path / "b.m4a", "m4a", {"performer": "X (y)", "title": "T"}, strict=False)
    )
    assert audio.tags["©nam"] == ["T"] and len(audio.tags) == 1


def test_total_without_number_mp4(tmp_path: Path) -> None:
    audio = mutagen.File(make_file(tmp_path / "t.m4a", "m4a", {"totaltracks": "9"}))
    assert audio.tags["trkn"] == [(0, 9)]


def test_untagged_zero_byte_and_corrupt(tmp_path: Path) -> None:
    plain = make_untagged(tmp_path / "sub" / "u.flac", "flac")
    assert plain.read_bytes() == (TEMPLATES / "template.flac").read_bytes()
    empty = make_zero_byte(tmp_path / "z.mp3")
    assert empty.stat().st_size == 0
    bad = make_corrupt(tmp_path / "bad.flac", "flac")
    assert bad.read_bytes()[:4] == b"fLaC"
    assert bad.read_bytes() == make_corrupt(tmp_path / "again.flac", "flac").read_bytes()
    with pytest.raises(mutagen.MutagenError):
        mutagen.File(bad)
    with pytest.raises(mutagen.MutagenError):
        mutagen.File(make_corrupt(tmp_path / "bad.ogg", "ogg", "truncated"))
    with pytest.raises(ValueError):
        make_corrupt(tmp_path / "x.flac", "flac", "nonsense")


def test_unknown_format_and_bad_id3_option(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no template"):
        make_file(tmp_path / "a.xyz", "xyz")
    with pytest.raises(ValueError):
        make_file(tmp_path / "a.wav", "wav", {"title": "x"}, id3="v1")
