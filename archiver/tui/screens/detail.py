"""One track, everything the catalog knows: file and audio properties, every
normalized tag, MusicBrainz beside the file's tags (differences marked ≠, so
they show without colour too), credits, pictures and the raw tags as read."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from archiver.catalog import browse
from archiver.catalog.browse import TrackDetail
from archiver.tui import format as fmt
from archiver.tui.text import text as literal
from archiver.tui.widgets.cover import CoverPane

FILE_FIELDS = [
    ("path", "Path"),
    ("size", "Size"),
    ("mtime", "Modified"),
    ("format", "Format"),
    ("codec", "Codec"),
    ("duration", "Length"),
    ("bitrate", "Bitrate"),
    ("sample_rate", "Sample rate"),
    ("channels", "Channels"),
    ("bits_per_sample", "Bits per sample"),
    ("lossless", "Lossless"),
    ("tag_formats", "Tag formats"),
    ("read_error", "Read error"),
    ("missing", "Missing"),
    ("missing_since", "Missing since"),
    ("first_seen_at", "First seen"),
    ("last_seen_at", "Last seen"),
    ("sha256", "SHA-256"),
    ("audio_hash", "Audio hash"),
    ("last_verified_at", "Last verified"),
    ("last_verify_status", "Verify status"),
]
CREDIT_TAGS = ["composer", "lyricist", "conductor", "performer", "producer", "engineer", "mixer"]


def _file_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "size":
        return f"{fmt.size(value)} ({value:,} bytes)"
    if name == "duration":
        return f"{fmt.duration(value)} ({value:.3f} s)"
    if name == "bitrate":
        return f"{round(value / 1000):,} kbps"
    if name == "sample_rate":
        return f"{value:,} Hz"
    if name in ("lossless", "missing"):
        return "yes" if value else "no"
    return str(value)


class SafeTable(Table):
    """A Rich table whose string cells are literal text, never markup, with
    control characters made visible (tag values go in here).

    ``fit_column``: that column (the field names) is as wide as its longest
    cell, up to ``KEY_SHARE`` of the width, so long raw keys such as
    ``TXXX:MusicBrainz Album Id`` stay readable."""

    KEY_SHARE = 0.45
    KEY_MIN = 12

    def __init__(self, *args: Any, fit_column: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fit_column = fit_column
        self._longest = 0

    def add_row(self, *cells: Any, **kwargs: Any) -> None:  # type: ignore[override]
        safe = [literal(c) if isinstance(c, str) else c for c in cells]
        if self.fit_column is not None and len(safe) > self.fit_column:
            cell = safe[self.fit_column]
            if isinstance(cell, Text):
                self._longest = max(self._longest, cell.cell_len)
        super().add_row(*safe, **kwargs)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.fit_column is not None:
            share = max(self.KEY_MIN, int(options.max_width * self.KEY_SHARE))
            header = cell_len(str(self.columns[self.fit_column].header)) if self.show_header else 0
            self.columns[self.fit_column].width = max(1, min(max(self._longest, header), share))
        yield from super().__rich_console__(console, options)


def _kv_table(title: str) -> SafeTable:
    table = SafeTable(
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        show_header=False,
        expand=True,
        fit_column=0,
    )
    table.add_column("field", style="dim", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=1)
    return table


def _history(d: TrackDetail) -> list[RenderableType]:
    """Fingerprints taken of the file (the proof it did not rot) and its moves."""
    parts: list[RenderableType] = []
    if d.fingerprints:
        table = SafeTable(
            title="Fingerprints (oldest first)",
            title_justify="left",
            title_style="bold",
            box=None,
            expand=True,
        )
        table.add_column("Taken", no_wrap=True)
        table.add_column("By", no_wrap=True)
        table.add_column("Size", justify="right", no_wrap=True)
        table.add_column("SHA-256", overflow="ellipsis", no_wrap=True, ratio=1)
        for fp in d.fingerprints:
            by = (
                f"verify #{fp['verify_run_id']}"
                if fp.get("verify_run_id")
                else f"scan #{fp['scan_id']}"
                if fp.get("scan_id")
                else "checksum"
            )
            table.add_row(
                fmt.timestamp(fp.get("computed_at")),
                by,
                f"{fp.get('size') or 0:,}",
                str(fp.get("sha256") or ""),
            )
        parts += [table, Text("")]
    if d.moves:
        moves = _kv_table("Moves")
        for move in d.moves:
            moves.add_row(
                fmt.timestamp(move.get("detected_at")),
                f"{move.get('old_path')} → {move.get('new_path')}",
            )
        parts += [moves, Text("")]
    return parts


def _analysis(d: TrackDetail) -> list[RenderableType]:
    """What `archiver analyze` heard (issue 15); nothing before the file's first
    analysis; a stale analysis (the file changed since) is not shown as current."""
    a = d.analysis
    if a is None:
        return []
    table = _kv_table("Audio analysis")
    if not a.get("current"):
        when = fmt.timestamp(a.get("analyzed_at"))
        note = f"not analysed since the file changed (last analysed {when}): run `archiver analyze`"
        table.add_row("", Text(note, style="italic"))
        return [table, Text("")]
    if a.get("error"):
        table.add_row("Error", literal(a["error"], style="bold"))
    if a.get("decode"):
        decode = a["decode"] + (f" — {a['decode_detail']}" if a.get("decode_detail") else "")
        table.add_row("Decode", literal(decode, style="bold" if a["decode"] == "error" else ""))
    if a.get("quality"):
        quality = a["quality"] + (f" — {a['quality_detail']}" if a.get("quality_detail") else "")
        bad = a["quality"] in ("transcode", "upsampled", "padded-bits")
        table.add_row("Quality", literal(quality, style="bold" if bad else ""))
    if a.get("cutoff_hz"):
        table.add_row("Cut-off", f"{a['cutoff_hz'] / 1000:.1f} kHz")
    table.add_row("Fingerprint", "yes" if a.get("fingerprint") else "no")
    table.add_row("Analysed at", fmt.timestamp(a.get("analyzed_at")))
    return [table, Text("")]


def raw_value_text(value: Any) -> str:
    """A raw tag value for people: text as is, a binary value (``{"base64": ...}`` or
    ``{"size": N, "sha256": ...}``, see scan.mapping.binary_value) as ``<binary N bytes>``."""
    if not isinstance(value, dict):
        return str(value)
    size = value.get("size")
    encoded = value.get("base64")
    if size is None and isinstance(encoded, str):
        size = len(encoded) // 4 * 3 - encoded[-2:].count("=")
    return f"<binary {size} bytes>" if isinstance(size, int) else "<binary>"


def render_detail(d: TrackDetail) -> RenderableType:
    """The whole detail as one renderable (kept pure for tests and snapshots)."""
    parts: list[RenderableType] = []
    title = d.tags.get("title") or str(d.file.get("path", "")).rsplit("/", 1)[-1]
    head = literal(title, style="bold")
    if d.tags.get("artist"):
        head.append(fmt.sanitize(f" — {d.tags['artist']}"))
    if d.tags.get("album"):
        head.append(fmt.sanitize(f" · {d.tags['album']}"), style="italic")
    parts.append(head)
    parts.append(Text(""))

    file_table = _kv_table("File")
    for name, label in FILE_FIELDS:
        value = d.file.get(name)
        if value is None or (name in ("missing",) and not value):
            continue
        style = "bold" if name in ("read_error", "missing") else None
        file_table.add_row(label, literal(_file_value(name, value), style=style or ""))
        if name == "last_verify_status" and d.verify_finding:
            file_table.add_row("Verify finding", literal(d.verify_finding, style="bold"))
    parts.append(file_table)
    parts.append(Text(""))
    parts.extend(_history(d))
    parts.extend(_analysis(d))

    if d.match is not None:
        mb = _kv_table("MusicBrainz match")
        m = d.match
        mb.add_row("Status", literal(m.get("status"), style="bold"))
        if m.get("method"):
            mb.add_row("Method", str(m["method"]))
        if m.get("score") is not None:
            mb.add_row("Score", f"{float(m['score']):.2f}")
        if m.get("error"):
            mb.add_row("Error", str(m["error"]))
        if d.release:
            r = d.release
            line = f"{r.get('title')} — {r.get('artist_credit') or ''}"
            extra = ", ".join(
                str(x) for x in (r.get("date"), r.get("country"), r.get("status")) if x
            )
            mb.add_row("Release", line + (f" ({extra})" if extra else ""))
            mb.add_row("Release id", str(r.get("mbid")))
        if d.recording:
            mb.add_row("Recording id", str(d.recording.get("mbid")))
        if d.labels:
            mb.add_row(
                "Labels",
                "; ".join(
                    f"{x.get('label_name') or '?'} {x.get('catalog_number') or ''}".strip()
                    for x in d.labels
                ),
            )
        if d.isrcs:
            mb.add_row("ISRCs", ", ".join(d.isrcs))
        if m.get("matched_at"):
            mb.add_row("Matched", fmt.timestamp(m["matched_at"]))
        parts.append(mb)
        parts.append(Text(""))
        if d.album_match and d.album_match.get("candidates") and m.get("status") != "matched":
            cands = SafeTable(
                title="Album candidates",
                title_justify="left",
                title_style="bold",
                box=None,
                expand=True,
            )
            cands.add_column("Score", justify="right", width=6)
            cands.add_column("Release", ratio=2)
            cands.add_column("Why it differs", style="dim", ratio=1)
            for c in d.album_match["candidates"][:10]:
                penalties = c.get("penalties") or {}
                why = (
                    ", ".join(
                        f"{k} {v:.2f}" if isinstance(v, int | float) else str(k)
                        for k, v in penalties.items()
                    )
                    if isinstance(penalties, dict)
                    else str(penalties)
                )
                score = c.get("score")
                cands.add_row(
                    f"{score:.2f}" if isinstance(score, int | float) else "",
                    f"{c.get('title', '')} — {c.get('artist', '')}",
                    why,
                )
            parts.append(cands)
            parts.append(Text(""))

    if d.comparison:
        cmp = SafeTable(
            title="Tags beside MusicBrainz",
            title_justify="left",
            title_style="bold",
            box=None,
            expand=True,
            fit_column=1,
        )
        cmp.add_column("", width=1)
        cmp.add_column("Field", style="dim", no_wrap=True)
        cmp.add_column("File", overflow="fold", ratio=1)
        cmp.add_column("MusicBrainz", overflow="fold", ratio=1)
        differing = 0
        for diff in d.comparison:
            mark = "≠" if diff.differs else ""
            style = "bold red" if diff.differs else ""
            differing += diff.differs
            cmp.add_row(
                Text(mark, style=style),
                diff.field,
                literal(diff.file_value or "—", style=style),
                literal(diff.mb_value or "—", style="bold green" if diff.differs else ""),
            )
        parts.append(cmp)
        parts.append(Text(f"{differing} of {len(d.comparison)} fields differ", style="dim"))
        parts.append(Text(""))

    credits = _kv_table("Credits")
    for name in CREDIT_TAGS:
        if d.tags.get(name):
            credits.add_row(f"{name} (tag)", str(d.tags[name]))
    for c in d.credits:
        who = c.get("artist_name") or ""
        if c.get("attributes"):
            who += f" ({c['attributes']})"
        if c.get("work_title"):
            who += f" — {c['work_title']}"
        credits.add_row(f"{c.get('role')} (MB)", who)
    if credits.row_count:
        parts.append(credits)
        parts.append(Text(""))

    tags = _kv_table("Tags (normalized)")
    for name, value in d.tags.items():
        if value is not None and value != "":
            tags.add_row(name, str(value))
    if not tags.row_count:
        tags.add_row("", Text("no tags", style="italic"))
    parts.append(tags)
    parts.append(Text(""))

    if d.pictures:
        pics = _kv_table("Pictures")
        for p in d.pictures:
            dims = f"{p['width']}×{p['height']}" if p.get("width") else ""
            pics.add_row(
                str(p.get("picture_type") or "picture"),
                " ".join(x for x in (p.get("mime") or "", dims, fmt.size(p.get("size"))) if x),
            )
        parts.append(pics)
        parts.append(Text(""))

    raw = _kv_table("Raw tags (as read)")
    for key, values in sorted(d.raw.items()):
        if isinstance(values, list):
            shown = "; ".join(raw_value_text(v) for v in values)
        else:
            shown = json.dumps(values, ensure_ascii=False)
        raw.add_row(str(key), shown)
    if not raw.row_count:
        raw.add_row("", Text("none", style="italic"))
    parts.append(raw)
    return Group(*parts)


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace,h,left", "close", "Back"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("ctrl+d,pagedown,space", "scroll_page(1)", "Page down", show=False),
        Binding("ctrl+u,pageup", "scroll_page(-1)", "Page up", show=False),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "bottom", "Bottom", show=False),
        Binding("i", "toggle_covers", "Cover", show=False),
    ]

    def __init__(self, file_id: int) -> None:
        super().__init__()
        self.file_id = file_id
        self.detail: TrackDetail | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static("Loading…", id="detail-body")
        yield CoverPane(id="detail-cover")
        yield Footer()

    def on_mount(self) -> None:
        # Primary-key lookups, well under a millisecond: read on the UI thread.
        reader = self.app.reader  # type: ignore[attr-defined]
        body = self.query_one("#detail-body", Static)
        try:
            detail = browse.track_detail(reader, self.file_id)
        except Exception as exc:
            body.update(literal(f"Could not read this track: {exc}"))
            return
        if detail is None:
            body.update(Text("This track is no longer in the catalog."))
            return
        self.detail = detail
        body.update(render_detail(detail))
        self.query_one(CoverPane).show_track(self.file_id)
        self.query_one("#detail").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_toggle_covers(self) -> None:
        self.query_one(CoverPane).toggle()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#detail", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_scroll_page(self, pages: int) -> None:
        view = self.query_one("#detail", VerticalScroll)
        view.scroll_relative(y=pages * max(1, view.size.height - 2), animate=False)

    def action_top(self) -> None:
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#detail", VerticalScroll).scroll_end(animate=False)
