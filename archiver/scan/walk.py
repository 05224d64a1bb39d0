"""Discovery: walk folders with ``os.scandir`` and say which files are audio.

Files that are not audio are yielded too (:class:`Skipped`, with a kind from
:func:`skipped_kind`), so a scan can name every file it passed over.

Everything works on bytes paths so that names that are not valid UTF-8 keep
their exact bytes. The walk never opens a file except to sniff the first
128 bytes of a regular file whose extension is neither a known audio nor a
well-known non-audio extension; FIFOs, sockets and devices are never opened.
Directory symlinks are followed, but each directory (by ``st_dev, st_ino``)
is entered once, so symlink loops end.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from archiver.scan.record import mtime_ns_of

AUDIO_EXTENSIONS: frozenset[bytes] = frozenset(
    b"mp3 mp2 flac ogg oga opus spx m4a m4b mp4 aac alac wma asf wav aif aiff aifc "
    b"ape wv mpc ofr ofs tak tta dsf dff".split()
)

# Extensions that are certainly not audio: skipped (and counted) without a look.
NON_AUDIO_EXTENSIONS: frozenset[bytes] = frozenset(
    b"jpg jpeg jpe png gif bmp tif tiff webp heic heif avif jxl ico svg psd "
    b"txt log cue nfo m3u m3u8 pls wpl asx "
    b"xspf pdf doc docx odt rtf md html htm xml json yaml yml ini cfg conf toml csv tsv "
    b"sfv md5 sha1 sha256 ffp accurip db sqlite sqlite3 zip rar 7z tar gz bz2 xz zst "
    b"iso exe dll so py sh bat lrc srt sub url lnk ds_store thumbs torrent par2 "
    b"mkv avi mov wmv webm flv mpg mpeg vob sf2 nsf spc cdg".split()
)

# What a skipped file is, by extension (see ``skipped_kind``).
_KIND_BY_EXTENSION: dict[bytes, str] = {
    **dict.fromkeys(
        b"jpg jpeg jpe png gif bmp tif tiff webp heic heif avif jxl ico svg psd".split(), "image"
    ),
    b"cue": "cue",
    **dict.fromkeys(b"log accurip".split(), "log"),
    **dict.fromkeys(b"m3u m3u8 pls xspf wpl asx".split(), "playlist"),
    **dict.fromkeys(
        b"mkv avi mov wmv webm flv mpg mpeg vob m4v ogv ogm 3gp m2ts mts divx".split(), "video"
    ),
}
# Every kind a skipped file can have; "special": a FIFO, socket or device (never opened).
SKIPPED_KINDS: tuple[str, ...] = ("image", "cue", "log", "playlist", "video", "other", "special")

SNIFF_BYTES = 128
APE_FOOTER = b"APETAGEX"  # an APEv2 tag ends a file with a 32-byte footer


@dataclass(frozen=True, slots=True)
class Found:
    """An audio file the walk found: its exact path and the stat the plan needs."""

    path_bytes: bytes
    size: int
    mtime_ns: int
    sniffed: bool = False  # True when picked by content, not by extension


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file the walk passed over as not audio. ``size``/``mtime_ns`` are None
    when it could not be stat'ed (a dangling symlink, a file deleted meanwhile)."""

    path_bytes: bytes
    kind: str  # one of SKIPPED_KINDS
    size: int | None
    mtime_ns: int | None


@dataclass(frozen=True, slots=True)
class WalkError:
    """Something the walk could not look at; becomes a ``scan_errors`` row."""

    path_bytes: bytes
    kind: str  # permission, unreadable, vanished
    message: str


@dataclass
class WalkStats:
    skipped: int = 0  # files that are not audio (by extension or content)
    special: int = 0  # FIFOs, sockets, devices: never opened
    # Directories that could not be listed: known files under them are not
    # marked missing (we could not look, so we do not know they are gone).
    unlisted_dirs: list[bytes] = field(default_factory=list)


def extension(name: bytes) -> bytes:
    """Lower-case extension without the dot (b"" when there is none)."""
    dot = name.rfind(b".")
    if dot <= 0:  # no dot, or a dotfile such as ".hidden"
        return b""
    return name[dot + 1 :].lower()


def skipped_kind(name: bytes) -> str:
    """What a non-audio file is, from its name: image, cue, log (rip logs),
    playlist, video or other. Pure; unit-tested."""
    return _KIND_BY_EXTENSION.get(extension(os.path.basename(name)), "other")


def rejected_kind(name: bytes) -> str:
    """The kind of a file the reader turned down. Only a file whose content is
    certainly not audio (a video-only Ogg: the reader's ``not_audio``) is turned
    down under an audio extension: that is a video; a file picked by its
    content that mutagen then did not recognise is named by its extension."""
    if extension(os.path.basename(name)) in AUDIO_EXTENSIONS:
        return "video"
    return skipped_kind(name)


def _mpeg_frame(head: bytes, at: int = 0) -> bool:
    """A plausible MPEG audio / ADTS frame header at ``at`` (not just a sync word)."""
    if len(head) < at + 4:
        return False
    b1, b2, b3 = head[at + 1], head[at + 2], head[at + 3]
    if head[at] != 0xFF or (b1 & 0xE0) != 0xE0:
        return False
    version = (b1 >> 3) & 0x3
    layer = (b1 >> 1) & 0x3
    if layer == 0:  # ADTS (AAC): version bit pattern 0b10 or 0b11 with layer 00
        return (b1 & 0xF6) == 0xF0 and ((b2 >> 2) & 0xF) < 13
    bitrate = (b2 >> 4) & 0xF
    rate = (b2 >> 2) & 0x3
    return version != 1 and bitrate not in (0, 0xF) and rate != 3 and (b3 & 0x3) != 2


def looks_like_audio(head: bytes) -> bool:
    """Magic numbers of the containers mutagen reads. Pure; unit-tested."""
    if len(head) < 4:
        return False
    four = head[:4]
    if head.startswith(b"ID3") or four in (b"fLaC", b"OggS", b"MAC ", b"wvpk", b"TTA1"):
        return True
    if four in (b"MPCK", b"tBaK", b"DSD ", b"FRM8", b"MThd") or head.startswith((b"MP+", b"OFR ")):
        return True
    if four in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return True
    if four == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return True
    if head[4:8] == b"ftyp":
        return True
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):  # ASF header GUID
        return True
    if head.startswith(b"\x0b\x77"):  # AC-3 / E-AC-3 sync frame
        return True
    return _mpeg_frame(head)


def sniff(path_bytes: bytes) -> bool:
    """Read the first bytes of a regular file and check them; errors mean no."""
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since the
        # stat, opening it must not block.
        fd = os.open(path_bytes, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        head = os.read(fd, SNIFF_BYTES)
        if looks_like_audio(head):
            return True
        # A file that is only an APEv2 tag (mutagen reads those too): check the tail.
        size = os.fstat(fd).st_size
        return size >= 32 and os.pread(fd, 8, size - 32) == APE_FOOTER
    except OSError:
        return False
    finally:
        os.close(fd)


def _error(path: bytes, exc: OSError) -> WalkError:
    if isinstance(exc, PermissionError):
        kind = "permission"
    elif isinstance(exc, FileNotFoundError):
        kind = "vanished"
    else:
        kind = "unreadable"
    return WalkError(path, kind, exc.strerror or str(exc))


def classify(
    path_bytes: bytes, st: os.stat_result, stats: WalkStats, name: bytes | None = None
) -> Found | Skipped:
    """Decide whether a regular file is audio: by extension, else by a cheap sniff.
    ``name``: the file name when the caller has it (saves a basename per file)."""
    if not stat.S_ISREG(st.st_mode):
        stats.special += 1
        return Skipped(path_bytes, "special", st.st_size, mtime_ns_of(st))
    name = os.path.basename(path_bytes) if name is None else name
    ext = extension(name)
    if ext in AUDIO_EXTENSIONS:
        return Found(path_bytes, st.st_size, mtime_ns_of(st))
    if ext not in NON_AUDIO_EXTENSIONS and st.st_size >= 4 and sniff(path_bytes):
        return Found(path_bytes, st.st_size, mtime_ns_of(st), sniffed=True)
    stats.skipped += 1
    return Skipped(path_bytes, skipped_kind(name), st.st_size, mtime_ns_of(st))


def _stat_failed(entry: os.DirEntry, exc: OSError, stats: WalkStats) -> WalkError | Skipped | None:
    """An entry that cannot be stat'ed: a broken or looping symlink (an error only
    when its name says audio), a file that vanished meanwhile (likewise), or anything
    else, e.g. a path longer than PATH_MAX: an error, and a folder's files are
    then not marked missing."""
    try:
        is_link = entry.is_symlink()
        is_dir = entry.is_dir(follow_symlinks=False)
    except OSError:
        is_link = is_dir = False
    audio = extension(entry.name) in AUDIO_EXTENSIONS
    if is_link:  # dangling, or a chain of links that loops (ELOOP)
        if not audio:
            stats.skipped += 1
            return Skipped(entry.path, skipped_kind(entry.name), None, None)
        if isinstance(exc, FileNotFoundError):
            return WalkError(entry.path, "unreadable", "broken symbolic link")
        return _error(entry.path, exc)
    if isinstance(exc, FileNotFoundError) and not audio and not is_dir:
        stats.skipped += 1  # a non-audio file deleted while we walked
        return Skipped(entry.path, skipped_kind(entry.name), None, None)
    if is_dir:
        stats.unlisted_dirs.append(entry.path)
    return _error(entry.path, exc)


def walk(top: bytes, stats: WalkStats) -> Iterator[Found | Skipped | WalkError]:
    """Yield every audio file under ``top`` (a folder or one file), in sorted order,
    every file passed over as a :class:`Skipped`, and a :class:`WalkError` for
    whatever cannot be looked at."""
    try:
        st = os.stat(top)
    except OSError as exc:
        yield _error(top, exc)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield classify(top, st, stats)
        return
    visited: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            stats.unlisted_dirs.append(folder)
            yield _error(folder, exc)
            continue
        subdirs = []
        for entry in entries:
            path = entry.path
            try:
                est = entry.stat(follow_symlinks=True)
            except OSError as exc:
                failed = _stat_failed(entry, exc, stats)
                if failed:
                    yield failed
                continue
            if stat.S_ISDIR(est.st_mode):
                key = (est.st_dev, est.st_ino)
                if key in visited:  # a symlink loop, or a second link to a folder
                    continue
                visited.add(key)
                subdirs.append(path)
                continue
            yield classify(path, est, stats, entry.name)
        # Depth-first in name order: push reversed so the first name pops first.
        stack.extend(reversed(subdirs))
