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
    # Every tag key and its values exactly as read (JSON-able).
    raw_tags: dict[str, list[str]] = field(default_factory=dict)
    pictures: list[Picture] = field(default_factory=list)
    # (kind, one-line message) when the file could not be read.
    error: tuple[str, str] | None = None
    # Things worth knowing about a file that was read, e.g. extension and
    # content disagreed ("content is FLAC, extension is .m4a").
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return display_path(self.path_bytes)


def display_path(path_bytes: bytes) -> str:
    """A legible text form of a path: exact for valid UTF-8, ``\\xNN`` escapes otherwise."""
    return path_bytes.decode("utf-8", errors="backslashreplace")


def path_bytes_of(path: str | bytes | os.PathLike) -> bytes:
    """The exact OS bytes of a path (surrogate escapes become the original bytes)."""
    return os.fsencode(path)
