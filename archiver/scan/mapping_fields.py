"""The field registry: one entry per normalized field, saying its type and the
key(s) that carry it in each tag family (in the spirit of mediafile's one
descriptor per field). Everything else is derived from it: the columns of the
``tags`` table the reader fills (``TAG_COLUMNS``), the type groups ``finalize``
uses, and each family module's lookup table (``family_keys``).

Adding a field = adding one ``Field`` here, a column in a migration and a row in
``docs/tag-mapping.md`` (a test checks the three agree).

Key spelling per family (matching is case-insensitive where the format is):

- ``id3``: a frame ID (``"TIT2"``, v2.2 ``"TT2"``), ``"TXXX:<description>"`` or
  ``"TIPL:<role>"`` (TIPL / IPLS involvement role). Frames that are not plain
  text (TCON genres, COMM, USLT, UFID, TMCL) are listed by ID too; how they are
  read is a named function in ``mapping_id3``.
- ``vorbis``, ``ape``: the comment / item name.
- ``mp4``: an atom (``"©nam"``; ``"trkn"`` / ``"disk"`` pairs feed number and
  total) or ``"----:<name>"`` for a freeform atom of any namespace.
- ``asf``: the attribute name. ``riff``: the INFO chunk ID.

Fields whose name starts with ``_`` are *sources*, not columns: ``finalize``
folds them into a column (lyrics -> ``has_lyrics``, ``ORIGINALYEAR`` ->
``originaldate`` when there is none, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

# Field types: how finalize turns the collected strings into a column value.
TEXT = "text"  # every distinct value joined with "; "
NUMBER = "number"  # first value "3/12" -> 3 (the "/12" feeds the total)
TOTAL = "total"  # first value as an integer; wins over a "/12"
DATE = "date"  # first value as written
YEAR = "year"  # derived: first four-digit year of ``date``
BOOL = "bool"  # 1 / 0 from "1", "yes", "false", ...
FLAG = "flag"  # derived: 1 when its source is present, else 0
FLOAT = "float"  # leading number of "-6.54 dB"
SOURCE = "source"  # not a column: folded into one by finalize

# The SQLite type each column has in the ``tags`` table.
SQL_TYPES: dict[str, str] = {
    TEXT: "TEXT",
    NUMBER: "INTEGER",
    TOTAL: "INTEGER",
    DATE: "TEXT",
    YEAR: "INTEGER",
    BOOL: "INTEGER",
    FLAG: "INTEGER",
    FLOAT: "REAL",
}

FAMILIES = ("id3", "vorbis", "mp4", "asf", "ape", "riff")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: str
    id3: tuple[str, ...] = ()
    vorbis: tuple[str, ...] = ()
    mp4: tuple[str, ...] = ()
    asf: tuple[str, ...] = ()
    ape: tuple[str, ...] = ()
    riff: tuple[str, ...] = ()

    @property
    def column(self) -> bool:
        return self.type != SOURCE


# Pseudo fields (sources) a family may collect; finalize() folds them into real columns.
LYRICS = "_lyrics"  # presence -> has_lyrics
ORIGINALYEAR = "_originalyear"  # fallback for originaldate
DATE_FALLBACK = "_date_fallback"  # e.g. ID3v2.3 TYER when no TDRC
R128_TRACK = "_r128_track_gain"  # Opus R128 gain (Q7.8, -23 LUFS) -> replaygain fallback
R128_ALBUM = "_r128_album_gain"
# Set by mapping_id3's RVA2 reader (one frame gives gain and peak), not by a key.
RVA2_TRACK_GAIN = "_rva2_track_gain"
RVA2_TRACK_PEAK = "_rva2_track_peak"
RVA2_ALBUM_GAIN = "_rva2_album_gain"
RVA2_ALBUM_PEAK = "_rva2_album_peak"


def _mb(name: str, id3_desc: str, vorbis: str, asf: str) -> Field:
    """A MusicBrainz / AcoustID id: TXXX and MP4 freeform share Picard's description."""
    return Field(
        name,
        TEXT,
        id3=(f"TXXX:{id3_desc}",),
        vorbis=(vorbis,),
        mp4=(f"----:{id3_desc}",),
        asf=(asf,),
        ape=(vorbis,),
    )


def _replaygain(name: str) -> Field:
    key = name.upper()
    return Field(
        name,
        FLOAT,
        id3=(f"TXXX:{key}",),
        vorbis=(key,),
        mp4=(f"----:{key}",),
        asf=(key,),
        ape=(key,),
    )


# In table order: the columns of ``tags`` (0001_core.sql), then the sources.
# fmt: off
FIELDS: tuple[Field, ...] = (
    Field("title", TEXT, id3=("TIT2", "TT2"), vorbis=("TITLE",), mp4=("\xa9nam",),
          asf=("Title",), ape=("Title",), riff=("INAM",)),
    Field("artist", TEXT, id3=("TPE1", "TP1"), vorbis=("ARTIST",), mp4=("\xa9ART",),
          asf=("Author",), ape=("Artist",), riff=("IART",)),
    Field("artists", TEXT, id3=("TXXX:ARTISTS",), vorbis=("ARTISTS",), mp4=("----:ARTISTS",),
          asf=("WM/ARTISTS",), ape=("Artists",)),
    Field("album", TEXT, id3=("TALB", "TAL"), vorbis=("ALBUM",), mp4=("\xa9alb",),
          asf=("WM/AlbumTitle",), ape=("Album",), riff=("IPRD",)),
    Field("albumartist", TEXT, id3=("TPE2", "TP2", "TXXX:Album Artist", "TXXX:ALBUMARTIST"),
          vorbis=("ALBUMARTIST", "ALBUM ARTIST", "ALBUM_ARTIST"), mp4=("aART",),
          asf=("WM/AlbumArtist",), ape=("Album Artist", "AlbumArtist", "Album_Artist")),
    Field("artistsort", TEXT, id3=("TSOP", "TSP", "XSOP", "TXXX:ARTISTSORT"),
          vorbis=("ARTISTSORT",), mp4=("soar",), asf=("WM/ArtistSortOrder",), ape=("ArtistSort",)),
    Field("albumartistsort", TEXT, id3=("TSO2", "TS2", "TXXX:ALBUMARTISTSORT"),
          vorbis=("ALBUMARTISTSORT",), mp4=("soaa",), asf=("WM/AlbumArtistSortOrder",),
          ape=("AlbumArtistSort",)),
    Field("tracknumber", NUMBER, id3=("TRCK", "TRK"), vorbis=("TRACKNUMBER",), mp4=("trkn",),
          asf=("WM/TrackNumber",), ape=("Track", "TrackNumber"), riff=("ITRK", "IPRT")),
    Field("totaltracks", TOTAL, vorbis=("TRACKTOTAL", "TOTALTRACKS"), mp4=("trkn",),
          asf=("TotalTracks", "WM/TotalTracks"), ape=("TrackTotal", "TotalTracks")),
    Field("discnumber", NUMBER, id3=("TPOS", "TPA"), vorbis=("DISCNUMBER",), mp4=("disk",),
          asf=("WM/PartOfSet",), ape=("Disc", "DiscNumber")),
    Field("totaldiscs", TOTAL, vorbis=("DISCTOTAL", "TOTALDISCS"), mp4=("disk",),
          asf=("TotalDiscs", "WM/TotalDiscs"), ape=("DiscTotal", "TotalDiscs")),
    Field("date", DATE, id3=("TDRC",), vorbis=("DATE",), mp4=("\xa9day",), asf=("WM/Year",),
          ape=("Year", "Date"), riff=("ICRD",)),
    Field("originaldate", DATE, id3=("TDOR", "XDOR", "TXXX:ORIGINALDATE"),
          vorbis=("ORIGINALDATE",), mp4=("----:ORIGINALDATE",),
          asf=("WM/OriginalReleaseTime",), ape=("OriginalDate",)),
    Field("year", YEAR),
    Field("genre", TEXT, id3=("TCON", "TCO"), vorbis=("GENRE",), mp4=("\xa9gen",),
          asf=("WM/Genre",), ape=("Genre",), riff=("IGNR",)),
    Field("composer", TEXT, id3=("TCOM", "TCM"), vorbis=("COMPOSER",), mp4=("\xa9wrt",),
          asf=("WM/Composer",), ape=("Composer",), riff=("IMUS", "ICMP")),
    Field("lyricist", TEXT, id3=("TEXT", "TXT", "TXXX:LYRICIST"), vorbis=("LYRICIST",),
          mp4=("----:LYRICIST",), asf=("WM/Writer",), ape=("Lyricist",), riff=("IWRI",)),
    Field("conductor", TEXT, id3=("TPE3", "TP3", "TXXX:CONDUCTOR"), vorbis=("CONDUCTOR",),
          mp4=("----:CONDUCTOR",), asf=("WM/Conductor",), ape=("Conductor",)),
    # ID3: TMCL, and every TIPL / IPLS role that is not listed under another field.
    Field("performer", TEXT, id3=("TMCL",), vorbis=("PERFORMER",), mp4=("----:PERFORMER",),
          ape=("Performer",)),
    Field("producer", TEXT, id3=("TIPL:producer", "TXXX:PRODUCER"), vorbis=("PRODUCER",),
          mp4=("----:PRODUCER",), asf=("WM/Producer",), ape=("Producer",)),
    Field("engineer", TEXT, id3=("TIPL:engineer", "TXXX:ENGINEER"), vorbis=("ENGINEER",),
          mp4=("----:ENGINEER",), asf=("WM/Engineer",), ape=("Engineer",), riff=("IENG",)),
    Field("mixer", TEXT, id3=("TIPL:mix", "TIPL:mixer", "TXXX:MIXER"), vorbis=("MIXER",),
          mp4=("----:MIXER",), asf=("WM/Mixer",), ape=("Mixer",)),
    Field("label", TEXT, id3=("TPUB", "TPB", "TXXX:LABEL"),
          vorbis=("LABEL", "ORGANIZATION", "PUBLISHER"), mp4=("----:LABEL",),
          asf=("WM/Publisher",), ape=("Label", "Organization", "Publisher"), riff=("IPUB",)),
    Field("catalognumber", TEXT, id3=("TXXX:CATALOGNUMBER",), vorbis=("CATALOGNUMBER",),
          mp4=("----:CATALOGNUMBER",), asf=("WM/CatalogNo",), ape=("CatalogNumber", "Catalog")),
    Field("barcode", TEXT, id3=("TXXX:BARCODE", "TXXX:UPC"), vorbis=("BARCODE", "UPC"),
          mp4=("----:BARCODE",), asf=("WM/Barcode",), ape=("Barcode", "UPC", "EAN/UPC")),
    Field("isrc", TEXT, id3=("TSRC", "TRC", "TXXX:ISRC"), vorbis=("ISRC",), mp4=("----:ISRC",),
          asf=("WM/ISRC",), ape=("ISRC",)),
    Field("compilation", BOOL, id3=("TCMP", "TCP", "TXXX:COMPILATION"), vorbis=("COMPILATION",),
          mp4=("cpil",), asf=("WM/IsCompilation",), ape=("Compilation",)),
    # ID3: COMM whose description is empty or mutagen's "ID3v1 Comment" (see mapping_id3).
    Field("comment", TEXT, id3=("COMM", "COM"), vorbis=("COMMENT", "DESCRIPTION"),
          mp4=("\xa9cmt",), asf=("Description",), ape=("Comment", "Description"),
          riff=("ICMT",)),
    Field("has_lyrics", FLAG),
    Field("bpm", FLOAT, id3=("TBPM", "TBP", "TXXX:BPM"), vorbis=("BPM",), mp4=("tmpo",),
          asf=("WM/BeatsPerMinute",), ape=("BPM",), riff=("IBPM",)),
    # Picard's swap: "Track Id" is the *recording* (ID3 also UFID:http://musicbrainz.org).
    Field("musicbrainz_recordingid", TEXT,
          id3=("UFID:http://musicbrainz.org", "TXXX:MusicBrainz Track Id"),
          vorbis=("MUSICBRAINZ_TRACKID",), mp4=("----:MusicBrainz Track Id",),
          asf=("MusicBrainz/Track Id",), ape=("MUSICBRAINZ_TRACKID",)),
    _mb("musicbrainz_trackid", "MusicBrainz Release Track Id", "MUSICBRAINZ_RELEASETRACKID",
        "MusicBrainz/Release Track Id"),
    _mb("musicbrainz_albumid", "MusicBrainz Album Id", "MUSICBRAINZ_ALBUMID",
        "MusicBrainz/Album Id"),
    _mb("musicbrainz_artistid", "MusicBrainz Artist Id", "MUSICBRAINZ_ARTISTID",
        "MusicBrainz/Artist Id"),
    _mb("musicbrainz_albumartistid", "MusicBrainz Album Artist Id",
        "MUSICBRAINZ_ALBUMARTISTID", "MusicBrainz/Album Artist Id"),
    _mb("musicbrainz_releasegroupid", "MusicBrainz Release Group Id",
        "MUSICBRAINZ_RELEASEGROUPID", "MusicBrainz/Release Group Id"),
    _mb("acoustid_id", "Acoustid Id", "ACOUSTID_ID", "Acoustid/Id"),
    _replaygain("replaygain_track_gain"),
    _replaygain("replaygain_track_peak"),
    _replaygain("replaygain_album_gain"),
    _replaygain("replaygain_album_peak"),
    # --- sources ---
    Field(LYRICS, SOURCE, id3=("USLT", "SYLT", "ULT", "SLT"), vorbis=("LYRICS", "UNSYNCEDLYRICS"),
          mp4=("\xa9lyr",), asf=("WM/Lyrics",), ape=("Lyrics", "UnsyncedLyrics")),
    Field(ORIGINALYEAR, SOURCE, id3=("TORY", "TOR", "TXXX:ORIGINALYEAR"),
          vorbis=("ORIGINALYEAR",), mp4=("----:ORIGINALYEAR",),
          asf=("WM/OriginalReleaseYear",), ape=("OriginalYear",)),
    Field(DATE_FALLBACK, SOURCE, id3=("TYER", "TYE"), vorbis=("YEAR",), ape=("Record Date",)),
    Field(R128_TRACK, SOURCE, vorbis=("R128_TRACK_GAIN",), ape=("R128_TRACK_GAIN",)),
    Field(R128_ALBUM, SOURCE, vorbis=("R128_ALBUM_GAIN",), ape=("R128_ALBUM_GAIN",)),
)
# fmt: on

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
TAG_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.column)


def names_of(*types: str) -> tuple[str, ...]:
    """Column names of the given types, in table order."""
    return tuple(f.name for f in FIELDS if f.type in types)


def family_keys(family: str, *, fold_case: bool = False) -> dict[str, str]:
    """``{key: field}`` for one family (keys lower-cased with ``fold_case``).
    A key listed by two fields is a registry error, except pairs (MP4 ``trkn``)."""
    out: dict[str, str] = {}
    for f in FIELDS:
        for key in getattr(f, family):
            out.setdefault(key.lower() if fold_case else key, f.name)
    return out


def family_fields(family: str, key: str) -> tuple[str, ...]:
    """Every field a key feeds, in table order (MP4 ``trkn`` -> number and total)."""
    return tuple(f.name for f in FIELDS if key in getattr(f, family))


_HEADINGS = ("ID3v2 (v2.2)", "Vorbis comment", "MP4", "ASF / WMA", "APEv2", "RIFF INFO")


def markdown_table() -> str:
    """The registry as the table in ``docs/tag-mapping.md`` (a test keeps them equal;
    regenerate with ``python -c "from archiver.scan.mapping_fields import
    markdown_table; print(markdown_table(), end='')"``)."""
    lines = [
        "| field | type | " + " | ".join(_HEADINGS) + " |",
        "|---|---|" + "---|" * len(FAMILIES),
    ]
    for f in FIELDS:
        cells = [
            ", ".join(key.replace("|", "\\|") for key in getattr(f, family)) or "—"
            for family in FAMILIES
        ]
        lines.append(f"| {f.name} | {f.type} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
