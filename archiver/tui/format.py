"""Small, pure formatters for numbers the UI shows (no Textual here)."""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    """``3:07``, ``1:02:03``; empty for unknown."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def long_duration(seconds: float | None) -> str:
    """Totals: ``2d 3h 04m``, ``3h 04m``, ``12m 05s``."""
    total = int(round(seconds or 0))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s"


def size(n: int | float | None) -> str:
    """Bytes in decimal units: ``512 B``, ``4.2 MB``, ``1.31 TB``."""
    value = float(n or 0)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    return f"{value:.1f} PB"  # pragma: no cover


def count(n: int, word: str, plural: str | None = None) -> str:
    """``1 track``, ``12,345 tracks``."""
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def shorten_path(path: str, width: int) -> str:
    """``path`` in at most ``width`` characters, cut in the middle so that both the
    start and the file name stay: ``/music/…/Artist/01 Track.flac`` (pure)."""
    if width <= 0:
        return ""
    if len(path) <= width:
        return path
    parts = path.split("/")
    if len(parts) >= 3:
        head = "/".join(parts[:2]) if parts[0] == "" else parts[0]  # "/music" or "music"
        start = 2 if parts[0] == "" else 1
        tail: list[str] = []
        for part in reversed(parts[start:]):
            candidate = "/".join([part, *tail])
            if len(head) + 3 + len(candidate) > width:
                break
            tail.insert(0, part)
        if tail:
            return f"{head}/…/{'/'.join(tail)}"
        if len(parts[-1]) + 2 <= width:  # the file name matters most: keep it whole
            return f"…/{parts[-1]}"
    return middle(path, width)


def middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` characters with one ``…`` (pure)."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    left = (width - 1) // 2
    right = width - 1 - left
    return text[:left] + "…" + (text[-right:] if right else "")


def track_number(disc: int | None, track: int | None) -> str:
    if track is None:
        return ""
    return f"{disc}-{track:02d}" if disc and disc > 1 else str(track)


def mb_status(status: str | None) -> str:
    return status or "—"


def timestamp(iso: str | None) -> str:
    """``2026-01-01 12:00 UTC`` from the catalog's ISO 8601 UTC text."""
    if not iso:
        return "never"
    return iso[:16].replace("T", " ") + " UTC"


def _control_escape(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (Unicode control pictures)
    if code == 0x7F:
        return "␡"
    return f"\\x{code:02x}"  # C1: no picture exists; shown as the escape


_CONTROLS = {c: _control_escape(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def sanitize(text: object) -> str:
    """``text`` as it may reach the terminal: every control character (all of C0,
    DEL and C1) replaced by a visible stand-in (``\\x1b`` → ``␛``, ``\\n`` → ``␊``,
    ``\\x9b`` → ``\\x9b`` as four characters), so a tag can never move the cursor,
    colour the screen or break a line. ``None`` is empty (pure)."""
    if text is None:
        return ""
    return str(text).translate(_CONTROLS)
