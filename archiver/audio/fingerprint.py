"""Chromaprint fingerprints, as AcoustID's ``fpcalc`` makes them by default.

fpcalc feeds Chromaprint the decoder's own sample rate and channels as
signed 16-bit samples and stops after 120 s; Chromaprint resamples and mixes
down internally. This sink does the same with the samples the one decode
pass produces, so the base64 string equals what ``fpcalc FILE`` prints
(checked in tests/audio/test_fingerprint.py). The library is the system's
libchromaprint, loaded by pyacoustid's ``chromaprint`` module; without it,
analysis goes on without fingerprints.
"""

from __future__ import annotations

import numpy as np

FINGERPRINT_SECONDS = 120.0  # fpcalc's default -length
HOW_TO_GET = (
    "fingerprints need the Chromaprint library: "
    "apt-get install libchromaprint1 (Debian/Ubuntu) or brew install chromaprint (macOS)"
)

_module = None
_checked = False


def _chromaprint():
    global _module, _checked
    if not _checked:
        _checked = True
        try:
            import chromaprint  # pyacoustid's ctypes binding to libchromaprint

            _module = chromaprint
        except ImportError:  # the module, or the shared library, is absent
            _module = None
    return _module


def available() -> bool:
    """True when libchromaprint can be loaded."""
    return _chromaprint() is not None


def to_s16(samples: np.ndarray) -> np.ndarray:
    """Interleaved (n, channels) samples of any decoded dtype -> int16, as
    FFmpeg's converter gives them to fpcalc (top 16 bits; floats scaled)."""
    kind = samples.dtype
    if kind == np.int16:
        return samples
    if kind == np.int32:
        return (samples >> 16).astype(np.int16)
    if kind == np.uint8:
        return ((samples.astype(np.int16) - 128) << 8).astype(np.int16)
    scaled = np.clip(np.rint(samples * 32768.0), -32768, 32767)
    return scaled.astype(np.int16)


class FingerprintSink:
    """Feed interleaved chunks; :meth:`finish` gives the fpcalc string or None."""

    def __init__(self, rate: int, channels: int, seconds: float = FINGERPRINT_SECONDS) -> None:
        self.limit = int(seconds * rate)
        self.fed = 0
        self.error: str | None = None
        cp = _chromaprint()
        self.printer = None
        if cp is not None and rate > 0 and channels > 0:
            try:
                self.printer = cp.Fingerprinter()
                self.printer.start(rate, channels)
            except Exception as exc:  # noqa: BLE001 - the library refused this stream
                self.printer = None
                self.error = f"chromaprint: {exc}"

    @property
    def wants_more(self) -> bool:
        return self.printer is not None and self.fed < self.limit

    def feed(self, samples: np.ndarray) -> None:
        if not self.wants_more:
            return
        take = samples[: self.limit - self.fed]
        self.fed += len(take)
        try:
            self.printer.feed(np.ascontiguousarray(to_s16(take)).tobytes())
        except Exception as exc:  # noqa: BLE001
            self.error = f"chromaprint: {exc}"
            self.printer = None

    def finish(self) -> str | None:
        if self.printer is None or self.fed == 0:
            return None
        try:
            out = self.printer.finish()
        except Exception as exc:  # noqa: BLE001
            self.error = f"chromaprint: {exc}"
            return None
        return out.decode("ascii") if isinstance(out, bytes) else str(out)


def decode_raw(fingerprint: str) -> list[int]:
    """The compressed base64 string -> the raw 32-bit values (``fpcalc -raw``)."""
    cp = _chromaprint()
    if cp is None:
        raise RuntimeError(HOW_TO_GET)
    values, _algorithm = cp.decode_fingerprint(fingerprint.encode("ascii"))
    return [v & 0xFFFFFFFF for v in values]


def bit_error_rate(a: list[int], b: list[int]) -> float:
    """Share of differing bits over the overlap of two raw fingerprints."""
    n = min(len(a), len(b))
    if n == 0:
        return 1.0
    x = np.bitwise_xor(np.array(a[:n], dtype=np.uint32), np.array(b[:n], dtype=np.uint32))
    return float(np.unpackbits(x.view(np.uint8)).sum()) / (32 * n)
