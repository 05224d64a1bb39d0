"""The questions before a job starts (rescan, enrich, analyze, verify, export):
what to ask, and which of the app's jobs to start with the answer. The browser
screen calls these from its keys; the jobs themselves live on the app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.screen import Screen

from archiver.catalog import browse
from archiver.catalog.browse import Scope
from archiver.tui import format as fmt
from archiver.tui.export import count_scope, default_path, export_in_background
from archiver.tui.loader import Loader
from archiver.tui.scanlock import scan_lock_held
from archiver.tui.screens.prompt import ConfirmScreen, PromptScreen
from archiver.tui.sources import TrackPages
from archiver.tui.views.base import IDS_WHERE


def names(paths: list[str]) -> str:
    """``/a``, ``/a and /b``, ``/a, /b and /c`` (pure)."""
    return paths[0] if len(paths) == 1 else ", ".join(paths[:-1]) + " and " + paths[-1]


def confirm_then(owner: Screen[Any], question: str, start: Any) -> None:
    """Ask ``question``; on yes, ``start()``."""

    def confirmed(ok: bool | None) -> None:
        if ok:
            start()

    owner.app.push_screen(ConfirmScreen(question), confirmed)


def ask_analyze(owner: Screen[Any]) -> None:
    app: Any = owner.app
    confirm_then(
        owner,
        "Analyze the files not analysed yet? (decodes them: may take long)",
        app.start_analyze,
    )


def ask_verify(owner: Screen[Any]) -> None:
    app: Any = owner.app
    confirm_then(
        owner,
        "Verify every file of the catalog? (reads every file: may take long)",
        app.start_verify,
    )


def ask_enrich(owner: Screen[Any], target: tuple[Scope, str] | None) -> None:
    """``target``: what the view says `e` enriches (None: nothing picked)."""
    if target is None:
        owner.notify("Pick an album or track to enrich.", timeout=3)
        return
    scope, label = target
    app: Any = owner.app
    confirm_then(owner, f"Enrich {label} from MusicBrainz?", lambda: app.start_enrich(scope, label))


def ask_rescan(owner: Screen[Any], status: browse.CatalogStatus | None) -> None:
    """Rescan the library roots (saying which are gone), or ask for a folder
    when the catalog has none; never while a job or another scan runs."""
    app: Any = owner.app
    if app.job_kind:
        app.start_scan([])  # says what is running
        return
    if scan_lock_held(app.db_path):
        owner.notify(
            "A scan is already running in another process; wait for it to finish.",
            severity="warning",
        )
        return
    if status is not None and status.roots:
        roots = status.roots
        gone = [r for r in roots if not Path(r).is_dir()]
        if len(gone) == len(roots):
            owner.notify(
                fmt.sanitize(
                    f"{names(gone)} no longer {'exists' if len(gone) == 1 else 'exist'} "
                    "(unmounted or moved?): nothing to rescan. Its files are kept, "
                    "not marked missing."
                ),
                severity="warning",
                timeout=10,
                markup=False,
            )
            return
        where = roots[0] if len(roots) == 1 else fmt.count(len(roots), "library root")
        question = f"Rescan {where}?"
        if gone:
            verb = "exists" if len(gone) == 1 else "exist"
            question += f" ({names(gone)} no longer {verb}: skipped, its files kept.)"
        confirm_then(owner, question, lambda: app.start_scan([]))
        return

    def chosen(path: str | None) -> None:
        if path:
            app.start_scan([path])

    app.push_screen(PromptScreen("Scan which folder?", "", placeholder="/path/to/music"), chosen)


def ask_export(
    owner: Screen[Any],
    loader: Loader,
    target: tuple[Scope, str] | None,
    shown: Any | None,
) -> None:
    """`x`: export ``target`` (what the view says); ``shown``: All tracks' pages when
    that view is on screen (exported as shown, in its order)."""
    if target is None:
        owner.notify("Nothing to export here: pick an entry first.", timeout=3)
        return
    scope, label = target
    ids: list[int] | None = None
    if isinstance(shown, TrackPages):
        ids = list(shown.ids)  # what the screen shows, in its order
    elif scope.where == IDS_WHERE and scope.params:
        ids = json.loads(scope.params[0])  # the view's files, in its order
    if ids is not None:
        _ask_file(owner, scope, label, ids, len(ids))
        return
    loader.load("export", count_scope, (scope,), lambda n: _ask_file(owner, scope, label, None, n))


def _ask_file(
    owner: Screen[Any], scope: Scope, label: str, ids: list[int] | None, count: int
) -> None:
    """The file name, with a full default path; asks before replacing a file."""

    def chosen(name: str | None) -> None:
        if not name:
            return
        path = Path(name).expanduser().absolute()
        if path.is_file():
            confirm_then(
                owner,
                f"{path} exists. Replace it?",
                lambda: export_in_background(owner, str(path), scope, label, ids),
            )
            return
        export_in_background(owner, str(path), scope, label, ids)

    question = f"Export {label} ({fmt.count(count, 'track')}) to CSV file:"
    owner.app.push_screen(PromptScreen(question, str(default_path())), chosen)
