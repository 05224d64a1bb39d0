"""The scanner: walk folders, read tags, keep the catalog in step.

Public entry points (used by the CLI and the TUI's rescan alike)::

    scan(catalog_path, paths=(), *, jobs=None, full=False, checksum=False,
         progress=None, should_stop=None, file_timeout=60.0) -> ScanSummary

``progress`` receives :class:`ScanProgress` events; ``should_stop`` is polled
between batches (a TUI's cancel button), and stopping raises
:class:`ScanInterrupted` with what was done, exactly as Ctrl-C does.

Paths are made absolute with every symlink resolved (``os.path.realpath``),
so the same folder reached through two links is one root; the exception is a
PATH that is itself a symlink to a file, which keeps its own name (its
folder is resolved): the catalog records the file under the name you gave.
Symlinks met inside a folder are recorded under their link path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from archiver.catalog import Catalog, CatalogError, CatalogLockedError, open_catalog
from archiver.catalog import files as store
from archiver.catalog.db import read_only_reason
from archiver.errors import UsageError
from archiver.scan.plan import choose_root, outermost
from archiver.scan.record import display_path
from archiver.scan.run import (
    DEFAULT_FILE_TIMEOUT,
    ScanError,
    ScanInterrupted,
    ScanProgress,
    ScanSummary,
    Scope,
    run_scan,
)

__all__ = [
    "NoRootsError",
    "ScanError",
    "ScanInterrupted",
    "ScanLockedError",
    "ScanPathError",
    "ScanProgress",
    "ScanSummary",
    "default_jobs",
    "resolve_path",
    "scan",
    "scan_lock",
]


class ScanPathError(UsageError, ValueError):
    """A PATH given to scan does not exist (a usage error)."""


class NoRootsError(UsageError, ValueError):
    """No PATH given and the catalog remembers no library roots (a usage error)."""

    def __init__(
        self,
        message: str = "no library roots remembered yet: give a PATH to scan, "
        "e.g. `archiver scan ~/Music`",
    ) -> None:
        super().__init__(message)


class ScanLockedError(CatalogLockedError):
    """Another scan is running on the same catalog."""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def resolve_path(path: str | bytes | os.PathLike) -> bytes:
    """The absolute bytes path a scan stores for PATH (see the module doc)."""
    raw = os.fsencode(path)
    absolute = os.path.abspath(raw)
    if os.path.islink(absolute) and not os.path.isdir(absolute):
        folder, name = os.path.split(absolute)
        return os.path.join(os.path.realpath(folder), name)
    return os.path.realpath(absolute)


def lock_path(catalog_path: str | os.PathLike) -> Path:
    return Path(os.fspath(catalog_path) + "-scan.lock")


@contextmanager
def scan_lock(catalog_path: str | os.PathLike) -> Iterator[None]:
    """One scan per catalog at a time: an OS lock on ``<catalog>-scan.lock``.

    The kernel drops the lock when the process dies (even by SIGKILL), so a
    killed scan never blocks the next one; forked reader processes close
    their copy of the descriptor and die with the scan. A second scan is
    refused at once with :class:`ScanLockedError` rather than left waiting.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: SQLite's own locking only
        yield
        return
    from archiver.scan.run import INHERITED_FDS_TO_CLOSE

    path = lock_path(catalog_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    INHERITED_FDS_TO_CLOSE.add(fd)  # forked readers close their copy
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise ScanLockedError(
                f"{catalog_path}: another archiver scan (pid {other}) is running on this "
                "catalog; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        INHERITED_FDS_TO_CLOSE.discard(fd)
        os.close(fd)


def scan(
    catalog_path: str | os.PathLike,
    paths: Sequence[str | bytes | os.PathLike] = (),
    *,
    jobs: int | None = None,
    full: bool = False,
    checksum: bool = False,
    progress: Callable[[ScanProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    file_timeout: float = DEFAULT_FILE_TIMEOUT,
) -> ScanSummary:
    """Scan ``paths`` (or every remembered root when empty) into the catalog.

    Raises :class:`ScanPathError` / :class:`NoRootsError` (usage errors),
    :class:`ScanLockedError` or another ``CatalogError`` (fatal, one line), and
    :class:`ScanInterrupted` when stopped. ``checksum`` is only recorded on the
    run; the caller runs the checksum pass afterwards.
    """
    targets = [resolve_path(p) for p in paths]
    for given, target in zip(paths, targets, strict=True):
        if not os.path.exists(target):
            raise ScanPathError(f"{display_path(os.fsencode(given))}: no such file or folder")
    jobs = jobs or default_jobs()
    if not targets and not Path(catalog_path).expanduser().exists():
        raise NoRootsError  # before open_catalog would create an empty catalog to say so
    with open_catalog(catalog_path) as catalog:
        if catalog.read_only:  # say why before the lock file, which could not be made either
            raise CatalogError(
                f"{catalog.path}: the catalog cannot be written ({read_only_reason(catalog.path)})"
            )
        with scan_lock(catalog.path):
            return _scan_locked(
                catalog, targets, jobs, full, checksum, progress, should_stop, file_timeout
            )


def _scan_locked(
    catalog: Catalog,
    targets: list[bytes],
    jobs: int,
    full: bool,
    checksum: bool,
    progress: Callable[[ScanProgress], None] | None,
    should_stop: Callable[[], bool] | None,
    file_timeout: float,
) -> ScanSummary:
    store.close_stale_runs(catalog)
    roots = store.list_roots(catalog)
    errors: list[tuple[bytes, str, str]] = []
    if not targets:
        if not roots:
            raise NoRootsError
        for root in roots:
            if os.path.exists(root.path_bytes):
                targets.append(root.path_bytes)
            else:
                errors.append(
                    (
                        root.path_bytes,
                        "unavailable",
                        "library root not found (unmounted?); its files were not marked missing",
                    )
                )
    targets = outermost(targets)
    scan_id = store.start_run(
        catalog, [display_path(t) for t in targets], full=full, checksum=checksum
    )
    scopes = []
    for target in targets:
        choice = choose_root(target, [(r.id, r.path_bytes) for r in roots])
        root_id = choice.root_id
        if root_id is None:
            root_id = store.add_root(catalog, target, choice.absorbed)
            roots = store.list_roots(catalog)
        scopes.append(Scope(root_id, target))
    return run_scan(
        catalog,
        scan_id,
        scopes,
        jobs=jobs,
        full=full,
        progress=progress,
        should_stop=should_stop,
        file_timeout=file_timeout,
        errors=errors,
    )
