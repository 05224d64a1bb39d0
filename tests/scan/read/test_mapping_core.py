"""finalize() and the value parsers every tag family shares."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archiver.scan import mapping as m


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/12", (3, 12)),
        ("03 / 12", (3, 12)),
        ("3", (3, None)),
        ("3 of 12", (3, 12)),
        ("/12", (None, 12)),
        ("A1", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
        ("99999999999", (None, None)),
    ],
)
def test_parse_number_pair(text, expected):
    assert m.parse_number_pair(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-6.54 dB", -6.54),
        ("+1.20 dB", 1.2),
        ("0,988", 0.988),
        ("1.000000", 1.0),
        (".5", 0.5),
        ("120", 120.0),
        ("1e-3", 0.001),
        ("dB", None),
        ("nan", None),
        ("", None),
    ],
)
def test_parse_float(text, expected):
    assert m.parse_float(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0", 0),
        ("true", 1),
        ("False", 0),
        ("yes", 1),
        ("no", 0),
        ("2", 1),
        ("maybe", None),
        (None, None),
    ],
)
def test_parse_bool(text, expected):
    assert m.parse_bool(text) == expected


@pytest.mark.parametrize(
    ("date", "year"),
    [
        ("1987-03-31", 1987),
        ("2004", 2004),
        ("31/03/1987", 1987),
        ("Oct 3, 1995", 1995),
        ("0000", None),
        ("87", None),
        (None, None),
    ],
)
def test_year_of(date, year):
    assert m.year_of(date) == year


def test_finalize_types_and_joins():
    out = m.finalize(
        {
            "title": ["  Song  "],
            "artist": ["A", "B", "A"],
            "tracknumber": ["3/12"],
            "discnumber": ["1"],
            "totaldiscs": ["2"],
            "date": ["2004-05-06"],
            "compilation": ["1"],
            "bpm": ["120.5"],
            "replaygain_track_gain": ["-6.54 dB"],
            m.LYRICS: ["la la"],
        }
    )
    assert out == {
        "title": "Song",
        "artist": "A; B",
        "tracknumber": 3,
        "totaltracks": 12,
        "discnumber": 1,
        "totaldiscs": 2,
        "date": "2004-05-06",
        "year": 2004,
        "compilation": 1,
        "bpm": 120.5,
        "replaygain_track_gain": -6.54,
        "has_lyrics": 1,
    }
    assert set(out) <= set(m.TAG_COLUMNS)


def test_finalize_explicit_total_wins_over_slash_total():
    out = m.finalize({"tracknumber": ["3/12"], "totaltracks": ["13"]})
    assert (out["tracknumber"], out["totaltracks"]) == (3, 13)


def test_finalize_fallbacks():
    out = m.finalize({m.DATE_FALLBACK: ["1999"], m.ORIGINALYEAR: ["1970"], m.R128_TRACK: ["-512"]})
    assert out["date"] == "1999" and out["year"] == 1999
    assert out["originaldate"] == "1970"
    assert (
        out["replaygain_track_gain"] == 3.0
    )  # -2 dB vs -23 LUFS = +3 dB vs ReplayGain's reference
    assert out["has_lyrics"] == 0


def test_finalize_only_known_columns():
    out = m.finalize({"_wm_track": ["3"], m.RVA2_TRACK_GAIN: ["-2.5"], "title": []})
    assert out == {"replaygain_track_gain": -2.5, "has_lyrics": 0}


def test_finalize_skips_empty_and_nul_values():
    assert m.finalize({"title": ["", " ", "\x00"]}) == {"has_lyrics": 0}


def test_merge_primary_wins_secondary_fills():
    merged = m.merge(
        {"title": "ID3", "has_lyrics": 0}, {"title": "APE", "album": "Alb", "has_lyrics": 1}
    )
    assert merged == {"title": "ID3", "album": "Alb", "has_lyrics": 1}


def test_tag_columns_match_schema():
    import re
    from importlib import resources

    sql = resources.files("archiver.catalog.migrations").joinpath("0001_core.sql").read_text()
    body = sql[sql.index("CREATE TABLE tags") :]
    body = body[: body.index(");")]
    columns = re.findall(r"^\s+([a-z_0-9]+)\s+(?:TEXT|INTEGER|REAL)", body, re.M)
    assert tuple(c for c in columns if c not in ("file_id", "raw")) == m.TAG_COLUMNS


def _png(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = (
        b"\xff\xc0\x00\x11\x08"
        + height.to_bytes(2, "big")
        + width.to_bytes(2, "big")
        + b"\x03"
        + b"\x01\x22\x00" * 3
    )
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_png(300, 200), ("image/png", 300, 200)),
        (_jpeg(640, 480), ("image/jpeg", 640, 480)),
        (b"GIF89a" + (7).to_bytes(2, "little") + (9).to_bytes(2, "little"), ("image/gif", 7, 9)),
        (b"not an image", (None, None, None)),
        (b"\xff\xd8\xff", ("image/jpeg", None, None)),
        (b"", (None, None, None)),
    ],
)
def test_image_info(data, expected):
    assert m.image_info(data) == expected


def test_make_picture_hashes_and_never_keeps_bytes():
    import hashlib

    data = _png(2, 3)
    pic = m.make_picture(data, "front cover", "PNG")
    assert pic.sha256 == hashlib.sha256(data).hexdigest()
    assert (pic.mime, pic.size, pic.width, pic.height) == ("image/png", len(data), 2, 3)
    assert not any(isinstance(v, bytes) for v in vars(pic).values())


def test_picture_type_names():
    assert m.picture_type_name(3) == "front cover"
    assert m.picture_type_name(4) == "back cover"
    assert m.picture_type_name(99) is None
    assert m.picture_type_name(None) is None


def test_clean_text_replaces_lone_surrogates():
    assert m.clean_text("ok") == "ok"
    cleaned = m.clean_text("bad\udcff")
    cleaned.encode("utf-8")
    assert cleaned.startswith("bad")


_FIELD_NAMES = sorted(
    set(m.TAG_COLUMNS)
    | {m.LYRICS, m.ORIGINALYEAR, m.DATE_FALLBACK, m.R128_TRACK, m.R128_ALBUM, m.RVA2_TRACK_GAIN}
)


@given(
    st.dictionaries(
        st.sampled_from(_FIELD_NAMES),
        st.lists(st.text(max_size=40), max_size=4),
        max_size=12,
    )
)
def test_finalize_any_input_gives_typed_columns(values):
    out = m.finalize(values)
    assert set(out) <= set(m.TAG_COLUMNS)
    for column, value in out.items():
        if column in m.TEXT_FIELDS or column in ("date", "originaldate"):
            assert isinstance(value, str) and value == value.strip() and value
        elif column in m.FLOAT_FIELDS:
            assert isinstance(value, float) and value == value
        else:
            assert isinstance(value, int) and not isinstance(value, bool)
            assert 0 <= value <= 2**31 - 1
    assert out["has_lyrics"] in (0, 1)


def test_binary_value_exact_up_to_4_kib_then_size_and_hash():
    import base64
    import hashlib

    small = bytes(range(256)) * 16  # 4096 bytes: kept exactly
    assert m.binary_value(small) == {"base64": base64.b64encode(small).decode("ascii")}
    assert base64.b64decode(m.binary_value(small)["base64"]) == small
    big = small + b"\x00"
    assert m.binary_value(big) == {"size": 4097, "sha256": hashlib.sha256(big).hexdigest()}
    assert m.binary_value(b"", mime="image/png") == {"base64": "", "mime": "image/png"}


def test_cap_raw_leaves_binary_values_alone():
    raw = {"PRIV:x": [m.binary_value(b"\x00" * 10)], "TXXX:y": ["z" * 20]}
    m.cap_raw(raw, limit=5)
    assert raw["PRIV:x"] == [m.binary_value(b"\x00" * 10)]
    assert raw["TXXX:y"][0].startswith("zzzzz<truncated: 20 chars")
