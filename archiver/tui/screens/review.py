"""One album to review: its files beside a candidate's tracks, track by track
(differences named and marked ≠, Picard-style, so they show without colour
too), and the candidates with their scores and penalties.

Keys: Enter picks the highlighted candidate, `m` asks for a release id or URL,
`n` marks the album as not on MusicBrainz, `u` undoes your decision (back to
automatic matching). Each decision runs in a worker (at most one lookup, through
the same cache as enrich); the screen then updates in place and the browser
behind it reloads, so a settled album leaves the Needs review list.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from archiver.musicbrainz.review import ReviewData, TrackPair, compare_tracks, penalty_words
from archiver.tui import format as fmt
from archiver.tui.format import sanitize
from archiver.tui.loader import Loader
from archiver.tui.messages import CatalogChanged
from archiver.tui.screens.prompt import PromptScreen
from archiver.tui.sources import ListSource
from archiver.tui.text import plain
from archiver.tui.widgets.paged_table import Column, PagedTable

PAIR_COLUMNS = [
    Column("#", width=5, align="right"),
    Column("Your file", flex=3),
    Column("Length", width=7, align="right", hide_below=60),
    Column("≠", width=1),
    Column("MB #", width=5, align="right", hide_below=50),
    Column("MusicBrainz track", flex=3),
    Column("Length", width=7, align="right", hide_below=60),
    Column("Differs", flex=1, hide_below=70),
]
CANDIDATE_COLUMNS = [
    Column("", width=1),
    Column("N", width=3, align="right"),
    Column("Score", width=5, align="right"),
    Column("Release", flex=3),
    Column("Date", width=10, hide_below=70),
    Column("Ctry", width=4, hide_below=60),
    Column("Label / cat. no.", flex=2, hide_below=90),
    Column("Format", width=8, hide_below=80),
    Column("Tr", width=3, align="right", hide_below=50),
    Column("Penalties", flex=2),
]


def pair_cells(p: TrackPair) -> tuple[str, ...]:
    f, t = p.file or {}, p.track or {}
    return (
        fmt.track_number(f.get("discnumber"), f.get("tracknumber")) if p.file else "",
        (f.get("title") or f.get("path", "").rsplit("/", 1)[-1]) if p.file else "(no file)",
        fmt.duration(f.get("duration")),
        "≠" if p.differences else "",
        fmt.track_number(t.get("disc_number"), t.get("position")) if p.track else "",
        (t.get("title") or "") if p.track else "(no track)",
        fmt.duration(t.get("length")),
        ", ".join(p.differences),
    )


def candidate_cells(c: dict[str, Any], current: str | None) -> tuple[str, ...]:
    chosen = "✓" if current and current in (c.get("release_id"), c.get("recording_id")) else ""
    score = f"{c['score']:.2f}" if isinstance(c.get("score"), int | float) else ""
    name = " – ".join(x for x in (c.get("title"), c.get("artist")) if x)
    label = " ".join(x for x in (c.get("label"), c.get("catalog_number")) if x)
    tracks = c.get("track_count")
    return (
        chosen,
        str(c["n"]),
        score,
        name or c.get("release_id") or c.get("recording_id") or "",
        c.get("date") or "",
        c.get("country") or "",
        label,
        c.get("format") or "",
        str(tracks) if tracks else "",
        penalty_words(c.get("penalties")),
    )


class ReviewScreen(Screen[None]):
    DEFAULT_CSS = """
    ReviewScreen #review-head { height: auto; padding: 0 1; }
    ReviewScreen PagedTable { height: 1fr; border: round $panel-lighten-2; }
    ReviewScreen PagedTable:focus { border: round $accent; }
    ReviewScreen #candidates { height: 2fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,h,backspace", "back", "Back"),
        Binding("tab", "switch", "Switch table", show=False, priority=True),
        Binding("m", "release_id", "Release id/URL"),
        Binding("n", "none", "Not on MusicBrainz"),
        Binding("u", "undo", "Undo"),
    ]

    def __init__(self, album_key: str) -> None:
        super().__init__()
        self.album_key = album_key
        self.data: ReviewData | None = None
        self.loader = Loader(self)
        self.busy = False  # a decision is under way
        self.decisions = 0  # finished decisions (tests wait on it)

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="review-head")
        yield PagedTable(id="pairs", empty_text="Loading…")
        yield PagedTable(id="candidates", empty_text="No candidates: press m to give a release.")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pairs", PagedTable).border_title = "Your files · MusicBrainz"
        self.query_one("#candidates", PagedTable).border_title = "Candidates (Enter picks)"
        self.query_one("#candidates", PagedTable).focus()
        self._load()

    # ------------------------------------------------------------ data

    def _load(self) -> None:
        from archiver.musicbrainz.review import load_review

        self.loader.load("review", load_review, (self.album_key,), self._show)

    def _show(self, data: ReviewData | None) -> None:
        self.data = data
        head = self.query_one("#review-head", Static)
        if data is None:
            head.update(plain("This album is no longer in the catalog."))
            return
        a = data.album
        name = " – ".join(x for x in (a["artist"], a["title"]) if x) or "(loose track)"
        status = a["status"] + (" (yours)" if a["source"] == "user" else "")
        if a["score"] is not None:
            status += f" · score {a['score']:.2f}"
        release = f" · release {a['release_id']}" if a["release_id"] else ""
        head.update(plain(f"{a['album']}  {name} · {status}{release}\n{a['folder'] or ''}"))
        table = self.query_one("#candidates", PagedTable)
        current = a["release_id"]
        candidates = a["candidates"]
        index = table.cursor if table.row_count == len(candidates) else 0
        if table.row_count != len(candidates):
            chosen = [
                i for i, c in enumerate(candidates) if current and c.get("release_id") == current
            ]
            index = chosen[0] if chosen else 0
        table.set_source(
            ListSource(CANDIDATE_COLUMNS, candidates, lambda c: candidate_cells(c, current)),
            cursor=index,
        )
        table.border_subtitle = fmt.count(len(candidates), "candidate")
        self._show_pairs()

    def _show_pairs(self) -> None:
        """The files beside the highlighted candidate (or the chosen release)."""
        data = self.data
        if data is None:
            return
        table = self.query_one("#pairs", PagedTable)
        candidate = self.query_one("#candidates", PagedTable).current_key
        release = (candidate or {}).get("release_id") or data.album["release_id"]
        tracks = data.tracklists.get(release or "", [])
        stored = release is not None and release == data.album["release_id"]
        pairs = compare_tracks(data.files, tracks, stored=stored)
        table.set_source(
            ListSource(PAIR_COLUMNS, pairs, pair_cells, dim=lambda p: p.file is None), cursor=None
        )
        if release and not tracks:
            table.border_subtitle = "tracklist not looked up yet: Enter picks it (one request)"
        else:
            differing = sum(1 for p in pairs if p.differences)
            table.border_subtitle = f"{fmt.count(len(pairs), 'row')} · {differing} ≠"

    @on(PagedTable.Highlighted, "#candidates")
    def _candidate_highlighted(self, event: PagedTable.Highlighted) -> None:
        self._show_pairs()

    # ------------------------------------------------------------ decisions

    @on(PagedTable.Selected, "#candidates")
    def _candidate_selected(self, event: PagedTable.Selected) -> None:
        if event.index < 0 or self.data is None:
            return
        number = event.table.current_key["n"]
        self._decide(
            f"candidate {number}",
            lambda cat, client, target: _candidate(cat, client, target, number),
        )

    def action_release_id(self) -> None:
        def answered(value: str | None) -> None:
            if value:
                self._decide(
                    "release", lambda cat, client, target: _release(cat, client, target, value)
                )

        self.app.push_screen(
            PromptScreen(
                "Release id or MusicBrainz URL", placeholder="https://musicbrainz.org/release/…"
            ),
            answered,
        )

    def action_none(self) -> None:
        self._decide("not on MusicBrainz", lambda cat, client, target: _none(cat, target))

    def action_undo(self) -> None:
        self._decide("undo", lambda cat, client, target: _reset(cat, target))

    def _decide(self, what: str, work: Callable[[Any, Any, Any], Any]) -> None:
        if self.busy:
            self.notify("Still working on the last decision…", timeout=3)
            return
        if self.data is None:
            return
        self.busy = True
        app: Any = self.app
        db_path, server, contact = app.db_path, app.musicbrainz_url, app.contact
        album_key = self.album_key

        def run() -> None:
            from archiver.catalog import open_catalog
            from archiver.musicbrainz.client import Client, ClientSettings
            from archiver.musicbrainz.review import load_review, stored_album

            try:
                with open_catalog(db_path, create=False) as catalog:
                    client = Client(catalog.conn, ClientSettings(server=server, contact=contact))
                    target = stored_album(catalog, album_key)
                    outcome = work(catalog, client, target)
                    data = load_review(catalog.conn, album_key)
            except Exception as exc:  # one line for the user, the decision untouched
                message = " ".join(str(exc).split()) or type(exc).__name__
                self.app.call_from_thread(self._decided, None, None, message)
                return
            self.app.call_from_thread(self._decided, outcome, data, None)

        self.run_worker(run, thread=True, exclusive=True, group="decision", exit_on_error=False)

    def _decided(self, outcome: Any, data: ReviewData | None, error: str | None) -> None:
        self.busy = False
        self.decisions += 1
        if error:
            self.notify(sanitize(error), severity="error", timeout=8, markup=False)
            return
        self.notify(sanitize(_sentence(outcome.as_dict())), markup=False)
        self._show(data)
        for screen in self.app.screen_stack:
            if screen is not self:
                screen.post_message(CatalogChanged())

    # ------------------------------------------------------------ moving

    def action_switch(self) -> None:
        pairs, candidates = (
            self.query_one("#pairs", PagedTable),
            self.query_one("#candidates", PagedTable),
        )
        (candidates if pairs.has_focus else pairs).focus()

    def action_back(self) -> None:
        self.dismiss()


def _candidate(catalog: Any, client: Any, target: Any, number: int) -> Any:
    from archiver.musicbrainz.review import choose_candidate

    return choose_candidate(catalog, client, target, number)


def _release(catalog: Any, client: Any, target: Any, value: str) -> Any:
    from archiver.musicbrainz.review import choose_release, parse_mbid

    return choose_release(
        catalog, client, target, parse_mbid(value, "release", client.settings.server)
    )


def _none(catalog: Any, target: Any) -> Any:
    from archiver.musicbrainz.review import mark_none

    return mark_none(catalog, target)


def _reset(catalog: Any, target: Any) -> Any:
    from archiver.musicbrainz.review import reset

    return reset(catalog, target)


def _sentence(r: dict[str, Any]) -> str:
    who = r["album"] or "The track"
    if r["action"] == "reset":
        if not r["changed"]:
            return f"{who}: no decision of yours to undo."
        return f"{who}: back to automatic matching ({r['status']})."
    if r["action"] == "none":
        return f"{who}: not on MusicBrainz; enrich will not ask again."
    return f"{who}: matched to {r['title']} · {fmt.count(r['requests'], 'request')}."
