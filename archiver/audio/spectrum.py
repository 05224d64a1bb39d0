"""The spectrum verdict: pure numpy over decoded samples fed incrementally.

:class:`SpectrumAccumulator` takes mono float chunks as they are decoded and
keeps a bounded sample of Hann-windowed power spectra (at most ``2 *
max_windows`` windows, spread over the whole file: memory does not grow with
the file's length). :func:`judge` turns the accumulated spectra into a
verdict; :func:`measure_cutoff` finds the low-pass shelf a lossy encoder
leaves behind.

How the cut-off is measured (see docs/analyze.md): the average power
spectrum of the audible windows, in ~90 Hz bands, in dB. A lossy encoder's
low-pass is a *cliff*: 25 dB or more lost within about a kilohertz, and
nothing but the noise floor above it, in every window that has content just
below it. A genuine recording with little treble fades out gently instead;
it is never called a transcode (at worst ``unknown``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BAND_BINS = 8  # FFT bins per band: ~86 Hz at 44.1 kHz with 4096-point windows
AUDIBLE_DBFS = -50.0  # a window quieter than this (RMS) is not looked at
MIN_AUDIBLE_SECONDS = 8.0
CLIFF_DB = 25.0  # drop across the shelf for a lossy low-pass
WEAK_SHELF_DB = 12.0  # a smaller drop where lossy low-passes sit: unsure
NEAR_HZ = 300.0  # the shelf's edge region, left out on both sides
FAR_HZ = 1500.0  # how far below / above the edge levels are compared
SEARCH_FROM_HZ = 9000.0  # lossy low-passes sit above this
LOSSY_MAX_CUTOFF_HZ = 20600.0  # above: an ADC's anti-alias filter looks the same
# Content ending below this at > 48 kHz: a 44.1/48 kHz source (a resampler's
# images leak a little past 22 kHz).
UPSAMPLED_MAX_HZ = 26000.0
FULL_BAND_HZ = 19500.0
DULL_HZ = 15000.0  # content ending gently below this: cannot tell
WINDOW_CONSISTENCY = 0.8  # share of content windows that must show the shelf

LOSSY_CODECS = frozenset(
    {
        "mp3",
        "mp3float",
        "mp2",
        "mp2float",
        "mp1",
        "aac",
        "aac_latm",
        "vorbis",
        "opus",
        "wmav1",
        "wmav2",
        "wmapro",
        "wmavoice",
        "ac3",
        "eac3",
        "dca",
        "speex",
        "musepack7",
        "musepack8",
        "mpc7",
        "mpc8",
        "atrac3",
        "atrac3p",
        "cook",
        "ra_144",
        "ra_288",
        "nellymoser",
        "amrnb",
        "amrwb",
        "gsm",
        "qdm2",
        "twinvq",
    }
)


def window_size(rate: int) -> int:
    """~11 Hz resolution at any rate: 4096 at 44.1/48 kHz, 8192 at 96 kHz."""
    size = 4096
    while size * 48000 < rate * 4096 * 0.99:
        size *= 2
    return size


@dataclass(frozen=True)
class Spectrum:
    """What the accumulator kept: band centre frequencies, the mean band level
    (dB) over audible windows, and each window's band levels (dB)."""

    rate: int
    band_hz: np.ndarray  # upper edge of each band
    mean_db: np.ndarray  # shape (bands,)
    windows_db: np.ndarray  # shape (windows, bands)
    audible_seconds: float
    seconds: float
    peak: float = 1.0  # largest absolute sample (mono mix), 0 for digital silence


class SpectrumAccumulator:
    """Feed mono float chunks in order; :meth:`result` gives a :class:`Spectrum`."""

    def __init__(self, rate: int, expected_samples: int | None = None, max_windows: int = 120):
        self.rate = rate
        self.size = window_size(rate)
        self.max_windows = max_windows
        self.hop = self.size
        if expected_samples:
            self.hop = max(self.size, expected_samples // max_windows)
        self.window = np.hanning(self.size).astype(np.float32)
        self.bands = self.size // 2 // BAND_BINS
        self.power_sum = np.zeros(self.bands)
        self.count = 0
        self.kept: list[np.ndarray] = []  # per-window band power (float32)
        self.pending = np.zeros(0, dtype=np.float32)
        self.pending_start = 0  # absolute sample index of pending[0]
        self.next_start = 0
        self.samples = 0
        self.peak = 0.0
        self.audible_blocks = 0
        self._block = self.size
        self._block_carry = np.zeros(0, dtype=np.float32)
        self._threshold = 10 ** (AUDIBLE_DBFS / 20)

    def feed(self, mono: np.ndarray) -> None:
        mono = np.asarray(mono, dtype=np.float32)
        self.samples += len(mono)
        if len(mono):
            self.peak = max(self.peak, float(mono.max()), -float(mono.min()))
        self._count_audible(mono)
        self.pending = np.concatenate((self.pending, mono)) if len(self.pending) else mono
        end = self.pending_start + len(self.pending)
        starts = []
        while self.next_start + self.size <= end:
            starts.append(self.next_start - self.pending_start)
            self.next_start += self.hop
        if starts:  # all the chunk's windows in one FFT call
            self._windows(self.pending[np.asarray(starts)[:, None] + np.arange(self.size)])
        keep_from = min(self.next_start, end) - self.pending_start
        if keep_from > 0:
            self.pending = self.pending[keep_from:]
            self.pending_start += keep_from

    def _count_audible(self, mono: np.ndarray) -> None:
        data = np.concatenate((self._block_carry, mono)) if len(self._block_carry) else mono
        whole = len(data) // self._block * self._block
        if whole:
            blocks = data[:whole].reshape(-1, self._block)
            energy = np.einsum("ij,ij->i", blocks, blocks) / self._block
            self.audible_blocks += int(np.count_nonzero(energy > self._threshold**2))
        self._block_carry = data[whole:].copy()

    def _windows(self, frames: np.ndarray) -> None:
        """Power spectra (in bands) of the audible rows of ``frames``."""
        energy = np.einsum("ij,ij->i", frames, frames) / self.size
        frames = frames[energy > self._threshold**2]
        if not len(frames):
            return
        spec = np.fft.rfft(frames * self.window, axis=1)[:, : self.bands * BAND_BINS]
        power = (spec.real**2 + spec.imag**2).reshape(len(frames), self.bands, BAND_BINS)
        power = power.sum(axis=2) / BAND_BINS
        self.power_sum += power.sum(axis=0)
        self.count += len(power)
        self.kept.extend(power.astype(np.float32))
        if len(self.kept) >= 2 * self.max_windows:  # length unknown: thin out, widen the hop
            self.kept = self.kept[::2]
            self.hop *= 2

    def result(self) -> Spectrum:
        band_hz = (np.arange(1, self.bands + 1) * BAND_BINS) * self.rate / self.size
        if self.count:
            mean_db = _db(self.power_sum / self.count)
            windows_db = _db(np.vstack(self.kept))
        else:
            mean_db = np.full(self.bands, -200.0)
            windows_db = np.zeros((0, self.bands))
        return Spectrum(
            self.rate,
            band_hz,
            mean_db,
            windows_db,
            self.audible_blocks * self._block / self.rate,
            self.samples / self.rate,
            self.peak,
        )


def _db(power: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(power, 1e-20))


@dataclass(frozen=True)
class Cutoff:
    """A measured shelf (``cliff`` True) or, without one, where content ends."""

    hz: float | None
    cliff: bool
    drop_db: float = 0.0
    floor_db: float = -200.0
    consistency: float = 0.0  # share of content windows showing the shelf
    drop_hz: float | None = None  # where the steepest drop is (a shelf or not)


def floor_db(spec: Spectrum) -> float:
    """The noise floor: the quietest bands above 1 kHz (2nd percentile)."""
    above = spec.mean_db[spec.band_hz > 1000]
    return float(np.percentile(above, 2)) if len(above) else -200.0


def reference_db(spec: Spectrum) -> float:
    """The music's own level: the median band level between 500 Hz and 8 kHz."""
    mid = spec.mean_db[(spec.band_hz > 500) & (spec.band_hz < 8000)]
    return float(np.median(mid)) if len(mid) else float(np.median(spec.mean_db))


def content_end(spec: Spectrum, floor: float) -> float | None:
    """Upper edge of the highest band with content. When the loud part of the
    spectrum stands less than 20 dB above the quietest bands there is no
    visible noise floor: the content reaches the top. Otherwise: the highest
    band (running median over 5) more than 10 dB above the floor."""
    if not len(spec.mean_db):
        return None
    loud = float(np.percentile(spec.mean_db, 95))
    if loud - floor < 20.0:
        return float(spec.band_hz[-1])
    sm = _smooth(spec.mean_db)
    offset = (len(spec.mean_db) - len(sm)) // 2
    idx = np.nonzero(sm > floor + 10.0)[0]
    return float(spec.band_hz[idx[-1] + offset]) if len(idx) else None


def measure_cutoff(spec: Spectrum) -> Cutoff:
    """Find the steepest shelf above ``SEARCH_FROM_HZ`` in the mean spectrum and
    check it in every window; without a shelf, the content's end."""
    db = spec.mean_db
    floor = floor_db(spec)
    bw = float(spec.band_hz[1] - spec.band_hz[0]) if len(spec.band_hz) > 1 else 1.0
    near = max(1, int(round(NEAR_HZ / bw)))
    far = max(near + 2, int(round(FAR_HZ / bw)))
    n = len(db)
    drops = np.full(n, -np.inf)
    lo = max(far, int(np.searchsorted(spec.band_hz, SEARCH_FROM_HZ)))
    span = far - near
    # medians[j] = median(db[j : j + span]), all at once
    medians = np.median(np.lib.stride_tricks.sliding_window_view(db, span), axis=1)
    for i in range(lo, n - near - 2):
        below = medians[i - far]
        above = medians[i + near] if i + far <= n else np.median(db[i + near : n])
        drops[i] = below - above
    best_drop = float(np.max(drops)) if n else 0.0
    if best_drop >= CLIFF_DB:
        # The drop is flat-topped while the transition sits in the left-out
        # middle: take the middle of that plateau.
        plateau = np.nonzero(drops >= best_drop - 1.0)[0]
        i = int(plateau[len(plateau) // 2])
        below = float(np.median(db[i - far : i - near]))
        above = float(np.median(db[i + near : min(n, i + far)]))
        beyond = _smooth(db[min(n - 1, i + near) :])
        returns = len(beyond) > 0 and float(np.max(beyond)) > above + 12.0
        if not returns:
            mid = (below + above) / 2
            seg = np.nonzero(db[i - far : min(n, i + far)] >= mid)[0]
            edge = i - far + int(seg[-1]) if len(seg) else i
            hz = float(spec.band_hz[edge])
            consistency = _consistency(spec.windows_db, i, near, far, floor)
            return Cutoff(hz, True, best_drop, floor, consistency, hz)
    drop_hz = float(spec.band_hz[int(np.argmax(drops))]) if best_drop > 0 else None
    return Cutoff(content_end(spec, floor), False, best_drop, floor, 0.0, drop_hz)


def _smooth(db: np.ndarray, width: int = 5) -> np.ndarray:
    """Running median over ``width`` bands: a lone tonal spike is not content."""
    if len(db) < width:
        return db
    view = np.lib.stride_tricks.sliding_window_view(db, width)
    return np.median(view, axis=1)


def upsampled_edge(spec: Spectrum) -> float | None:
    """For rates above 48 kHz: where the content stops, if it stops like a
    resampler's low-pass (a brick wall: the music within 30 dB of its own
    level up to the edge, and from 3 kHz above it nothing within 65 dB), else
    None."""
    ref = reference_db(spec)
    sm = _smooth(spec.mean_db, 9)
    hz = spec.band_hz[4 : 4 + len(sm)]
    loud = np.nonzero(sm > ref - 30.0)[0]
    if not len(loud):
        return None
    edge = float(hz[loud[-1]])
    if edge > UPSAMPLED_MAX_HZ:
        return None
    beyond = sm[hz > edge + 3000]
    if not len(beyond) or float(np.max(beyond)) > ref - 65.0:
        return None
    return edge


def _consistency(windows: np.ndarray, i: int, near: int, far: int, floor: float) -> float:
    """Among the windows with content just below the shelf, the share where
    the shelf is there too (a real low-pass cuts every window alike)."""
    if not len(windows):
        return 0.0
    below = np.median(windows[:, i - far : i - near], axis=1)
    above = np.median(windows[:, i + near : i + far], axis=1)
    content = below >= floor + 20
    if np.count_nonzero(content) < 5:
        return 0.0
    return float(np.mean((below - above)[content] >= 15))


@dataclass(frozen=True)
class Quality:
    quality: str
    detail: str | None
    cutoff_hz: float | None


def likely_source(cutoff_hz: float) -> str:
    """The lossy encoding a low-pass frequency is typical of, as measured on
    FFmpeg's libmp3lame (LAME 3.100) at 44.1 kHz: 128k cuts at ~16.9 kHz,
    192k ~19.4, 256k ~19.7, 320k ~20.3; FFmpeg's AAC at 128k ~17.4, libvorbis
    q4 and libopus ~20.4 (benchmarks/README.md, "Audio analysis")."""
    khz = cutoff_hz / 1000
    if khz < 11.5:
        return "mp3 <=64k"
    if khz < 15.0:
        return "mp3 ~96k"
    if khz < 17.6:
        return "mp3 ~128k (or aac ~128k)"
    if khz < 18.8:
        return "mp3 ~160k"
    if khz < 19.55:
        return "mp3 ~192k"
    if khz < 20.1:
        return "mp3 ~256k"
    return "mp3 ~320k (or vorbis, opus)"


def judge(
    spec: Spectrum,
    *,
    lossy: bool = False,
    declared_bits: int | None = None,
    significant_bits: int | None = None,
) -> Quality:
    """The quality verdict from a file's spectrum (pure; see the module doc)."""
    rate = spec.rate
    if spec.audible_seconds < MIN_AUDIBLE_SECONDS:
        if spec.peak == 0:
            why = "silent"
        elif spec.seconds < MIN_AUDIBLE_SECONDS:
            why = f"too short: {spec.seconds:.1f} s"
        else:
            why = f"too quiet: {spec.audible_seconds:.1f} s above {AUDIBLE_DBFS:g} dBFS"
        return Quality("unknown", f"{why} (8 s of audible audio needed)", None)
    cut = measure_cutoff(spec)
    hz = round(cut.hz) if cut.hz is not None else None
    if lossy:
        return Quality("lossy", "lossy codec: the verdict does not apply", hz)
    if declared_bits and declared_bits >= 24 and significant_bits and significant_bits <= 16:
        return Quality(
            "padded-bits",
            f"declared {declared_bits}-bit, only {significant_bits} significant bits",
            hz,
        )
    if cut.cliff and cut.hz is not None and cut.hz <= LOSSY_MAX_CUTOFF_HZ:
        if cut.consistency >= WINDOW_CONSISTENCY:
            return Quality(
                "transcode",
                f"{likely_source(cut.hz)}: low-pass at {cut.hz / 1000:.1f} kHz, "
                f"{cut.drop_db:.0f} dB shelf in {cut.consistency:.0%} of windows",
                hz,
            )
        return Quality(
            "unknown",
            f"a shelf at {cut.hz / 1000:.1f} kHz, but only in {cut.consistency:.0%} of windows",
            hz,
        )
    if rate > 48000:
        end = upsampled_edge(spec)
        if end is not None:
            return Quality(
                "upsampled",
                f"nothing above {end / 1000:.1f} kHz at {rate / 1000:g} kHz:"
                " a 44.1 or 48 kHz source",
                round(end),
            )
    if hz is None:
        return Quality("unknown", "no content above the noise floor", None)
    weak = cut.drop_hz is not None and DULL_HZ <= cut.drop_hz <= LOSSY_MAX_CUTOFF_HZ
    if not cut.cliff and weak and cut.drop_db >= WEAK_SHELF_DB:
        return Quality(
            "unknown",
            f"a weak shelf ({cut.drop_db:.0f} dB) at {cut.drop_hz / 1000:.1f} kHz: cannot tell",
            hz,
        )
    if cut.cliff or hz >= FULL_BAND_HZ:
        return Quality("lossless", f"content up to {hz / 1000:.1f} kHz", hz)
    if hz >= DULL_HZ:
        return Quality(
            "lossless", f"no lossy low-pass; content fades out by {hz / 1000:.1f} kHz", hz
        )
    return Quality("unknown", f"little treble above {hz / 1000:.1f} kHz: cannot tell", hz)
