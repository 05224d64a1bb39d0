"""Edition clues, preferences and the edition decision (pure; issue 19)."""

from __future__ import annotations

import pytest

from archiver.musicbrainz import match as m
from archiver.musicbrainz.parse import Label, Recording, Release, ReleaseGroup, Track

GROUP = ReleaseGroup("g1", "Paper Moon", "Album", "1998-05-04")
LIVE = ReleaseGroup("g2", "Paper Moon", "Album", "2001-11-20", ("Live",))
COMP = ReleaseGroup("g3", "Paper Moon", "Album", "2005-10-10", ("Compilation",))


def f(n: int, **kw) -> m.FileInfo:
    base = dict(
        file_id=n,
        path=f"/m/a/{n}.flac",
        title=f"Song {n}",
        album="Paper Moon",
        albumartist="Vesper",
        tracknumber=n,
        duration=200.0 + n,
    )
    base.update(kw)
    return m.FileInfo(**base)


def album(*files: m.FileInfo) -> m.Album:
    return m.group_albums(files)[0]


def rel(mbid: str, **kw) -> Release:
    base = dict(
        mbid=mbid,
        title="Paper Moon",
        artist_credit="Vesper",
        track_count=2,
        medium_count=1,
        release_group=GROUP,
        status="Official",
        formats=("CD",),
    )
    base.update(kw)
    return Release(**base)


def track(n: int, length: float, rec: str | None = None) -> Track:
    return Track(
        mbid=f"t{n}-{length}",
        disc_number=1,
        position=n,
        number=str(n),
        title=f"Song {n}",
        artist_credit="Vesper",
        length=length,
        recording=Recording(mbid=rec or f"rec{n}", title=f"Song {n}"),
    )


# -- each clue --------------------------------------------------------------------


def test_barcode_upc_and_ean_are_one_number():
    assert m.barcode_penalty("0 12345 67890 5", "012345678905") == 0.0
    assert m.barcode_penalty("012345678905", "0012345678905") == 0.0  # EAN-13 of a UPC-A
    assert m.barcode_penalty("012345678905", "5012345678900") == 1.0
    assert m.barcode_penalty("012345678905", None) == m.UNKNOWN_CLUE
    assert m.barcode_penalty(None, "012345678905") is None
    assert m.barcode_penalty("none", "012345678905") is None  # no digits: no clue


def test_catalog_number_ignores_case_spaces_and_dashes():
    labels = (Label("Harbour", catalog_number="HR-101"), Label("Other", catalog_number="X 9"))
    assert m.catalognumber_penalty("hr 101", labels) == 0.0
    assert m.catalognumber_penalty("x9", labels) == 0.0
    assert m.catalognumber_penalty("HR 101 LP", labels) == 1.0
    assert m.catalognumber_penalty("HR 101", (Label("Harbour"),)) == m.UNKNOWN_CLUE
    assert m.catalognumber_penalty(None, labels) is None


def test_label_by_similarity():
    labels = (Label("Harbour Records"),)
    assert m.label_penalty("Harbour Records", labels) == 0.0
    assert m.label_penalty("Westside", labels) > 0.5
    assert m.label_penalty("Harbour Records", ()) == m.UNKNOWN_CLUE
    assert m.label_penalty("", labels) is None


def test_date_needs_more_than_a_year():
    assert m.date_penalty("1998", "1998-06-16") is None  # a bare year is the "year" penalty's
    assert m.date_penalty("1998-06-16", "1998-06-16") == 0.0
    assert m.date_penalty("1998-06", "1998-06-16") == 0.0
    assert m.date_penalty("1998-06-16", "1998-05-04") == 0.5
    assert m.date_penalty("1998-06-16", "2009-09-09") == 1.0
    assert m.date_penalty("1998-06-16", "1998") == m.UNKNOWN_CLUE / 2
    assert m.date_penalty("1998-06-16", None) == m.UNKNOWN_CLUE


def test_original_date_against_the_release_group():
    assert m.original_date_penalty("1998", "1998-05-04") == 0.0
    assert m.original_date_penalty("1998-05-04", "2001-11-20") == 1.0
    assert m.original_date_penalty("1998", None) == m.UNKNOWN_CLUE
    assert m.original_date_penalty(None, "1998") is None


def test_media_tag_and_hires_files():
    assert m.media_penalty('12" Vinyl', 16, 44100, ('12" Vinyl',)) == 0.0
    assert m.media_penalty("Vinyl", 16, 44100, ('12" Vinyl',)) == 0.0
    assert m.media_penalty("CD", 16, 44100, ("Digital Media",)) == 1.0
    assert m.media_penalty("CD", 16, 44100, ()) == m.UNKNOWN_CLUE
    # No media tag: a 24-bit or 96 kHz file points away from a CD edition...
    assert m.media_penalty(None, 24, 44100, ("CD",)) == 1.0
    assert m.media_penalty(None, 16, 96000, ("CD", "CD")) == 1.0
    assert m.media_penalty(None, 24, 96000, ("Digital Media",)) == 0.0
    assert m.media_penalty(None, 24, 96000, ('12" Vinyl',)) == 0.0
    # ...and a CD-quality file says nothing.
    assert m.media_penalty(None, 16, 44100, ("CD",)) is None


def test_group_type_live_and_compilation_need_the_tags():
    assert m.group_type_penalty(None, None, GROUP) == 0.0
    assert m.group_type_penalty(None, None, LIVE) == 1.0
    assert m.group_type_penalty(None, None, COMP) == 1.0
    assert m.group_type_penalty("album; live", None, LIVE) == 0.0
    assert m.group_type_penalty("album; live", None, GROUP) == 1.0
    assert m.group_type_penalty(None, 1, COMP) == 0.0  # the compilation flag says so
    assert m.group_type_penalty("album", None, GROUP) == 0.0
    assert m.group_type_penalty(None, None, None) is None


def test_disc_count_from_totals_or_disc_numbers():
    assert m.disc_count(album(f(1), f(2))) is None
    assert m.disc_count(album(f(1, discnumber=1), f(2, discnumber=2))) == 2
    assert m.disc_count(album(f(1, totaldiscs=3))) == 3


def test_lengths_and_bonus_from_the_assignment():
    a = album(f(1, duration=200.0), f(2, duration=300.0))
    same = rel("a", tracks=(track(1, 200.5), track(2, 300.4)))
    longer = rel("b", tracks=(track(1, 206.0), track(2, 305.5)))
    deluxe = rel("c", tracks=(track(1, 200.0), track(2, 300.0), track(3, 100.0), track(4, 90.0)))
    d_same, _ = m.release_distance(a, same)
    d_longer, _ = m.release_distance(a, longer)
    d_deluxe, _ = m.release_distance(a, deluxe)
    assert d_same.penalties["lengths"] == 0.0 and d_same.penalties["bonus"] == 0.0
    assert d_longer.penalties["lengths"] == pytest.approx((5 + 4.5) / 2 / 9)  # s beyond the grace
    assert d_deluxe.penalties["bonus"] == 0.5
    assert d_same.score > d_longer.score and d_same.score > d_deluxe.score


def test_raw_release_hints_in_every_tag_family():
    assert m.raw_release_hints('{"MEDIA": ["12\\" Vinyl"], "RELEASECOUNTRY": ["GB"]}') == {
        "media": '12" Vinyl',
        "country": "GB",
    }
    id3 = {
        "TMED": ["CD"],
        "TXXX:MusicBrainz Album Release Country": ["US"],
        "TXXX:MusicBrainz Album Status": ["official"],
        "TXXX:MusicBrainz Album Type": ["album", "live"],
    }
    assert m.raw_release_hints(id3) == {
        "media": "CD",
        "country": "US",
        "status": "official",
        "type": "album; live",
    }
    mp4 = {"----:com.apple.iTunes:MusicBrainz Album Status": ["bootleg"]}
    assert m.raw_release_hints(mp4) == {"status": "bootleg"}
    ape = {"APEv2:MUSICBRAINZ_ALBUMTYPE": ["compilation"], "Media": ["Digital Media"]}
    assert m.raw_release_hints(ape) == {"type": "compilation", "media": "Digital Media"}
    assert m.raw_release_hints('{"TITLE": ["x"]}') == {}
    assert m.raw_release_hints("not json, with media") == {}
    assert m.raw_release_hints(None) == {}


def test_file_info_reads_the_clues_from_a_row():
    row = dict(
        file_id=1,
        path="/m/a/1.flac",
        barcode="5012345; 999",
        catalognumber="HR 101",
        label="Harbour",
        originaldate="1998",
        raw='{"RELEASESTATUS": ["bootleg"]}',
        bits_per_sample=24,
        sample_rate=96000,
    )
    info = m.FileInfo.from_row(row)
    assert (info.barcode, info.catalognumber, info.label, info.originaldate) == (
        "5012345",
        "HR 101",
        "Harbour",
        "1998",
    )
    assert (info.releasestatus, info.bits_per_sample, info.sample_rate) == ("bootleg", 24, 96000)


def test_every_clue_is_a_named_penalty_of_the_search_score():
    files = [
        f(
            n,
            date="1998-06-16",
            originaldate="1998",
            barcode="012345678905",
            catalognumber="WS-2001",
            label="Westside",
            releasecountry="US",
            releasestatus="Official",
            media="CD",
            discnumber=1,
            totaldiscs=1,
        )
        for n in (1, 2)
    ]
    a = album(*files)
    us = rel(
        "us",
        date="1998-06-16",
        country="US",
        barcode="012345678905",
        labels=(Label("Westside", catalog_number="WS-2001"),),
    )
    gb = rel(
        "gb",
        date="1998-05-04",
        country="GB",
        barcode="5012345678900",
        labels=(Label("Harbour Records", catalog_number="HR 101"),),
        formats=("Digital Media",),
        medium_count=2,
        status="Bootleg",
    )
    d_us, d_gb = m.search_distance(a, us), m.search_distance(a, gb)
    clues = {
        "date",
        "original_date",
        "barcode",
        "catalognumber",
        "label",
        "media",
        "country",
        "status",
        "group_type",
        "discs",
    }
    assert clues <= set(d_us.penalties) and clues <= set(d_gb.penalties)
    assert all(d_us.penalties[c] == 0.0 for c in clues)
    assert all(d_gb.penalties[c] > 0.0 for c in clues - {"original_date", "group_type"})
    assert m.clue_reason(d_us, d_gb) == "clue: barcode"  # the heaviest difference


# -- preferences --------------------------------------------------------------------


def test_default_prefers_official_and_nothing_else():
    prefs = m.Preferences()
    official, bootleg = rel("o"), rel("b", status="Bootleg")
    promo, pseudo = rel("p", status="Promotion"), rel("s", status="Pseudo-Release")
    assert m.preference_key(official, prefs) < m.preference_key(bootleg, prefs)
    assert m.preference_key(bootleg, prefs) == m.preference_key(promo, prefs)
    assert m.preference_key(promo, prefs) == m.preference_key(pseudo, prefs)
    gb, us = rel("gb", country="GB"), rel("us", country="US", formats=("Vinyl",))
    assert m.preference_key(gb, prefs) == m.preference_key(us, prefs)


def test_preference_order_status_type_country_format_original():
    prefs = m.Preferences(
        countries=("GB", "US"),
        formats=("CD", "Digital Media"),
        types=("Album",),
        statuses=("Official",),
        original=True,
    )
    candidates = {
        "us-cd-1998": rel("1", country="US", date="1998-06-16"),
        "gb-digital-2012": rel("2", country="GB", formats=("Digital Media",), date="2012"),
        "gb-cd-2009": rel("3", country="GB", date="2009-09-09"),
        "gb-cd-1998": rel("4", country="GB", date="1998-05-04"),
        "de-vinyl-1998": rel("5", country="DE", formats=('12" Vinyl',), date="1998"),
        "gb-cd-bootleg": rel("6", country="GB", status="Bootleg", date="1990"),
        "gb-cd-live": rel("7", country="GB", release_group=LIVE, date="1990"),
    }
    ranked = sorted(candidates, key=lambda k: m.preference_key(candidates[k], prefs))
    assert ranked == [
        "gb-cd-1998",
        "gb-cd-2009",
        "gb-digital-2012",
        "us-cd-1998",
        "de-vinyl-1998",
        "gb-cd-live",  # type Live is not a preferred type
        "gb-cd-bootleg",  # status first
    ]
    assert (
        m.preference_reason(candidates["gb-cd-1998"], candidates["us-cd-1998"], prefs)
        == "preference: country GB"
    )
    assert (
        m.preference_reason(candidates["gb-cd-2009"], candidates["gb-digital-2012"], prefs)
        == "preference: format CD"
    )
    assert (
        m.preference_reason(candidates["gb-cd-1998"], candidates["gb-cd-2009"], prefs)
        == "preference: original 1998-05-04"
    )


def test_country_and_format_ranks_follow_the_given_order():
    prefs = m.Preferences(countries=("US", "GB"), formats=("Vinyl", "CD"))
    gb_cd, us_cd, gb_vinyl = (
        rel("1", country="GB"),
        rel("2", country="US"),
        rel("3", country="GB", formats=('12" Vinyl',)),
    )
    assert m.preference_key(us_cd, prefs) < m.preference_key(gb_vinyl, prefs)
    assert m.preference_key(gb_vinyl, prefs) < m.preference_key(gb_cd, prefs)


# -- the decision ---------------------------------------------------------------------


def _decide(files, releases, prefs: m.Preferences | None = None):
    a = album(*files)
    distances = [m.search_distance(a, r) for r in releases]
    return m.decide_edition(releases, distances, prefs or m.Preferences(), m.SEARCH_THRESHOLD)


def test_a_clue_decides_before_any_preference():
    files = [f(1, date="1998"), f(2, date="1998")]
    gb, us = rel("gb", country="GB", date="2009"), rel("us", country="US", date="1998")
    d = _decide(files, [gb, us], m.Preferences(countries=("GB",)))
    assert (d.status, d.best, d.reason) == ("matched", 1, "clue: year")


def test_a_preference_decides_what_the_files_cannot():
    files = [f(1), f(2)]
    gb, us = rel("gb", country="GB"), rel("us", country="US")
    d = _decide(files, [gb, us], m.Preferences(countries=("US", "GB")))
    assert (d.status, d.best, d.reason) == ("matched", 1, "preference: country US")
    d = _decide(files, [gb, rel("boot", status="Bootleg")])
    assert (d.status, d.best, d.reason) == ("matched", 0, "preference: status Official")


def test_equal_editions_stay_open_preferred_first():
    files = [f(1), f(2)]
    releases = [rel("b", country="US"), rel("a", country="GB"), rel("c", country="DE")]
    d = _decide(files, releases, m.Preferences(countries=("FR",)))
    assert d.status == "open" and d.close == (1, 0, 2)  # ties by id


def test_different_groups_stay_ambiguous():
    files = [f(1, releasetype="album; live"), f(2, releasetype="album; live")]
    # The tags ask for a live album, both groups are Live: no edition question.
    one = rel("a", release_group=LIVE)
    other = rel("b", release_group=ReleaseGroup("g9", "Paper Moon", "Album", None, ("Live",)))
    d = _decide(files, [one, other])
    assert d.status == "ambiguous" and set(d.close) == {0, 1}


def test_the_live_and_the_compilation_group_fall_behind():
    files = [f(1), f(2)]
    studio, live, comp = rel("s"), rel("l", release_group=LIVE), rel("c", release_group=COMP)
    d = _decide(files, [live, comp, studio])
    assert (d.status, d.best) == ("matched", 2)


def test_no_release_group_keeps_the_old_rule():
    files = [f(1), f(2)]
    d = _decide(files, [rel("a", release_group=None), rel("b", release_group=None)])
    assert d.status == "ambiguous"


def test_lookup_order_one_per_year_first():
    releases = [
        rel("a", date="1998-05-04"),
        rel("b", date="1998-06-16"),
        rel("c", date="2009"),
        rel("d", date=None),
        rel("e", date="2012"),
    ]
    assert m.lookup_order(releases, [0, 1, 2, 3, 4]) == [0, 2, 3, 4, 1]


def test_same_recordings_compares_files_to_recordings():
    a = album(f(1), f(2))
    one = m.assign(a.files, [track(1, 201.0), track(2, 202.0)])
    two = m.assign(a.files, [track(1, 201.0), track(2, 202.0)])
    other = m.assign(a.files, [track(1, 201.0), track(2, 202.0, rec="live2")])
    found = m.same_recordings([one, two])
    assert found is not None and {t.recording.mbid for t in found.values()} == {"rec1", "rec2"}
    assert m.same_recordings([one, other]) is None
    assert m.same_recordings([]) is None


# -- from real files, through the scanner ----------------------------------------------


@pytest.mark.parametrize("fmt", ["flac", "mp3", "m4a", "ogg", "wma", "wv"])
def test_release_hints_from_scanned_files(tmp_path, fmt):
    """Picard's media / release country / status / type tags, written natively in
    each tag family by the test oracle, reach FileInfo through scan and tags.raw."""
    from archiver.catalog import open_catalog
    from archiver.catalog.musicbrainz import files_to_enrich
    from archiver.scan import scan
    from tests import audiogen

    if fmt not in audiogen.FORMATS:
        pytest.skip(f"no {fmt} template")
    lib = tmp_path / "lib"
    lib.mkdir()
    tags = {
        "title": "Lamplight",
        "album": "Paper Moon",
        "media": '12" Vinyl',
        "releasecountry": "GB",
        "releasestatus": "official",
        "releasetype": "album",
        "barcode": "5012345678900",
        "catalognumber": "HR 101",
    }
    audiogen.make_file(lib / f"a.{fmt}", fmt, tags, strict=False)
    db = tmp_path / "library.db"
    scan(db, [lib], jobs=1)
    with open_catalog(db) as catalog:
        (row,) = files_to_enrich(catalog.conn)
    info = m.FileInfo.from_row(row)
    written = audiogen.supported_fields(audiogen.FAMILY[fmt])
    expect = {
        "media": ('12" Vinyl', info.media),
        "releasecountry": ("GB", info.releasecountry),
        "releasestatus": ("official", info.releasestatus),
        "releasetype": ("album", info.releasetype),
        "barcode": ("5012345678900", info.barcode),
        "catalognumber": ("HR 101", info.catalognumber),
    }
    checked = {k: v for k, v in expect.items() if k in written}
    assert checked and all(want == got for want, got in checked.values()), checked
