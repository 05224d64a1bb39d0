"""Real audio made once per session with ffmpeg / flac / lame (tests skip without them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.audio import synth

needs_ffmpeg = pytest.mark.skipif(not synth.have("ffmpeg"), reason="needs ffmpeg")


def _make(root: Path) -> dict[str, Path]:
    """name -> file; the names say what each file is."""
    f: dict[str, Path] = {}
    wav = synth.write_wav(root / "src.wav", synth.music(16, seed=11), 44100)
    f["genuine"] = synth.to_flac(wav, root / "genuine.flac")
    mp3 = synth.encode(wav, root / "song.mp3", "mp3", "128k")
    f["mp3"] = mp3
    f["transcode"] = synth.to_flac(mp3, root / "transcode128.flac", "-sample_fmt", "s16")
    f["upsampled"] = synth.to_flac(
        wav, root / "upsampled96.flac", "-ar", "96000", "-sample_fmt", "s32",
        "-bits_per_raw_sample", "24",
    )  # fmt: skip
    f["padded"] = synth.to_flac(
        wav, root / "padded24.flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"
    )
    f["damaged"] = synth.damage(f["genuine"], root / "damaged.flac", at=0.5)
    f["truncated_flac"] = synth.truncate(f["genuine"], root / "truncated.flac", 0.6)
    f["truncated_mp3"] = synth.truncate(mp3, root / "truncated.mp3", 0.6)
    short = synth.write_wav(root / "short.wav", synth.music(5, seed=12), 44100)
    f["short"] = synth.to_flac(short, root / "short.flac")
    quiet = synth.write_wav(root / "quiet.wav", synth.music(12, seed=13, level=0.001), 44100)
    f["quiet"] = synth.to_flac(quiet, root / "quiet.flac")
    dull = synth.write_wav(root / "dull.wav", synth.dull(12, seed=14, corner=3000, order=4), 44100)
    f["dull"] = synth.to_flac(dull, root / "dull.flac")
    other = synth.write_wav(root / "other.wav", synth.music(16, seed=99), 44100)
    f["other"] = synth.to_flac(other, root / "other.flac")
    for tmp in (wav, short, quiet, dull, other):
        tmp.unlink()
    return f


@pytest.fixture(scope="session")
def audio_files(tmp_path_factory) -> dict[str, Path]:
    if not synth.have("ffmpeg"):
        pytest.skip("needs ffmpeg (generates the test audio)")
    return _make(tmp_path_factory.mktemp("audio"))


@pytest.fixture
def music_dir(audio_files, tmp_path) -> Path:
    """A fresh copy of the generated files (tests may touch or damage them)."""
    root = tmp_path / "music"
    root.mkdir()
    for path in audio_files.values():
        shutil.copy2(path, root / path.name)
    return root.resolve()


def noise(seconds: float, rate: int = 44100, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(int(seconds * rate)) * 0.1
