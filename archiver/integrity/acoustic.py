"""Acoustic duplicates: files that are the same recording, found from Chromaprint fingerprints.

A Chromaprint fingerprint is a sequence of 32-bit sub-fingerprints, about 8 a second
(:data:`FRAMES_PER_SECOND`), each describing the sound of a short window. Two encodings of one
recording (a FLAC and the MP3 made from it) give nearly the same sequence: a few bits differ
(about 1 % for MP3 128k or AAC on generated music, up to ~15 % for poor transcodes) and one may
be shifted by a few frames (different encoder delay or lead-in). Two different songs differ in
about 35-50 % of their bits whatever the shift.

How files are grouped (:func:`group_recordings`), without comparing all pairs:

1. **Index.** Every informative sub-fingerprint among the first :data:`INDEX_FRAMES` of a file
   (one that differs from its predecessor: silence and held tones repeat a value and say
   nothing) gives a key, its :data:`KEY_BITS` most significant bits (AcoustID's index keeps
   28 too). One key value in :data:`KEY_SAMPLE` is kept, chosen by a hash of the value, so
   copies keep the same keys and the index is half the size; files shorter than
   :data:`FULL_INDEX_BELOW` frames (~60 s) keep all their keys, as they have few (a short
   file and a long one are never candidates, their durations differ, and near the
   threshold the keys both index are still the sampled ones). Files sharing a key are listed
   with the offset between its two positions; a key shared by more than :data:`MAX_BUCKET`
   files (silence, hum) is a stop word and skipped. At a 15 % bit error rate a 28-bit key
   survives with probability 0.85**28 ≈ 1 %, so two 120 s copies still share ~5 sampled
   keys at their true offset (none in about 0.7 % of such pairs; at 10 % errors, ~25 keys),
   while two unrelated fingerprints share a key within the offset window about once in
   4,000 pairs of similar duration (475² / 2²⁷ × 0.13): few enough to verify each.
2. **Candidates.** A pair of files sharing at least :data:`MIN_HITS` key at an offset of at
   most :data:`MAX_OFFSET_FRAMES` (the offset with most shared keys is kept), whose
   durations agree within :data:`DURATION_TOLERANCE`. Pairs sharing a single key are
   capped at :data:`SINGLE_HIT_BUDGET` per file (closest durations first): unrelated real
   songs share single keys far more often than random sequences do (1 pair in 10 among
   generated songs of one length, against 1 in 4,000), while real copies share hundreds
   (an MP3 64k and its source: ~75 % of their keys).
3. **Verification.** The bit error rate over the aligned overlap, at the offset the index
   found and its neighbours (±:data:`ALIGN_SLACK` frames), counted only where at least one
   side is informative; the pair matches when it is at most :data:`MAX_BER` over at least
   :data:`MIN_COMPARED_FRAMES` frames.
4. **Groups.** Matches are merged best first (union-find), refusing a merge that would make a
   group's durations span more than the tolerance, so chains of near-misses cannot join an
   excerpt to the whole song.

The duration tolerance is AcoustID's: 7 s, whatever the length. A proportional allowance
(5 % of 10 minutes is 30 s) would let an edit or an excerpt of a long track join it; a
transcode, a re-rip or a different pregap changes the duration by well under 7 s.

Everything here is pure except :func:`fingerprint_rows` (the one read, of the current
analyses of ``archiver analyze``: its SQL is in :mod:`archiver.catalog.analysis`) and
:func:`acoustic_groups`, its caller.
"""

from __future__ import annotations

import array
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from archiver.catalog import analysis
from archiver.catalog.duplicates import CopyRow
from archiver.errors import ArchiverError
from archiver.integrity.duplicates import Copy, DuplicateGroup, rank_copies

FRAMES_PER_SECOND = 11025 / 1365.33  # Chromaprint's default: 11025 Hz, hop of 4096/3 samples
DURATION_TOLERANCE = 7.0  # seconds, as AcoustID: same recording when durations agree within it
KEY_BITS = 28  # most significant bits of a sub-fingerprint used as an index key
INDEX_FRAMES = 1024  # index the first ~127 s (fpcalc's default 120 s gives ~950 frames)
MAX_BUCKET = 100  # a key in more files than this is a stop word (silence, hum)
KEY_SAMPLE = 2  # index one key value in this many (a power of two)...
FULL_INDEX_BELOW = 480  # ...except in fingerprints shorter than this (~60 s): all their keys
MIN_HITS = 1  # shared keys at one offset that make a pair worth verifying...
SINGLE_HIT_BUDGET = 4  # ...but pairs with one shared key: at most this many per file
MAX_OFFSET_FRAMES = 64  # ~8 s: how far apart the same moment may sit in two copies
ALIGN_SLACK = 1  # frames either side of the index's offset tried when verifying
MAX_BER = 0.25  # at most this share of differing bits: the same recording
_RETRY_BER = 0.40  # a candidate this close at the index's offset is tried at its neighbours
MIN_COMPARED_FRAMES = 40  # ~5 s of informative frames compared, or no verdict

_POS_BITS = 10  # INDEX_FRAMES == 1 << _POS_BITS
_FILE_BITS = 26  # up to 67 million files
_OFF_BITS = 11  # offsets -1023..1023 shifted to 1..2047
_PARTITIONS = 16  # the index is built in slices of key space to bound memory
_BLOCK = 1 << 20  # frames per block when building the index


@dataclass(frozen=True)
class Match:
    """Two files found to be the same recording: their fingerprints' bit error rate at
    ``offset`` (frames ``b`` lags ``a``)."""

    a: int
    b: int
    ber: float
    offset: int


class _Fingerprints:
    """All fingerprints concatenated in one uint32 array, with per-file start and length."""

    def __init__(self, items: Iterable[tuple[int, float, Sequence[int]]]) -> None:
        ids: list[int] = []
        durations: list[float] = []
        arrays: list[np.ndarray] = []
        for file_id, duration, raw in items:
            ids.append(int(file_id))
            durations.append(float(duration))
            arrays.append(np.asarray(raw, dtype=np.uint32).ravel())
        self.ids = np.array(ids, dtype=np.int64)
        self.durations = np.array(durations, dtype=np.float64)
        self.lengths = np.array([len(a) for a in arrays], dtype=np.int64)
        self.starts = np.zeros(len(arrays), dtype=np.int64)
        if len(arrays) > 1:
            np.cumsum(self.lengths[:-1], out=self.starts[1:])
        self.frames = np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.uint32)
        del arrays
        # Informative: differs from the previous frame of the same file (a file's first is).
        informative = np.ones(len(self.frames), dtype=bool)
        if len(self.frames) > 1:
            np.not_equal(self.frames[1:], self.frames[:-1], out=informative[1:])
        informative[self.starts[self.lengths > 0]] = True
        self.informative = informative


def _pairs_in_buckets(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j), i < j, of equal neighbours in sorted ``keys``: every pair within
    every run of equal keys, runs longer than MAX_BUCKET skipped (vectorised by gap)."""
    n = len(keys)
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    run_start = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    run_len = np.diff(np.append(run_start, n))
    keep = (run_len >= 2) & (run_len <= MAX_BUCKET)
    run_start, run_len = run_start[keep], run_len[keep]
    if len(run_start) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    # Members of kept runs, with the end of their run.
    members = np.repeat(run_start, run_len) + _ramp(run_len)
    ends = np.repeat(run_start + run_len, run_len)
    firsts, seconds = [], []
    gap = 1
    while len(members):
        ok = members + gap < ends
        members, ends = members[ok], ends[ok]
        firsts.append(members)
        seconds.append(members + gap)
        gap += 1
    return np.concatenate(firsts), np.concatenate(seconds)


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """0..len-1 for each length, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)


def _sampled(frames: np.ndarray) -> np.ndarray:
    """Keys kept by consistent sampling: one in KEY_SAMPLE, chosen by a hash of the key's
    value, so two copies keep the same keys and the index shrinks KEY_SAMPLE-fold."""
    keys = frames >> np.uint32(32 - KEY_BITS)
    mixed = keys * np.uint32(0x9E3779B1)  # Fibonacci hashing: the top bits mix all bits
    return (mixed >> np.uint32(32 - KEY_SAMPLE.bit_length() + 1)) == 0


def _index_entries(fps: _Fingerprints) -> list[np.ndarray]:
    """Index entries ``key << 36 | file index << 10 | position`` for each indexed frame
    (informative, among the first INDEX_FRAMES of its file, key kept by the sampling or
    the file short),
    split by the key's top 4 bits into _PARTITIONS arrays. Built from blocks of about
    _BLOCK frames so that no temporary is the size of all the fingerprints."""
    parts: list[list[np.ndarray]] = [[] for _ in range(_PARTITIONS)]
    n_files = len(fps.ids)
    first = 0
    while first < n_files:
        last = int(np.searchsorted(fps.starts, fps.starts[first] + _BLOCK, side="right"))
        last = max(last, first + 1)
        lengths = fps.lengths[first:last]
        lo, hi = int(fps.starts[first]), int(fps.starts[first] + lengths.sum())
        frames = fps.frames[lo:hi]
        file_of = np.repeat(np.arange(first, last, dtype=np.int64), lengths)
        pos = np.arange(lo, hi, dtype=np.int64) - fps.starts[file_of]
        short = np.repeat(lengths < FULL_INDEX_BELOW, lengths)
        keep = fps.informative[lo:hi] & (pos < INDEX_FRAMES) & (short | _sampled(frames))
        entry = (
            ((frames[keep] >> np.uint32(32 - KEY_BITS)).astype(np.uint64) << np.uint64(36))
            | (file_of[keep].astype(np.uint64) << np.uint64(_POS_BITS))
            | pos[keep].astype(np.uint64)
        )
        part = (entry >> np.uint64(60)).astype(np.uint8)
        order = np.argsort(part, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(part, minlength=_PARTITIONS))))
        entry = entry[order]
        for k in range(_PARTITIONS):
            if bounds[k + 1] > bounds[k]:
                parts[k].append(entry[bounds[k] : bounds[k + 1]])
        first = last
    return [np.concatenate(p) if p else np.zeros(0, dtype=np.uint64) for p in parts]


def candidate_pairs(fps: _Fingerprints) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(file index a, file index b, offset, hits) for pairs sharing at least MIN_HITS keys
    at one offset, durations within the tolerance; a < b; the best offset of each pair."""
    if len(fps.ids) >= 1 << _FILE_BITS:
        raise ValueError(f"at most {1 << _FILE_BITS} fingerprints at a time")
    parts = _index_entries(fps)
    codes: list[np.ndarray] = []
    for part in range(_PARTITIONS):
        entry = parts[part]
        parts[part] = None  # type: ignore[call-overload]  # free as we go
        if len(entry) < 2:
            continue
        entry.sort()
        # One entry per (key, file): its first position.
        key_file = entry >> np.uint64(_POS_BITS)
        first = np.concatenate(([True], key_file[1:] != key_file[:-1]))
        entry = entry[first]
        del key_file, first
        i, j = _pairs_in_buckets(entry >> np.uint64(36))
        if len(i) == 0:
            continue
        ei, ej = entry[i], entry[j]
        del entry, i, j
        mask = np.uint64((1 << _FILE_BITS) - 1)
        fa = ((ei >> np.uint64(_POS_BITS)) & mask).astype(np.int64)
        fb = ((ej >> np.uint64(_POS_BITS)) & mask).astype(np.int64)
        pmask = np.uint64(INDEX_FRAMES - 1)
        offset = (ej & pmask).astype(np.int64) - (ei & pmask).astype(np.int64)
        ok = (np.abs(offset) <= MAX_OFFSET_FRAMES) & (
            np.abs(fps.durations[fa] - fps.durations[fb]) <= DURATION_TOLERANCE
        )
        # fa < fb always: entries sort by file within a key, one per (key, file).
        code = (
            (fa[ok] << (_FILE_BITS + _OFF_BITS))
            | (fb[ok] << _OFF_BITS)
            | (offset[ok] + (1 << (_OFF_BITS - 1)))
        )
        codes.append(code)
    if not codes:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    code, hits = np.unique(np.concatenate(codes), return_counts=True)
    del codes
    strong = hits >= MIN_HITS
    code, hits = code[strong], hits[strong]
    pair = code >> _OFF_BITS
    # Best offset per pair: most hits (codes are sorted by pair, then offset).
    order = np.lexsort((-hits, pair))
    code, hits, pair = code[order], hits[order], pair[order]
    first = np.concatenate(([True], pair[1:] != pair[:-1])) if len(pair) else np.zeros(0, bool)
    code, hits = code[first], hits[first]
    a = code >> (_FILE_BITS + _OFF_BITS)
    b = (code >> _OFF_BITS) & ((1 << _FILE_BITS) - 1)
    offset = (code & ((1 << _OFF_BITS) - 1)) - (1 << (_OFF_BITS - 1))
    # Pairs resting on a single shared key: all verified while they are few (random
    # sub-fingerprints); real music shares single keys between unrelated songs far more
    # often, so beyond the budget only those closest in duration are (copies sharing one
    # key only are rare in real audio: they share hundreds).
    single = np.flatnonzero(hits < 2)
    budget = SINGLE_HIT_BUDGET * len(fps.ids)
    if len(single) > budget:
        gap = np.abs(fps.durations[a[single]] - fps.durations[b[single]])
        dropped = single[np.lexsort((b[single], a[single], gap))[budget:]]
        keep = np.ones(len(a), dtype=bool)
        keep[dropped] = False
        a, b, offset, hits = a[keep], b[keep], offset[keep], hits[keep]
    return a, b, offset, hits


def _bit_errors(
    fps: _Fingerprints, a: np.ndarray, b: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(bit error rate, frames compared) of each pair at its offset, vectorised: frame k of
    ``a`` against frame k + offset of ``b`` where both exist and either is informative."""
    start_a = fps.starts[a] + np.maximum(-offset, 0)
    start_b = fps.starts[b] + np.maximum(offset, 0)
    overlap = np.minimum(
        fps.lengths[a] - np.maximum(-offset, 0), fps.lengths[b] - np.maximum(offset, 0)
    )
    overlap = np.maximum(overlap, 0)
    errors = np.zeros(len(a), dtype=np.int64)
    compared = np.zeros(len(a), dtype=np.int64)
    batch = max(1, 2_000_000 // max(1, int(overlap.max(initial=1))))
    for lo in range(0, len(a), batch):
        hi = min(lo + batch, len(a))
        width = int(overlap[lo:hi].max(initial=0))
        if width == 0:
            continue
        steps = np.arange(width, dtype=np.int64)
        valid = steps[None, :] < overlap[lo:hi, None]
        ia = np.where(valid, start_a[lo:hi, None] + steps, 0)
        ib = np.where(valid, start_b[lo:hi, None] + steps, 0)
        use = valid & (fps.informative[ia] | fps.informative[ib])
        bits = np.bitwise_count(fps.frames[ia] ^ fps.frames[ib]).astype(np.int64)
        errors[lo:hi] = np.where(use, bits, 0).sum(axis=1)
        compared[lo:hi] = use.sum(axis=1)
    ber = np.where(compared > 0, errors / np.maximum(compared, 1) / 32.0, 1.0)
    return ber, compared


def find_matches(fps: _Fingerprints) -> list[Match]:
    """Verified pairs, best (lowest bit error rate) first."""
    a, b, offset, _hits = candidate_pairs(fps)
    if len(a) == 0:
        return []
    best_ber, compared = _bit_errors(fps, a, b, offset)
    best_ber = np.where(compared >= MIN_COMPARED_FRAMES, best_ber, 2.0)
    best_off = offset.copy()
    # Near misses only (unrelated pairs sit near 0.5): try the neighbouring alignments,
    # for copies shifted by a fraction of a frame.
    near = np.flatnonzero((best_ber > MAX_BER) & (best_ber <= _RETRY_BER))
    for slack in range(-ALIGN_SLACK, ALIGN_SLACK + 1):
        if slack == 0 or len(near) == 0:
            continue
        ber, compared = _bit_errors(fps, a[near], b[near], offset[near] + slack)
        ber = np.where(compared >= MIN_COMPARED_FRAMES, ber, 2.0)
        better = ber < best_ber[near]
        best_ber[near[better]] = ber[better]
        best_off[near[better]] = offset[near[better]] + slack
    ok = np.flatnonzero(best_ber <= MAX_BER)
    order = ok[np.lexsort((b[ok], a[ok], best_ber[ok]))]
    return [
        Match(int(fps.ids[a[k]]), int(fps.ids[b[k]]), float(best_ber[k]), int(best_off[k]))
        for k in order
    ]


def group_recordings(
    items: Iterable[tuple[int, float, Sequence[int]]],
) -> list[list[int]]:
    """Groups (two files or more) of file ids that are the same recording, from
    ``(file_id, duration_seconds, raw_fingerprint)``; each group sorted, groups by their
    first id. Pure; see the module doc for the method and its thresholds."""
    fps = _Fingerprints(items)
    matches = find_matches(fps)
    return _union(matches, dict(zip(fps.ids.tolist(), fps.durations.tolist(), strict=True)))


def _union(matches: list[Match], durations: dict[int, float]) -> list[list[int]]:
    """Union-find over matches in order, keeping each group's duration span within the
    tolerance (a merge that would stretch it is refused)."""
    parent: dict[int, int] = {}
    span: dict[int, tuple[float, float]] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for m in matches:
        ra, rb = find(m.a), find(m.b)
        if ra == rb:
            continue
        lo_a, hi_a = span.get(ra, (durations[m.a], durations[m.a]))
        lo_b, hi_b = span.get(rb, (durations[m.b], durations[m.b]))
        lo, hi = min(lo_a, lo_b), max(hi_a, hi_b)
        if hi - lo > DURATION_TOLERANCE:
            continue
        root, child = min(ra, rb), max(ra, rb)
        parent[child] = root
        parent.setdefault(root, root)
        span[root] = (lo, hi)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


# --- the catalog side ---------------------------------------------------------------------------


class ChromaprintMissing(ArchiverError):
    """The Chromaprint library (needed to decode stored fingerprints) is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "acoustic duplicates need the Chromaprint library to read fingerprints"
            " (Debian/Ubuntu: apt install libchromaprint1; macOS: brew install chromaprint)"
        )


def decode_fingerprint(text: str) -> np.ndarray | None:
    """The raw sub-fingerprints (uint32) of a compressed base64 fingerprint as ``fpcalc``
    prints it, or None when it is not one. Raises :class:`ChromaprintMissing`.

    Through pyacoustid's binding to libchromaprint. A numpy decoder of the format was
    tried and was several times slower, per fingerprint and batched alike."""
    try:
        import chromaprint
    except ImportError as exc:
        raise ChromaprintMissing() from exc
    try:
        raw, _algorithm = chromaprint.decode_fingerprint(text.encode("ascii"))
    except (chromaprint.FingerprintError, UnicodeEncodeError, ValueError, TypeError):
        return None
    if not raw:
        return None
    return np.frombuffer(array.array("I", raw), dtype=np.uint32)  # 2x np.array(list)


@dataclass(frozen=True)
class FingerprintRow:
    """A present file with a stored fingerprint, and what ranking its copies needs."""

    fingerprint: str
    fingerprint_seconds: float | None
    quality: str | None  # the analysis verdict: lossless, transcode, ...
    decode: str | None  # the decode check: ok, error, unsupported
    copy: tuple  # the columns of archiver.catalog.duplicates.CopyRow after its key


def fingerprint_rows(conn: sqlite3.Connection) -> list[FingerprintRow]:
    """Every present file with a current fingerprint (the SQL is in
    :mod:`archiver.catalog.analysis`: a file changed since its analysis takes no part)."""
    return [
        FingerprintRow(r[0], r[1], r[2], r[3], tuple(r[4:]))
        for r in analysis.fingerprint_copies(conn)
    ]


def acoustic_groups(conn: sqlite3.Connection) -> list:  # -> list[DuplicateGroup]
    """Groups of present files that are the same recording by their stored fingerprints,
    each ranked best first as the other ``duplicates`` modes rank (for the CLI and TUI)."""
    copies: dict[int, Copy] = {}
    items: list[tuple[int, float, np.ndarray]] = []
    for row in fingerprint_rows(conn):
        copy = replace(
            Copy.from_row(CopyRow("", *row.copy)), verdict=row.quality, decode=row.decode
        )
        # The length the file states (as AcoustID compares it), not the decoded length:
        # a truncated copy is still the whole song, and an excerpt stays apart from it.
        duration = copy.duration if copy.duration else row.fingerprint_seconds
        raw = decode_fingerprint(row.fingerprint)
        if raw is None or not duration:
            continue
        copies[copy.file_id] = copy
        items.append((copy.file_id, float(duration), raw))
    groups = []
    for ids in group_recordings(items):
        ordered, reason = rank_copies([copies[i] for i in ids])
        groups.append(DuplicateGroup("acoustic", _label(ordered[0]), ordered, reason))
    groups.sort(key=lambda g: (g.best.path, g.key))
    return groups


def fingerprinted_count(conn: sqlite3.Connection) -> int:
    """Present files with a current fingerprint."""
    return analysis.fingerprint_count(conn)


def _label(best) -> str:
    """A group's key: the best copy's "artist - title", else its file name."""
    if best.artist and best.title:
        return f"{best.artist} - {best.title}"
    return best.path.rsplit("/", 1)[-1]
