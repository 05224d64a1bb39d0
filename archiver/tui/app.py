"""The Textual application: which screen to open, and the long jobs.

The app never writes the catalog itself. Reads go through
``archiver.catalog.browse`` on connections that belong to their thread: one
for the UI thread (small page reads by id) and a fresh one inside every
worker. Rescans and enrichment call the same entry points as the CLI in an
exclusive thread worker and report back with messages; the UI stays usable.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.worker import get_current_worker

from archiver.catalog import CatalogError, open_catalog
from archiver.catalog.browse import Scope, catalog_status
from archiver.config import load_config
from archiver.tui.format import count, sanitize
from archiver.tui.messages import CatalogChanged, JobFinished, JobProgress

if TYPE_CHECKING:
    from archiver.tui.preload import Preload


class ArchiverApp(App[None]):
    """``archiver tui``: browse the catalog at ``db_path``."""

    CSS_PATH = "app.tcss"
    TITLE = "archiver"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "request_quit", "Quit"),
        # Ctrl-C quits too, as in cmus and ncmpcpp (Textual's default only says
        # "press ctrl+q"); in the filter as well, so it is never a surprise.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("c", "cancel_job", "Cancel job", show=False),
    ]

    def __init__(
        self,
        db_path: str | Path,
        *,
        jobs: int | None = None,
        musicbrainz_url: str | None = None,
        contact: str | None = None,
        cover_protocol: str | None = None,
        preload: Preload | None = None,
    ) -> None:
        super().__init__()
        # The first view read while the browser was imported (`archiver tui`), if any.
        self.preload = preload
        config = load_config(db_path)
        self.db_path = Path(db_path).expanduser()
        self.musicbrainz_url = musicbrainz_url or config.musicbrainz_url
        self.contact = contact or config.contact
        self.match_config = config.match  # preferred editions from config.toml, as enrich uses
        self.scan_jobs = jobs
        self.reader: sqlite3.Connection | None = None
        self.job_kind: str | None = None
        self._stop = threading.Event()
        # How covers are drawn: halfblock, kitty or sixel (``archiver tui`` asks the
        # terminal before the app starts); None: from the environment alone.
        self.cover_protocol = cover_protocol

    @staticmethod
    def terminal_cover_protocol(environ: Mapping[str, str] | None = None) -> str:
        """How album covers are drawn here (kitty, sixel, halfblock): from the
        environment (ARCHIVER_COVERS, tmux, TERM, TERM_PROGRAM ...), else by asking
        the terminal for its device attributes (Sixel is attribute 4). Call before
        ``run()``: once Textual runs, it reads the terminal's answers itself."""
        from archiver.tui import graphics

        env = os.environ if environ is None else environ
        decided = graphics.protocol_from_env(env)
        if decided is not None:
            return decided
        return graphics.choose_protocol(env, graphics.query_da1())

    # ------------------------------------------------------------ start-up

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.open_first_screen()

    def open_first_screen(self) -> None:
        """Main browser, or the welcome screen for an empty or absent catalog,
        or a message for a catalog that cannot be read. Never a traceback."""
        from archiver.tui.screens.main import MainScreen
        from archiver.tui.screens.welcome import WelcomeScreen

        if not self.db_path.exists():
            self.switch_or_push(WelcomeScreen(self.db_path, missing=True))
            return
        try:
            if self.reader is None:
                self.reader = self.open_connection()
            status = self.preload.peek_status() if self.preload else None
            if status is None:
                status = catalog_status(self.reader)
        except (CatalogError, sqlite3.Error) as exc:
            from archiver.tui.screens.message import MessageScreen

            self.switch_or_push(MessageScreen("Cannot open the catalog", _one_line(exc)))
            return
        if status.tracks == 0:
            self.switch_or_push(WelcomeScreen(self.db_path, missing=False, status=status))
        else:
            self.switch_or_push(MainScreen())

    def switch_or_push(self, screen: Any) -> None:
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_connection(self) -> sqlite3.Connection:
        """A read connection for the calling thread (never creates a catalog)."""
        return open_catalog(self.db_path, create=False, migrate=False).conn

    def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(conn, *args)`` on a fresh connection in the calling (worker) thread."""
        conn = self.open_connection()
        try:
            return fn(conn, *args)
        finally:
            conn.close()

    def on_unmount(self) -> None:
        from archiver.tui.widgets.cover import delete_sent_images

        delete_sent_images(self)  # Kitty keeps images until told
        self._stop.set()
        if self.reader is not None:
            self.reader.close()

    # ------------------------------------------------------------ actions

    def get_system_commands(self, screen: Any) -> Iterable[SystemCommand]:
        """The command palette: our actions (``archiver.tui.palette``), not Textual's."""
        from archiver.tui.palette import system_commands

        yield from system_commands(self, screen)

    def action_help(self) -> None:
        from archiver.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_request_quit(self) -> None:
        """`q`: quit at once, or, while a job runs, ask first whether to stop it
        (ctrl+c quits without asking)."""
        from archiver.tui.screens.prompt import ConfirmScreen

        if not self.job_kind:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return  # already asking something: answer that first

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen(f"A {self.job_kind} is running. Stop it and quit?"), answered
        )

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_cancel_job(self) -> None:
        if self.job_kind:
            self._stop.set()
            self.notify(f"Stopping the {self.job_kind}…")

    # ------------------------------------------------------------ jobs

    def start_scan(self, paths: list[str] | None = None) -> None:
        """Rescan ``paths`` (or every remembered root) in the background."""
        if self._job_busy():
            return
        if self.scan_jobs != 1:
            _start_forkserver()
        self.job_kind = "scan"
        self._stop.clear()
        self._announce(JobProgress("scan", 0, None, "starting scan…"))
        self.run_worker(
            lambda: self._scan_worker(paths or []),
            thread=True,
            exclusive=True,
            group="job",
            name="scan",
            exit_on_error=False,
        )

    def start_enrich(self, scope: Scope, label: str) -> None:
        """Enrich the tracks of ``scope`` from MusicBrainz in the background."""
        if self._job_busy():
            return
        self.job_kind = "enrichment"
        self._stop.clear()
        self._announce(JobProgress("enrich", 0, None, f"enriching {label}…"))
        self.run_worker(
            lambda: self._enrich_worker(scope, label),
            thread=True,
            exclusive=True,
            group="job",
            name="enrich",
            exit_on_error=False,
        )

    def start_verify(self) -> None:
        """Re-read every file and check it against its fingerprint (``archiver verify``)."""
        if self._job_busy():
            return
        if self.scan_jobs != 1:
            _start_forkserver()
        self.job_kind = "verify"
        self._stop.clear()
        self._announce(JobProgress("verify", 0, None, "starting verify…"))
        self.run_worker(
            self._verify_worker,
            thread=True,
            exclusive=True,
            group="job",
            name="verify",
            exit_on_error=False,
        )

    def start_analyze(self) -> None:
        """Decode the files that need it and store what was heard (``archiver analyze``)."""
        if self._job_busy():
            return
        if self.scan_jobs != 1:
            _start_forkserver()
        self.job_kind = "analysis"
        self._stop.clear()
        self._announce(JobProgress("analyze", 0, None, "starting analysis…"))
        self.run_worker(
            self._analyze_worker,
            thread=True,
            exclusive=True,
            group="job",
            name="analyze",
            exit_on_error=False,
        )

    def _analyze_worker(self) -> None:
        from archiver.audio.run import AnalyzeInterrupted, run_analysis

        worker = get_current_worker()

        def progress(event: Any) -> None:
            text = f"analysing {event.done:,} of {count(event.total, 'file')}"
            self.post_message(JobProgress("analyze", event.done, event.total or None, text))

        def should_stop() -> bool:
            return self._stop.is_set() or worker.is_cancelled

        try:
            summary = run_analysis(
                self.db_path, jobs=self.scan_jobs, progress=progress, should_stop=should_stop
            )
        except AnalyzeInterrupted as exc:
            text = _analyze_summary(exc.summary)
            self.post_message(JobFinished("analyze", text, cancelled=True))
        except Exception as exc:  # one line for the user, whatever went wrong
            self.post_message(JobFinished("analyze", "", error=_one_line(exc)))
        else:
            self.post_message(JobFinished("analyze", _analyze_summary(summary)))

    def _verify_worker(self) -> None:
        from archiver.integrity.verify import verify_files

        worker = get_current_worker()

        def progress(event: Any) -> None:
            if self._stop.is_set() or worker.is_cancelled:
                raise _Stopped  # verify_files commits what was checked, marks the run interrupted
            text = f"verifying {event.done:,} of {count(event.total, 'file')}"
            self.post_message(JobProgress("verify", event.done, event.total or None, text))

        try:
            result = verify_files(self.db_path, jobs=self.scan_jobs, progress=progress)
        except _Stopped as exc:
            partial = getattr(exc, "verify_result", None)
            self.post_message(JobFinished("verify", _verify_summary(partial), cancelled=True))
        except Exception as exc:  # one line for the user, whatever went wrong
            self.post_message(JobFinished("verify", "", error=_one_line(exc)))
        else:
            self.post_message(JobFinished("verify", _verify_summary(result)))

    def _job_busy(self) -> bool:
        if self.job_kind:
            self.notify(f"A {self.job_kind} is already running (c cancels it).", severity="warning")
            return True
        return False

    def _scan_worker(self, paths: list[str]) -> None:
        from archiver.scan import ScanInterrupted, scan

        worker = get_current_worker()

        def progress(event: Any) -> None:
            self.post_message(scan_progress(event))

        def should_stop() -> bool:
            return self._stop.is_set() or worker.is_cancelled

        try:
            summary = scan(
                self.db_path, paths, jobs=self.scan_jobs, progress=progress, should_stop=should_stop
            )
        except ScanInterrupted as exc:
            self.post_message(
                JobFinished("scan", _scan_summary(getattr(exc, "summary", None)), cancelled=True)
            )
        except Exception as exc:  # one line for the user, whatever the scanner raised
            self.post_message(JobFinished("scan", "", error=_one_line(exc)))
        else:
            self.post_message(JobFinished("scan", _scan_summary(summary)))

    def _enrich_worker(self, scope: Scope, label: str) -> None:
        from archiver.catalog.browse import scope_where
        from archiver.musicbrainz import Client, ClientSettings, enrich_catalog
        from archiver.musicbrainz.match import edition_preferences

        worker = get_current_worker()
        where, params = scope_where(scope)

        def progress(event: Any) -> None:
            album = f" · {event.album}" if event.album else ""
            text = f"MusicBrainz: {event.done:,} of {count(event.total, 'album')}{album}"
            self.post_message(JobProgress("enrich", event.done, event.total or None, text))

        def should_stop() -> bool:
            return self._stop.is_set() or worker.is_cancelled

        try:
            with open_catalog(self.db_path, create=False) as catalog:
                client = Client(
                    catalog.conn, ClientSettings(server=self.musicbrainz_url, contact=self.contact)
                )
                stats = enrich_catalog(
                    catalog,
                    client,
                    where=where,
                    params=params,
                    query_text=scope.where and label,
                    on_progress=progress,
                    should_stop=should_stop,
                    preferences=edition_preferences(self.match_config),
                )
        except Exception as exc:  # one line for the user, whatever went wrong
            self.post_message(JobFinished("enrich", "", error=_one_line(exc)))
            return
        cancelled = getattr(stats, "status", "") == "interrupted"
        self.post_message(JobFinished("enrich", _enrich_summary(stats), cancelled=cancelled))

    def _announce(self, message: JobProgress) -> None:
        self.on_job_progress(message)

    def _job_bars(self) -> list[Any]:
        from archiver.tui.widgets.job_bar import JobBar

        bars: list[Any] = []
        for screen in self.screen_stack:
            bars.extend(screen.query(JobBar))
        return bars

    def on_job_progress(self, message: JobProgress) -> None:
        """Progress from the worker thread: every job bar shows it (the user may
        have opened a detail screen meanwhile)."""
        for bar in self._job_bars():
            bar.show_progress(message)

    def on_job_finished(self, message: JobFinished) -> None:
        self.job_kind = None
        self._stop.clear()
        kind = {"scan": "Scan", "verify": "Verify", "analyze": "Analysis"}.get(
            message.kind, "Enrichment"
        )
        if message.error:
            # Errors and summaries may quote paths and tags: never markup.
            self.notify(
                sanitize(f"{kind} failed: {message.error}"),
                severity="error",
                timeout=10,
                markup=False,
            )
        elif message.cancelled:
            self.notify(
                sanitize(_sentence(f"{kind} cancelled", message.summary)),
                severity="warning",
                markup=False,
            )
        else:
            self.notify(sanitize(_sentence(f"{kind} finished", message.summary)), markup=False)
        for bar in self._job_bars():
            bar.hide()
        from archiver.tui.screens.welcome import WelcomeScreen

        if isinstance(self.screen, WelcomeScreen):
            self.open_first_screen()
        else:
            for screen in self.screen_stack:
                screen.post_message(CatalogChanged())


def scan_progress(event: Any) -> JobProgress:
    """The job bar's line for a scanner progress event. While the walk still finds
    files the total is not known: no percentage against a growing number (pure)."""
    if event.phase == "discover":
        return JobProgress("scan", event.done, None, f"finding files… {event.done:,}")
    if event.phase == "read":
        if getattr(event, "discovering", False):
            text = f"{event.done:,} read, still finding files ({event.total:,} so far)"
            return JobProgress("scan", event.done, None, text)
        return JobProgress(
            "scan", event.done, event.total or None, f"reading {event.done:,} of {event.total:,}"
        )
    return JobProgress("scan", event.done, None, "finishing…")


def _start_forkserver() -> None:
    """Start multiprocessing's forkserver (and resource tracker) now, on the UI
    thread, with the real stderr.

    The scanner starts its reader processes with forkserver when threads run.
    Starting it lazily from the worker fails under Textual: the resource
    tracker passes ``sys.stderr.fileno()`` to the child, and Textual's
    captured stderr answers -1 ("bad value(s) in fds_to_keep").
    """
    import multiprocessing.forkserver as forkserver
    import sys

    real = sys.__stderr__
    if real is None:
        return
    saved = sys.stderr
    sys.stderr = real
    try:
        forkserver.ensure_running()
    except Exception:  # the scan reports its own error if processes cannot start
        pass
    finally:
        sys.stderr = saved


def _sentence(head: str, summary: str) -> str:
    """``Scan finished: 3 added``, or ``Scan finished.`` when there is nothing to add."""
    return f"{head}: {summary}" if summary else f"{head}."


def _scan_summary(summary: Any) -> str:
    if summary is None:
        return ""
    parts = []
    for name, word in (
        ("added", "added"),
        ("updated", "updated"),
        ("unchanged", "unchanged"),
        ("missing", "missing"),
        ("errors", "unreadable"),
    ):
        value = getattr(summary, name, None)
        if value:
            parts.append(f"{value:,} {word}")
    return ", ".join(parts) or "nothing changed"


class _Stopped(Exception):
    """Raised from the verify progress callback when the user stops the job."""


def _analyze_summary(summary: Any) -> str:
    parts = [f"{summary.analyzed:,} analysed"]
    for name, word in (("skipped", "unchanged"), ("decode_errors", "decode errors")):
        value = getattr(summary, name, 0)
        if value:
            parts.append(f"{value:,} {word}")
    if summary.errors:
        parts.append(count(summary.errors, "error"))
    return ", ".join(parts)


def _verify_summary(result: Any) -> str:
    if result is None:
        return ""
    parts = [f"{result.checked:,} checked", f"{result.ok:,} ok"]
    for name in ("changed", "modified", "missing", "unreadable"):
        files = getattr(result, name, None)
        if files:
            parts.append(f"{len(files):,} {name}")
    return ", ".join(parts)


def _enrich_summary(result: Any) -> str:
    parts = []
    for name in ("albums", "matched", "ambiguous", "unmatched", "errors"):
        value = getattr(result, name, None)
        if value:
            if name == "albums":
                parts.append(count(value, "album"))
            elif name == "errors":
                parts.append(count(value, "error"))
            else:
                parts.append(f"{value:,} {name}")
    return ", ".join(parts)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
