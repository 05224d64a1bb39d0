"""Music-like test signals and the encoders that turn them into test files.

Deterministic from a seed: a melody of tones with harmonics, chords, and
noise-based percussion (hi-hats with real treble up to the Nyquist frequency),
so a genuine file has content across the whole band and a lossy encoder's
low-pass is visible. Files are written with the standard ``wave`` module and
converted with the system's ``ffmpeg`` / ``flac`` / ``lame`` (callers skip
when those are absent). Shared by tests/audio and benchmarks/make_audio_eval.py.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np


def music(seconds: float, rate: int = 44100, seed: int = 1, *, level: float = 0.5) -> np.ndarray:
    """Stereo float64 samples in [-1, 1], shape (n, 2)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    out = np.zeros((n, 2))
    beat = 60.0 / rng.uniform(90, 140)
    scale = 220.0 * 2 ** (np.array([0, 2, 3, 5, 7, 8, 10, 12, 14, 15]) / 12)
    # Melody: one note per beat, up to 16 harmonics decaying as 1/k (below 12 kHz).
    start = 0
    step = int(beat * rate)
    while start < n:
        f0 = scale[rng.integers(len(scale))] * rng.choice([0.5, 1, 2])
        seg = slice(start, min(n, start + step))
        tt = t[seg] - t[start]
        env = np.exp(-tt * rng.uniform(1.5, 4.0))
        tone = np.zeros_like(tt)
        k = 1
        while k <= 16 and k * f0 < min(12000, rate / 2 - 100):
            tone += np.sin(2 * np.pi * k * f0 * tt + rng.uniform(0, 6.28)) / k
            k += 1
        pan = rng.uniform(0.3, 0.7)
        out[seg, 0] += 0.25 * env * tone * pan
        out[seg, 1] += 0.25 * env * tone * (1 - pan)
        start += step
    # Pad chord: slow sines.
    for f in rng.choice(scale, 3, replace=False) / 2:
        out += 0.05 * np.sin(2 * np.pi * f * t)[:, None]
    # Percussion: white-noise hi-hats every half beat (full band), noise snares.
    half = max(1, step // 2)
    for i, pos in enumerate(range(0, n, half)):
        length = min(n - pos, int(0.08 * rate) if i % 4 else int(0.2 * rate))
        env = np.exp(-np.arange(length) / (0.02 * rate))
        burst = rng.standard_normal((length, 2)) * env[:, None]
        out[pos : pos + length] += (0.18 if i % 4 else 0.3) * burst
    # A little broadband "room" noise so quiet passages still have treble.
    out += 0.002 * rng.standard_normal((n, 2))
    peak = np.max(np.abs(out)) or 1.0
    return out / peak * level


def dull(
    seconds: float, rate: int = 44100, seed: int = 2, *, corner: float = 2000.0, order: int = 2
) -> np.ndarray:
    """A genuine recording with little treble: music through a gentle low-pass
    (``6 * order`` dB per octave above ``corner``) - no steep shelf."""
    x = music(seconds, rate, seed)
    spec = np.fft.rfft(x, axis=0)
    f = np.fft.rfftfreq(len(x), 1 / rate)
    spec *= (1 / np.sqrt(1 + (f / corner) ** (2 * order)))[:, None]
    y = np.fft.irfft(spec, len(x), axis=0)
    return y / np.max(np.abs(y)) * 0.5


def write_wav(path: Path, samples: np.ndarray, rate: int, bits: int = 16) -> Path:
    """PCM WAV, TPDF-dithered to ``bits`` (16 or 24)."""
    rng = np.random.default_rng(0)
    scale = 2 ** (bits - 1) - 1
    x = (
        samples * scale
        + rng.uniform(-0.5, 0.5, samples.shape)
        + rng.uniform(-0.5, 0.5, samples.shape)
    )
    ints = np.clip(np.round(x), -scale - 1, scale).astype("<i4")
    if bits == 16:
        data = ints.astype("<i2").tobytes()
    else:
        data = ints.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    with wave.open(str(path), "wb") as w:
        w.setnchannels(samples.shape[1])
        w.setsampwidth(bits // 8)
        w.setframerate(rate)
        w.writeframes(data)
    return path


def have(*tools: str) -> bool:
    return all(shutil.which(t) for t in tools)


def ffmpeg(*args: str | Path) -> None:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def to_flac(src: Path, dst: Path, *extra: str) -> Path:
    """Any audio file -> FLAC through ffmpeg (its FLAC encoder writes STREAMINFO's MD5)."""
    ffmpeg("-i", src, *extra, "-c:a", "flac", dst)
    return dst


def encode(src: Path, dst: Path, codec: str, bitrate: str | None = None) -> Path:
    """Lossy encode with ffmpeg: codec one of mp3, aac, vorbis, opus."""
    args: list[str] = ["-i", str(src)]
    if codec == "mp3":
        args += ["-c:a", "libmp3lame", "-b:a", bitrate or "128k"]
    elif codec == "aac":
        args += ["-c:a", "aac", "-b:a", bitrate or "128k"]
    elif codec == "opus":
        args += ["-c:a", "libopus", "-b:a", bitrate or "128k"]
    elif codec == "vorbis":
        args += ["-c:a", "libvorbis", "-q:a", bitrate or "4"]
    else:
        raise ValueError(codec)
    ffmpeg(*args, dst)
    return dst


def damage(src: Path, dst: Path, at: float = 0.5, count: int = 64, seed: int = 3) -> Path:
    """Copy with ``count`` bytes flipped starting at fraction ``at`` of the file."""
    data = bytearray(src.read_bytes())
    rng = np.random.default_rng(seed)
    pos = int(len(data) * at)
    for i in range(pos, min(len(data), pos + count)):
        data[i] ^= int(rng.integers(1, 256))
    dst.write_bytes(bytes(data))
    return dst


def truncate(src: Path, dst: Path, keep: float = 0.6) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * keep)])
    return dst
