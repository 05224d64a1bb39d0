"""Decode a whole audio stream once, frame by frame, and say whether it plays.

The stream is decoded with PyAV in bounded memory: decoded frames are
gathered into chunks of about ``CHUNK`` samples, handed to a callback (the
spectrum, the fingerprint, the FLAC MD5) and dropped. The verdict:

- ``ok``: the whole stream decoded, as long as the container says;
- ``error``: the first problem and its position (``decode_detail``), e.g. a
  decoder error, a damaged FLAC frame (a gap in the timestamps: FFmpeg skips
  damage silently unless told to look), a truncated file (decoded length
  short of the stated length), a FLAC MD5 mismatch;
- ``unsupported``: no decoder for the codec.

FFmpeg's decoders conceal damage by default. For FLAC the codec context is
opened with ``err_detect=crccheck+explode``: a frame whose CRC fails is then
dropped (not concealed), which leaves a gap in the frame timestamps; every
FFmpeg log line of level error is captured and counts as a decode error.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CHUNK = 65536  # samples per chunk handed to the callback
LOSSLESS_EXACT = frozenset({"flac"})  # frame timestamps are exact sample counts

FLAC_ERR_DETECT = "crccheck+explode"


@dataclass
class StreamInfo:
    """What the stream says about itself before decoding."""

    codec: str
    rate: int
    channels: int
    declared_bits: int | None
    stated_seconds: float | None
    stated_samples: int | None  # exact (FLAC STREAMINFO), else None
    # False when the stated length is only FFmpeg's estimate from the bitrate
    # (MP3 without a Xing/Info/VBRI header, raw ADTS/AC-3 streams): a VBR file
    # would look truncated, and a truncated CBR file looks whole anyway.
    length_known: bool = True


@dataclass
class DecodeResult:
    decode: str  # ok, error, unsupported
    detail: str | None
    decoded_seconds: float | None
    info: StreamInfo | None
    significant_bits: int | None = None


class _Problems:
    """The first decode problem (one line) and how many there were."""

    def __init__(self) -> None:
        self.first: str | None = None
        self.at: float | None = None
        self.count = 0

    def add(self, message: str, at: float | None) -> None:
        self.count += 1
        if self.first is None:
            # FFmpeg's "CRC error at PTS <n>" names a meaningless PTS: the position is ours.
            message = re.sub(r" at PTS -?\d+", "", message)
            self.first = " ".join(message.split())
            self.at = at


def _flac_header(path: str) -> tuple[int | None, bytes | None, int | None]:
    """(bits per sample, STREAMINFO MD5 as 16 bytes, total samples) via mutagen,
    which opens the file read-only; Nones when unreadable."""
    try:
        from mutagen.flac import FLAC

        info = FLAC(path).info
    except Exception:  # noqa: BLE001 - the decode itself will say what is wrong
        return None, None, None
    md5 = int(info.md5_signature).to_bytes(16, "big")
    return int(info.bits_per_sample), md5, int(info.total_samples) or None


def _md5_bytes(chunk: np.ndarray, bits: int) -> bytes | memoryview:
    """Samples as FLAC's MD5 sees them: original bit depth, signed, little-endian,
    interleaved, ceil(bits / 8) bytes each. FFmpeg hands FLAC out left-aligned
    in 16 or 32 bits."""
    width = (bits + 7) // 8
    if chunk.dtype == np.int16:
        if bits == 16:
            return np.ascontiguousarray(chunk, dtype="<i2").data  # as decoded: no copy
        values = (chunk >> (16 - bits)).astype("<i4")
        source = 0
    elif bits == 32:
        return np.ascontiguousarray(chunk, dtype="<i4").data
    elif bits == 24:  # the original bytes are bytes 1-3 of each left-aligned word
        values = np.ascontiguousarray(chunk, dtype="<i4")
        source = 1
    else:
        values = np.ascontiguousarray(chunk >> (32 - bits), dtype="<i4")
        source = 0
    words = values.reshape(-1).view(np.uint8).reshape(-1, 4)
    out = np.empty((len(words), width), dtype=np.uint8)
    for k in range(width):  # column by column: several times faster than one strided copy
        out[:, k] = words[:, source + k]
    return out.data


_DTYPES = {"s16": np.int16, "s32": np.int32, "flt": np.float32, "dbl": np.float64, "u8": np.uint8}


def _interleaved(frame) -> np.ndarray:
    """A decoded frame as an (n, channels) array of its own dtype. Packed
    frames are read straight from their buffer (PyAV's ``to_ndarray`` costs
    more per call than the whole conversion)."""
    fmt = frame.format
    channels = len(frame.layout.channels) or 1
    dtype = None if fmt.is_planar else _DTYPES.get(fmt.name)
    if dtype is not None:
        n = frame.samples * channels
        return np.frombuffer(frame.planes[0], dtype=dtype, count=n).reshape(-1, channels)
    arr = frame.to_ndarray()
    if fmt.is_planar:
        return arr.T
    return arr.reshape(-1, channels)


def decode_file(
    path: bytes | str,
    on_chunk: Callable[[np.ndarray, StreamInfo], None] | None = None,
    on_start: Callable[[StreamInfo], None] | None = None,
) -> DecodeResult:
    """Decode the first audio stream of ``path`` to its end. ``on_start`` gets the
    stream's info before the first chunk; ``on_chunk`` every chunk of interleaved
    samples (native dtype). Decode problems go into the result; exceptions from
    the callbacks propagate."""
    import av
    import av.logging

    name = os.fsdecode(path)
    av.logging.set_level(av.logging.ERROR)
    problems = _Problems()
    with av.logging.Capture() as logs:
        try:
            container = av.open(name, metadata_errors="ignore")
        except av.error.FFmpegError as exc:
            return DecodeResult("error", f"cannot open: {_ffmpeg_message(exc)}", None, None)
        try:
            return _decode(container, name, problems, logs, on_chunk, on_start)
        finally:
            container.close()


def _ffmpeg_message(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    log = getattr(exc, "log", None)
    if log and len(log) >= 3 and log[2]:
        text = f"{text} ({str(log[2]).strip()})"
    return " ".join(str(text).split())


def _decode(container, name, problems, logs, on_chunk, on_start) -> DecodeResult:
    import av

    streams = container.streams.audio
    if not streams:
        return DecodeResult("error", "no audio stream", None, None)
    stream = streams[0]
    cc = stream.codec_context
    if cc is None or not getattr(cc, "name", None):
        return DecodeResult("unsupported", "no decoder for this codec", None, None)
    codec = cc.name
    rate = int(cc.sample_rate or 0)
    channels = int(cc.channels or 0) or 1
    fmt = cc.format.name if cc.format else ""
    declared = None
    md5_expected = None
    stated_samples = None
    if codec == "flac":
        declared, md5_expected, stated_samples = _flac_header(name)
        cc.options = {"err_detect": FLAC_ERR_DETECT}
    elif codec.startswith("pcm_"):
        digits = "".join(ch for ch in codec.split("_")[1] if ch.isdigit())
        declared = int(digits) if digits else None
    elif fmt.startswith("s32"):
        declared = 24 if codec in ("alac", "wavpack", "tta", "ape", "tak") else 32
    elif fmt.startswith("s16"):
        declared = 16
    stated = None
    if stream.duration and stream.time_base:
        stated = float(stream.duration * stream.time_base)
    elif container.duration:
        stated = container.duration / 1_000_000
    if stated_samples and rate:
        stated = stated_samples / rate
    info = StreamInfo(
        codec, rate, channels, declared, stated, stated_samples, _length_known(container, name)
    )
    if on_start is not None:
        on_start(info)

    md5 = hashlib.md5() if md5_expected and any(md5_expected) and declared else None
    or_bits = 0
    probe_bits = fmt.startswith("s32") and (declared or 0) >= 24
    decoded = 0
    pending: list[np.ndarray] = []
    pending_n = 0
    tb = stream.time_base
    exact = codec in LOSSLESS_EXACT and tb is not None and rate and float(tb) * rate == 1.0
    expected_pts = None
    reached = 0  # FLAC: end of the last frame decoded, in samples
    seen_logs = 0

    def flush() -> None:
        nonlocal pending, pending_n, or_bits
        if not pending:
            return
        chunk = pending[0] if len(pending) == 1 else np.concatenate(pending)
        pending, pending_n = [], 0
        if md5 is not None:
            md5.update(_md5_bytes(chunk, declared))
        if probe_bits:
            or_bits |= int(np.bitwise_or.reduce(chunk.view(np.uint32), axis=None))
        if on_chunk is not None:
            on_chunk(chunk, info)

    def check_logs() -> None:
        nonlocal seen_logs
        while seen_logs < len(logs):
            level, source, message = logs[seen_logs][:3]
            seen_logs += 1
            if level is not None and level <= av.logging.ERROR:
                problems.add(f"{message} ({source})" if source else message, _at(decoded, rate))

    try:
        for packet in container.demux(stream):
            pts = packet.pts if exact else None
            if pts is not None and expected_pts is not None and pts > expected_pts:
                problems.add("damaged frame skipped (frame CRC)", _at(expected_pts, rate))
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                check_logs()
                problems.add(_ffmpeg_message(exc), _at(decoded, rate))
                continue
            got = 0
            for frame in frames:
                samples = _interleaved(frame)
                got += len(samples)
                pending.append(samples)
                pending_n += len(samples)
                if pending_n >= CHUNK:
                    flush()
            decoded += got
            if pts is not None:
                if got:
                    reached = max(reached, pts + got)
                elif packet.size:
                    problems.add("damaged frame dropped (frame CRC)", _at(pts, rate))
                expected_pts = pts + (got or packet.duration or 0)
            if len(logs) != seen_logs:
                check_logs()
    except av.error.FFmpegError as exc:
        check_logs()
        problems.add(f"reading stopped: {_ffmpeg_message(exc)}", _at(decoded, rate))
    flush()
    check_logs()

    decoded_seconds = decoded / rate if rate else None
    significant = None
    if probe_bits and or_bits:
        trailing = (or_bits & -or_bits).bit_length() - 1
        significant = 32 - trailing
    detail = None
    truncated = _shortfall(reached if exact else decoded, info, exact)
    if truncated:
        extra = f" ({problems.first})" if problems.first else ""
        detail = f"truncated: decoded {decoded_seconds:.2f} s of {stated:.2f} s stated{extra}"
    elif problems.first is not None:
        at = f" at {problems.at:.2f} s" if problems.at is not None else ""
        more = f" (+{problems.count - 1} more)" if problems.count > 1 else ""
        detail = f"{problems.first}{at}{more}"
    elif md5 is not None and md5.digest() != md5_expected:
        detail = "MD5 mismatch: the decoded audio differs from STREAMINFO's MD5"
    elif decoded == 0:
        detail = "no audio decoded"
    if detail is not None:
        return DecodeResult("error", detail, decoded_seconds, info, significant)
    note = None
    if codec == "flac" and md5_expected is not None and not any(md5_expected):
        note = "STREAMINFO has no MD5: not checkable"
    return DecodeResult("ok", note, decoded_seconds, info, significant)


ESTIMATED_LENGTH_FORMATS = frozenset({"aac", "ac3", "eac3", "dts", "mp2", "mpeg"})


def _length_known(container, name: str) -> bool:
    """Does the container state its length, or does FFmpeg estimate it from the bitrate?"""
    fmt = container.format.name.split(",")[0] if container.format else ""
    if fmt in ESTIMATED_LENGTH_FORMATS:
        return False
    if fmt == "mp3":
        return _mp3_has_length_header(name)
    return True


def _mp3_has_length_header(name: str) -> bool:
    """A Xing, Info or VBRI header in the first frame (after any ID3v2 tag)."""
    try:
        with open(name, "rb") as f:
            head = f.read(10)
            start = 0
            if len(head) == 10 and head[:3] == b"ID3":
                size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
                start = 10 + size + (10 if head[5] & 0x10 else 0)
            f.seek(start)
            first = f.read(4096)
    except OSError:
        return False
    return any(marker in first for marker in (b"Xing", b"Info", b"VBRI"))


def _at(samples: int, rate: int) -> float | None:
    return samples / rate if rate else None


def _shortfall(reached: int, info: StreamInfo, exact: bool) -> bool:
    """The stream ended clearly before its stated length: to the sample for
    FLAC (``reached`` is the end of the last frame, so a skipped damaged frame
    in the middle does not count), else by more than the larger of 0.5 s and
    1% (MP3 encoder delay and padding, durations estimated from the bitrate)."""
    if info.stated_samples and exact:
        return reached < info.stated_samples
    if not info.stated_seconds or not info.rate or not info.length_known:
        return False
    missing = info.stated_seconds - reached / info.rate
    return missing > max(0.5, 0.01 * info.stated_seconds)
