"""The plain record one audio file becomes: the contract between the reader
(``archiver.scan.read``, runs in worker processes) and the single writer
(``archiver.catalog.files``). Only picklable builtins inside."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class Picture:
    picture_type: str | None
    mime: str | None
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


@dataclass
class FileRecord:
    path_bytes: bytes
    size: int
    mtime_ns: int
    format: str | None = None
    codec: str | None = None
    duration: float | None = None
    bitrate: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bits_per_sample: int | None = None
    lossless: bool | None = None
    tag_formats: list[str] = field(default_factory=list)
    # Normalized fields keyed by the column names of the ``tags`` table
    # (Picard names); multi-valued fields already joined with "; ".
    tags: dict[str, str | int | float | None] = field(default_factory=dict)
    # Every tag key and its values exactly as read (JSON-able): text as a string,
    # a binary value as a dict (``{"base64": ...}`` or ``{"size", "sha256"}``,
    # see mapping.binary_value).
    raw_tags: dict[str, list[str | dict]] = field(default_factory=dict)
    pictures: list[Picture] = field(default_factory=list)
    # (kind, one-line message) when the file could not be read.
    error: tuple[str, str] | None = None
    # The content is certainly not audio (a video-only Ogg Theora): the scan skips the
    # file like any non-audio file instead of listing it as an error; ``error`` says why.
    not_audio: bool = False
    # Things worth knowing about a file that was read, e.g. extension and
    # content disagreed ("content is FLAC, extension is .m4a").
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return display_path(self.path_bytes)


_NS_MIN, _NS_MAX = -(2**63), 2**63 - 1


def mtime_ns_of(st: os.stat_result) -> int:
    """``st_mtime_ns`` within SQLite's signed 64 bits: a file dated after 2262
    (or before 1677) is stored at the limit, the same on every scan, so it
    reads as unchanged next time instead of failing the whole batch."""
    ns = st.st_mtime_ns
    return ns if _NS_MIN <= ns <= _NS_MAX else max(_NS_MIN, min(ns, _NS_MAX))


def display_path(path_bytes: bytes) -> str:
    """A legible text form of a path: exact for valid UTF-8, ``\\xNN`` escapes otherwise."""
    return path_bytes.decode("utf-8", errors="backslashreplace")


def path_bytes_of(path: str | bytes | os.PathLike) -> bytes:
    """The exact OS bytes of a path (surrogate escapes become the original bytes)."""
    return os.fsencode(path)
