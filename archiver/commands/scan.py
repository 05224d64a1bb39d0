"""`archiver scan`: read audio files into the catalog, incrementally and in parallel."""

from __future__ import annotations

import collections
import errno
import json
import time
from pathlib import Path

import click

from archiver.commands._common import (
    AppContext,
    console,
    format_seconds,
    jobs_option,
    json_option,
    pass_app,
    quiet_option,
)
from archiver.commands._job import long_job
from archiver.errors import ArchiverError

MAX_LISTED_ERRORS = 20
MAX_JSON_ERRORS = 1000


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@jobs_option("Reader processes (default: CPU count). 1 reads in this process.")
@click.option("--full", is_flag=True, help="Re-read every file, changed or not.")
@click.option(
    "--checksum", is_flag=True, help="Afterwards, fingerprint new and changed files (sha256)."
)
@quiet_option()
@json_option
@pass_app
def scan(
    app: AppContext,
    paths: tuple[Path, ...],
    jobs: int | None,
    full: bool,
    checksum: bool,
    quiet: bool,
    as_json: bool,
) -> None:
    """Scan PATH... (folders or files) into the catalog.

    Only new and changed files (by size and modification time) are read;
    files that are gone are marked missing, never deleted. With no PATH,
    every folder scanned before is rescanned. Your files are only read.

    Exit status: 0 when the scan finished (unreadable files are counted and
    listed), 1 on a fatal error, 2 on a usage error, 130 when interrupted.

    \b
    Example:
      archiver scan ~/Music
      archiver scan --jobs 4 --json /mnt/music /srv/more-music
      archiver scan            # rescan every remembered folder
    """
    from archiver.scan import scan as run

    for path in paths:
        if not path.exists():
            raise click.BadParameter(f"{path}: no such file or folder", param_hint="PATH")

    def report(exc) -> dict | None:  # --json: the summary of what was done, "interrupted": true
        if not hasattr(exc, "summary"):  # stopped before the scan started
            return None
        result = exc.summary.as_dict()
        result["interrupted"] = True
        result["error_list"] = _errors(app, exc.summary.scan_id, MAX_JSON_ERRORS)
        result["skipped_list"] = _skipped(app, exc.summary.scan_id)
        return result

    def kept(exc) -> str | None:
        s = getattr(exc, "summary", None)
        if s is None:
            return None
        files = "file" if s.added + s.updated == 1 else "files"
        return f"kept {s.added} added and {s.updated} updated {files}"

    with long_job(
        "scan",
        quiet=quiet,
        as_json=as_json,
        bar=_ProgressRenderer,
        note=kept,
        hint="run `archiver scan` again to finish",
        report=report,
    ) as job:
        try:
            summary = run(
                app.db_path,
                [str(p) for p in paths],
                jobs=jobs,
                full=full,
                checksum=checksum,
                progress=job.progress,
            )
        except OSError as exc:  # not an ArchiverError: the file system said no
            if exc.errno == errno.EROFS:
                raise ArchiverError(
                    f"{app.db_path}: the catalog cannot be written (read-only file system)"
                ) from None
            raise ArchiverError(f"scan failed: {exc.strerror or exc}") from None

    result = summary.as_dict()
    result["interrupted"] = False
    if checksum:
        result["checksum"] = _checksum(app, summary, jobs, job.show_progress, result, as_json)
    errors = _errors(app, summary.scan_id, MAX_JSON_ERRORS if as_json else MAX_LISTED_ERRORS)
    if as_json:
        result["error_list"] = errors
        result["skipped_list"] = _skipped(app, summary.scan_id)
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    if not quiet:
        _print_summary(result, errors)
        _print_skipped(_skipped(app, summary.scan_id))


def _errors(app: AppContext, scan_id: int, limit: int) -> list[dict]:
    from archiver.catalog import files as store

    with app.catalog() as catalog:
        return store.scan_errors(catalog, scan_id, limit)


def _skipped(app: AppContext, scan_id: int) -> list[dict]:
    """Every file the run passed over as not audio: path and kind (all of them:
    nothing is counted but unlisted)."""
    from archiver.catalog.skipped import skipped_by_scan

    with app.catalog() as catalog:
        return skipped_by_scan(catalog, scan_id)


def _print_skipped(skipped: list[dict]) -> None:
    """One line: how many skipped files of each kind (``archiver stats`` counts them too)."""
    if not skipped:
        return
    kinds = collections.Counter(s["kind"] for s in skipped)
    parts = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
    console().print(f"skipped (not audio): {parts}", highlight=False, soft_wrap=True)


def _checksum(
    app: AppContext, summary, jobs: int | None, show_progress: bool, result: dict, as_json: bool
) -> dict:
    """Fingerprint new and changed files under the scanned roots (integrity module).
    Interrupted: with ``--json`` the scan's ``result`` is printed first (``interrupted``
    true, the ``checksum`` part so far), then one line on stderr, exit 130."""
    try:
        from archiver.commands._progress import HashProgressBar
        from archiver.integrity.checksum import checksum_files
    except ImportError as exc:  # pragma: no cover - the module ships with archiver
        raise ArchiverError(
            f"--checksum is not available ({exc}); the scan itself finished"
        ) from None

    def report(exc) -> dict:  # --json: the scan's result, the checksum part so far
        partial = getattr(exc, "checksum_summary", None)
        result["checksum"] = partial.as_dict() if partial else {"interrupted": True}
        result["interrupted"] = True
        result["error_list"] = _errors(app, summary.scan_id, MAX_JSON_ERRORS)
        return result

    # Hashing is measured in bytes: the same bar `archiver verify` shows.
    with long_job(
        "checksums",
        as_json=as_json,
        show_progress=show_progress,
        bar=lambda: HashProgressBar("checksum"),
        note="the scan itself finished",
        hint="run `archiver scan --checksum` again to finish the checksums",
        report=report,
    ) as job:
        checksummed = checksum_files(
            app.db_path,
            roots=summary.root_paths,
            jobs=jobs,
            progress=job.progress,
            scan_id=summary.scan_id,
        )
    return checksummed.as_dict()


def _print_summary(result: dict, errors: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = console()
    table = Table(title=f"Scan {result['scan_id']} {result['status']}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key in (
        "added",
        "updated",
        "unchanged",
        "missing",
        "returned",
        "moved",
        "errors",
        "skipped",
    ):
        table.add_row(key, str(result[key]))
    table.add_row("elapsed", format_seconds(result["seconds"]))
    if "checksum" in result:
        c = result["checksum"]
        table.add_row(
            "checksummed", f"{c.get('hashed', 0)} ({format_seconds(c.get('seconds', 0))})"
        )
    out.print(table)
    if errors:
        err = Console(stderr=True)
        err.print(f"[bold]Files that could not be read[/] ({result['errors']}):", highlight=False)
        for e in errors:
            # One line per file, however long the path: never wrapped at the terminal
            # width (or at 80 columns when stderr is a file), so it greps and pastes.
            err.print(
                f"  {e['path']}: {e['kind']}: {e['message']}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        if result["errors"] > len(errors):
            err.print(f"  ... and {result['errors'] - len(errors)} more", highlight=False)


class _ProgressRenderer:
    """Turns ScanProgress events into a rich progress bar on stderr."""

    def __init__(self, first: str = "finding files") -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task(first, total=None, rate="")
        self.started = time.monotonic()
        self.read_started: float | None = None

    def __enter__(self) -> _ProgressRenderer:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, event) -> None:
        if event.phase == "discover":
            self.progress.update(
                self.task, description=f"finding files ({event.done})", completed=0
            )
        elif event.phase == "read":
            if self.read_started is None:
                self.read_started = time.monotonic()
            elapsed = time.monotonic() - self.read_started
            rate = f"{event.done / elapsed:,.0f} files/s" if elapsed > 0.2 and event.done else ""
            self.progress.update(
                self.task,
                description="reading (still finding files)" if event.discovering else "reading",
                total=max(event.total, 1),
                completed=event.done,
                rate=rate,
            )
        elif event.phase == "finish":
            self.progress.update(self.task, description="finishing")
