"""Chromaprint fingerprints: what fpcalc prints, similar across formats, distinct across songs."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from archiver.audio import fingerprint as fp
from archiver.audio.analyze import analyze_file

needs_chromaprint = pytest.mark.skipif(
    not fp.available(), reason="libchromaprint is missing (apt-get install libchromaprint1)"
)


def _fpcalc(path) -> dict[str, str]:
    # fpcalc 1.5.1 exits 3 ("Error decoding audio frame (End of file)") on files
    # shorter than 120 s, after printing the right answer.
    out = subprocess.run(["fpcalc", str(path)], capture_output=True, text=True).stdout
    return dict(line.split("=", 1) for line in out.strip().splitlines())


@needs_chromaprint
@pytest.mark.skipif(not shutil.which("fpcalc"), reason="needs fpcalc")
@pytest.mark.parametrize("name", ["genuine", "upsampled", "padded"])
def test_same_string_as_fpcalc(audio_files, name):
    """fpcalc feeds the decoder's own rate and channels as s16: so do we."""
    r = analyze_file(audio_files[name])
    ref = _fpcalc(audio_files[name])
    assert r.fingerprint == ref["FINGERPRINT"]
    assert round(r.fingerprint_seconds) == int(ref["DURATION"])


@needs_chromaprint
@pytest.mark.skipif(not shutil.which("fpcalc"), reason="needs fpcalc")
def test_mp3_nearly_identical_to_fpcalc(audio_files):
    """fpcalc here links the system's older FFmpeg, whose MP3 decoder rounds a
    little differently: the raw fingerprints agree to within a few bits."""
    r = analyze_file(audio_files["mp3"])
    ref = _fpcalc(audio_files["mp3"])["FINGERPRINT"]
    assert fp.bit_error_rate(fp.decode_raw(r.fingerprint), fp.decode_raw(ref)) < 0.01


@needs_chromaprint
def test_flac_and_its_mp3_match_and_other_songs_do_not(audio_files):
    flac = fp.decode_raw(analyze_file(audio_files["genuine"]).fingerprint)
    mp3 = fp.decode_raw(analyze_file(audio_files["mp3"]).fingerprint)
    transcode = fp.decode_raw(analyze_file(audio_files["transcode"]).fingerprint)
    other = fp.decode_raw(analyze_file(audio_files["other"]).fingerprint)
    assert fp.bit_error_rate(flac, mp3) < 0.1
    assert fp.bit_error_rate(flac, transcode) < 0.1
    assert fp.bit_error_rate(flac, other) > 0.3


@needs_chromaprint
def test_only_the_first_120_seconds_are_fed():
    sink = fp.FingerprintSink(8000, 1, seconds=2.0)
    block = (np.random.default_rng(0).standard_normal((4000, 1)) * 3000).astype(np.int16)
    for _ in range(10):
        sink.feed(block)
    assert sink.fed == 16000 and not sink.wants_more
    assert sink.finish()


def test_sample_conversion_to_s16():
    assert fp.to_s16(np.array([[1 << 30, -(1 << 31)]], dtype=np.int32)).tolist() == [
        [16384, -32768]
    ]
    assert fp.to_s16(np.array([[0.5, -1.0, 2.0]], dtype=np.float32)).tolist() == [
        [16384, -32768, 32767]
    ]
    assert fp.to_s16(np.array([[128, 0]], dtype=np.uint8)).tolist() == [[0, -32768]]


def test_without_the_library_analysis_goes_on(audio_files, monkeypatch):
    monkeypatch.setattr(fp, "_module", None)
    monkeypatch.setattr(fp, "_checked", True)
    assert not fp.available()
    r = analyze_file(audio_files["genuine"])
    assert (r.decode, r.quality, r.fingerprint) == ("ok", "lossless", None)
    assert "apt-get install libchromaprint1" in fp.HOW_TO_GET
