"""Content fingerprints of one file: the whole-file sha256 and an audio identity.

The whole-file ``sha256`` is what ``sha256sum`` prints, so a manifest can be
checked with standard tools. The *audio identity* is a hash that does not
change when only tags are edited; how it is made depends on the container,
which is sniffed from the file's own bytes (never from its name, except to
recognise headerless MP3):

==========================  =================================================
method                      what is hashed
==========================  =================================================
``flac-streaminfo-md5``     FLAC: the MD5 of the decoded audio the encoder
                            stored in STREAMINFO (read, not recomputed)
``flac-frames-sha256``      FLAC whose STREAMINFO MD5 is unset (all zero): the
                            bytes after the last metadata block
``mp3-frames-sha256``       MP3: the bytes between the leading ID3v2 tag(s)
                            and any trailing APEv2 / Lyrics3v2 / ID3v1 tags
``apev2-stripped-sha256``   Monkey's Audio, WavPack, Musepack, TAK, TTA,
                            OptimFROG: the same stripping as MP3
``ogg-packets-sha256``      Ogg (Vorbis, Opus, Speex, Theora, FLAC): the data
                            of every packet except the comment / metadata
                            header packets, page framing excluded (tag edits
                            renumber pages and rewrite their CRCs)
``mp4-mdat-sha256``         MP4/M4A: the payload of the top-level mdat atom(s)
``riff-data-sha256``        WAV: the payload of the ``data`` chunk
``aiff-ssnd-sha256``        AIFF/AIFC: the payload of the ``SSND`` chunk
``asf-data-sha256``         WMA/ASF: the Data Object after its 24-byte header
``dsf-data-sha256``         DSF: the payload of the ``data`` chunk
``whole-file-sha256``       anything else (and malformed files): the whole
                            file, so a tag edit does change it
==========================  =================================================

The file is read once, in 1 MiB chunks, feeding both hashes; only a few small
header reads (``os.pread``) come first to find where the audio lies
(``hashlib.file_digest`` would give one digest per read, so it is not used).
Files are opened read-only and never written; anything but a regular file
(a FIFO or device that replaced a catalogued file) is refused unread.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass

CHUNK = 1 << 20
WHOLE_FILE = "whole-file-sha256"

_ASF_HEADER = bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c")
_ASF_DATA = bytes.fromhex("3626b2758e66cf11a6d900aa0062ce6c")
_APE_LIKE = (b"MAC ", b"wvpk", b"MPCK", b"MP+", b"tBaK", b"TTA1", b"OFR ")
_MP3_SUFFIXES = (b".mp3", b".mp2", b".mp1", b".mpga")


@dataclass(frozen=True)
class Fingerprint:
    """What one read of a file gives; ``size``/``mtime_ns`` are the file's state when read."""

    sha256: str
    audio_hash: str
    audio_hash_method: str
    size: int
    mtime_ns: int


class FileChangedWhileReading(OSError):
    """The file's size or mtime changed during the read: the hashes describe no real state."""


class NotARegularFile(OSError):
    """The path is now a FIFO, device, socket or folder: it is never read."""


# --- planning: where is the audio? -------------------------------------------------


@dataclass
class _Plan:
    method: str
    ranges: list[tuple[int, int]] | None = None  # byte ranges to hash, sorted
    value: str | None = None  # identity known from a header (FLAC MD5)
    ogg: bool = False


def _pread(fd: int, n: int, offset: int) -> bytes:
    return os.pread(fd, n, offset) if offset >= 0 else b""


def _skip_id3v2(fd: int, pos: int, size: int) -> int:
    """Offset after the ID3v2 tag(s) starting at ``pos`` (several are skipped)."""
    while pos + 10 <= size:
        head = _pread(fd, 10, pos)
        if head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
            break
        length = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        footer = 10 if head[5] & 0x10 else 0
        pos += 10 + length + footer
    return min(pos, size)


def _strip_tail(fd: int, start: int, end: int) -> int:
    """End offset before trailing ID3v1 (and TAG+), APEv2 and Lyrics3v2 tags, in any order."""
    while end > start:
        if end - start >= 128 and _pread(fd, 3, end - 128) == b"TAG":
            end -= 128
            if end - start >= 227 and _pread(fd, 4, end - 227) == b"TAG+":
                end -= 227
            continue
        if end - start >= 32:
            footer = _pread(fd, 32, end - 32)
            if footer[:8] == b"APETAGEX":
                length, _count, flags = struct.unpack("<III", footer[12:24])
                total = length + (32 if flags & 0x80000000 else 0)
                if 32 <= length and total <= end - start:
                    end -= total
                    continue
        if end - start >= 15 and _pread(fd, 9, end - 9) == b"LYRICS200":
            digits = _pread(fd, 6, end - 15)
            if digits.isdigit() and int(digits) + 15 <= end - start:
                end -= int(digits) + 15
                continue
        break
    return end


def _flac_plan(fd: int, pos: int, size: int) -> _Plan | None:
    pos += 4
    md5 = None
    while True:
        head = _pread(fd, 4, pos)
        if len(head) < 4:
            return None
        last, kind = head[0] & 0x80, head[0] & 0x7F
        length = int.from_bytes(head[1:4], "big")
        if kind == 0 and length >= 34:
            md5 = _pread(fd, 34, pos + 4)[18:34]
        pos += 4 + length
        if pos > size:
            return None
        if last:
            break
    if md5 and len(md5) == 16 and any(md5):
        return _Plan("flac-streaminfo-md5", value=md5.hex())
    return _Plan("flac-frames-sha256", ranges=[(pos, _strip_tail(fd, pos, size))])


def _chunks_plan(
    fd: int, pos: int, size: int, want: bytes, fmt: str, method: str, pad: bool = True
) -> _Plan | None:
    """RIFF (little-endian ``fmt='<I'``) or IFF/AIFF (big-endian ``'>I'``) chunk walk."""
    while pos + 8 <= size:
        head = _pread(fd, 8, pos)
        length = struct.unpack(fmt, head[4:8])[0]
        if head[:4] == want:
            end = size if length == 0xFFFFFFFF else min(pos + 8 + length, size)
            return _Plan(method, ranges=[(pos + 8, end)])
        pos += 8 + length + (length & 1 if pad else 0)
    return None


def _mp4_plan(fd: int, size: int) -> _Plan | None:
    pos, ranges = 0, []
    while pos + 8 <= size:
        head = _pread(fd, 16, pos)
        length, kind = struct.unpack(">I4s", head[:8])
        header = 8
        if length == 1 and len(head) == 16:
            length, header = struct.unpack(">Q", head[8:16])[0], 16
        elif length == 0:
            length = size - pos
        if length < header:
            return None
        if kind == b"mdat":
            ranges.append((pos + header, min(pos + length, size)))
        pos += length
    return _Plan("mp4-mdat-sha256", ranges=ranges) if ranges else None


def _asf_plan(fd: int, size: int) -> _Plan | None:
    pos = 0
    while pos + 24 <= size:
        head = _pread(fd, 24, pos)
        length = struct.unpack("<Q", head[16:24])[0]
        if length < 24:
            return None
        if head[:16] == _ASF_DATA:
            return _Plan("asf-data-sha256", ranges=[(pos + 24, min(pos + length, size))])
        pos += length
    return None


def _dsf_plan(fd: int, size: int) -> _Plan | None:
    pos = 28
    while pos + 12 <= size:
        head = _pread(fd, 12, pos)
        length = struct.unpack("<Q", head[4:12])[0]
        if length < 12:
            return None
        if head[:4] == b"data":
            return _Plan("dsf-data-sha256", ranges=[(pos + 12, min(pos + length, size))])
        pos += length
    return None


def plan_for(fd: int, size: int, name: bytes = b"") -> _Plan | None:
    """Where the audio lies in the open file ``fd``; None means hash the whole file."""
    head = _pread(fd, 16, 0)
    if head[:4] == b"OggS":
        return _Plan("ogg-packets-sha256", ogg=True)
    if head[:4] in (b"RIFF", b"RF64") and _pread(fd, 4, 8) == b"WAVE":
        return _chunks_plan(fd, 12, size, b"data", "<I", "riff-data-sha256")
    if head[:4] == b"FORM" and _pread(fd, 4, 8) in (b"AIFF", b"AIFC"):
        return _chunks_plan(fd, 12, size, b"SSND", ">I", "aiff-ssnd-sha256")
    if head[4:8] == b"ftyp":
        return _mp4_plan(fd, size)
    if head[:16] == _ASF_HEADER:
        return _asf_plan(fd, size)
    if head[:4] == b"DSD ":
        return _dsf_plan(fd, size)
    start = _skip_id3v2(fd, 0, size)
    head = _pread(fd, 4, start)
    if head == b"fLaC":
        return _flac_plan(fd, start, size)
    if head.startswith(_APE_LIKE):
        return _Plan("apev2-stripped-sha256", ranges=[(start, _strip_tail(fd, start, size))])
    sync = len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
    if sync or start > 0 or name.lower().endswith(_MP3_SUFFIXES):
        return _Plan("mp3-frames-sha256", ranges=[(start, _strip_tail(fd, start, size))])
    return None


# --- Ogg: hash packet data, skipping the comment/metadata header packets -------------


class _OggPackets:
    """Incremental Ogg page parser feeding packet bytes (not page framing) to a hash.

    Per logical stream the packets are counted; packet 1 (the comment header:
    Vorbis, Opus, Speex, Theora) is skipped; for Ogg FLAC every packet after
    the first that is not an audio frame (first byte 0xFF) is metadata and
    skipped. Bytes between pages (garbage) are skipped up to the next ``OggS``.
    """

    def __init__(self, update: Callable[[bytes | memoryview], None]) -> None:
        self.update = update
        self.buf = bytearray()
        self.streams: dict[int, list] = {}  # serial -> [packet index, include current?, codec]

    def feed(self, data: bytes | memoryview) -> None:
        self.buf += data
        buf, pos, n = self.buf, 0, len(self.buf)
        while True:
            if n - pos < 27:
                break
            if buf[pos : pos + 4] != b"OggS":
                nxt = buf.find(b"OggS", pos + 1)
                pos = nxt if nxt >= 0 else max(pos, n - 3)
                if nxt < 0:
                    break
                continue
            nsegs = buf[pos + 26]
            if n - pos < 27 + nsegs:
                break
            lacing = buf[pos + 27 : pos + 27 + nsegs]
            body = pos + 27 + nsegs
            if n - body < sum(lacing):
                break
            serial = int.from_bytes(buf[pos + 14 : pos + 18], "little")
            self._page(serial, lacing, memoryview(buf)[body : body + sum(lacing)])
            pos = body + sum(lacing)
        del self.buf[:pos]

    def _page(self, serial: int, lacing: bytes, payload: memoryview) -> None:
        state = self.streams.setdefault(serial, [0, None, None])
        offset = 0
        try:
            if state[2] == b"other" and state[0] >= 2:
                # Past the headers every packet is hashed: the whole payload at once.
                if payload:
                    self.update(payload)
                ends = len(lacing) - lacing.count(255)
                state[0] += ends
                state[1] = True if lacing and lacing[-1] == 255 else None
                return
            for seg in lacing:
                if state[1] is None:  # first segment of a packet decides
                    first = payload[offset : offset + 8].tobytes()
                    if state[0] == 0:
                        state[2] = b"flac" if first[:5] == b"\x7fFLAC" else b"other"
                    state[1] = self._include(state[0], state[2], first)
                if state[1] and seg:
                    self.update(payload[offset : offset + seg])
                offset += seg
                if seg < 255:  # packet ends
                    state[0] += 1
                    state[1] = None
        finally:
            payload.release()

    @staticmethod
    def _include(index: int, codec: bytes, first: bytes) -> bool:
        if index == 0:
            return True
        if codec == b"flac":
            return first[:1] == b"\xff"
        return index != 1


# --- the one read ---------------------------------------------------------------------


def fingerprint_file(path: str | bytes | os.PathLike, *, chunk: int = CHUNK) -> Fingerprint:
    """Read ``path`` once and return both hashes. Raises ``OSError`` (``FileNotFoundError``
    when gone, :class:`FileChangedWhileReading` when written to during the read)."""
    path_b = os.fsencode(path)
    # Symlinks are followed (a link to a regular file is fine), but a FIFO would
    # block, /dev/zero would read forever and opening some devices has effects:
    # check before opening, and again on the descriptor (the path may change
    # between the two); O_NONBLOCK keeps the open itself from waiting on a FIFO.
    if not stat.S_ISREG(os.stat(path_b).st_mode):
        raise NotARegularFile(errno.EINVAL, "not a regular file", os.fsdecode(path_b))
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path_b, flags)
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise NotARegularFile(errno.EINVAL, "not a regular file", os.fsdecode(path_b))
        os.set_blocking(fd, True)
        size = before.st_size
        try:
            plan = plan_for(fd, size, os.path.basename(path_b))
        except (struct.error, ValueError):
            plan = None
        whole = hashlib.sha256()
        audio = hashlib.sha256() if plan is not None and plan.value is None else None
        ogg = _OggPackets(audio.update) if plan is not None and plan.ogg and audio else None
        ranges = plan.ranges if plan is not None and plan.ranges is not None else []
        buffer = bytearray(chunk)
        view = memoryview(buffer)
        reader = io.FileIO(fd, "rb", closefd=False)
        offset = 0
        while True:
            n = reader.readinto(buffer)
            if not n:
                break
            data = view[:n]
            whole.update(data)
            if ogg is not None:
                ogg.feed(data)
            elif audio is not None:
                end = offset + n
                for start, stop in ranges:
                    if stop <= offset or start >= end:
                        continue
                    audio.update(data[max(start, offset) - offset : min(stop, end) - offset])
            offset += n
        after = os.fstat(fd)
    finally:
        os.close(fd)
    if (after.st_size, after.st_mtime_ns) != (size, before.st_mtime_ns) or offset != size:
        raise FileChangedWhileReading(f"{os.fsdecode(path_b)}: changed while it was being read")
    sha = whole.hexdigest()
    if plan is None:
        return Fingerprint(sha, sha, WHOLE_FILE, size, before.st_mtime_ns)
    identity = plan.value if plan.value is not None else audio.hexdigest()
    return Fingerprint(sha, identity, plan.method, size, before.st_mtime_ns)
