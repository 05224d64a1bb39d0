"""The shared query language: text a user types -> a SQL ``WHERE`` expression.

Used by ``archiver export``, ``ls``, ``stats`` and the TUI's ``/`` filter, so a
query means the same thing everywhere. Pure: no database access here.

Interface (other modules code against exactly this)::

    class QueryError(ValueError)       # .message, .position (character offset); str() is one line
    @dataclass class CompiledQuery     # .where: SQL boolean over TRACKS_FROM's aliases ("1" when empty)
                                       # .params: list of bound values for the ? in .where
    TRACKS_FROM: str                   # "files AS f JOIN tags AS t ... LEFT JOIN matches AS m ..."
    compile_query(text: str) -> CompiledQuery
    COLUMNS: dict[str, Column]         # every exported column: SQL expression and kind
    FIELDS: dict[str, str]             # every name usable as ``field:`` -> canonical name
    join_query_args(args) -> str       # shell argv -> query text, keeping what the shell unquoted

Use it as ``SELECT ... FROM {TRACKS_FROM} WHERE {q.where}`` with ``q.params``.
Every join in ``TRACKS_FROM`` is one-to-one (primary keys), so it never
multiplies rows; multi-valued MusicBrainz data are correlated subqueries.

The language (see docs/query.md):

- free words, AND-ed, each matching the start of a word in artist, album
  artist, album, title, genre, composer or path (FTS5): ``beat`` finds
  "Beatles"; ``"abbey road"`` is a phrase.
- ``field:value``: substring for text; exact for numbers;
  ``field:"quoted phrase"``; ``field:=value`` exact text (ASCII case only).
- free words and ``field:value`` fold case and accents alike (``fold()`` in
  db.py, a transliteration): ``bjork`` and ``artist:bjork`` find "Björk",
  ``nordurljos`` finds "Nørðurljós".
- ranges on numbers and dates: ``year:1965..1969``, ``length:..120``,
  ``bitrate:320..`` (kbps), ``date:2001-01..2001-06``, ``size:10MB..``.
- ``missing:yes|no``, ``lossless:yes|no``,
  ``status:matched|ambiguous|unmatched|error|none``, ``has:FIELD``.
- ``decode:ok|error|unsupported|none``, ``quality:transcode|...|none``,
  ``cutoff:..17000``, ``analyzed:yes|no`` (``archiver analyze``; a stale
  analysis, of a file changed since, reads as none).
- ``-term`` or ``NOT term`` negates; ``OR`` between terms (AND binds tighter).

Values are always bound parameters; free words become quoted FTS5 strings, so
no user input can change the SQL or raise an FTS5 syntax error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from archiver.catalog import cover_sql
from archiver.catalog.analysis import CURRENT as _CURRENT_ANALYSIS
from archiver.catalog.analysis import DECODES, QUALITIES
from archiver.catalog.db import fold
from archiver.errors import UsageError

__all__ = [
    "COLUMNS",
    "FIELDS",
    "TRACKS_FROM",
    "Column",
    "CompiledQuery",
    "QueryError",
    "compile_query",
    "format_words",
    "join_query_args",
]

MAX_TERMS = 1000  # far beyond any typed query; keeps SQLite's parameter and depth limits away


class QueryError(UsageError, ValueError):
    """A query that cannot be understood; ``position`` is the offset of the bad part."""

    def __init__(self, message: str, position: int = 0, text: str = "") -> None:
        self.message = message
        self.position = position
        self.text = text
        super().__init__(message)

    def __str__(self) -> str:
        if not self.text:
            return f"bad query: {self.message}"
        bad = (
            self.text[self.position :].split(None, 1)[0]
            if self.text[self.position :].strip()
            else ""
        )
        if not bad:
            return f"bad query at the end of {self.text.strip()[-40:]!r}: {self.message}"
        if len(bad) > 40:
            bad = bad[:37] + "..."
        return f"bad query at character {self.position + 1} ({bad!r}): {self.message}"


@dataclass
class CompiledQuery:
    where: str = "1"
    params: list = field(default_factory=list)


# ---------------------------------------------------------------------------
# Columns: every exported column, its SQL over TRACKS_FROM, and its kind.

TRACKS_FROM = (
    "files AS f JOIN tags AS t ON t.file_id = f.id"
    " LEFT JOIN matches AS m ON m.file_id = f.id"
    " LEFT JOIN mb_recordings AS mbrec ON mbrec.mbid = m.recording_mbid"
    " LEFT JOIN mb_tracks AS mbtrk ON mbtrk.mbid = m.track_mbid"
    " LEFT JOIN mb_releases AS mbrel ON mbrel.mbid = m.release_mbid"
    # Only an analysis of the file as catalogued: a stale one reads as none.
    f" LEFT JOIN analysis AS an ON an.file_id = f.id AND {_CURRENT_ANALYSIS}"
)


def _joined(select: str, key: str) -> str:
    """A "; "-joined correlated list, in the order the inner SELECT gives;
    skipped outright for tracks without the MusicBrainz id it hangs on."""
    return f"CASE WHEN {key} IS NOT NULL THEN (SELECT group_concat(v, '; ') FROM ({select})) END"


_PERFORMER = (
    "c.artist_name || CASE WHEN c.attributes != '' "
    "THEN ' (' || replace(c.attributes, '; ', ', ') || ')' ELSE '' END"
)


@dataclass(frozen=True)
class Column:
    """One exported column. ``kind`` drives both the query semantics and the
    writers: text, date (text with ranges), int, real, length (seconds),
    kbps, size (bytes), bool, status, choice (one of a few words)."""

    name: str
    sql: str
    kind: str
    doc: str


_COLUMN_LIST = [
    Column("path", "f.path", "text", "absolute path (\\xNN escapes for bytes that are not UTF-8)"),
    Column(
        "format", "f.format", "text", "container: mp3, flac, ogg, opus, mp4, wav, aiff, asf, ..."
    ),
    Column("codec", "f.codec", "text", "codec: mp3, flac, vorbis, opus, aac, alac, pcm, wma, ..."),
    Column("title", "t.title", "text", "track title"),
    Column("artist", "t.artist", "text", "track artist"),
    Column("albumartist", "t.albumartist", "text", "album artist"),
    Column("album", "t.album", "text", "album title"),
    Column("tracknumber", "t.tracknumber", "int", "track number"),
    Column("totaltracks", "t.totaltracks", "int", "tracks on the disc"),
    Column("discnumber", "t.discnumber", "int", "disc number"),
    Column("totaldiscs", "t.totaldiscs", "int", "discs in the release"),
    Column("date", "t.date", "date", "release date as tagged (YYYY, YYYY-MM or YYYY-MM-DD)"),
    Column("originaldate", "t.originaldate", "date", "original release date"),
    Column("genre", "t.genre", "text", "genre(s)"),
    Column("composer", "t.composer", "text", "composer(s)"),
    Column("label", "t.label", "text", "record label(s)"),
    Column("catalognumber", "t.catalognumber", "text", "catalogue number(s)"),
    Column("barcode", "t.barcode", "text", "barcode"),
    Column("isrc", "t.isrc", "text", "ISRC(s)"),
    Column("length", "f.duration", "length", "duration in seconds"),
    Column(
        "bitrate",
        "CAST(round(f.bitrate / 1000.0) AS INTEGER)",
        "kbps",
        "bit rate in kbit/s (rounded)",
    ),
    Column("sample_rate", "f.sample_rate", "int", "sample rate in Hz"),
    Column("channels", "f.channels", "int", "audio channels"),
    Column("bits_per_sample", "f.bits_per_sample", "int", "bits per sample (lossless formats)"),
    Column(
        "lossless",
        "f.lossless",
        "bool",
        "true for lossless codecs, false for lossy, empty if unknown",
    ),
    Column("size", "f.size", "size", "file size in bytes"),
    Column("mtime", "f.mtime", "date", "file modification time, ISO 8601 UTC"),
    Column("missing", "f.missing", "bool", "true when the file was gone at the last scan"),
    Column(
        "match_status",
        "m.status",
        "status",
        "MusicBrainz match: matched, ambiguous, unmatched, error",
    ),
    Column("match_score", "m.score", "real", "match score 0..1"),
    Column("match_source", "m.source", "text", "who decided the match: auto (enrich) or user"),
    Column("mb_recording_id", "m.recording_mbid", "text", "MusicBrainz recording id"),
    Column("mb_release_id", "m.release_mbid", "text", "MusicBrainz release id"),
    Column("mb_artist", "mbrec.artist_credit", "text", "recording artist credit on MusicBrainz"),
    Column(
        "mb_title", "COALESCE(mbrec.title, mbtrk.title)", "text", "recording title on MusicBrainz"
    ),
    Column("mb_album", "mbrel.title", "text", "release title on MusicBrainz"),
    Column("mb_date", "mbrel.date", "date", "release date on MusicBrainz"),
    Column(
        "mb_label",
        _joined(
            "SELECT label_name AS v FROM mb_release_labels"
            " WHERE release_mbid = m.release_mbid ORDER BY position",
            "m.release_mbid",
        ),
        "text",
        "release label(s) on MusicBrainz",
    ),
    Column(
        "mb_catalognumber",
        _joined(
            "SELECT catalog_number AS v FROM mb_release_labels"
            " WHERE release_mbid = m.release_mbid ORDER BY position",
            "m.release_mbid",
        ),
        "text",
        "catalogue number(s) on MusicBrainz",
    ),
    Column("mb_barcode", "mbrel.barcode", "text", "release barcode on MusicBrainz"),
    Column(
        "mb_isrcs",
        _joined(
            "SELECT isrc AS v FROM mb_recording_isrcs WHERE recording_mbid = m.recording_mbid ORDER BY isrc",
            "m.recording_mbid",
        ),
        "text",
        "ISRCs of the recording on MusicBrainz",
    ),
    Column(
        "producers",
        _joined(
            "SELECT c.artist_name AS v FROM mb_credits AS c WHERE c.recording_mbid = m.recording_mbid"
            " AND c.role = 'producer' GROUP BY c.artist_name ORDER BY min(c.id)",
            "m.recording_mbid",
        ),
        "text",
        "producers credited on MusicBrainz",
    ),
    Column(
        "performers",
        _joined(
            f"SELECT {_PERFORMER} AS v FROM mb_credits AS c WHERE c.recording_mbid = m.recording_mbid"
            " AND c.role = 'performer' GROUP BY v ORDER BY min(c.id)",
            "m.recording_mbid",
        ),
        "text",
        'performers on MusicBrainz, "Name (instrument, ...)"',
    ),
    Column(
        "path_bytes_hex",
        "CASE WHEN CAST(f.path_bytes AS TEXT) = f.path THEN '' ELSE hex(f.path_bytes) END",
        "text",
        "empty when path is exact; else the path's exact bytes in hex (path is then a display form)",
    ),
    Column(
        "sha256",
        "f.sha256",
        "text",
        "SHA-256 of the whole file when checksummed (as sha256sum prints it)",
    ),
    Column(
        "decode",
        "an.decode",
        "choice",
        "`archiver analyze`'s decode check: ok, error, unsupported; empty if not analysed",
    ),
    Column("decode_detail", "an.decode_detail", "text", "the first decode problem and where"),
    Column(
        "quality",
        "an.quality",
        "choice",
        "lossless, transcode, upsampled, padded-bits, lossy, unknown; empty if no verdict",
    ),
    Column("quality_detail", "an.quality_detail", "text", "why, e.g. the likely lossy source"),
    Column("cutoff_hz", "an.cutoff_hz", "int", "where the spectrum's content ends, in Hz"),
    Column(
        "analyzed_at",
        "an.analyzed_at",
        "date",
        "when the file was analysed, ISO 8601 UTC; empty if never or changed since",
    ),
]
COLUMNS: dict[str, Column] = {c.name: c for c in _COLUMN_LIST}

# Fields beyond the exported columns: queryable, and selectable by name
# (``ls --format '{year}'``, ``export --columns year``) but not in the default export.
_NAME = "substr(f.path, length(rtrim(f.path, replace(f.path, '/', ''))) + 1)"
# rtrim by every character but the dots leaves the name up to its last dot.
_TO_LAST_DOT = f"rtrim({_NAME}, replace({_NAME}, '.', ''))"
_EXT = (
    f"CASE WHEN length({_TO_LAST_DOT}) > 1"
    f" THEN lower(substr({_NAME}, length({_TO_LAST_DOT}) + 1)) ELSE '' END"
)
EXTRA_COLUMNS: dict[str, Column] = {
    "cover": Column(
        "cover", cover_sql.HAS_COVER, "bool", "the album has a front cover (embedded or cover.*)"
    ),
    "cover_px": Column(
        "cover_px", cover_sql.COVER_PX, "int", "the album cover's shorter side, in pixels"
    ),
    "covers": Column(
        "covers", cover_sql.COVERS, "int", "different embedded covers in the album's files"
    ),
    "year": Column("year", "t.year", "int", "year of the release date"),
    "ext": Column("ext", _EXT, "text", "file name extension, lower case, without the dot"),
    "analyzed": Column(
        "analyzed",
        "(an.file_id IS NOT NULL)",
        "bool",
        "true when `archiver analyze` analysed the file as it is catalogued",
    ),
}
_EXTRA_FIELDS = EXTRA_COLUMNS
_ALIASES = {
    "status": "match_status",
    "duration": "length",
    "track": "tracknumber",
    "disc": "discnumber",
    "score": "match_score",
    "cutoff": "cutoff_hz",
    "analysed": "analyzed",
}
_SPECIAL = {"has", "no"}  # has:FIELD / no:FIELD -> the field is set / empty

FIELDS: dict[str, str] = {
    **{name: name for name in COLUMNS},
    **{name: name for name in _EXTRA_FIELDS},
    **_ALIASES,
    **{name: name for name in _SPECIAL},
}


def _column(name: str) -> Column:
    return COLUMNS.get(name) or _EXTRA_FIELDS[name]


def _valid_fields() -> str:
    return ", ".join(sorted(FIELDS))


# ---------------------------------------------------------------------------
# format: takes what people type: a file extension, a codec or the stored name.

_OGG = ("ogg", "opus", "speex", "oggflac")
# typed word -> (stored formats, stored codecs) it means (docs/query.md). The
# stored names come from archiver/scan/formats.py.
FORMAT_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mp3": (("mp3",), ("mp3",)),
    "mp2": (("mp2",), ("mp2",)),
    "mp1": (("mp1",), ("mp1",)),
    "mpga": (("mp3",), ()),
    "flac": (("flac", "oggflac"), ("flac",)),
    "fla": (("flac",), ()),
    "oggflac": (("oggflac",), ()),
    "ogg": (_OGG, ()),
    "oga": (_OGG, ()),
    "vorbis": ((), ("vorbis",)),
    "opus": (("opus",), ("opus",)),
    "speex": (("speex",), ("speex",)),
    "spx": (("speex",), ()),
    "mp4": (("mp4",), ()),
    "m4a": (("mp4",), ()),
    "m4b": (("mp4",), ()),
    "m4p": (("mp4",), ()),
    "m4r": (("mp4",), ()),
    "aac": (("aac",), ("aac",)),
    "adts": (("aac",), ()),
    "alac": ((), ("alac",)),
    "wav": (("wav",), ()),
    "wave": (("wav",), ()),
    "pcm": ((), ("pcm", "pcm_float")),
    "aiff": (("aiff",), ()),
    "aif": (("aiff",), ()),
    "aifc": (("aiff",), ()),
    "asf": (("asf",), ()),
    "wma": (("asf",), ()),
    "ape": (("ape",), ("ape",)),
    "wavpack": (("wavpack",), ("wavpack",)),
    "wv": (("wavpack",), ()),
    "musepack": (("musepack",), ("musepack",)),
    "mpc": (("musepack",), ()),
    "mp+": (("musepack",), ()),
    "mpp": (("musepack",), ()),
    "optimfrog": (("optimfrog",), ("optimfrog",)),
    "ofr": (("optimfrog",), ()),
    "ofs": (("optimfrog",), ()),
    "tak": (("tak",), ("tak",)),
    "tta": (("tta",), ("tta",)),
    "dsf": (("dsf",), ()),
    "dff": (("dsdiff",), ()),
    "dsdiff": (("dsdiff",), ()),
    "dsd": ((), ("dsd", "dst")),
    "ac3": (("ac3",), ("ac3",)),
    "eac3": ((), ("eac3",)),
    "ec3": ((), ("eac3",)),
    "midi": (("midi",), ()),
    "mid": (("midi",), ()),
}


def format_words(value: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(stored formats, stored codecs) that ``format:value`` means, or None for a
    value that is none of the known extensions, codecs or format names (then it is
    a substring of the stored format, as for any text field). Case and a leading
    dot do not matter: ``format:.M4A`` is ``format:m4a``."""
    return FORMAT_WORDS.get(value.strip().lower().removeprefix("."))


# ---------------------------------------------------------------------------
# Tokenizer


@dataclass
class _Token:
    kind: str  # "word", "phrase", "field", "or", "not"
    pos: int
    negated: bool = False
    text: str = ""  # word / phrase text
    field: str = ""  # field name as typed
    value: str = ""
    value_pos: int = 0
    quoted: bool = False
    exact: bool = False  # field:="quoted value"


_FIELD_RE = re.compile(r"([A-Za-z_]+):")


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a "..." string starting at ``start`` (the quote); backslash escapes " and \\.
    Returns (content, index after the closing quote)."""
    out = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1
        out.append(ch)
        i += 1
    raise QueryError("unclosed quote", start, text)


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negated = True
            i += 1
        if text[i] == '"':
            content, i = _read_quoted(text, i)
            _expect_end(text, i)
            tokens.append(_Token("phrase", start, negated, text=content))
            continue
        m = _FIELD_RE.match(text, i)
        if m:
            name_end = m.end()
            exact = text.startswith('="', name_end)
            if exact or (name_end < n and text[name_end] == '"'):
                value, i = _read_quoted(text, name_end + exact)
                _expect_end(text, i)
                quoted = True
            else:
                j = name_end
                while j < n and not text[j].isspace():
                    j += 1
                value, i = text[name_end:j], j
                quoted = False
            tokens.append(
                _Token(
                    "field",
                    start,
                    negated,
                    field=m.group(1),
                    value=value,
                    value_pos=name_end,
                    quoted=quoted,
                    exact=quoted and exact,
                )
            )
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        word = text[i:j]
        if not negated and word == "OR":
            tokens.append(_Token("or", start))
        elif not negated and word == "NOT":
            tokens.append(_Token("not", start))
        else:
            tokens.append(_Token("word", start, negated, text=word))
        i = j
    return tokens


def _expect_end(text: str, i: int) -> None:
    if i < len(text) and not text[i].isspace():
        raise QueryError("put a space after the closing quote", i, text)


# ---------------------------------------------------------------------------
# Compiler


def _fts_string(word: str) -> str:
    """A quoted FTS5 string for ``word``, folded as the index content is (0013)."""
    # FTS5 ends a string at NUL; the tokenizer would drop it anyway.
    return '"' + fold(word).replace("\x00", "").replace('"', '""') + '"'


def _has_token_chars(word: str) -> bool:
    """FTS5's unicode61 tokenizer keeps letters and digits; a word without any
    (``&``, ``-``) would be an empty phrase that matches nothing, so it is dropped."""
    return any(ch.isalnum() for ch in fold(word))


def _balanced(parts: list[str], op: str) -> str:
    """Join with AND/OR as a balanced tree: SQLite limits expression depth to 1000."""
    if len(parts) == 1:
        return parts[0]
    mid = len(parts) // 2
    return f"({_balanced(parts[:mid], op)} {op} {_balanced(parts[mid:], op)})"


_FTS_IN = "f.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?)"
_TRUE_WORDS = {"yes", "true", "1", "y"}
_FALSE_WORDS = {"no", "false", "0", "n"}
_STATUSES = ("matched", "ambiguous", "unmatched", "error", "none")
# Values of "choice" columns ("none": no value); "status" columns take _STATUSES.
_CHOICES = {"decode": (*DECODES, "none"), "quality": (*QUALITIES, "none")}
_SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?$")
_NUM_RE = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_LENGTH_RE = re.compile(r"^(?:(\d+):)?(\d+):(\d{1,2}(?:\.\d+)?)$")
# SQLite binds integers as 64-bit; anything beyond is a typo, not a filter.
_INT64_MAX = 2**63 - 1
_MAX_NUMBER_CHARS = 40  # Python's int() refuses over 4,300 digits; 40 is far past 64 bits


class _Compiler:
    def __init__(self, text: str) -> None:
        self.text = text
        self.params: list = []

    def error(self, message: str, pos: int) -> QueryError:
        return QueryError(message, pos, self.text)

    # -- structure ---------------------------------------------------------

    def compile(self, tokens: list[_Token]) -> str:
        groups: list[list[tuple[_Token, bool]]] = [[]]
        pending_not: _Token | None = None
        for tok in tokens:
            if tok.kind == "or":
                if pending_not is not None:
                    raise self.error("NOT needs a term after it", pending_not.pos)
                if not groups[-1]:
                    raise self.error("OR needs a term on each side", tok.pos)
                groups.append([])
            elif tok.kind == "not":
                if pending_not is not None:
                    raise self.error("NOT NOT: say it once", tok.pos)
                pending_not = tok
            else:
                negated = tok.negated != (pending_not is not None)
                pending_not = None
                groups[-1].append((tok, negated))
        if pending_not is not None:
            raise self.error("NOT needs a term after it", pending_not.pos)
        if not groups[-1] and len(groups) > 1:
            raise self.error("OR needs a term on each side", tokens[-1].pos)
        if sum(len(g) for g in groups) > MAX_TERMS:
            raise self.error(f"too many terms (at most {MAX_TERMS})", 0)
        parts = [self.compile_group(g) for g in groups if g]
        return _balanced(parts, "OR") if parts else "1"

    def compile_group(self, terms: list[tuple[_Token, bool]]) -> str:
        fts_pos: list[str] = []
        fts_neg: list[str] = []
        parts: list[tuple[str, list]] = []
        for tok, negated in terms:
            if tok.kind in ("word", "phrase"):
                expr = self.fts_term(tok)
                if expr is not None:
                    (fts_neg if negated else fts_pos).append(expr)
            else:
                start = len(self.params)
                sql = self.field_term(tok)
                params = self.params[start:]
                del self.params[start:]
                parts.append((f"NOT COALESCE({sql}, 0)" if negated else sql, params))
        if fts_pos:
            parts.insert(0, (_FTS_IN, [" ".join(fts_pos)]))
        if fts_neg:
            parts.append(("NOT " + _FTS_IN, [" OR ".join(fts_neg)]))
        for _, params in parts:
            self.params.extend(params)
        # An AND group of only dropped words ("&") matches everything.
        return _balanced([sql for sql, _ in parts], "AND") if parts else "1"

    def fts_term(self, tok: _Token) -> str | None:
        if tok.kind == "phrase":
            if not tok.text.strip():
                raise self.error("empty quotes", tok.pos)
            return _fts_string(tok.text) if _has_token_chars(tok.text) else None
        if not _has_token_chars(tok.text):
            return None
        return _fts_string(tok.text) + "*"

    # -- field:value ---------------------------------------------------------

    def field_term(self, tok: _Token) -> str:
        name = FIELDS.get(tok.field.lower())
        if name is None:
            raise self.error(
                f"unknown field {tok.field!r} (quote the word to search for it); fields: {_valid_fields()}",
                tok.pos,
            )
        value, vpos = tok.value, tok.value_pos
        if value == "" or (tok.quoted and not value.strip()):
            raise self.error(f"{tok.field}: needs a value", tok.pos)
        if name in _SPECIAL:
            target = FIELDS.get(value.lower())
            if target is None or target in _SPECIAL:
                raise self.error(f"{name}: takes a field name; fields: {_valid_fields()}", vpos)
            sql = _column(target).sql
            return (
                f"({sql} IS NOT NULL AND {sql} != '')"
                if name == "has"
                else f"({sql} IS NULL OR {sql} = '')"
            )
        col = _column(name)
        if col.kind == "choice":
            return self.status_term(col, value.removeprefix("="), vpos)
        if tok.exact and col.kind in ("text", "date", "status"):
            return self.text_match(col, value, exact=True)
        if tok.exact:
            value = "=" + value  # a number field: said the same way as unquoted
        elif name == "format" and (words := format_words(value)) is not None:
            return self.format_term(*words)
        elif name == "ext":
            # The whole extension: ext:m4a, ext:.M4A; ext:m4 finds nothing.
            self.params.append(value.strip().lower().removeprefix("=").removeprefix("."))
            return f"{col.sql} = ?"
        elif tok.quoted:
            return self.text_match(col, value, exact=False)
        if value.startswith("=") and col.kind in ("text", "date", "status"):
            if len(value) == 1:
                raise self.error(f"{tok.field}: needs a value after =", vpos)
            return self.text_match(col, value[1:], exact=True)
        if col.kind == "bool":
            return self.bool_term(col, value, vpos)
        if col.kind == "status":
            return self.status_term(col, value, vpos)
        if ".." in value and col.kind != "text":
            return self.range_term(col, value, vpos, tok.field)
        if col.kind in ("text", "date"):
            return self.text_match(col, value, exact=False)
        number = self.number(col, value, vpos)
        if col.kind == "length" and float(number).is_integer() and "." not in value:
            # length:245 means 245 s as a player shows it: 245 <= length < 246.
            self.params += [number, number + 1]
            return f"({col.sql} >= ? AND {col.sql} < ?)"
        self.params.append(number)
        return f"{col.sql} = ?"

    def text_match(self, col: Column, value: str, *, exact: bool) -> str:
        if exact:
            self.params.append(value)
            return f"{col.sql} = ? COLLATE NOCASE"
        # instr, not LIKE: no wildcards to escape, and no pattern-length limit
        # (SQLite rejects LIKE patterns over 50,000 bytes). fold() (db.py) folds
        # case and accents as the free-text index does: artist:bjork finds Björk.
        folded = fold(value) or value.lower()
        self.params += [folded, folded]
        # On ASCII text lower() folds the same as fold() and costs a third (fewer
        # characters than bytes means non-ASCII). CASE evaluates lazily: fold(),
        # which takes text only, never sees NULL (which stays NULL: -field:x keeps
        # tracks without the field) or a blob.
        c = col.sql
        return (
            f"(CASE WHEN {c} IS NULL THEN NULL WHEN instr(lower({c}), ?) > 0 THEN 1"
            f" WHEN length({c}) < length(CAST({c} AS BLOB)) THEN instr(fold({c}), ?) > 0"
            " ELSE 0 END)"
        )

    def format_term(self, formats: tuple[str, ...], codecs: tuple[str, ...]) -> str:
        parts = []
        for sql, values in (("f.format", formats), ("f.codec", codecs)):
            if values:
                self.params += values
                parts.append(f"{sql} IN ({', '.join('?' * len(values))})")
        return "(" + " OR ".join(parts) + ")"

    def bool_term(self, col: Column, value: str, pos: int) -> str:
        word = value.lower()
        if word in _TRUE_WORDS:
            return f"{col.sql} = 1"
        if word in _FALSE_WORDS:
            return f"{col.sql} = 0"
        raise self.error(f"{col.name}: takes yes or no", pos)

    def status_term(self, col: Column, value: str, pos: int) -> str:
        word = value.lower()
        choices = _CHOICES.get(col.name, _STATUSES)
        if word not in choices:
            raise self.error(f"{col.name}: takes one of {', '.join(choices)}", pos)
        if word == "none":
            return f"{col.sql} IS NULL"
        self.params.append(word)
        return f"{col.sql} = ?"

    def range_term(self, col: Column, value: str, pos: int, typed: str) -> str:
        if value.count("..") != 1:
            raise self.error(f"{typed}: a range is LOW..HIGH, LOW.. or ..HIGH", pos)
        low, high = value.split("..")
        if not low and not high:
            raise self.error(f"{typed}: a range needs at least one end", pos)
        parts = []
        if col.kind == "date":
            if low:
                self.params.append(low)
                parts.append(f"{col.sql} >= ?")
            if high:
                # Inclusive by prefix: date:..1969 keeps 1969-12-31.
                self.params += [len(high), high]
                parts.append(f"substr({col.sql}, 1, ?) <= ?")
        else:
            lo = self.number(col, low, pos) if low else None
            hi = self.number(col, high, pos + len(low) + 2) if high else None
            if lo is not None and hi is not None and lo > hi:
                raise self.error(f"{typed}: the range's low end is above its high end", pos)
            if lo is not None:
                self.params.append(lo)
                parts.append(f"{col.sql} >= ?")
            if hi is not None:
                self.params.append(hi)
                parts.append(f"{col.sql} <= ?")
        return "(" + " AND ".join(parts) + ")"

    def number(self, col: Column, value: str, pos: int) -> int | float:
        """A number for ``col`` from ``value``; QueryError unless it fits SQLite's
        64-bit integers (and, for reals, is finite)."""
        if len(value) > _MAX_NUMBER_CHARS:
            raise self.error(f"{col.name}: number too long (out of range)", pos)
        number = self._parse_number(col, value, pos)
        finite = not isinstance(number, float) or math.isfinite(number)
        if not finite or not -_INT64_MAX <= number <= _INT64_MAX:
            raise self.error(f"{col.name}: {value!r} is out of range", pos)
        return number

    def _parse_number(self, col: Column, value: str, pos: int) -> int | float:
        if col.kind == "length":
            m = _LENGTH_RE.match(value)
            if m:
                hours, minutes, seconds = m.groups()
                return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        if col.kind == "size":
            m = _SIZE_RE.match(value)
            if m:
                number, unit, binary = m.groups()
                base = 1024 if binary else 1000
                power = " kmgt".index(unit.lower()) if unit else 0
                return int(float(number) * base**power)
            raise self.error(
                f"{col.name}: {value!r} is not a size (bytes, or 10MB, 2GiB, ...)", pos
            )
        if not _NUM_RE.match(value):
            unit = " (m:ss or seconds)" if col.kind == "length" else ""
            raise self.error(f"{col.name}: {value!r} is not a number{unit}", pos)
        if col.kind in ("int", "kbps"):
            if "." in value:
                raise self.error(f"{col.name}: {value!r} is not a whole number", pos)
            return int(value)
        return float(value)


def compile_query(text: str) -> CompiledQuery:
    """Compile query text to a WHERE expression with bound parameters.

    Raises :class:`QueryError` (with the offset of the bad part) for anything
    malformed. An empty or blank query selects everything (``where == "1"``).
    """
    text = _display_text(text or "")
    tokens = _tokenize(text)
    if not tokens:
        return CompiledQuery("1", [])
    compiler = _Compiler(text)
    where = compiler.compile(tokens)
    return CompiledQuery(where, compiler.params)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _display_text(text: str) -> str:
    """Bytes that were not UTF-8 on the command line arrive as surrogate escapes:
    write them as ``\\xNN``, the form paths are shown (and stored) in."""
    if not _SURROGATE.search(text):
        return text
    out = []
    for i, ch in enumerate(text):
        if "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif "\ud800" <= ch <= "\udfff":
            raise QueryError(
                "not valid text (a lone surrogate)", i, text.encode("utf-8", "replace").decode()
            )
        else:
            out.append(ch)
    return "".join(out)


def join_query_args(args: Iterable[str]) -> str:
    """Command-line words -> query text.

    Each argument is one term: the shell removes the quotes of
    ``artist:"the beatles"``, leaving one argument ``artist:the beatles``, so
    such arguments are quoted again to keep meaning one term. An argument that
    is itself query text (the documented ``'artist:"miles davis" year:1955..1965'``,
    ``'bjork OR artist:emile'``, ``'albumartist:="various artists"'``) is kept as
    written: see :func:`_is_query_text`.
    """
    out = []
    for arg in args:
        if not arg or not any(ch.isspace() for ch in arg) or _is_query_text(arg):
            out.append(arg)
            continue
        neg, rest = ("-", arg[1:]) if arg.startswith("-") and len(arg) > 1 else ("", arg)
        m = _FIELD_RE.match(rest)
        prefix = m.group(0) if m and m.group(1).lower() in FIELDS else ""
        body = rest[len(prefix) :]
        out.append(neg + prefix + '"' + body.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def _is_query_text(arg: str) -> bool:
    """True when an argument with spaces reads as query syntax rather than one
    unquoted value: it tokenizes cleanly and either is a single quoted term
    (``artist:="the who"``) or has a field term, ``OR`` or ``NOT`` after its
    first term (``album:"x y" disc:2``). ``artist:the beatles`` (a field term
    then a plain word) is one value the shell unquoted."""
    try:
        tokens = _tokenize(arg)
    except QueryError:
        return False
    if not tokens:
        return False
    if len(tokens) == 1:
        return tokens[0].quoted or tokens[0].kind == "phrase"
    return any(
        (t.kind == "field" and t.field.lower() in FIELDS) or t.kind in ("or", "not")
        for t in tokens[1:]
    )
