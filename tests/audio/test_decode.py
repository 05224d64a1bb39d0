"""The one-pass analysis of real files made by ffmpeg (decode check and verdicts)."""

from __future__ import annotations

import pickle
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from archiver.audio.analyze import AnalysisRecord, analyze_file
from tests.audio import synth


def test_genuine_flac(audio_files):
    r = analyze_file(audio_files["genuine"], fingerprint=False)
    assert (r.decode, r.decode_detail, r.quality) == ("ok", None, "lossless")
    assert r.codec == "flac" and r.sample_rate == 44100 and r.channels == 2 and r.bits == 16
    assert r.decoded_seconds == pytest.approx(16, abs=0.01)
    assert r.stated_seconds == pytest.approx(r.decoded_seconds)
    assert r.cutoff_hz > 21000
    assert r.error is None


def test_mp3_is_lossy_with_its_cutoff(audio_files):
    r = analyze_file(audio_files["mp3"], fingerprint=False)
    assert (r.decode, r.quality) == ("ok", "lossy")
    assert 15500 < r.cutoff_hz < 19000


def test_mp3_reencoded_to_flac_is_a_transcode(audio_files):
    r = analyze_file(audio_files["transcode"], fingerprint=False)
    assert (r.decode, r.quality) == ("ok", "transcode")
    assert 15500 < r.cutoff_hz < 17600
    assert "128k" in r.quality_detail


def test_upsampled(audio_files):
    r = analyze_file(audio_files["upsampled"], fingerprint=False)
    assert (r.decode, r.quality, r.sample_rate, r.bits) == ("ok", "upsampled", 96000, 24)


def test_padded_bits(audio_files):
    r = analyze_file(audio_files["padded"], fingerprint=False)
    assert (r.decode, r.quality, r.bits) == ("ok", "padded-bits", 24)
    assert "16 significant bits" in r.quality_detail


def test_damaged_flac_is_an_error_with_its_position(audio_files):
    r = analyze_file(audio_files["damaged"], fingerprint=False)
    assert r.decode == "error"
    assert r.quality is None  # no verdict for audio that does not decode
    at = float(r.decode_detail.split(" at ")[1].split(" s")[0])
    assert 5 < at < 11  # the damage is at the middle of 16 s
    assert "\n" not in r.decode_detail


@pytest.mark.parametrize("name", ["truncated_flac", "truncated_mp3"])
def test_truncated_files_say_so(audio_files, name):
    r = analyze_file(audio_files[name], fingerprint=False)
    assert r.decode == "error"
    assert r.decode_detail.startswith("truncated: decoded ")
    assert r.decoded_seconds < r.stated_seconds - 3


def test_short_quiet_dull_are_not_judged_harshly(audio_files):
    short = analyze_file(audio_files["short"], fingerprint=False)
    assert (short.decode, short.quality) == ("ok", "unknown")
    assert "too short" in short.quality_detail
    quiet = analyze_file(audio_files["quiet"], fingerprint=False)
    assert (quiet.quality, quiet.cutoff_hz) == ("unknown", None)
    dull = analyze_file(audio_files["dull"], fingerprint=False)
    assert dull.quality in ("lossless", "unknown")


def _streaminfo_md5_offset(data: bytes) -> int:
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    return 8 + 18  # header, then 18 bytes before the MD5


def test_flac_md5_mismatch_and_missing_md5(audio_files, tmp_path):
    data = bytearray(audio_files["genuine"].read_bytes())
    at = _streaminfo_md5_offset(data)
    wrong = bytearray(data)
    wrong[at] ^= 0xFF
    (tmp_path / "wrong.flac").write_bytes(bytes(wrong))
    r = analyze_file(tmp_path / "wrong.flac", fingerprint=False)
    assert (r.decode, r.quality) == ("error", None)
    assert "MD5 mismatch" in r.decode_detail
    zero = bytearray(data)
    zero[at : at + 16] = bytes(16)
    (tmp_path / "zero.flac").write_bytes(bytes(zero))
    r = analyze_file(tmp_path / "zero.flac", fingerprint=False)
    assert r.decode == "ok"
    assert "not checkable" in r.decode_detail


@pytest.mark.skipif(not synth.have("flac"), reason="needs the flac encoder")
@pytest.mark.parametrize("bits", [8, 16, 24, 32])
def test_md5_matches_the_reference_encoder(tmp_path, bits):
    """libFLAC's own MD5 (over original-depth little-endian samples, ceil(bits/8)
    bytes each) is matched, whatever the bit depth."""
    x = synth.music(3, seed=bits)
    ints = np.round(x * (2 ** (bits - 1) - 1)).astype("<i4")
    width = (bits + 7) // 8
    raw = ints.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :width].tobytes()
    (tmp_path / "a.raw").write_bytes(raw)
    subprocess.run(
        ["flac", "-s", "-f", "--force-raw-format", "--endian=little", "--sign=signed",
         "--channels=2", f"--bps={bits}", "--sample-rate=44100",
         str(tmp_path / "a.raw"), "-o", str(tmp_path / "a.flac")],
        check=True,
    )  # fmt: skip
    r = analyze_file(tmp_path / "a.flac", fingerprint=False)
    assert (r.decode, r.decode_detail, r.bits) == ("ok", None, bits)


def test_not_audio_and_missing_files(tmp_path):
    junk = tmp_path / "junk.flac"
    junk.write_bytes(b"fLaC" + bytes(range(256)) * 20)
    r = analyze_file(junk, fingerprint=False)
    assert r.decode == "error" and r.error is None and r.decode_detail
    gone = analyze_file(tmp_path / "gone.flac")
    assert gone.error.startswith("missing") and gone.decode is None
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    assert analyze_file(empty).decode == "error"


def test_record_is_picklable_and_plain(audio_files):
    r = analyze_file(audio_files["genuine"], fingerprint=False)
    again = pickle.loads(pickle.dumps(r))
    assert again == r and isinstance(again, AnalysisRecord)
    assert again.as_dict()["path"].endswith("genuine.flac")


def test_files_are_opened_read_only(audio_files, tmp_path):
    path = tmp_path / "ro.flac"
    shutil.copy(audio_files["genuine"], path)
    path.chmod(0o444)
    before = path.stat()
    assert analyze_file(path, fingerprint=False).decode == "ok"
    after = path.stat()
    assert (before.st_mtime_ns, before.st_size) == (after.st_mtime_ns, after.st_size)


def test_unsupported_codec_is_not_an_error(tmp_path):
    """No decoder for the stream: ``unsupported``, not an error. A WAV whose
    format tag (0x1234) names no codec FFmpeg knows."""
    import struct

    data = bytes(4000)
    fmt = struct.pack("<HHIIHH", 0x1234, 2, 44100, 176400, 4, 16)
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    path = tmp_path / "odd.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    r = analyze_file(path, fingerprint=False)
    assert (r.decode, r.quality, r.error) == ("unsupported", None, None)


def test_musepack_and_others_from_the_corpus():
    """Every file of the real corpus gets a decode verdict or an error, quickly."""
    root = Path("/work/shared/corpus/real")
    if not root.is_dir():
        pytest.skip("corpus absent")
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() not in (".md", ".tsv", ".txt"):
            r = analyze_file(path, fingerprint=False)
            assert r.decode in ("ok", "error", "unsupported") or r.error, path


def test_vbr_mp3_without_a_length_header_is_not_called_truncated(tmp_path):
    """Without a Xing/Info/VBRI header FFmpeg estimates an MP3's length from the
    first frame's bitrate: a VBR file starting with silence "states" a length
    far longer than it is. Only headers are trusted for the length check."""
    x = np.concatenate([np.zeros((44100 * 4, 2)), synth.music(10, seed=21)])
    wav = synth.write_wav(tmp_path / "a.wav", x, 44100)
    mp3 = tmp_path / "vbr.mp3"
    synth.ffmpeg("-i", wav, "-c:a", "libmp3lame", "-q:a", "2", "-write_xing", "0", mp3)
    r = analyze_file(mp3, fingerprint=False)
    assert r.decode == "ok", (r.decode_detail, r.decoded_seconds, r.stated_seconds)
