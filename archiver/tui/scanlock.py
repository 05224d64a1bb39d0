"""Is a scan running on this catalog? Ask the scanner's OS lock, not the table.

A scan killed with SIGKILL (or a power cut) leaves its ``scan_runs`` row
saying "running" for ever, but the kernel drops its ``flock`` on
``<catalog>-scan.lock`` the moment the process dies. So the UI probes that
lock: a shared, non-blocking ``flock`` on a descriptor of its own (flock
locks belong to the open file description, so this works against a scan
in this very process too), released at once. The probe never creates,
truncates or writes the lock file.
"""

from __future__ import annotations

import os


def lock_file(catalog_path: str | os.PathLike) -> str:
    """``archiver.scan.lock_path``, spelled here: importing the scanner (mutagen,
    multiprocessing: ~0.1-0.3 s) for one file name would land in the browser's
    first second (the status is read right after the first paint)."""
    return os.fspath(catalog_path) + "-scan.lock"


def scan_lock_held(catalog_path: str | os.PathLike) -> bool:
    """True while some process holds the scan lock of the catalog at ``catalog_path``."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock to ask
        return False
    try:
        fd = os.open(lock_file(catalog_path), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # no lock file: no scan has ever run here
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:  # a file system without flock: cannot tell, assume none
            return False
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
