"""One file, one decode pass: decode check, spectrum verdict and fingerprint.

:func:`analyze_file` never raises for a bad file: every problem ends up in
the returned :class:`AnalysisRecord` (a plain, picklable record the worker
processes send to the one writer).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

import numpy as np

from archiver.audio import fingerprint as fp
from archiver.audio.decode import DecodeResult, StreamInfo, decode_file
from archiver.audio.spectrum import LOSSY_CODECS, SpectrumAccumulator, judge

# Bump when a change would give different verdicts for the same file: rows made
# by an older analyzer can then be told apart (and re-done with --force).
ANALYZER_VERSION = 1


@dataclass
class AnalysisRecord:
    """What analysis found for one file. ``error`` is set (and the rest mostly
    None) when the file could not be analysed at all (gone, unreadable, timed
    out, crashed the worker); a file that does not decode has ``decode`` =
    ``error`` instead, and no quality verdict."""

    path: bytes
    size: int | None = None
    mtime_ns: int | None = None
    decode: str | None = None  # ok, error, unsupported
    decode_detail: str | None = None
    decoded_seconds: float | None = None
    stated_seconds: float | None = None
    codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bits: int | None = None  # declared bits per sample (lossless/PCM), as analysed
    quality: str | None = None  # lossless, transcode, upsampled, padded-bits, lossy, unknown
    quality_detail: str | None = None
    cutoff_hz: int | None = None
    fingerprint: str | None = None  # Chromaprint, compressed base64 as fpcalc prints it
    fingerprint_seconds: float | None = None  # fpcalc's DURATION: the decoded length
    error: str | None = None
    analyzer_version: int = ANALYZER_VERSION

    def as_dict(self) -> dict:
        data = asdict(self)
        data["path"] = os.fsdecode(self.path)
        return data


def _mono(chunk: np.ndarray) -> np.ndarray:
    """Interleaved chunk -> float32 mono in [-1, 1] (channels summed column by
    column: numpy's reduction over a short inner axis is several times slower)."""
    if chunk.dtype == np.int16:
        scale = 1 / 32768
    elif chunk.dtype == np.int32:
        scale = 1 / 2147483648
    elif chunk.dtype == np.uint8:
        return ((chunk.astype(np.float32) - 128) / 128).mean(axis=1)
    else:
        scale = 1.0
    channels = chunk.shape[1]
    mono = chunk[:, 0].astype(np.float32)
    for c in range(1, channels):
        mono += chunk[:, c]
    mono *= np.float32(scale / channels)
    return mono


def analyze_file(path: bytes | str, *, fingerprint: bool = True) -> AnalysisRecord:
    """Decode ``path`` once, feeding the spectrum and the fingerprint on the way."""
    path_b = os.fsencode(path)
    record = AnalysisRecord(path_b)
    try:
        st = os.stat(path_b)
    except FileNotFoundError:
        record.error = "missing: not on disk"
        return record
    except OSError as exc:
        record.error = f"unreadable: {exc.strerror or exc}"
        return record
    record.size, record.mtime_ns = st.st_size, st.st_mtime_ns
    if not os.access(path_b, os.R_OK):
        record.error = "unreadable: permission denied"
        return record
    state: dict = {}

    def on_start(info: StreamInfo) -> None:
        expected = int(info.stated_seconds * info.rate) if info.stated_seconds else None
        state["spectrum"] = SpectrumAccumulator(info.rate, expected) if info.rate else None
        state["print"] = fp.FingerprintSink(info.rate, info.channels) if fingerprint else None

    def on_chunk(chunk: np.ndarray, info: StreamInfo) -> None:
        spectrum = state.get("spectrum")
        if spectrum is not None:
            spectrum.feed(_mono(chunk))
        printer = state.get("print")
        if printer is not None and printer.wants_more:
            printer.feed(chunk)

    try:
        result: DecodeResult = decode_file(path_b, on_chunk, on_start)
    except MemoryError:
        record.error = "internal: out of memory while decoding"
        return record
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        record.error = f"internal: {type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
        return record
    record.decode = result.decode
    record.decode_detail = result.detail
    record.decoded_seconds = _round(result.decoded_seconds)
    info = result.info
    if info is not None:
        record.codec = info.codec
        record.sample_rate = info.rate or None
        record.channels = info.channels
        record.bits = info.declared_bits
        record.stated_seconds = _round(info.stated_seconds)
    spectrum = state.get("spectrum")
    if spectrum is not None and info is not None:
        verdict = judge(
            spectrum.result(),
            lossy=info.codec in LOSSY_CODECS,
            declared_bits=info.declared_bits,
            significant_bits=result.significant_bits,
        )
        record.cutoff_hz = verdict.cutoff_hz
        if result.decode == "ok":  # a file that does not decode gets no verdict
            record.quality, record.quality_detail = verdict.quality, verdict.detail
    printer = state.get("print")
    if printer is not None:
        record.fingerprint = printer.finish()
        if record.fingerprint is not None:
            record.fingerprint_seconds = record.decoded_seconds
    return record


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
