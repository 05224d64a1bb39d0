"""Acoustic duplicates: the grouping rules on synthetic fingerprints, then on real audio
(generated songs encoded to FLAC, MP3 and AAC, fingerprinted by fpcalc)."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from archiver.integrity import acoustic
from archiver.integrity.acoustic import (
    DURATION_TOLERANCE,
    _Fingerprints,
    candidate_pairs,
    find_matches,
    group_recordings,
)

LENGTH = 950  # sub-fingerprints of fpcalc's default 120 s


def song(rng: np.random.Generator, length: int = LENGTH) -> np.ndarray:
    return rng.integers(0, 2**32, size=length, dtype=np.uint32)


def noisy(rng: np.random.Generator, fp: np.ndarray, rate: float) -> np.ndarray:
    """Each bit flipped independently with probability ``rate`` (a lossy transcode)."""
    flips = rng.random((len(fp), 32)) < rate
    mask = np.packbits(flips, axis=1, bitorder="little").view("<u4").ravel()
    return fp ^ mask


def shifted(rng: np.random.Generator, fp: np.ndarray, frames: int) -> np.ndarray:
    """The same sound starting ``frames`` later (positive: some lead-in added) or earlier."""
    if frames >= 0:
        return np.concatenate([song(rng, frames), fp[: len(fp) - frames]])
    return np.concatenate([fp[-frames:], song(rng, -frames)])


def as_sets(groups: list[list[int]]) -> set[frozenset[int]]:
    return {frozenset(g) for g in groups}


# --- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.0, 0.01, 0.05, 0.10, 0.15])
def test_noisy_copy_groups_with_its_original(rate: float) -> None:
    rng = np.random.default_rng(int(rate * 100))
    a = song(rng)
    items = [(1, 200.0, a), (2, 200.5, noisy(rng, a, rate)), (3, 200.0, song(rng))]
    assert group_recordings(items) == [[1, 2]]


def test_every_noise_level_and_offset_over_many_songs() -> None:
    """50 songs, each with a copy at 5-15 % bit errors shifted by -4..4 frames: every
    copy joins its song and nothing else (the index misses about 0.5 % of copies at
    15 % independent bit errors; this seed has none)."""
    rng = np.random.default_rng(7)
    items, truth = [], set()
    for n in range(50):
        fp = song(rng)
        copy = shifted(rng, noisy(rng, fp, 0.05 + 0.10 * n / 49), int(rng.integers(-4, 5)))
        items += [(n, 150.0 + n, fp), (1000 + n, 150.0 + n + 1.5, copy)]
        truth.add(frozenset({n, 1000 + n}))
    assert as_sets(group_recordings(items)) == truth


def test_short_songs_index_every_key() -> None:
    """30 s songs have a quarter of a 120 s fingerprint's keys: all of them are indexed
    (not one in two), so copies at 12 % bit errors are still found."""
    rng = np.random.default_rng(19)
    items, truth = [], set()
    for n in range(40):
        fp = song(rng, 235)
        items += [(n, 30.0 + n / 10, fp), (100 + n, 30.5 + n / 10, noisy(rng, fp, 0.12))]
        truth.add(frozenset({n, 100 + n}))
    assert as_sets(group_recordings(items)) == truth


@pytest.mark.parametrize("offset", [-12, -3, -1, 1, 2, 5, 40])
def test_offsets(offset: int) -> None:
    rng = np.random.default_rng(abs(offset))
    a = song(rng)
    items = [(1, 300.0, a), (2, 300.0, shifted(rng, noisy(rng, a, 0.05), offset))]
    assert group_recordings(items) == [[1, 2]]
    fps = _Fingerprints(items)
    (match,) = find_matches(fps)
    assert match.offset == offset and match.ber < 0.06


def test_offset_beyond_the_search_is_not_found() -> None:
    rng = np.random.default_rng(3)
    a = song(rng)
    far = acoustic.MAX_OFFSET_FRAMES + 10
    assert group_recordings([(1, 300.0, a), (2, 300.0, shifted(rng, a, far))]) == []


def test_different_songs_never_group() -> None:
    rng = np.random.default_rng(11)
    items = [(n, 200.0, song(rng)) for n in range(300)]  # all the same duration
    assert group_recordings(items) == []


def test_different_songs_at_25_percent_bit_errors_are_apart() -> None:
    """The verification threshold: beyond MAX_BER (0.25) is not the same recording."""
    rng = np.random.default_rng(12)
    a = song(rng)
    assert group_recordings([(1, 200.0, a), (2, 200.0, noisy(rng, a, 0.32))]) == []


def test_excerpt_is_not_the_whole_song() -> None:
    """The first 20 s of a 60 s song has the same sub-fingerprints as the song's start,
    but durations 40 s apart: not the same recording. Its copy joins it, not the song."""
    rng = np.random.default_rng(5)
    whole = song(rng, 463)
    excerpt = whole[:155].copy()
    items = [
        (1, 60.0, whole),
        (2, 20.0, excerpt),
        (3, 60.2, noisy(rng, whole, 0.03)),
        (4, 20.1, noisy(rng, excerpt, 0.03)),
    ]
    assert as_sets(group_recordings(items)) == {frozenset({1, 3}), frozenset({2, 4})}


def test_duration_tolerance_is_seven_seconds() -> None:
    rng = np.random.default_rng(6)
    a = song(rng)
    near = group_recordings([(1, 200.0, a), (2, 200.0 + DURATION_TOLERANCE, a.copy())])
    far = group_recordings([(1, 200.0, a), (2, 200.0 + DURATION_TOLERANCE + 0.5, a.copy())])
    assert near == [[1, 2]] and far == []


def test_a_chain_of_near_durations_cannot_stretch_a_group() -> None:
    """200, 205, 210 s with one fingerprint: each neighbour is within 7 s, the ends are
    not; a group never spans more than the tolerance."""
    rng = np.random.default_rng(8)
    a = song(rng)
    items = [(1, 200.0, a), (2, 205.0, noisy(rng, a, 0.01)), (3, 210.0, noisy(rng, a, 0.02))]
    groups = group_recordings(items)
    assert len(groups) == 1 and len(groups[0]) == 2
    durations = {1: 200.0, 2: 205.0, 3: 210.0}
    assert max(durations[i] for i in groups[0]) - min(durations[i] for i in groups[0]) <= 7


def test_copies_of_copies_group_without_the_original() -> None:
    rng = np.random.default_rng(9)
    a = song(rng)
    items = [(n, 240.0, noisy(rng, a, 0.04)) for n in range(1, 6)]
    assert group_recordings(items) == [[1, 2, 3, 4, 5]]


def test_silence_does_not_glue_files_together() -> None:
    """Constant fingerprints (silence, a held tone) say nothing about the recording: 30
    silent files of one length do not group, and songs that open with the same 90 s of
    silence group only with their own copies (a lossy copy of digital silence is silent:
    the copies' bit errors are in the music)."""
    rng = np.random.default_rng(10)
    silence = np.full(LENGTH, 0x5A5A0F0F, dtype=np.uint32)
    items = [(n, 200.0, silence.copy()) for n in range(30)]
    for n in range(5):
        music = song(rng, LENGTH - 700)
        items.append((100 + n, 200.0, np.concatenate([silence[:700], music])))
        copy = np.concatenate([silence[:700], noisy(rng, music, 0.08)])
        items.append((200 + n, 200.0, copy))
    expected = {frozenset({100 + n, 200 + n}) for n in range(5)}
    assert as_sets(group_recordings(items)) == expected


def test_a_repeated_value_is_compared_where_the_other_file_changes() -> None:
    """A file that holds one value where the other has music is not that music: frames
    count when either side is informative."""
    rng = np.random.default_rng(18)
    tail = song(rng, 200)
    held = np.concatenate([np.full(750, 7, dtype=np.uint32), tail])
    music = np.concatenate([song(rng, 750), tail])
    assert group_recordings([(1, 200.0, held), (2, 200.0, music)]) == []


def test_short_and_empty_fingerprints_take_no_part() -> None:
    rng = np.random.default_rng(13)
    tiny = song(rng, 20)  # 2.5 s: fewer than MIN_COMPARED_FRAMES
    items = [(1, 3.0, tiny), (2, 3.0, tiny.copy()), (3, 0.0, []), (4, 0.0, [])]
    assert group_recordings(items) == []
    assert group_recordings([]) == []


def test_the_index_does_not_compare_all_pairs() -> None:
    """400 unrelated songs of one duration: 79,800 pairs, of which the index proposes
    almost none for verification."""
    rng = np.random.default_rng(14)
    fps = _Fingerprints((n, 200.0, song(rng)) for n in range(400))
    a, _b, _offset, _hits = candidate_pairs(fps)
    assert len(a) < 100


def test_single_shared_keys_are_capped_when_common() -> None:
    """Songs drawn from a small vocabulary of sub-fingerprints (as real music shares
    patterns) share single keys with hundreds of others: those candidates are capped at
    SINGLE_HIT_BUDGET per file, and true copies, which share many keys, are still found."""
    rng = np.random.default_rng(20)
    vocabulary = song(rng, 20_000)
    items, truth = [], set()
    for n in range(400):
        items.append((n, 200.0, rng.choice(vocabulary, LENGTH)))
    for n in range(20):
        items.append((1000 + n, 200.5, noisy(rng, items[n][2], 0.02)))
        truth.add(frozenset({n, 1000 + n}))
    a, _b, _offset, hits = candidate_pairs(_Fingerprints(items))
    assert (hits < 2).sum() <= acoustic.SINGLE_HIT_BUDGET * len(items)
    assert as_sets(group_recordings(items)) == truth


def test_groups_are_sorted_and_ids_kept() -> None:
    rng = np.random.default_rng(15)
    x, y = song(rng), song(rng)
    items = [(90, 180.0, x), (7, 250.0, y), (12, 250.0, y.copy()), (3, 180.0, x.copy())]
    assert group_recordings(items) == [[3, 90], [7, 12]]


def test_python_lists_and_signed_free_values_are_accepted() -> None:
    rng = np.random.default_rng(16)
    a = [int(v) for v in song(rng, 300)]
    assert group_recordings([(1, 40.0, a), (2, 40.0, list(a))]) == [[1, 2]]


# --- decoding fpcalc's text --------------------------------------------------------------------


def _chromaprint():
    try:
        import chromaprint
    except ImportError:
        pytest.skip("libchromaprint is not installed (apt install libchromaprint1)")
    return chromaprint


def test_decode_round_trip() -> None:
    chromaprint = _chromaprint()
    raw = [int(v) for v in song(np.random.default_rng(17), 200)]
    text = chromaprint.encode_fingerprint(raw, 1, base64=True).decode()
    assert acoustic.decode_fingerprint(text).tolist() == raw


def test_decode_rejects_what_is_not_a_fingerprint() -> None:
    _chromaprint()
    assert acoustic.decode_fingerprint("not a fingerprint") is None
    assert acoustic.decode_fingerprint("") is None
    assert acoustic.decode_fingerprint("AQAB\u00e9") is None


# --- real audio ----------------------------------------------------------------------------------

RATE = 44100


def make_song(seed: int, seconds: float) -> np.ndarray:
    """A music-like mono signal (int16): a melody of notes with harmonics and decaying
    envelopes over a beat of noise bursts, tempo and key from ``seed``."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n)
    beat = 60 / rng.uniform(90, 150)
    base = rng.uniform(220, 440)
    scale = np.array([0, 2, 3, 5, 7, 8, 10, 12, 14, 15])
    pos = 0
    while pos < n:
        length = min(int(beat * rng.choice([0.5, 1, 1, 2]) * RATE), n - pos)
        t = np.arange(length) / RATE
        freq = base * 2 ** (rng.choice(scale) / 12)
        tone = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 6))
        out[pos : pos + length] += 0.3 * np.exp(-t * rng.uniform(1, 4)) * tone
        pos += length
    step = int(beat * RATE)
    for start in range(0, n, step):
        m = min(step, n - start)
        out[start : start + m] += 0.4 * rng.standard_normal(m) * np.exp(-np.arange(m) / RATE * 30)
    out /= np.abs(out).max() * 1.2
    return (out * 32767).astype("<i2")


def write_wav(path: Path, samples: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    return path


ENCODINGS = {"flac": [], "mp3": ["-b:a", "128k"], "m4a": ["-c:a", "aac", "-b:a", "128k"]}


def encode(wav: Path, dest: Path, args: list[str]) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), *args, str(dest)], check=True)
    return dest


def fpcalc(path: Path) -> tuple[float, str]:
    """(DURATION, FINGERPRINT) as fpcalc prints them by default (first 120 s, compressed)."""
    # fpcalc exits 3 after "Error decoding audio frame (End of file)" at the end of some
    # files (ffmpeg 5): the fingerprint it printed is whole, so the status is not checked.
    out = subprocess.run(["fpcalc", str(path)], capture_output=True, text=True)
    fields = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    return float(fields["DURATION"]), fields["FINGERPRINT"]


def needs_tools() -> None:
    for tool in ("ffmpeg", "fpcalc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    _chromaprint()


def test_real_audio_copies_group_and_songs_stay_apart(tmp_path: Path) -> None:
    """Three generated 60 s songs, each as FLAC, MP3 128k and AAC 128k, plus a 20 s
    excerpt of the first one (FLAC and MP3): each song's three files form a group, the
    excerpt's two files another, nothing else joins."""
    needs_tools()
    files: dict[int, Path] = {}
    truth: set[frozenset[int]] = set()
    for seed in range(3):
        wav = write_wav(tmp_path / f"song{seed}.wav", make_song(seed, 60))
        ids = set()
        for ext, args in ENCODINGS.items():
            file_id = len(files) + 1
            files[file_id] = encode(wav, tmp_path / f"song{seed}.{ext}", args)
            ids.add(file_id)
        truth.add(frozenset(ids))
    excerpt = write_wav(tmp_path / "excerpt.wav", make_song(0, 60)[: 20 * RATE])
    ids = set()
    for ext in ("flac", "mp3"):
        file_id = len(files) + 1
        files[file_id] = encode(excerpt, tmp_path / f"excerpt.{ext}", ENCODINGS[ext])
        ids.add(file_id)
    truth.add(frozenset(ids))
    items = []
    for file_id, path in files.items():
        duration, text = fpcalc(path)
        raw = acoustic.decode_fingerprint(text)
        assert raw is not None and len(raw) > 100, path
        items.append((file_id, duration, raw))
    assert as_sets(group_recordings(items)) == truth
