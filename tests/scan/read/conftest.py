"""Shared tag sets for the reader tests."""

from __future__ import annotations

FULL_TAGS: dict[str, str | list[str]] = {
    "title": "Título ✓ «Song»",
    "artist": "Artist A feat. Artist B",
    "artists": ["Artist A", "Artist B"],
    "album": "Album — Deluxe",
    "albumartist": "Album Artist",
    "artistsort": "A, Artist",
    "albumartistsort": "Artist, Album",
    "tracknumber": "3",
    "totaltracks": "12",
    "discnumber": "1",
    "totaldiscs": "2",
    "date": "2004-05-06",
    "originaldate": "1999-01-02",
    "genre": ["Rock", "Pop"],
    "composer": "Composer",
    "lyricist": "Lyricist",
    "conductor": "Conductor",
    "performer": ["Jane Doe (guitar)", "John Roe (drums)"],
    "producer": "Producer",
    "engineer": "Engineer",
    "mixer": "Mixer",
    "label": "Label",
    "catalognumber": "CAT-001",
    "barcode": "0123456789012",
    "isrc": "USABC0400001",
    "compilation": "1",
    "comment": "A comment",
    "lyrics": "La la la",
    "bpm": "120",
    "musicbrainz_recordingid": "11111111-1111-1111-1111-111111111111",
    "musicbrainz_trackid": "22222222-2222-2222-2222-222222222222",
    "musicbrainz_albumid": "33333333-3333-3333-3333-333333333333",
    "musicbrainz_artistid": "44444444-4444-4444-4444-444444444444",
    "musicbrainz_albumartistid": "55555555-5555-5555-5555-555555555555",
    "musicbrainz_releasegroupid": "66666666-6666-6666-6666-666666666666",
    "acoustid_id": "77777777-7777-7777-7777-777777777777",
    "replaygain_track_gain": "-6.54 dB",
    "replaygain_track_peak": "0.988",
    "replaygain_album_gain": "-7.10 dB",
    "replaygain_album_peak": "1.000000",
}

INT_FIELDS = ("tracknumber", "totaltracks", "discnumber", "totaldiscs")
FLOAT_FIELDS = (
    "bpm",
    "replaygain_track_gain",
    "replaygain_track_peak",
    "replaygain_album_gain",
    "replaygain_album_peak",
)


def expected_columns(tags: dict, supported: set[str], id3_v23: bool = False) -> dict:
    """What the reader must produce for ``tags`` written through a family carrying ``supported``.

    Derived from the input by the documented rules (ints, floats, "; " joins, year from date);
    ID3v2.3 stores multiple values in one frame joined with "/" (mutagen) and the original
    date as a year only (TORY).
    """
    out: dict = {}
    for field, value in tags.items():
        if field not in supported:
            continue
        values = [value] if isinstance(value, str) else list(value)
        if field == "lyrics":
            out["has_lyrics"] = 1
        elif field in INT_FIELDS:
            out[field] = int(values[0])
        elif field in FLOAT_FIELDS:
            out[field] = float(values[0].split()[0])
        elif field == "compilation":
            out[field] = 1
        elif field == "originaldate" and id3_v23:
            out[field] = values[0][:4]
        elif field == "date":
            out[field] = values[0]
            out["year"] = int(values[0][:4])
        else:
            sep = "/" if id3_v23 and field not in ("performer",) else "; "
            out[field] = sep.join(values)
    out.setdefault("has_lyrics", 0)
    return out
