"""The query language: parsing, errors with positions, and what each query selects
in a real catalog (sample fixture), including hostile input."""

from __future__ import annotations

import sqlite3
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.catalog.query import (
    FIELDS,
    TRACKS_FROM,
    CompiledQuery,
    QueryError,
    compile_query,
    join_query_args,
)
from archiver.catalog.tracks import EXPORT_COLUMNS


def select(conn: sqlite3.Connection, text: str) -> set[int]:
    q = compile_query(text)
    return {
        row[0] for row in conn.execute(f"SELECT f.id FROM {TRACKS_FROM} WHERE {q.where}", q.params)
    }


@pytest.fixture
def conn(catalog, sample):
    return catalog.conn


@pytest.fixture
def ids(sample):
    return sample


def names(ids: dict[str, int], *keys: str) -> set[int]:
    return {ids[k] for k in keys}


# --- structure of the compiled query -------------------------------------------------------


def test_empty_query_selects_everything():
    assert compile_query("") == CompiledQuery("1", [])
    assert compile_query("   \t ") == CompiledQuery("1", [])


def test_values_are_bound_never_pasted():
    q = compile_query('artist:"x\'); DROP TABLE files; --" title:y year:1969')
    assert "DROP" not in q.where and "'x" not in q.where
    assert "x'); drop table files; --" in q.params  # folded, as the rows are
    assert 1969 in q.params


def test_free_words_become_one_quoted_fts_expression():
    q = compile_query('beat "abbey road" NEAR(x')
    assert q.params == ['"beat"* "abbey road" "near(x"*']  # folded like the index
    assert q.where.count("MATCH ?") == 1


def test_fts_quote_in_word_is_doubled():
    assert compile_query('it"s')  # a quote inside a bare word is literal
    assert compile_query('it"s').params == ['"it""s"*']


@pytest.mark.parametrize(
    "text, position, fragment",
    [
        ("yeer:1969", 0, "unknown field 'yeer'"),
        ("beatles yeer:1969", 8, "unknown field"),
        ("year:abc..", 5, "not a number"),
        ("year:1965..abc", 11, "not a number"),
        ("year:..", 5, "at least one end"),
        ("year:1..2..3", 5, "LOW..HIGH"),
        ("year:1970..1960", 5, "low end is above"),
        ("year:19.5", 5, "whole number"),
        ("artist:", 0, "needs a value"),
        ('artist:""', 0, "needs a value"),
        ('foo "bar', 4, "unclosed quote"),
        ('artist:"bar', 7, "unclosed quote"),
        ('""', 0, "empty quotes"),
        ('"x"y', 3, "space after the closing quote"),
        ("lossless:maybe", 9, "yes or no"),
        ("missing:2", 8, "yes or no"),
        ("status:done", 7, "matched, ambiguous, unmatched, error, none"),
        ("OR x", 0, "OR needs a term"),
        ("x OR", 2, "OR needs a term"),
        ("x OR OR y", 5, "OR needs a term"),
        ("x NOT", 2, "NOT needs a term"),
        ("NOT NOT x", 4, "NOT NOT"),
        ("has:nothing", 4, "takes a field name"),
        ("size:big", 5, "not a size"),
        ("length:3:xx", 7, "not a number"),
        ("artist:=", 7, "needs a value after ="),
    ],
)
def test_errors_point_at_the_bad_part(text, position, fragment):
    with pytest.raises(QueryError) as info:
        compile_query(text)
    err = info.value
    assert err.position == position, (text, err.position, str(err))
    assert fragment in err.message
    line = str(err)
    assert "\n" not in line
    assert f"character {position + 1}" in line or "at the end" in line
    assert isinstance(err, ValueError)


def test_unknown_field_lists_valid_fields_and_suggests_quotes():
    with pytest.raises(QueryError) as info:
        compile_query("re:stacks")
    assert "quote the word" in info.value.message
    for name in ("artist", "year", "status", "bitrate", "mb_label"):
        assert name in info.value.message


def test_every_export_column_is_a_field():
    for name in EXPORT_COLUMNS:
        assert FIELDS[name] == name
        value = {"match_status": "matched", "decode": "ok", "quality": "lossless"}.get(name, "1")
        compile_query(f"{name}:{value}")
    assert (
        FIELDS["year"] == "year"
        and FIELDS["duration"] == "length"
        and FIELDS["status"] == "match_status"
    )


def test_field_names_are_case_insensitive(conn, ids):
    assert select(conn, "ARTIST:björk") == select(conn, "artist:björk") == names(ids, "bjork")


def test_very_long_queries_compile_and_run(conn):
    words = " ".join(f"w{i}" for i in range(900))
    assert select(conn, words) == set()
    fields = " ".join(f"title:t{i}" for i in range(900))
    assert select(conn, fields) == set()  # a balanced AND tree stays under SQLite's depth limit
    ors = " OR ".join(f"year:{1900 + i}" for i in range(900))
    assert len(select(conn, ors)) == 5
    assert select(conn, "x" * 100_000) == set()
    with pytest.raises(QueryError, match="too many terms"):
        compile_query(" ".join(["year:1"] * 1001))


# --- what queries select ------------------------------------------------------------------


def test_free_words_and_prefix(conn, ids):
    assert select(conn, "beatles") == names(ids, "abbey1", "abbey2", "help")
    assert select(conn, "beat") == names(ids, "abbey1", "abbey2", "help")  # prefix
    assert select(conn, '"beat"') == set()  # quoted: whole word
    assert select(conn, "beatles something") == names(ids, "abbey1", "abbey2") - {ids["abbey1"]}
    assert select(conn, '"abbey road"') == names(ids, "abbey1", "abbey2")
    assert select(conn, '"road abbey"') == set()


def test_free_words_fold_case_and_diacritics_and_search_path(conn, ids):
    assert select(conn, "BJORK") == names(ids, "bjork")
    assert select(conn, "homogenic") == names(ids, "bjork")
    assert select(conn, "untagged") == names(ids, "empty")  # folder name, via the path
    assert select(conn, "lennon") == names(ids, "abbey1")  # composer


@pytest.mark.parametrize(
    "text",
    ['"', "'", "*", "^", "(", ")", "NEAR(a b)", "a AND", "OR", "-", "--", ":", "a:", '"x" AND "y"', "col:val",
     "{x}", "[", "\\", "\x00", "%", "_", "'; DROP TABLE files; --", '\\"', "🙂", "\u200b"],
)  # fmt: skip
def test_metacharacters_never_raise_sql_errors(conn, text):
    try:
        select(conn, text)
    except QueryError:
        pass  # a clean refusal is fine; an sqlite3 error is not


def test_words_without_letters_are_ignored(conn, ids):
    everything = select(conn, "")
    assert select(conn, "&") == everything
    assert select(conn, "beatles & ") == select(conn, "beatles")


def test_text_field_is_substring_and_case_insensitive(conn, ids):
    assert select(conn, "album:ABBEY") == names(ids, "abbey1", "abbey2")
    assert select(conn, 'album:"abbey road"') == names(ids, "abbey1", "abbey2")
    assert select(conn, "artist:=björk") == names(ids, "bjork")
    assert select(conn, "artist:=the") == set()
    # an exact value with spaces is quoted after the =
    assert select(conn, 'album:="abbey road"') == names(ids, "abbey1", "abbey2")
    assert select(conn, 'album:="ABBEY ROAD"') == names(ids, "abbey1", "abbey2")
    assert select(conn, 'album:="abbey"') == set()
    assert select(conn, 'album:="abbey road" -title:something') == select(
        conn, 'album:"abbey road" -title:something'
    )


def test_like_metacharacters_are_literal(conn, ids):
    assert select(conn, "title:%") == names(ids, "percent")
    assert select(conn, "title:_pure_") == names(ids, "percent")
    assert select(conn, "title:100%_") == set()
    assert select(conn, "title:_") == names(ids, "percent")
    assert select(conn, "path:caf\\xe9") == names(ids, "nonutf8", "literal_escape")
    assert select(conn, "artist:o'brien") == names(ids, "percent")
    assert select(conn, 'title:"\\"quotes\\""') == names(ids, "percent")


def test_text_match_folds_case_around_other_letters(conn, ids):
    assert select(conn, "artist:BJöRK") == names(ids, "bjork")
    assert select(conn, "artist:öR") == names(ids, "bjork")


# --- accents fold alike in free words and fields (issue 14) ----------------------------------

FOLDED = {
    "emile": "Émile Parisien",
    "nordur": "Nørðurljós",
    "thorn": "Þórunn",
    "aelig": "Æther",
    "oelig": "Œuvre",
    "eszett": "Straße",
    "lstroke": "Łódź",
    "dstroke": "Đorđe",
}


@pytest.fixture
def accents(catalog, sample) -> dict[str, int]:
    out = dict(sample)
    for key, artist in FOLDED.items():
        out[key] = catalog.conn.execute(
            "INSERT INTO files (path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
            " VALUES (?, ?, 1, 1, 't', 't', 't')",
            (f"/music/{key}.flac", f"/music/{key}.flac".encode()),
        ).lastrowid
        catalog.conn.execute(
            "INSERT INTO tags (file_id, artist, album) VALUES (?, ?, 'X')", (out[key], artist)
        )
    return out


@pytest.mark.parametrize(
    "typed, key",
    [
        ("bjork", "bjork"),
        ("BJÖRK", "bjork"),
        ("emile", "emile"),
        ("Émile", "emile"),
        ("nordurljos", "nordur"),
        ("NØRÐURLJÓS", "nordur"),
        ("thorunn", "thorn"),
        ("aether", "aelig"),
        ("oeuvre", "oelig"),
        ("strasse", "eszett"),
        ("lodz", "lstroke"),
        ("dorde", "dstroke"),
    ],
)
def test_accents_fold_alike_in_free_words_and_fields(conn, accents, typed, key):
    assert select(conn, typed) == names(accents, key)
    assert select(conn, f"artist:{typed}") == names(accents, key)
    assert select(conn, f"-artist:{typed} album:X") == names(accents, *FOLDED) - {accents[key]}


def test_field_substring_folds_inside_words(conn, accents):
    assert select(conn, "artist:rdurlj") == names(accents, "nordur")
    assert select(conn, "artist:ðurl") == names(accents, "nordur")
    assert select(conn, 'artist:"emile paris"') == names(accents, "emile")


def test_exact_match_keeps_the_letters(conn, accents):
    assert select(conn, "artist:=björk") == names(accents, "bjork")
    assert select(conn, "artist:=bjork") == set()
    assert select(conn, 'artist:="Nørðurljós"') == names(accents, "nordur")
    assert select(conn, 'artist:="Nordurljos"') == set()


def test_index_follows_tag_and_path_updates_folded(catalog, conn, accents):
    with catalog.write():
        conn.execute("UPDATE tags SET title = 'Jökulsárlón' WHERE file_id = ?", (accents["emile"],))
        conn.execute("UPDATE files SET path = '/music/Ærø.flac' WHERE id = ?", (accents["thorn"],))
    assert select(conn, "jokulsarlon") == names(accents, "emile")
    assert select(conn, "aero") == names(accents, "thorn")
    assert select(conn, "path:aero") == names(accents, "thorn")


def test_a_100_kb_field_value_runs_and_finds_nothing(conn):
    # SQLite rejects LIKE patterns over 50,000 bytes; the substring match has no such limit.
    assert select(conn, "title:" + "y" * 100_000) == set()
    assert select(conn, "-title:" + "%" * 60_000) == select(conn, "")
    assert select(conn, 'year:"' + "1" * 60_000 + '"') == set()


@pytest.mark.parametrize(
    "text, position",
    [
        ("bitrate:99999999999999999999999..", 8),
        ("year:-99999999999999999999..", 5),
        ("year:1..99999999999999999999", 8),
        ("year:9223372036854775808", 5),
        ("year:-9223372036854775808", 5),
        ("size:" + "9" * 39, 5),
        ("size:9999999999999TiB", 5),
        ("size:" + "9" * 5000 + "..", 5),
        ("length:99999999999999999:00:00", 7),
        ("length:" + "9" * 30 + ".5", 7),
        ("score:" + "9" * 400 + ".0..", 6),
        ("track:" + "1" * 5000, 6),
    ],
)
def test_numbers_beyond_64_bits_are_query_errors(conn, text, position):
    with pytest.raises(QueryError) as info:
        compile_query(text)
    assert info.value.position == position, str(info.value)
    assert "out of range" in info.value.message
    assert len(str(info.value)) < 200


def test_the_largest_64_bit_numbers_still_run(conn, ids):
    assert select(conn, "year:9223372036854775807") == set()
    assert select(conn, "year:-9223372036854775807..9223372036854775807") == select(
        conn, "has:year"
    )
    assert select(conn, "size:..9000000TB") == select(conn, "")


def test_number_fields_exact_and_ranges(conn, ids):
    assert select(conn, "year:1969") == names(ids, "abbey1", "abbey2")
    assert select(conn, "year:1965..1969") == names(ids, "abbey1", "abbey2", "help")
    assert select(conn, "year:1970..") == names(ids, "bjork", "long")
    assert select(conn, "year:..1965") == names(ids, "help")
    assert select(conn, "tracknumber:1") == names(ids, "abbey1", "bjork")
    assert select(conn, "track:2..3") == names(ids, "abbey2", "percent")


def test_bitrate_is_kbps(conn, ids):
    assert select(conn, "bitrate:320..") == names(ids, "abbey1", "abbey2", "help", "formula")
    assert select(conn, "bitrate:320") == names(ids, "help")
    assert select(conn, "bitrate:..128") == names(ids, "percent", "long")
    assert select(conn, "bitrate:1000") == names(ids, "abbey1")  # 1,000,400 bps rounds to 1000 kbps


def test_length_seconds_and_minutes(conn, ids):
    assert select(conn, "length:..120") == names(ids, "percent", "formula", "missing")
    assert select(conn, "length:259") == names(ids, "abbey1")  # 259 <= 259.5 < 260
    assert select(conn, "length:259.5") == names(ids, "abbey1")
    assert select(conn, "length:4:00..5:00") == names(ids, "abbey1", "bjork")
    assert select(conn, "duration:0:30:00..") == names(ids, "long")


def test_size_units(conn, ids):
    assert select(conn, "size:21600000") == names(ids, "long")
    assert select(conn, "size:25MB..") == names(ids, "abbey1")
    assert select(conn, "size:20MiB..29MB") == names(ids, "abbey1", "abbey2", "long") - {
        ids["abbey1"]
    }


def test_date_ranges_are_inclusive_by_prefix(conn, ids):
    assert select(conn, "date:..1969") == names(ids, "abbey1", "abbey2", "help")
    assert select(conn, "date:1969-09..1997") == names(ids, "abbey1", "abbey2", "bjork", "long")
    assert select(conn, "date:2001") == names(ids, "percent")
    assert select(conn, "mtime:2023") == set(select(conn, ""))


def test_booleans(conn, ids):
    lossless = names(ids, "abbey1", "abbey2", "formula", "missing")
    assert select(conn, "lossless:yes") == lossless
    assert select(conn, "lossless:true") == lossless
    assert select(conn, "lossless:no") == names(ids, "help", "bjork", "percent", "nonutf8", "long")
    assert select(conn, "missing:yes") == names(ids, "missing")
    assert select(conn, "missing:no") == select(conn, "") - names(ids, "missing")


def test_status(conn, ids):
    assert select(conn, "status:matched") == names(ids, "abbey1", "abbey2")
    assert select(conn, "status:ambiguous") == names(ids, "bjork")
    assert select(conn, "status:error") == names(ids, "help")
    assert select(conn, "status:unmatched") == set()
    assert select(conn, "status:none") == select(conn, "") - names(
        ids, "abbey1", "abbey2", "bjork", "help"
    )
    assert select(conn, "match_status:MATCHED") == names(ids, "abbey1", "abbey2")


def test_musicbrainz_fields(conn, ids):
    assert select(conn, "mb_label:parlophone") == names(ids, "abbey1", "abbey2")
    assert select(conn, "mb_isrcs:GBAYE0900001") == names(ids, "abbey1")
    assert select(conn, "producers:martin") == names(ids, "abbey1")
    assert select(conn, "performers:guitar") == names(ids, "abbey1")
    assert select(conn, "performers:emerick") == set()  # an engineer, not a performer
    assert select(conn, "mb_title:track") == set()  # the recording title wins over the track title
    assert select(conn, "score:0.9..") == names(ids, "abbey1", "abbey2")


def test_negation_keeps_rows_where_the_field_is_empty(conn, ids):
    everything = select(conn, "")
    rock = select(conn, "genre:rock")
    assert select(conn, "-genre:rock") == everything - rock
    assert select(conn, "NOT genre:rock") == everything - rock
    assert select(conn, "-beatles") == everything - rock
    assert select(conn, "NOT beatles") == everything - rock
    assert select(conn, '-"abbey road"') == everything - names(ids, "abbey1", "abbey2")
    assert select(conn, "beatles -something") == names(ids, "abbey1", "help")
    assert select(conn, "-beatles -björk") == everything - rock - names(ids, "bjork")


def test_has_and_no(conn, ids):
    assert select(conn, "has:isrc") == names(ids, "abbey1")
    assert select(conn, "no:title") == names(ids, "empty")
    assert select(conn, "has:mb_isrcs") == names(ids, "abbey1")
    assert select(conn, "-has:genre") == select(conn, "no:genre")


def test_or_binds_looser_than_and(conn, ids):
    assert select(conn, "year:1965 OR year:1997") == names(ids, "help", "bjork")
    assert select(conn, "beatles year:1965 OR björk") == names(ids, "help", "bjork")
    assert select(conn, "beatles or") == set()  # lower-case "or" is a word


def test_and_is_the_default(conn, ids):
    assert select(conn, "beatles lossless:yes year:1969") == names(ids, "abbey1", "abbey2")


# --- fuzz: any text either compiles and runs, or raises QueryError ------------------------


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(
        alphabet=st.sampled_from(list('ab:"-. \\%_*()^=019NOTRyear')) | st.characters(), max_size=40
    )
)
def test_fuzz_no_sql_error(conn, text):
    try:
        q = compile_query(text)
    except QueryError as err:
        assert 0 <= err.position <= len(text)
        assert "\n" not in str(err)
        return
    conn.execute(f"SELECT count(*) FROM {TRACKS_FROM} WHERE {q.where}", q.params).fetchone()


# --- shell arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, text",
    [
        (["beatles"], "beatles"),
        (["artist:the beatles"], 'artist:"the beatles"'),
        (["-artist:the who"], '-artist:"the who"'),
        (["abbey road"], '"abbey road"'),
        (["-abbey road"], '-"abbey road"'),
        (['say "hi" now'], '"say \\"hi\\" now"'),
        (['artist:"the beatles"'], 'artist:"the beatles"'),
        (["re:stacks here"], '"re:stacks here"'),
        (["year:1965..1969", "lossless:yes"], "year:1965..1969 lossless:yes"),
        # one argument that is query text stays as written (the README's examples)
        (
            ['artist:"miles davis" year:1955..1965 lossless:yes'],
            'artist:"miles davis" year:1955..1965 lossless:yes',
        ),
        (["bjork OR artist:emile"], "bjork OR artist:emile"),
        (['album:"canciones de la marea" disc:2'], 'album:"canciones de la marea" disc:2'),
        (['albumartist:="various artists"'], 'albumartist:="various artists"'),
        (['"abbey road"'], '"abbey road"'),
        (["beatles NOT artist:stones"], "beatles NOT artist:stones"),
        # a field term then plain words is one value the shell unquoted
        (["title:black or white"], 'title:"black or white"'),
        (["artist:guns n roses"], 'artist:"guns n roses"'),
        (["title:a: b c"], 'title:"a: b c"'),
    ],
)
def test_join_query_args(args, text):
    assert join_query_args(args) == text


def test_join_query_args_round_trips_through_the_parser(conn, ids):
    assert select(conn, join_query_args(["album:abbey road"])) == names(ids, "abbey1", "abbey2")
    whole = join_query_args(['album:"abbey road" format:flac'])
    assert select(conn, whole) == select(conn, 'album:"abbey road" format:flac')
    assert select(conn, whole) == select(conn, join_query_args(["album:abbey road", "format:flac"]))
    assert select(conn, join_query_args(['title:"quotes", commas'])) == names(ids, "percent")


def test_surrogate_escaped_bytes_match_the_display_path(conn, ids):
    # argv bytes that are not UTF-8 arrive as surrogate escapes
    assert select(conn, "path:\udcff.mp3") == names(ids, "nonutf8")
    with pytest.raises(QueryError, match="lone surrogate"):
        compile_query("a\ud800")


def test_migration_0013_refolds_an_existing_index(tmp_path):
    import sqlite3 as sq

    from archiver.catalog.db import _split_sql, migrations, open_catalog

    path = tmp_path / "old.db"
    old = sq.connect(path, isolation_level=None)
    for version, _name, sql in migrations():
        if version < 13:
            for statement in _split_sql(sql):
                old.execute(statement)
            old.execute(f"PRAGMA user_version = {version}")
    old.execute(
        "INSERT INTO files (id, path, path_bytes, size, mtime_ns, mtime, first_seen_at, last_seen_at)"
        " VALUES (1, '/m/Sigur Rós/x.flac', X'01', 1, 1, 't', 't', 't')"
    )
    old.execute("INSERT INTO tags (file_id, artist) VALUES (1, 'Nørðurljós')")
    assert old.execute("SELECT artist FROM search_index").fetchone() == ("Nørðurljós",)
    old.close()
    with open_catalog(path) as catalog:
        assert catalog.user_version >= 13
        assert select(catalog.conn, "nordurljos") == {1}
        assert select(catalog.conn, "sigur ros") == {1}
        assert catalog.execute("SELECT count(*) FROM search_index").fetchone() == (1,)


# --- format: takes extensions and codecs; ext: (issue 14) -------------------------------------


@pytest.mark.parametrize(
    "typed, formats, codecs",
    [
        ("m4a", {"mp4"}, set()),
        ("M4A", {"mp4"}, set()),
        (".m4a", {"mp4"}, set()),
        ("mp4", {"mp4"}, set()),
        ("wv", {"wavpack"}, set()),
        ("wavpack", {"wavpack"}, {"wavpack"}),
        ("aif", {"aiff"}, set()),
        ("aiff", {"aiff"}, set()),
        ("ape", {"ape"}, {"ape"}),
        ("mpc", {"musepack"}, set()),
        ("ogg", {"ogg", "opus", "speex", "oggflac"}, set()),
        ("alac", set(), {"alac"}),
        ("aac", {"aac"}, {"aac"}),
        ("vorbis", set(), {"vorbis"}),
        ("opus", {"opus"}, {"opus"}),
        ("pcm", set(), {"pcm", "pcm_float"}),
        ("flac", {"flac", "oggflac"}, {"flac"}),
        ("wma", {"asf"}, set()),
        ("dff", {"dsdiff"}, set()),
    ],
)
def test_format_words_table(typed, formats, codecs):
    from archiver.catalog.query import format_words

    found = format_words(typed)
    assert found is not None
    assert (set(found[0]), set(found[1])) == (formats, codecs)


def test_format_words_name_only_stored_values():
    from archiver.catalog.query import FORMAT_WORDS, format_words
    from archiver.scan.formats import _MP4_CODECS, _WAVE_CODECS, KINDS

    stored_formats = {k.format for k in KINDS.values()} | {"mp1", "mp2"}
    stored_codecs = {k.codec for k in KINDS.values()} | {c for c, _ in _MP4_CODECS.values()}
    stored_codecs |= {c for c, _ in _WAVE_CODECS.values()} | {"dst", "eac3", "mp1", "mp2"}
    for typed, (formats, codecs) in FORMAT_WORDS.items():
        assert formats or codecs, typed
        assert set(formats) <= stored_formats, typed
        assert set(codecs) <= stored_codecs, typed
    # every stored format name means at least itself
    for name in stored_formats - {"unknown", "id3", "apev2"}:
        words = format_words(name)
        assert words is None or name in words[0], name
    assert format_words("mp") is None and format_words("theora") is None


@pytest.fixture
def formats(catalog, sample) -> dict[str, int]:
    from tests.export.conftest import add_track

    out = dict(sample)
    conn = catalog.conn
    out["alac"] = add_track(conn, "/music/A/x.m4a", format="mp4", codec="alac", lossless=1)
    out["aac"] = add_track(conn, "/music/A.b/y.M4A", format="mp4", codec="aac", lossless=0)
    out["wv"] = add_track(conn, "/music/W/z.wv", format="wavpack", codec="wavpack", lossless=1)
    out["aif"] = add_track(conn, "/music/W/z.aif", format="aiff", codec="pcm", lossless=1)
    out["noext"] = add_track(conn, "/music/dot.folder/README", format="mp3", codec="mp3")
    return out


def test_format_accepts_extensions_codecs_and_names(conn, formats):
    ids = formats
    assert select(conn, "format:m4a") == names(ids, "alac", "aac")
    assert select(conn, "format:mp4") == names(ids, "alac", "aac")
    assert select(conn, "format:alac") == names(ids, "alac")
    assert select(conn, "format:aac") == names(ids, "aac")
    assert select(conn, "format:wv") == names(ids, "wv")
    assert select(conn, "format:wavpack") == names(ids, "wv")
    assert select(conn, "format:aif") == select(conn, "format:aiff") == names(ids, "aif")
    assert select(conn, "format:pcm") == names(ids, "aif", "formula")
    assert select(conn, "format:vorbis") == names(ids, "bjork")
    assert select(conn, "format:ogg") == names(ids, "bjork", "long")  # opus lives in Ogg too
    assert select(conn, "format:wma") == names(ids, "empty")
    assert select(conn, "-format:m4a format:mp") == select(conn, "format:mp") - names(
        ids, "alac", "aac"
    )
    # exact keeps the stored name; an unknown word is a substring as before
    assert select(conn, "format:=mp4") == names(ids, "alac", "aac")
    assert select(conn, "format:=m4a") == set()
    assert select(conn, "format:wavp") == names(ids, "wv")


def test_ext_is_its_own_field(conn, formats):
    ids = formats
    assert select(conn, "ext:m4a") == select(conn, "ext:.M4A") == names(ids, "alac", "aac")
    assert select(conn, "ext:=m4a") == names(ids, "alac", "aac")
    assert select(conn, "ext:m4") == set()
    assert select(conn, "ext:wv") == names(ids, "wv")
    assert names(ids, "noext") <= select(conn, "no:ext")
    assert select(conn, "ext:folder") == set()
    assert select(conn, "ext:flac") == names(ids, "abbey1", "abbey2", "missing")


def test_an_interrupt_during_fold_stays_an_interrupt(tmp_path):
    """fold() is C code to SQLite: Ctrl-C landing while a statement folds rows must
    surface as KeyboardInterrupt after it, not as SQLite's "user-defined function
    raised exception" (which a Python function there turned it into)."""
    import signal

    from archiver.catalog.db import open_catalog

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with open_catalog(tmp_path / "c.db") as catalog:
            sql = (
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000)"
                " SELECT count(*) FROM n WHERE instr(fold('Nørðurljós ' || i), 'x') > 0"
            )
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            with pytest.raises(KeyboardInterrupt):
                catalog.execute(sql).fetchone()
                time.sleep(5)  # the statement was too quick: wait for the alarm here
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
