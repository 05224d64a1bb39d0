"""The per-family tables, fed hand-built mutagen tag objects (no audio needed)."""

from __future__ import annotations

import base64
import hashlib
import struct

from mutagen import apev2, asf, flac, id3, mp4

from archiver.scan.mapping import TAG_COLUMNS
from archiver.scan.mapping_ape import normalize_ape, raw_ape
from archiver.scan.mapping_asf import normalize_asf, parse_wm_picture, raw_asf
from archiver.scan.mapping_id3 import id3_version_name, normalize_id3, raw_id3, v23_date
from archiver.scan.mapping_mp4 import freeform_name, normalize_mp4, raw_mp4
from archiver.scan.mapping_vorbis import normalize_vorbis, raw_vorbis

MBID = "8b882575-08a5-4452-a7a7-cbb8a1531f9e"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    + struct.pack(">IIBBBBB", 4, 5, 8, 2, 0, 0, 0)
    + b"\x00\x00\x00\x00"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _only_columns(out: dict) -> None:
    assert set(out) <= set(TAG_COLUMNS)


# --- ID3 ---------------------------------------------------------------------


def _id3(*frames) -> id3.ID3:
    tags = id3.ID3()
    for frame in frames:
        tags.add(frame)
    return tags


def test_id3_v24_text_frames():
    tags = _id3(
        id3.TIT2(encoding=3, text=["Song"]),
        id3.TPE1(encoding=3, text=["A", "B"]),
        id3.TALB(encoding=3, text=["Album"]),
        id3.TPE2(encoding=3, text=["Album Artist"]),
        id3.TSOP(encoding=3, text=["A, The"]),
        id3.TSO2(encoding=3, text=["Artist, Album"]),
        id3.TRCK(encoding=3, text=["3/12"]),
        id3.TPOS(encoding=3, text=["1/2"]),
        id3.TDRC(encoding=3, text=["2004-05-06"]),
        id3.TDOR(encoding=3, text=["1999"]),
        id3.TCOM(encoding=3, text=["Comp"]),
        id3.TEXT(encoding=3, text=["Lyr"]),
        id3.TPE3(encoding=3, text=["Cond"]),
        id3.TPUB(encoding=3, text=["Label"]),
        id3.TSRC(encoding=3, text=["USABC0400001"]),
        id3.TCMP(encoding=3, text=["1"]),
        id3.TBPM(encoding=3, text=["128"]),
    )
    out = normalize_id3(tags)
    _only_columns(out)
    assert out == {
        "title": "Song",
        "artist": "A; B",
        "album": "Album",
        "albumartist": "Album Artist",
        "artistsort": "A, The",
        "albumartistsort": "Artist, Album",
        "tracknumber": 3,
        "totaltracks": 12,
        "discnumber": 1,
        "totaldiscs": 2,
        "date": "2004-05-06",
        "year": 2004,
        "originaldate": "1999",
        "composer": "Comp",
        "lyricist": "Lyr",
        "conductor": "Cond",
        "label": "Label",
        "isrc": "USABC0400001",
        "compilation": 1,
        "bpm": 128.0,
        "has_lyrics": 0,
    }


def test_id3_txxx_as_picard_writes_them():
    descs = {
        "MusicBrainz Release Track Id": "musicbrainz_trackid",
        "MusicBrainz Album Id": "musicbrainz_albumid",
        "MusicBrainz Artist Id": "musicbrainz_artistid",
        "MusicBrainz Album Artist Id": "musicbrainz_albumartistid",
        "MusicBrainz Release Group Id": "musicbrainz_releasegroupid",
        "Acoustid Id": "acoustid_id",
        "CATALOGNUMBER": "catalognumber",
        "BARCODE": "barcode",
    }
    frames = [id3.TXXX(encoding=3, desc=desc, text=[f"v-{i}"]) for i, desc in enumerate(descs)]
    frames.append(id3.TXXX(encoding=3, desc="ARTISTS", text=["A", "B"]))
    frames.append(id3.TXXX(encoding=3, desc="REPLAYGAIN_TRACK_GAIN", text=["-6.54 dB"]))
    frames.append(id3.TXXX(encoding=3, desc="replaygain_album_peak", text=["0.998"]))
    frames.append(id3.TXXX(encoding=3, desc="Something Else", text=["ignored"]))
    out = normalize_id3(_id3(*frames))
    for i, field in enumerate(descs.values()):
        assert out[field] == f"v-{i}"
    assert out["artists"] == "A; B"
    assert out["replaygain_track_gain"] == -6.54
    assert out["replaygain_album_peak"] == 0.998
    assert "Something Else" not in str(out)


def test_id3_ufid_is_the_recording_id_and_other_owners_are_ignored():
    tags = _id3(
        id3.UFID(owner="http://musicbrainz.org", data=MBID.encode()),
        id3.UFID(owner="http://example.com", data=b"other"),
    )
    assert normalize_id3(tags)["musicbrainz_recordingid"] == MBID


def test_id3_numeric_genres():
    assert normalize_id3(_id3(id3.TCON(encoding=0, text=["(17)"])))["genre"] == "Rock"
    assert normalize_id3(_id3(id3.TCON(encoding=0, text=["(17)(13)"])))["genre"] == "Rock; Pop"
    assert normalize_id3(_id3(id3.TCON(encoding=0, text=["17"])))["genre"] == "Rock"
    assert (
        normalize_id3(_id3(id3.TCON(encoding=3, text=["Shoegaze", "Dream Pop"])))["genre"]
        == "Shoegaze; Dream Pop"
    )


def test_id3_credits_tipl_tmcl():
    tags = _id3(
        id3.TIPL(
            encoding=3,
            people=[["producer", "P"], ["engineer", "E"], ["mix", "M"], ["arranger", "Arr"]],
        ),
        id3.TMCL(encoding=3, people=[["guitar", "Jane"], ["drums", "John"]]),
    )
    out = normalize_id3(tags)
    assert out["producer"] == "P"
    assert out["engineer"] == "E"
    assert out["mixer"] == "M"
    assert out["performer"] == "Jane (guitar); John (drums)"


def test_id3_v23_ipls_roles_that_are_instruments_become_performers():
    tags = _id3(id3.IPLS(encoding=1, people=[["producer", "P"], ["piano", "Keys"], ["", "Nobody"]]))
    out = normalize_id3(tags)
    assert out["producer"] == "P"
    assert out["performer"] == "Keys (piano); Nobody"


def test_id3_comments_and_lyrics():
    tags = _id3(
        id3.COMM(encoding=3, lang="eng", desc="", text=["The comment"]),
        id3.COMM(encoding=3, lang="eng", desc="iTunNORM", text=[" 0000"]),
        id3.COMM(encoding=0, lang="eng", desc="ID3v1 Comment", text=["v1 comment"]),
        id3.USLT(encoding=3, lang="eng", desc="", text="words"),
    )
    out = normalize_id3(tags)
    assert out["comment"] == "The comment; v1 comment"
    assert out["has_lyrics"] == 1


def test_id3_v22_three_letter_frames():
    tags = _id3(
        id3.TT2(encoding=0, text=["Old"]),
        id3.TP1(encoding=0, text=["Artist"]),
        id3.TAL(encoding=0, text=["Alb"]),
        id3.TRK(encoding=0, text=["4/9"]),
        id3.TPA(encoding=0, text=["2"]),
        id3.TYE(encoding=0, text=["1998"]),
        id3.TCO(encoding=0, text=["(8)"]),
        id3.TCM(encoding=0, text=["Comp"]),
        id3.TXX(encoding=0, desc="MusicBrainz Album Id", text=[MBID]),
        id3.COM(encoding=0, lang="eng", desc="", text=["c"]),
        id3.ULT(encoding=0, lang="eng", desc="", text="l"),
        id3.UFI(owner="http://musicbrainz.org", data=MBID.encode()),
    )
    out = normalize_id3(tags)
    assert out["title"] == "Old"
    assert out["artist"] == "Artist"
    assert out["album"] == "Alb"
    assert (out["tracknumber"], out["totaltracks"], out["discnumber"]) == (4, 9, 2)
    assert (out["date"], out["year"]) == ("1998", 1998)
    assert out["genre"] == "Jazz"
    assert out["composer"] == "Comp"
    assert out["musicbrainz_albumid"] == MBID
    assert out["musicbrainz_recordingid"] == MBID
    assert out["comment"] == "c"
    assert out["has_lyrics"] == 1


def test_id3_v23_frames_without_upgrade():
    tags = _id3(id3.TYER(encoding=0, text=["2001"]), id3.TORY(encoding=0, text=["1975"]))
    out = normalize_id3(tags)
    assert (out["date"], out["year"], out["originaldate"]) == ("2001", 2001, "1975")


def test_id3_v23_tyer_tdat_time_make_one_date():
    tags = _id3(
        id3.TYER(encoding=0, text=["2001"]),
        id3.TDAT(encoding=0, text=["0503"]),
        id3.TIME(encoding=0, text=["1430"]),
    )
    assert normalize_id3(tags)["date"] == "2001-03-05T14:30:00"
    raw, _ = raw_id3(tags)  # the frames stay as the file holds them
    assert (raw["TYER"], raw["TDAT"], raw["TIME"]) == (["2001"], ["0503"], ["1430"])


def test_v23_date_rules():
    assert v23_date("2001") == "2001"
    assert v23_date("2001", "0503") == "2001-03-05"
    assert v23_date("2001", "0503", "0905") == "2001-03-05T09:05:00"
    assert v23_date("2001", "", "0905") == "2001"  # a time without a day means nothing
    assert v23_date("2001-02-03", "xx") == "2001-02-03"
    assert v23_date("2001", "53") == "2001"  # malformed TDAT is ignored
    assert v23_date("01") == ""  # not a year: the caller keeps the text
    assert v23_date(" 1999 ", " 3112 ") == "1999-12-31"


def test_id3_v23_unusual_year_text_is_kept():
    tags = _id3(id3.TYER(encoding=0, text=["c. 1970"]), id3.TDAT(encoding=0, text=["0101"]))
    assert normalize_id3(tags)["date"] == "c. 1970"


def test_id3_tdrc_wins_over_tyer():
    tags = _id3(id3.TYER(encoding=0, text=["2001"]), id3.TDRC(encoding=0, text=["2002-01-01"]))
    assert normalize_id3(tags)["date"] == "2002-01-01"


def test_id3_rva2_is_a_replaygain_fallback():
    tags = _id3(id3.RVA2(desc="track", channel=1, gain=-2.5, peak=0.5))
    out = normalize_id3(tags)
    assert out["replaygain_track_gain"] == -2.5
    assert out["replaygain_track_peak"] == 0.5
    tags.add(id3.TXXX(encoding=3, desc="REPLAYGAIN_TRACK_GAIN", text=["-1.00 dB"]))
    assert normalize_id3(tags)["replaygain_track_gain"] == -1.0


def test_id3v1_frames_from_mutagen_parser():
    block = (
        b"TAG"
        + b"Title".ljust(30, b"\x00")
        + b"Artist".ljust(30, b"\x00")
        + b"Album".ljust(30, b"\x00")
        + b"1994"
        + b"A comment".ljust(28, b"\x00")
        + b"\x00\x07"
        + bytes([17])
    )
    frames = id3.ParseID3v1(block)
    out = normalize_id3(frames)
    assert out["title"] == "Title"
    assert out["comment"] == "A comment"
    assert out["tracknumber"] == 7
    assert out["genre"] == "Rock"
    assert out["year"] == 1994


def test_id3_raw_keeps_every_frame_and_binary_exactly():
    tags = _id3(
        id3.TIT2(encoding=3, text=["Song"]),
        id3.TXXX(encoding=3, desc="Custom", text=["x", "y"]),
        id3.APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=PNG),
        id3.PRIV(owner="owner", data=b"\x00\x01\x02"),
        id3.UFID(owner="http://musicbrainz.org", data=MBID.encode()),
        id3.TIPL(encoding=3, people=[["producer", "P"]]),
        id3.WOAR(url="http://example.com"),
        id3.POPM(email="a@b", rating=128, count=3),
    )
    raw, pictures = raw_id3(tags)
    assert raw["TIT2"] == ["Song"]
    assert raw["TXXX:Custom"] == ["x", "y"]
    assert raw["APIC:Cover"] == [
        {"base64": _b64(PNG), "mime": "image/png", "type": 3, "desc": "Cover"}
    ]
    assert [v for k, v in raw.items() if k.startswith("PRIV:owner")] == [
        [{"base64": _b64(b"\x00\x01\x02")}]
    ]
    assert raw["UFID:http://musicbrainz.org"] == [MBID]
    assert raw["TIPL"] == ["producer: P"]
    assert raw["WOAR:http://example.com"] == ["http://example.com"]
    assert any(k.startswith("POPM") for k in raw)
    assert len(pictures) == 1
    assert (pictures[0].picture_type, pictures[0].mime, pictures[0].width, pictures[0].height) == (
        "front cover",
        "image/png",
        4,
        5,
    )
    import json

    json.dumps(raw)


def test_id3_version_names():
    assert id3_version_name((2, 4, 0)) == "ID3v2.4"
    assert id3_version_name((2, 3, 0)) == "ID3v2.3"
    assert id3_version_name((2, 2, 0)) == "ID3v2.2"
    assert id3_version_name((1, 1)) == "ID3v1"


# --- Vorbis ------------------------------------------------------------------


def test_vorbis_picard_names_and_case_insensitive_keys():
    tags = flac.VCFLACDict()
    tags["TITLE"] = ["Song"]
    tags["artist"] = ["A", "B"]
    tags["Artists"] = ["A", "B"]
    tags["ALBUMARTIST"] = ["AA"]
    tags["TRACKNUMBER"] = ["3"]
    tags["TRACKTOTAL"] = ["12"]
    tags["DISCNUMBER"] = ["1/2"]
    tags["DATE"] = ["2004"]
    tags["ORIGINALDATE"] = ["1999-09-09"]
    tags["GENRE"] = ["Rock", "Pop"]
    tags["PERFORMER"] = ["Jane (guitar)"]
    tags["MUSICBRAINZ_TRACKID"] = ["rec"]
    tags["MUSICBRAINZ_RELEASETRACKID"] = ["trk"]
    tags["COMPILATION"] = ["1"]
    tags["LYRICS"] = ["la"]
    tags["REPLAYGAIN_TRACK_GAIN"] = ["-3.00 dB"]
    tags["ORGANIZATION"] = ["Label"]
    out = normalize_vorbis(tags)
    _only_columns(out)
    assert out["title"] == "Song"
    assert out["artist"] == "A; B"
    assert out["artists"] == "A; B"
    assert out["albumartist"] == "AA"
    assert (out["tracknumber"], out["totaltracks"], out["discnumber"], out["totaldiscs"]) == (
        3,
        12,
        1,
        2,
    )
    assert out["originaldate"] == "1999-09-09"
    assert out["genre"] == "Rock; Pop"
    assert out["performer"] == "Jane (guitar)"
    assert out["musicbrainz_recordingid"] == "rec"
    assert out["musicbrainz_trackid"] == "trk"
    assert out["compilation"] == 1
    assert out["has_lyrics"] == 1
    assert out["replaygain_track_gain"] == -3.0
    assert out["label"] == "Label"


def test_vorbis_totaltracks_alias_and_album_artist_spelling():
    out = normalize_vorbis(
        {"TOTALTRACKS": ["9"], "TRACKNUMBER": ["1"], "ALBUM ARTIST": ["X"], "DISCTOTAL": ["3"]}
    )
    assert (out["tracknumber"], out["totaltracks"], out["totaldiscs"], out["albumartist"]) == (
        1,
        9,
        3,
        "X",
    )


def test_vorbis_opus_r128_gain_fallback():
    out = normalize_vorbis([("R128_TRACK_GAIN", "-1280"), ("R128_ALBUM_GAIN", "0")])
    assert out["replaygain_track_gain"] == 0.0
    assert out["replaygain_album_gain"] == 5.0


def test_vorbis_raw_keeps_block_pictures_as_binary():
    pic = flac.Picture()
    pic.type, pic.mime, pic.width, pic.height, pic.data = 4, "image/png", 4, 5, PNG
    encoded = base64.b64encode(pic.write()).decode("ascii")
    raw, pictures = raw_vorbis([("TITLE", "x"), ("METADATA_BLOCK_PICTURE", encoded)])
    assert raw["TITLE"] == ["x"]
    assert raw["METADATA_BLOCK_PICTURE"] == [{"base64": encoded}]
    assert [(p.picture_type, p.mime, p.width, p.height, p.size) for p in pictures] == [
        ("back cover", "image/png", 4, 5, len(PNG))
    ]


def test_vorbis_broken_block_picture_is_skipped():
    raw, pictures = raw_vorbis([("METADATA_BLOCK_PICTURE", "!!!not base64")])
    assert pictures == [] and "METADATA_BLOCK_PICTURE" in raw


# --- MP4 ---------------------------------------------------------------------


def _mp4(**atoms) -> mp4.MP4Tags:
    tags = mp4.MP4Tags()
    for key, value in atoms.items():
        tags[key] = value
    return tags


def test_mp4_atoms_and_freeform():
    it = "----:com.apple.iTunes:"
    tags = mp4.MP4Tags()
    tags["\xa9nam"] = ["Song"]
    tags["\xa9ART"] = ["A"]
    tags["aART"] = ["AA"]
    tags["\xa9alb"] = ["Alb"]
    tags["trkn"] = [(3, 12)]
    tags["disk"] = [(1, 0)]
    tags["\xa9day"] = ["2004-05-06T00:00:00Z"]
    tags["\xa9gen"] = ["Rock"]
    tags["\xa9wrt"] = ["Comp"]
    tags["cpil"] = True
    tags["tmpo"] = [120]
    tags["\xa9lyr"] = ["words"]
    tags["soar"] = ["A, The"]
    tags[it + "MusicBrainz Track Id"] = [mp4.MP4FreeForm(b"rec")]
    tags[it + "MusicBrainz Release Track Id"] = [mp4.MP4FreeForm(b"trk")]
    tags[it + "ARTISTS"] = [mp4.MP4FreeForm(b"A"), mp4.MP4FreeForm(b"B")]
    tags[it + "LABEL"] = [mp4.MP4FreeForm("Läbel".encode())]
    tags[it + "replaygain_track_gain"] = [mp4.MP4FreeForm(b"-6.00 dB")]
    tags[it + "iTunNORM"] = [mp4.MP4FreeForm(b" 0000")]
    out = normalize_mp4(tags)
    _only_columns(out)
    assert out["title"] == "Song"
    assert (out["tracknumber"], out["totaltracks"], out["discnumber"]) == (3, 12, 1)
    assert "totaldiscs" not in out
    assert out["year"] == 2004
    assert out["compilation"] == 1
    assert out["bpm"] == 120.0
    assert out["has_lyrics"] == 1
    assert out["musicbrainz_recordingid"] == "rec"
    assert out["musicbrainz_trackid"] == "trk"
    assert out["artists"] == "A; B"
    assert out["label"] == "Läbel"
    assert out["replaygain_track_gain"] == -6.0
    assert out["artistsort"] == "A, The"


def test_mp4_freeform_name():
    assert freeform_name("----:com.apple.iTunes:MusicBrainz Album Id") == "musicbrainz album id"
    assert freeform_name("----:org.example:LABEL") == "label"


def test_mp4_raw_and_covers():
    tags = _mp4(
        covr=[mp4.MP4Cover(PNG, imageformat=mp4.MP4Cover.FORMAT_PNG)],
        trkn=[(2, 9)],
        cpil=False,
    )
    tags["----:com.apple.iTunes:Encoding Params"] = [mp4.MP4FreeForm(b"\xff\xfe\x00", dataformat=0)]
    raw, pictures = raw_mp4(tags)
    assert raw["covr"] == [{"base64": _b64(PNG)}]
    assert raw["trkn"] == ["2/9"]
    assert raw["cpil"] == ["0"]
    assert raw["----:com.apple.iTunes:Encoding Params"] == [{"base64": _b64(b"\xff\xfe\x00")}]
    assert [(p.picture_type, p.mime, p.width) for p in pictures] == [
        ("front cover", "image/png", 4)
    ]


# --- ASF ---------------------------------------------------------------------


def _wm_picture(ptype: int = 3, data: bytes = PNG) -> bytes:
    return (
        struct.pack("<bI", ptype, len(data))
        + "image/png".encode("utf-16-le")
        + b"\x00\x00"
        + "desc".encode("utf-16-le")
        + b"\x00\x00"
        + data
    )


def test_asf_picard_names():
    tags = asf.ASFTags()
    tags["Title"] = ["Song"]
    tags["Author"] = ["A"]
    tags["WM/ARTISTS"] = ["A", "B"]
    tags["WM/AlbumTitle"] = ["Alb"]
    tags["WM/AlbumArtist"] = ["AA"]
    tags["WM/TrackNumber"] = [asf.ASFDWordAttribute(3)]
    tags["TotalTracks"] = ["12"]
    tags["WM/PartOfSet"] = ["1/2"]
    tags["WM/Year"] = ["2004"]
    tags["WM/OriginalReleaseTime"] = ["1999-01-01"]
    tags["WM/Genre"] = ["Rock"]
    tags["WM/Writer"] = ["Lyr"]
    tags["WM/IsCompilation"] = [asf.ASFBoolAttribute(True)]
    tags["WM/Lyrics"] = ["la"]
    tags["WM/BeatsPerMinute"] = [asf.ASFDWordAttribute(99)]
    tags["MusicBrainz/Track Id"] = ["rec"]
    tags["MusicBrainz/Release Track Id"] = ["trk"]
    tags["Acoustid/Id"] = ["aid"]
    tags["Description"] = ["comment"]
    out = normalize_asf(tags)
    _only_columns(out)
    assert out["artists"] == "A; B"
    assert (out["tracknumber"], out["totaltracks"], out["discnumber"], out["totaldiscs"]) == (
        3,
        12,
        1,
        2,
    )
    assert out["originaldate"] == "1999-01-01"
    assert out["lyricist"] == "Lyr"
    assert out["compilation"] == 1
    assert out["has_lyrics"] == 1
    assert out["bpm"] == 99.0
    assert (out["musicbrainz_recordingid"], out["musicbrainz_trackid"], out["acoustid_id"]) == (
        "rec",
        "trk",
        "aid",
    )
    assert out["comment"] == "comment"


def test_asf_zero_based_wm_track_only_as_fallback():
    tags = asf.ASFTags()
    tags["WM/Track"] = [asf.ASFDWordAttribute(4)]
    assert normalize_asf(tags)["tracknumber"] == 5
    tags["WM/TrackNumber"] = ["7"]
    assert normalize_asf(tags)["tracknumber"] == 7


def test_asf_wm_picture():
    pic = parse_wm_picture(_wm_picture(4))
    assert (pic.picture_type, pic.mime, pic.size, pic.width, pic.height) == (
        "back cover",
        "image/png",
        len(PNG),
        4,
        5,
    )
    assert parse_wm_picture(b"\x03") is None
    tags = asf.ASFTags()
    tags["WM/Picture"] = [asf.ASFByteArrayAttribute(_wm_picture())]
    raw, pictures = raw_asf(tags)
    assert raw["WM/Picture"] == [{"base64": _b64(_wm_picture())}]
    assert len(pictures) == 1
    tags["WM/Blob"] = [asf.ASFByteArrayAttribute(b"\x01" * 5000)]
    tags["WM/MediaClassPrimaryID"] = [asf.ASFGUIDAttribute(b"\x02" * 16)]
    raw, _ = raw_asf(tags)
    assert raw["WM/Blob"] == [{"size": 5000, "sha256": hashlib.sha256(b"\x01" * 5000).hexdigest()}]
    assert raw["WM/MediaClassPrimaryID"] == ["02" * 16]  # a GUID stays hex text


# --- APEv2 -------------------------------------------------------------------


def test_ape_picard_names():
    tags = apev2.APEv2()
    tags["Title"] = "Song"
    tags["Artist"] = ["A", "B"]
    tags["Album Artist"] = "AA"
    tags["Track"] = "3/12"
    tags["Disc"] = "1/2"
    tags["Year"] = "2004-05-06"
    tags["Performer"] = ["Jane (guitar)", "John (drums)"]
    tags["MUSICBRAINZ_TRACKID"] = "rec"
    tags["MUSICBRAINZ_RELEASETRACKID"] = "trk"
    tags["CatalogNumber"] = "CAT"
    tags["Lyrics"] = "la"
    tags["REPLAYGAIN_ALBUM_GAIN"] = "-1.5 dB"
    tags["Compilation"] = "1"
    out = normalize_ape(tags)
    _only_columns(out)
    assert out["artist"] == "A; B"
    assert out["albumartist"] == "AA"
    assert (out["tracknumber"], out["totaltracks"], out["discnumber"], out["totaldiscs"]) == (
        3,
        12,
        1,
        2,
    )
    assert (out["date"], out["year"]) == ("2004-05-06", 2004)
    assert out["performer"] == "Jane (guitar); John (drums)"
    assert (out["musicbrainz_recordingid"], out["musicbrainz_trackid"]) == ("rec", "trk")
    assert out["catalognumber"] == "CAT"
    assert out["has_lyrics"] == 1
    assert out["replaygain_album_gain"] == -1.5
    assert out["compilation"] == 1


def test_ape_cover_art_and_binary_items():
    tags = apev2.APEv2()
    tags["Title"] = "x"
    tags["Cover Art (Back)"] = apev2.APEValue(b"back.png\x00" + PNG, apev2.BINARY)
    tags["Blob"] = apev2.APEValue(b"\x00\x01", apev2.BINARY)
    raw, pictures = raw_ape(tags)
    assert raw["Title"] == ["x"]
    assert raw["Blob"] == [{"base64": _b64(b"\x00\x01")}]
    assert raw["Cover Art (Back)"] == [{"base64": _b64(b"back.png\x00" + PNG)}]
    assert [(p.picture_type, p.mime, p.size) for p in pictures] == [
        ("back cover", "image/png", len(PNG))
    ]
    assert normalize_ape(tags) == {"title": "x", "has_lyrics": 0}


def test_mp4_binary_freeform_that_decodes_as_utf8_is_still_binary():
    tags = mp4.MP4Tags()
    tags["----:com.apple.iTunes:Encoding Params"] = [
        mp4.MP4FreeForm(b"vers\x00\x00\x00\x01acbf", dataformat=0)
    ]
    tags["----:com.apple.iTunes:Note"] = [mp4.MP4FreeForm(b"plain text", dataformat=0)]
    raw, _ = raw_mp4(tags)
    assert raw["----:com.apple.iTunes:Encoding Params"] == [
        {"base64": _b64(b"vers\x00\x00\x00\x01acbf")}
    ]
    assert raw["----:com.apple.iTunes:Note"] == ["plain text"]


def test_large_binary_frames_keep_size_and_hash():
    big = PNG + b"\x00" * 5000
    digest = hashlib.sha256(big).hexdigest()
    raw, pictures = raw_id3(
        _id3(
            id3.APIC(encoding=3, mime="image/png", type=3, desc="Big", data=big),
            id3.PRIV(owner="o", data=b"\x07" * 4097),
        )
    )
    assert raw["APIC:Big"] == [
        {"size": len(big), "sha256": digest, "mime": "image/png", "type": 3, "desc": "Big"}
    ]
    assert pictures[0].sha256 == digest
    (priv,) = [v for k, v in raw.items() if k.startswith("PRIV:o")]
    assert priv == [{"size": 4097, "sha256": hashlib.sha256(b"\x07" * 4097).hexdigest()}]
    tags = _mp4(covr=[mp4.MP4Cover(big, imageformat=mp4.MP4Cover.FORMAT_PNG)])
    assert raw_mp4(tags)[0]["covr"] == [{"size": len(big), "sha256": digest}]


def test_undecodable_text_is_kept_as_bytes_not_mangled():
    raw, _ = raw_id3(_id3(id3.UFID(owner="http://example.org", data=b"\xff\x00id")))
    assert raw["UFID:http://example.org"] == [{"base64": _b64(b"\xff\x00id")}]
    tags = mp4.MP4Tags()
    tags["----:com.apple.iTunes:Bad"] = [mp4.MP4FreeForm(b"a\xffb", dataformat=1)]
    tags["----:com.apple.iTunes:Good"] = [mp4.MP4FreeForm("é".encode(), dataformat=1)]
    raw, _ = raw_mp4(tags)
    assert raw["----:com.apple.iTunes:Bad"] == [{"base64": _b64(b"a\xffb")}]
    assert raw["----:com.apple.iTunes:Good"] == ["é"]
