"""Pure matching logic: text, penalties, assignment, decisions, queries, grouping."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.musicbrainz import match as m
from archiver.musicbrainz.parse import Recording, Release, ReleaseRef, Track


def f(file_id: int, title: str | None = None, *, path: str | None = None, **kw) -> m.FileInfo:
    return m.FileInfo(file_id=file_id, path=path or f"/music/a/{file_id}.flac", title=title, **kw)


def t(
    position: int,
    title: str,
    length: float | None,
    disc: int = 1,
    mbid: str | None = None,
    rec: str | None = None,
) -> Track:
    return Track(
        mbid=mbid or f"t{disc}-{position}",
        disc_number=disc,
        position=position,
        number=str(position),
        title=title,
        artist_credit=None,
        length=length,
        recording=Recording(mbid=rec or f"r{disc}-{position}", title=title),
    )


# -- text -----------------------------------------------------------------------


def test_normalize_ignores_case_accents_punctuation():
    assert m.normalize("Björk — Jóga!") == "bjork joga"
    assert m.normalize("Salt & Iron") == "salt and iron"
    assert m.normalize(None) == "" and m.normalize("  ") == ""


def test_similarity():
    assert m.similarity("The Lanterns", "the lanterns") == 1.0
    assert m.similarity("Aurora, Part I", "Aurora Part I") == 1.0
    assert m.similarity("Beatles, The", "The Beatles") == 1.0  # token order
    assert m.similarity(None, "x") is None and m.similarity("", "x") is None
    assert m.similarity("Morning Light", "Coda") < 0.4
    assert 0.5 < m.similarity("Quiet Engines", "Quiet Engines (Live)") < 1.0


def test_length_penalty():
    assert m.length_penalty(200, 201.9) == 0.0
    assert m.length_penalty(200, 260) == 1.0
    assert m.length_penalty(200, 216) == pytest.approx(0.5)
    assert m.length_penalty(None, 200) is None


def test_distance_is_a_weighted_mean_of_named_penalties():
    d = m.Distance({"a": 3.0, "b": 1.0})
    d.add("a", 0.0)
    d.add("b", 1.0)
    d.add("missing", None)
    assert d.distance == pytest.approx(0.25) and d.score == pytest.approx(0.75)
    assert d.rounded() == {"a": 0.0, "b": 1.0}
    d.add("a", 7)  # clamped
    assert d.penalties["a"] == 1.0
    assert m.Distance({}).score == 0.0


# -- assignment ------------------------------------------------------------------


def brute_force(cost: list[list[float]]) -> float:
    n, cols = len(cost), len(cost[0])
    return min(sum(cost[i][p[i]] for i in range(n)) for p in itertools.permutations(range(cols), n))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda n: st.integers(n, 6).flatmap(
            lambda k: st.lists(
                st.lists(st.floats(0, 10, allow_nan=False), min_size=k, max_size=k),
                min_size=n,
                max_size=n,
            )
        )
    )
)
def test_hungarian_is_optimal(cost):
    columns = m.hungarian(cost)
    assert len(set(columns)) == len(cost) and all(0 <= c < len(cost[0]) for c in columns)
    assert sum(cost[i][c] for i, c in enumerate(columns)) == pytest.approx(brute_force(cost))


def test_hungarian_edges():
    assert m.hungarian([]) == []
    assert m.hungarian([[5.0]]) == [0]
    with pytest.raises(ValueError):
        m.hungarian([[1.0], [2.0]])


def test_hungarian_beats_greedy():
    # Greedy takes (0,0)=1 then (1,1)=100; the optimum is 2 + 2.
    cost = [[1.0, 2.0], [2.0, 100.0]]
    assert m.hungarian(cost) == [1, 0]


def test_hungarian_large_is_consistent():
    rng = random.Random(7)
    n = 40
    cost = [[rng.random() for _ in range(n)] for _ in range(n)]
    perm = list(range(n))
    rng.shuffle(perm)
    for i, j in enumerate(perm):
        cost[i][j] = 0.0  # a perfect hidden assignment
    assert m.hungarian(cost) == perm


def test_assign_uses_titles_and_lengths_not_file_order():
    tracks = [t(1, "Ignition", 210), t(2, "Idle", 185), t(3, "Torque", 256)]
    files = [
        f(1, "Torque", duration=255),
        f(2, "Ignition", duration=209),
        f(3, "Idle", duration=186),
    ]
    a = m.assign(files, tracks)
    assert {fid: tr.position for fid, (tr, _) in a.pairs.items()} == {1: 3, 2: 1, 3: 2}
    assert a.unassigned == [] and a.mean_distance < 0.05


def test_assign_by_lengths_when_titles_are_missing():
    tracks = [t(1, "A", 100), t(2, "B", 300), t(3, "C", 200)]
    files = [f(1, None, duration=199), f(2, None, duration=101), f(3, None, duration=301)]
    a = m.assign(files, tracks)
    assert {fid: tr.position for fid, (tr, _) in a.pairs.items()} == {1: 3, 2: 1, 3: 2}


def test_assign_leaves_a_bonus_track_unassigned():
    tracks = [t(1, "One", 100), t(2, "Two", 200)]
    files = [
        f(1, "One", duration=100, tracknumber=1),
        f(2, "Two", duration=200, tracknumber=2),
        f(3, "Secret Bonus Jam", duration=640, tracknumber=3),
    ]
    a = m.assign(files, tracks)
    assert set(a.pairs) == {1, 2} and a.unassigned == [3]


def test_assign_ids_win_over_text():
    tracks = [t(1, "Same", 100, mbid="T1", rec="R1"), t(2, "Same", 100, mbid="T2", rec="R2")]
    files = [
        f(1, "Same", duration=100, track_id="T2"),
        f(2, "Same", duration=100, recording_id="R1"),
    ]
    a = m.assign(files, tracks)
    assert a.pairs[1][0].mbid == "T2" and a.pairs[2][0].mbid == "T1"


def test_assign_respects_discs():
    tracks = [t(1, "Intro", 60, disc=1), t(1, "Intro", 60, disc=2)]
    files = [f(1, "Intro", duration=60, tracknumber=1, discnumber=2)]
    a = m.assign(files, tracks)
    assert a.pairs[1][0].disc_number == 2


def test_track_distance_components():
    d = m.track_distance(f(1, "Idle", duration=185, tracknumber=2), t(2, "Idle", 185))
    assert d.penalties == {"title": 0.0, "length": 0.0, "position": 0.0}
    d = m.track_distance(f(1, "Idle", duration=185, tracknumber=3), t(2, "Idle", 185))
    assert d.penalties["position"] == 1.0
    assert m.track_distance(f(1), t(1, "", None)).penalties == {"title": 0.5}


# -- albums and candidates ---------------------------------------------------------


def album(files: list[m.FileInfo], name="Quiet Engines", artist="Halcyon Drive") -> m.Album:
    return m.Album(key="k", albumartist=artist, album=name, folder="/music/a", files=files)


def test_search_distance_prefers_the_right_release():
    files = [f(i, f"T{i}", date="2015") for i in range(1, 5)]
    a = album(files)
    right = Release(
        mbid="r",
        title="Quiet Engines",
        artist_credit="Halcyon Drive",
        track_count=4,
        date="2015-03-09",
    )
    live = Release(
        mbid="l",
        title="Quiet Engines (Live)",
        artist_credit="Halcyon Drive",
        track_count=12,
        date="2016",
    )
    other = Release(mbid="o", title="Quiet Engines", artist_credit="Somebody Else", track_count=4)
    scores = [m.search_distance(a, r).score for r in (right, live, other)]
    assert scores[0] == 1.0 and scores[1] < 0.7 and scores[2] < scores[0]
    assert m.decide(scores, m.SEARCH_THRESHOLD) == m.Decision("matched", 0)


def test_release_distance_rejects_a_wrong_tracklist():
    files = [
        f(1, "Morning Light", duration=200, tracknumber=1),
        f(2, "Noonday", duration=210, tracknumber=2),
    ]
    a = album(files, "False Dawn", "The Meridians")
    wrong = Release(
        mbid="w",
        title="False Dawn",
        artist_credit="The Meridians",
        tracks=(t(1, "Overture for Strings", 95), t(2, "Variations in D", 612)),
    )
    d, assignment = m.release_distance(a, wrong)
    assert d.score < m.MATCH_THRESHOLD and assignment.unassigned == [1, 2]
    right = Release(
        mbid="r",
        title="False Dawn",
        artist_credit="The Meridians",
        tracks=(t(1, "Morning Light", 201), t(2, "Noonday", 209)),
    )
    d, assignment = m.release_distance(a, right)
    assert d.score == pytest.approx(1.0) and len(assignment.pairs) == 2


def test_decide():
    assert m.decide([], 0.8) == m.Decision("unmatched", None)
    assert m.decide([0.5], 0.8) == m.Decision("unmatched", None)
    assert m.decide([0.9], 0.8) == m.Decision("matched", 0)
    assert m.decide([0.9, 0.88], 0.8) == m.Decision("ambiguous", None)
    assert m.decide([0.6, 0.95, 0.8], 0.8) == m.Decision("matched", 1)
    assert m.decide([0.9, 0.9], 0.8).status == "ambiguous"


def test_release_ref_score_prefers_the_album_over_a_compilation():
    a = album([f(1, "Aurora, Part I"), f(2, "Aurora, Part II")], "Northern Lights Suite")
    own = ReleaseRef(mbid="own", title="Northern Lights Suite", status="Official", track_count=2)
    comp = ReleaseRef(mbid="comp", title="Best of Nordic Jazz", status="Official", track_count=18)
    assert m.release_ref_score(a, own) > m.release_ref_score(a, comp) + m.MARGIN


def test_recording_distance():
    file = f(1, "Lonely Signal", artist="Kite Theory", duration=200)
    good = Recording(mbid="g", title="Lonely Signal", artist_credit="Kite Theory", length=200.5)
    remix = Recording(
        mbid="r", title="Lonely Signal (Club Remix)", artist_credit="DJ Parallax", length=412
    )
    assert m.recording_distance(file, good).score == 1.0
    assert m.recording_distance(file, remix).score < 0.5


# -- queries ---------------------------------------------------------------------


def test_lucene_phrase_escapes_everything_special():
    assert m.lucene_phrase('AC/DC: "Live" [1992] (remaster) -x+y && z') == (
        r'"AC\/DC\: \"Live\" \[1992\] \(remaster\) \-x\+y \&\& z"'
    )
    assert m.lucene_phrase("  a   b ") == '"a b"'


def test_release_query():
    a = album(
        [f(1, "x", totaltracks=4), f(2, "y", totaltracks=4)], 'Quiet "Engines"', "Halcyon Drive"
    )
    assert (
        m.release_query(a) == r'release:"Quiet \"Engines\"" AND artist:"Halcyon Drive" AND tracks:4'
    )
    va = m.Album(
        key="k", albumartist=m.VARIOUS, album="Harbour Lights", folder="/", files=[f(1, "x")]
    )
    assert m.release_query(va) == 'release:"Harbour Lights" AND tracks:1'


def test_recording_query_uses_a_raw_range():
    file = f(1, "Lonely Signal", artist="Kite Theory", duration=200.2)
    assert (
        m.recording_query(file)
        == 'recording:"Lonely Signal" AND artist:"Kite Theory" AND dur:[197200 TO 203200]'
    )
    assert m.recording_query(f(1, "x")) == 'recording:"x"'


# -- grouping --------------------------------------------------------------------


def test_group_albums_by_albumartist_album_folder():
    files = [
        f(1, "a", path="/m/A/x/1.flac", album="X", albumartist="A", artist="A"),
        f(2, "b", path="/m/A/x/2.flac", album="x", albumartist="a", artist="A feat. B"),
        f(3, "c", path="/m/A/x2/3.flac", album="X", albumartist="A"),  # another folder
        f(4, "d", path="/m/VA/4.flac", album="Comp", artist="P"),
        f(5, "e", path="/m/VA/5.flac", album="Comp", artist="Q"),
        f(6, "loose", path="/m/singles/6.flac", artist="Z"),
    ]
    groups = m.group_albums(files)
    sizes = {(g.folder, g.album): [x.file_id for x in g.files] for g in groups}
    assert sizes[("/m/A/x", "X")] == [1, 2] or sizes[("/m/A/x", "x")] == [1, 2]
    assert sizes[("/m/A/x2", "X")] == [3]
    comp = next(g for g in groups if g.album == "Comp")
    assert [x.file_id for x in comp.files] == [4, 5] and comp.albumartist == m.VARIOUS
    loose = next(g for g in groups if g.loose)
    assert loose.files[0].file_id == 6 and loose.key == "track:/m/singles/6.flac"
    assert groups[-1].loose  # loose tracks come last
    assert len({g.key for g in groups}) == len(groups)


def test_album_helpers():
    a = album(
        [f(1, "x", totaltracks=12, date="2001-02-03"), f(2, "y", totaltracks=12, date="2001")]
    )
    assert a.expected_track_count() == 12 and a.year == 2001
    two_discs = album(
        [f(1, "x", discnumber=1, totaltracks=3), f(2, "y", discnumber=2, totaltracks=3)]
    )
    assert two_discs.expected_track_count() == 2
    assert (
        m.FileInfo.from_row(
            {"file_id": 1, "path": "/p", "isrc": "A; B", "musicbrainz_albumid": " id "}
        ).isrc
        == "A"
    )
