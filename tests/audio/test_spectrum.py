"""The spectrum verdict on synthetic numpy signals (pure, no files)."""

from __future__ import annotations

import numpy as np
import pytest

from archiver.audio.spectrum import (
    Spectrum,
    SpectrumAccumulator,
    judge,
    likely_source,
    measure_cutoff,
    window_size,
)

RATE = 44100


def lowpass(x: np.ndarray, rate: int, hz: float, floor: float = 3e-5, seed: int = 1) -> np.ndarray:
    """A brick-wall low-pass (what a lossy encoder does) plus a flat noise
    floor (16-bit quantisation, as a transcode back to 16 bits has)."""
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / rate)
    spec[f > hz] = 0
    y = np.fft.irfft(spec, len(x))
    return y + np.random.default_rng(seed).standard_normal(len(x)) * floor


def gentle(x: np.ndarray, rate: int, corner: float, order: int) -> np.ndarray:
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / rate)
    spec *= 1 / np.sqrt(1 + (f / corner) ** (2 * order))
    y = np.fft.irfft(spec, len(x))
    return y / np.max(np.abs(y)) * 0.5 + np.random.default_rng(2).standard_normal(len(x)) * 3e-5


def music(seconds: float, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """Tones with harmonics plus noise bursts (treble up to Nyquist), mono."""
    from tests.audio.synth import music as stereo

    return stereo(seconds, rate, seed).mean(axis=1)


def spectrum_of(x: np.ndarray, rate: int = RATE, chunk: int = 10000, **kw) -> Spectrum:
    acc = SpectrumAccumulator(rate, kw.pop("expected", len(x)), **kw)
    for i in range(0, len(x), chunk):
        acc.feed(x[i : i + chunk])
    return acc.result()


def test_full_band_music_is_lossless():
    q = judge(spectrum_of(music(12)))
    assert q.quality == "lossless"
    assert q.cutoff_hz > 21000


@pytest.mark.parametrize(
    ("hz", "source"),
    [
        (16000, "128k"),
        (16900, "128k"),
        (18000, "160k"),
        (19000, "192k"),
        (19700, "256k"),
        (20300, "320k"),
    ],
)
def test_brick_wall_is_a_transcode_with_its_likely_source(hz, source):
    q = judge(spectrum_of(lowpass(music(12, seed=3), RATE, hz)))
    assert q.quality == "transcode", q
    assert abs(q.cutoff_hz - hz) < 250
    assert source in q.detail


def test_an_adc_like_low_pass_near_nyquist_is_not_a_transcode():
    q = judge(spectrum_of(lowpass(music(12, seed=4), RATE, 21200)))
    assert q.quality == "lossless"


@pytest.mark.parametrize(
    ("corner", "order"), [(2000, 2), (3000, 4), (1000, 4), (5000, 8), (8000, 8)]
)
def test_little_treble_is_never_a_transcode(corner, order):
    q = judge(spectrum_of(gentle(music(12, seed=5), RATE, corner, order)))
    assert q.quality in ("lossless", "unknown"), q


def test_sparse_treble_is_not_a_shelf():
    """Treble in some windows only (a cymbal now and then) is content, not a low-pass."""
    x = lowpass(music(12, seed=6), RATE, 15000)
    burst = np.random.default_rng(7).standard_normal(RATE // 2) * 0.05
    for start in range(0, len(x) - RATE, 3 * RATE):
        x[start : start + len(burst)] += burst
    q = judge(spectrum_of(x))
    assert q.quality != "transcode", q


def test_the_shelf_must_be_in_every_window():
    """A shelf in the average but absent from most windows' own spectra: unsure."""
    x = music(12, seed=8)
    spec = spectrum_of(lowpass(x, RATE, 16000))
    windows = spec.windows_db.copy()
    windows[: int(len(windows) * 0.6)] = windows[: int(len(windows) * 0.6)].mean()  # flat
    mixed = Spectrum(
        spec.rate, spec.band_hz, spec.mean_db, windows, spec.audible_seconds, spec.seconds
    )
    assert judge(mixed).quality == "unknown"


def test_lossy_codec_keeps_its_cutoff():
    q = judge(spectrum_of(lowpass(music(12, seed=9), RATE, 16000)), lossy=True)
    assert q.quality == "lossy"
    assert abs(q.cutoff_hz - 16000) < 250


def test_padded_bits():
    s = spectrum_of(music(12))
    assert judge(s, declared_bits=24, significant_bits=16).quality == "padded-bits"
    assert judge(s, declared_bits=24, significant_bits=24).quality == "lossless"
    assert judge(s, declared_bits=16, significant_bits=None).quality == "lossless"


def test_upsampled_and_genuine_high_rate():
    rate = 96000
    full = music(10, rate, seed=10)
    assert judge(spectrum_of(full, rate)).quality == "lossless"
    q = judge(spectrum_of(lowpass(full, rate, 21500, floor=1e-7), rate))
    assert q.quality == "upsampled", q
    assert "44.1 or 48" in q.detail


def test_a_transcode_upsampled_is_called_a_transcode():
    rate = 96000
    q = judge(spectrum_of(lowpass(music(10, rate, seed=11), rate, 16000, floor=1e-7), rate))
    assert q.quality == "transcode"


def test_too_short_silent_too_quiet():
    assert "too short" in judge(spectrum_of(music(5))).detail
    silent = judge(spectrum_of(np.zeros(RATE * 12)))
    assert (silent.quality, silent.cutoff_hz) == ("unknown", None)
    assert "silent" in silent.detail
    assert "too quiet" in judge(spectrum_of(music(12) * 0.001)).detail
    # 8 s of audible audio, even with silence around it, is enough.
    x = np.concatenate([np.zeros(RATE * 5), music(9), np.zeros(RATE * 5)])
    assert judge(spectrum_of(x)).quality == "lossless"


def test_chunking_does_not_change_the_result():
    x = lowpass(music(12, seed=12), RATE, 17000)
    a = spectrum_of(x, chunk=1152)
    b = spectrum_of(x, chunk=65536)
    assert np.allclose(a.mean_db, b.mean_db)
    ca, cb = measure_cutoff(a), measure_cutoff(b)
    assert (ca.hz, ca.cliff, ca.consistency) == (cb.hz, cb.cliff, cb.consistency)
    assert ca.drop_db == pytest.approx(cb.drop_db)


def test_memory_is_bounded_whatever_the_length():
    acc = SpectrumAccumulator(RATE, None, max_windows=40)
    rng = np.random.default_rng(0)
    block = (rng.standard_normal(RATE) * 0.1).astype(np.float32)
    for _ in range(300):  # 5 minutes, length not known in advance
        acc.feed(block)
    assert len(acc.kept) < 80
    assert len(acc.pending) < 2 * acc.size + RATE
    assert judge(acc.result()).quality == "lossless"


def test_window_size_keeps_resolution():
    assert window_size(44100) == 4096
    assert window_size(48000) == 4096
    assert window_size(96000) == 8192
    assert window_size(192000) == 16384


def test_likely_source_bands():
    assert "128k" in likely_source(16500)
    assert "192k" in likely_source(19400)
    assert "320k" in likely_source(20400)
