"""`archiver duplicates`: groups of copies of the same thing, and which copy to keep.

Three ways to call files "the same" (``by``):

- ``audio``: the same audio identity (see :mod:`archiver.integrity.hashing`): the
  same encoded audio whatever the tags; only files fingerprinted by
  ``scan --checksum`` or ``verify`` take part;
- ``recording``: matched to the same MusicBrainz recording (``archiver enrich``);
- ``tags``: the same artist and title (case and surrounding blanks ignored) and
  durations within 2 s of the group's shortest; files without a duration or
  without artist/title take no part;
- ``acoustic``: the same recording by its Chromaprint fingerprint (``archiver
  analyze``), whatever the format, bitrate or tags (:mod:`archiver.integrity.acoustic`).

The best copy of a group is chosen by, in order: lossless over lossy (a lossless
file that ``analyze`` found to be a transcode counts as lossy, bitrate unknown); then
for lossless the higher bit depth and sample rate, for lossy the higher
bitrate; then the more complete tags (the fields in
``archiver.catalog.duplicates.TAG_FIELDS`` plus an embedded picture); then the
copy catalogued first. The reason names the first criterion that decided.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from archiver.catalog import duplicates as sql

DURATION_TOLERANCE = 2.0  # seconds


@dataclass(frozen=True)
class Copy:
    file_id: int
    path: str
    format: str | None
    codec: str | None
    lossless: bool | None
    bitrate: int | None
    sample_rate: int | None
    bits_per_sample: int | None
    duration: float | None
    tag_score: int
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    verdict: str | None = None  # ``analyze``'s quality verdict, where known (acoustic mode)
    decode: str | None = None  # ``analyze``'s decode check, where known (acoustic mode)

    @classmethod
    def from_row(cls, row: sql.CopyRow) -> Copy:
        lossless = None if row.lossless is None else bool(row.lossless)
        return cls(
            row.file_id,
            row.path,
            row.format,
            row.codec,
            lossless,
            row.bitrate,
            row.sample_rate,
            row.bits_per_sample,
            row.duration,
            row.tag_score,
            row.artist,
            row.title,
            row.album,
        )

    @property
    def transcode(self) -> bool:
        """A lossless file holding audio that went through a lossy encoder."""
        return bool(self.lossless) and self.verdict == "transcode"

    @property
    def genuine_lossless(self) -> bool:
        return bool(self.lossless) and not self.transcode

    @property
    def inflated(self) -> bool:
        """Lossless, but less than it declares: upsampled, or 16 bits padded into 24."""
        return bool(self.lossless) and self.verdict in ("upsampled", "padded-bits")

    @property
    def broken(self) -> bool:
        """Its audio does not decode cleanly (damaged or truncated)."""
        return self.decode == "error"

    def quality(self) -> str:
        """Short human description: "flac 16-bit/44.1 kHz" or "mp3 320 kbps"."""
        name = self.codec or self.format or "?"
        if self.lossless:
            parts = []
            if self.bits_per_sample:
                parts.append(f"{self.bits_per_sample}-bit")
            if self.sample_rate:
                parts.append(f"{self.sample_rate / 1000:g} kHz")
            text = f"{name} {'/'.join(parts)}".strip()
            if self.transcode or self.inflated:
                text = f"{text} {self.verdict}"
            return f"{text} (decode error)" if self.broken else text
        text = f"{name} {round(self.bitrate / 1000)} kbps" if self.bitrate else name
        return f"{text} (decode error)" if self.broken else text


@dataclass
class DuplicateGroup:
    by: str
    key: str
    copies: list[Copy]  # best first
    reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Copy:
        return self.copies[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "best": self.best.path,
            "reason": self.reason,
            "copies": [
                {
                    "path": c.path,
                    "best": i == 0,
                    "format": c.format,
                    "codec": c.codec,
                    "lossless": c.lossless,
                    "bitrate": c.bitrate,
                    "sample_rate": c.sample_rate,
                    "bits_per_sample": c.bits_per_sample,
                    "duration": c.duration,
                    "tag_score": c.tag_score,
                    "artist": c.artist,
                    "title": c.title,
                    "quality_verdict": c.verdict,
                    "decode": c.decode,
                }
                for i, c in enumerate(self.copies)
            ],
        }


def _quality_rank(c: Copy) -> tuple:
    """Audio quality alone, higher is better: genuine lossless (by resolution), then
    inflated lossless (upsampled / padded bits), then lossy by bitrate; a transcode's
    bitrate is its lossless container's, not its source's, so it ranks as unknown lossy."""
    if c.genuine_lossless and not c.inflated:
        return (2, c.bits_per_sample or 0, c.sample_rate or 0)
    if c.inflated:
        return (1, c.bits_per_sample or 0, c.sample_rate or 0)
    return (0, 0 if c.transcode else c.bitrate or 0, 0)


def _rank(c: Copy) -> tuple:
    """Higher is better; the parts mirror the module doc's order. A copy that does not
    decode cleanly comes after every copy that does."""
    return (not c.broken, *_quality_rank(c), c.tag_score, -c.file_id)


def rank_copies(copies: list[Copy]) -> tuple[list[Copy], str]:
    """Copies best first, and why the best beat the runner-up (pure)."""
    ordered = sorted(copies, key=_rank, reverse=True)
    if len(ordered) < 2:
        return ordered, "only copy"
    best, second = ordered[0], ordered[1]
    if second.broken and not best.broken:
        return ordered, f"decodes cleanly ({best.quality()}) over {second.quality()}"
    if second.inflated and not best.inflated and _quality_rank(best)[0] == 2:
        return ordered, (
            f"genuine lossless ({best.quality()}) over {second.verdict} ({second.quality()})"
        )
    if second.transcode and not best.transcode:
        kind = "genuine lossless" if best.lossless else "lossy"
        return ordered, (
            f"{kind} ({best.quality()}) over a transcode ({second.quality()}: lossy audio"
            " in a lossless file)"
        )
    if best.genuine_lossless != second.genuine_lossless:
        return ordered, f"lossless ({best.quality()}) over lossy ({second.quality()})"
    if best.genuine_lossless:
        if (best.bits_per_sample or 0, best.sample_rate or 0) != (
            second.bits_per_sample or 0,
            second.sample_rate or 0,
        ):
            return ordered, f"higher resolution ({best.quality()} vs {second.quality()})"
    elif not best.transcode and (best.bitrate or 0) != (second.bitrate or 0):
        return ordered, f"higher bitrate ({best.quality()} vs {second.quality()})"
    if best.tag_score != second.tag_score:
        return ordered, (
            f"more complete tags ({best.tag_score} of {sql.TAG_SCORE_MAX} fields"
            f" vs {second.tag_score})"
        )
    return ordered, "equal quality and tags; the copy catalogued first"


def cluster_by_duration(
    copies: list[Copy], tolerance: float = DURATION_TOLERANCE
) -> list[list[Copy]]:
    """Split same-artist/title copies into runs whose durations lie within ``tolerance``
    of the run's shortest; copies without a duration are dropped (pure)."""
    timed = sorted((c for c in copies if c.duration is not None), key=lambda c: c.duration)
    clusters: list[list[Copy]] = []
    for copy in timed:
        if clusters and copy.duration - clusters[-1][0].duration <= tolerance:
            clusters[-1].append(copy)
        else:
            clusters.append([copy])
    return [c for c in clusters if len(c) > 1]


def find_duplicates(conn: sqlite3.Connection, by: str = "audio") -> list[DuplicateGroup]:
    """Duplicate groups of present files, each ranked best first (for the CLI and the TUI)."""
    if by == "acoustic":
        # imported here: numpy and libchromaprint are loaded only for this mode
        from archiver.integrity.acoustic import acoustic_groups

        return acoustic_groups(conn)
    rows = sql.duplicate_rows(conn, by)
    grouped: dict[str, list[Copy]] = {}
    for row in rows:
        grouped.setdefault(row.key, []).append(Copy.from_row(row))
    groups: list[DuplicateGroup] = []
    for key, copies in grouped.items():
        clusters = cluster_by_duration(copies) if by == "tags" else [copies]
        for cluster in clusters:
            if len(cluster) < 2:
                continue
            ordered, reason = rank_copies(cluster)
            label = key
            if by == "tags":
                label = f"{ordered[0].artist} - {ordered[0].title}"
            groups.append(DuplicateGroup(by, label, ordered, reason))
    groups.sort(key=lambda g: (g.best.path, g.key))
    return groups
