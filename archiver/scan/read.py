"""Read one audio file into a FileRecord (minimal first version; the full
table-driven tag mapping replaces this)."""

from __future__ import annotations

import os

import mutagen

from archiver.scan.record import FileRecord


def read_file(path_bytes: bytes, st: os.stat_result | None = None) -> FileRecord:
    """Never raises: problems become ``record.error``."""
    try:
        st = st or os.stat(path_bytes)
    except OSError as exc:
        return FileRecord(path_bytes, 0, 0, error=("unreadable", exc.strerror or str(exc)))
    record = FileRecord(path_bytes, st.st_size, st.st_mtime_ns)
    try:
        audio = mutagen.File(path_bytes)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded per file
        record.error = ("corrupt", f"{type(exc).__name__}: {exc}".splitlines()[0])
        return record
    if audio is None:
        record.error = ("unsupported", "not an audio format mutagen recognises")
        return record
    info = audio.info
    record.format = type(audio).__name__.lower()
    record.duration = getattr(info, "length", None)
    record.bitrate = getattr(info, "bitrate", None)
    record.sample_rate = getattr(info, "sample_rate", None)
    record.channels = getattr(info, "channels", None)
    if audio.tags:
        for key, value in audio.tags.items():
            record.raw_tags[str(key)] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return record
