"""Opening the catalog: pragmas, schema migrations, and clear errors.

The catalog is one SQLite file. Every connection runs in autocommit mode
(``isolation_level=None``) and writers take explicit ``BEGIN IMMEDIATE``
transactions through :meth:`Catalog.write`, so a crash at any moment leaves
the last committed state and nothing half-written.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import os
import re
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from anyascii import anyascii

from archiver.errors import ArchiverError

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 10_000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class CatalogError(ArchiverError):
    """A catalog problem the user can act on; the message is one line."""


class CatalogLockedError(CatalogError):
    """Another process holds the write lock longer than the busy timeout."""


def utc_now() -> str:
    """Timestamps are ISO 8601 UTC with a ``Z``, sortable as text."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def storable_text(text: str | None) -> str | None:
    """Command-line text (e.g. a query) as it can be stored: bytes that were not UTF-8
    arrive as surrogate escapes, which SQLite cannot take; they become ``\\xNN``, the
    form paths are shown in (:func:`archiver.scan.record.display_path`)."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    from archiver.scan.record import display_path

    try:
        return display_path(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


# Scripts and symbol blocks folded (code point ranges, end exclusive): Latin with
# every extension, IPA, combining accents (dropped), Greek, Cyrillic, punctuation,
# super/subscripts, letterlike symbols and number forms, enclosed alphanumerics,
# ligatures, full-width forms. Other scripts (CJK, Arabic, ...) keep their letters;
# the full-text tokenizer still folds their case.
_FOLD_RANGES = (
    (0x80, 0x530),
    (0x1D00, 0x1DC0),
    (0x1E00, 0x2190),
    (0x2460, 0x2500),
    (0x2C60, 0x2C80),
    (0xA720, 0xA800),
    (0xFB00, 0xFB50),
    (0xFF00, 0xFFF0),
)


@functools.cache
def _fold_table() -> dict[int, str]:
    """Code point -> folded text for ``str.translate``: anyascii's transliteration
    (ISC licence; per character, so a table is exact), lower-cased."""
    # Every ASCII character is in the table (most identity): a character missing
    # from it costs str.translate a LookupError.
    table = {cp: chr(cp).lower() for cp in range(128)}
    for low, high in _FOLD_RANGES:
        for cp in range(low, high):
            folded = anyascii(chr(cp)).lower()
            if folded != chr(cp):
                table[cp] = folded
    return table


def fold(text: str) -> str:
    """Text as searching compares it: transliterated to ASCII and lower-cased, so
    ``bjork`` finds "Björk" and ``nordurljos`` "Nørðurljós" (ø, ð, þ, æ, ß, ł ...
    have no accent to strip, so Unicode decomposition alone would miss them).

    Registered as the SQL function ``fold()`` on every catalog connection; the
    free-text index stores folded text and field matching folds both sides, so
    free words and ``field:`` fold alike. In SQL it takes text only: write
    ``fold(CAST(coalesce(x, '') AS TEXT))`` for a column that may be NULL."""
    return text.translate(_fold_table())


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the schema (the search triggers) and queries rely on.

    ``fold`` is registered as a C-level callable (``str.translate`` through
    ``operator.methodcaller``), not a Python function: Python code run by SQLite
    can be where Ctrl-C lands, and SQLite then turns the KeyboardInterrupt into
    "user-defined function raised exception", an error instead of an interrupt.
    C code never runs Python's signal handlers, so the interrupt waits for the
    statement to return."""
    conn.create_function(
        "fold", 1, operator.methodcaller("translate", _fold_table()), deterministic=True
    )
    conn.create_function("fold_signature", 0, fold_signature, deterministic=True)
    # ``folder(path)``: os.path.dirname of an absolute path but "" for one at the
    # top (C-level too: a regular expression's ``sub`` through ``functools.partial``).
    conn.create_function("folder", 1, functools.partial(_LAST_NAME.sub, ""), deterministic=True)


_LAST_NAME = re.compile(r"/+[^/]*\Z")


@functools.cache
def fold_signature() -> str:
    """A short digest of what ``fold()`` does (its whole table). The free-text index
    keeps no copy of its text (migration 0023), so removing a row recomputes the
    text it indexed; a catalog whose index was built by a different ``fold()`` (a
    newer anyascii) must be re-indexed before any write, see :func:`_refresh_search`."""
    table = sorted(_fold_table().items())
    return hashlib.sha256(repr(table).encode()).hexdigest()[:16]


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in order."""
    found = []
    for entry in resources.files("archiver.catalog.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    return found


def schema_version() -> int:
    """The schema version this build of archiver writes."""
    return migrations()[-1][0]


class Catalog:
    """One connection to the catalog. A connection belongs to its thread:
    open one ``Catalog`` per thread or process; keep one writer."""

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: bool = False) -> None:
        self.path = path
        self.conn = conn
        # True when the file sits on a read-only file system: reads work, writes
        # fail with a one-line CatalogError.
        self.read_only = read_only
        self._summaries: bool | None = None  # has migration 0019's stats summaries
        self._disc_sums: bool | None = None  # has migration 0024's disc sums

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the connection, imported when first asked for: importing
        it (and numpy, which it imports when installed) costs every command 0.1-0.3 s."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on error."""
        if self.read_only:
            raise CatalogError(
                f"{self.path}: the catalog cannot be written ({read_only_reason(self.path)})"
            )
        try:
            # One try from BEGIN on: a Ctrl-C landing just after BEGIN returned must
            # roll back too (an open transaction broke the caller's next write).
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _translate(self.path, exc) from exc
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            try:
                self._settle_summaries()
                self.conn.execute("COMMIT")
            except BaseException as exc:
                # Ctrl-C can land in the settle too: never leave the transaction open
                # (the caller's next write would fail "within a transaction").
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise _translate(self.path, exc) from exc
                raise

    def _settle_summaries(self) -> None:
        """Bring the stats summaries (migration 0019) up to date with what this
        transaction changed, set-wise, before it commits: the writer pays for
        what it wrote, and readers find them settled (``stats_summary``)."""
        if self._summaries is None:
            self._summaries = self.user_version >= 19
        if self._summaries:
            from archiver.catalog.stats_summary import settle_statements

            if self.conn.execute("SELECT 1 FROM stats_dirty LIMIT 1").fetchone():
                for statement in settle_statements():
                    self.conn.execute(statement)
        if self._disc_sums is None:
            self._disc_sums = self.user_version >= 24
        if self._disc_sums and self.conn.execute("SELECT 1 FROM disc_dirty LIMIT 1").fetchone():
            from archiver.catalog.disc_sums import SETTLE

            for statement in SETTLE:
                self.conn.execute(statement)

    def execute(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    @property
    def user_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]


def _translate(path: Path, exc: sqlite3.Error) -> CatalogError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return CatalogLockedError(
            f"{path}: the catalog is locked by another archiver process ({text})"
        )
    if "not a database" in text or "malformed" in text:
        return CatalogError(f"{path}: not an archiver catalog (the file is not a SQLite database)")
    if "readonly" in text or "read-only" in text or _on_read_only_fs(path):
        return CatalogError(
            f"{path}: the catalog cannot be written (read-only file or file system)"
        )
    if "disk is full" in text or "full" in text:
        return CatalogError(f"{path}: the disk is full; the catalog was left as it was")
    if "unable to open" in text:
        return CatalogError(f"{path}: cannot open the catalog ({text})")
    return CatalogError(f"{path}: {text}")


def open_catalog(path: str | Path, *, create: bool = True, migrate: bool = True) -> Catalog:
    """Open (and create or upgrade) the catalog at ``path``.

    Raises :class:`CatalogError` with a one-line message for every problem a
    user can meet: a folder that cannot be created, a file that is not
    SQLite, a catalog written by a newer archiver. Nothing is overwritten.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise CatalogError(f"{path}: is a folder, not a catalog file")
    if path.exists() and not path.is_file():  # /dev/null, a FIFO, a socket
        raise CatalogError(f"{path}: not a regular file, so not a catalog")
    if not path.exists():
        if not create:
            raise CatalogError(f"{path}: no catalog here (run `archiver scan PATH` first)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"{path}: cannot create its folder ({exc.strerror or exc})") from exc
    if path.exists() and (_on_read_only_fs(path) or _not_writable(path)):
        return _open_read_only(path)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise _translate(path, exc) from exc
    try:
        _check_is_catalog(path, conn)
        register_functions(conn)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        # What sqlite-utils set when every catalog made one (it is made on first use
        # now): a REPLACE fires the delete triggers of the row it replaces.
        conn.execute("PRAGMA recursive_triggers = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal" and str(path) != ":memory:":
            raise CatalogError(f"{path}: cannot switch the catalog to WAL mode (got {mode})")
        conn.execute("PRAGMA synchronous = NORMAL")
        catalog = Catalog(path, conn)
        if migrate:
            _migrate(catalog)
            _refresh_search(catalog)
        return catalog
    except sqlite3.Error as exc:
        conn.close()
        raise _translate(path, exc) from exc
    except BaseException:
        conn.close()
        raise


def _on_read_only_fs(path: Path) -> bool:
    """True when the folder holding ``path`` is on a read-only mount."""
    try:
        return bool(os.statvfs(path.parent if not path.is_dir() else path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def read_only_reason(path: Path) -> str:
    """Why a catalog opened read-only cannot be written, in a few words."""
    if _on_read_only_fs(path):
        return "read-only file system"
    return "no permission to write the catalog file or create files in its folder"


def _not_writable(path: Path) -> bool:
    """True when this user cannot write the catalog file or create files beside it
    (SQLite's WAL needs ``-wal`` and ``-shm`` files in the same folder): a catalog
    on a backup disk, or someone else's, can still be read."""
    return not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK)


def _open_read_only(path: Path) -> Catalog:
    """Open, for reading only, a catalog this process cannot write (a read-only
    file system, a file or folder without write permission).

    SQLite cannot create the WAL index there, so the file is opened
    ``immutable``; if a ``-wal`` file holds committed work not yet copied into
    the catalog, a plain read-only open that sees it is tried first. Commands
    that write then fail with a one-line error (:meth:`Catalog.write`). A
    catalog that would need a migration cannot be upgraded in place: say so
    instead of guessing.
    """
    base = path.resolve().as_uri()
    wal = Path(f"{path}-wal")
    modes = ["mode=ro&immutable=1"]
    if wal.exists() and wal.stat().st_size > 0:
        modes.insert(0, "mode=ro")
    conn = None
    for i, mode in enumerate(modes):
        try:
            conn = sqlite3.connect(f"{base}?{mode}", uri=True, isolation_level=None)
            _check_is_catalog(path, conn)
            register_functions(conn)
            conn.execute("PRAGMA foreign_keys = ON")
            break
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
                conn = None
            if i == len(modes) - 1:
                raise _translate(path, exc) from exc
    assert conn is not None
    catalog = Catalog(path, conn, read_only=True)
    if catalog.user_version < schema_version():
        conn.close()
        raise CatalogError(
            f"{path}: the catalog needs an upgrade but sits on a read-only file system"
        )
    return catalog


def _check_is_catalog(path: Path, conn: sqlite3.Connection) -> None:
    """Refuse files that are not SQLite, foreign SQLite databases, and newer catalogs."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]  # raises on non-SQLite files
    newest = schema_version()
    if version > newest:
        raise CatalogError(
            f"{path}: the catalog was written by a newer archiver (schema {version}, "
            f"this version knows up to {newest}); upgrade archiver to open it"
        )
    if version == 0:
        tables = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
        if tables:
            raise CatalogError(f"{path}: a SQLite database, but not an archiver catalog")


def _migrate(catalog: Catalog) -> None:
    """Apply every migration newer than the file's ``user_version``, each atomically.

    Two processes may race to upgrade: the loser's ``BEGIN IMMEDIATE`` waits,
    then it sees the new version and skips.
    """
    conn = catalog.conn
    pending = [version for version, _, _ in migrations() if version > catalog.user_version]
    if pending and catalog.user_version > 0 and sys.stderr.isatty():
        # Some migrations rebuild indexes or summaries: a minute at a million tracks,
        # which should not look like a hang. Only on a terminal: scripts see nothing.
        print(
            f"archiver: upgrading the catalog to schema {pending[-1]} (once; a large catalog"
            " takes a minute)...",
            file=sys.stderr,
            flush=True,
        )
    for version, name, sql in migrations():
        if catalog.user_version >= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if catalog.user_version >= version:
                conn.execute("ROLLBACK")
                continue
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise CatalogError(f"{catalog.path}: migration {name} failed: {exc}") from exc


def settle_notes(conn: sqlite3.Connection, notes: str, statements: Iterable[str]) -> bool:
    """Run ``statements`` (which bring a kept summary up to date and empty the table
    ``notes`` of what changed) when ``notes`` has rows, in a savepoint: inside the
    caller's transaction if one is open. False when there were notes and the catalog
    cannot be written now (read-only, locked): the summary is then behind and must not
    be read. Anything else, a Ctrl-C included, undoes the savepoint and is raised."""
    if conn.execute(f"SELECT 1 FROM {notes} LIMIT 1").fetchone() is None:
        return True
    try:
        conn.execute("SAVEPOINT settle_notes")
    except sqlite3.OperationalError:
        return False
    try:
        for statement in statements:
            conn.execute(statement)
    except BaseException as exc:
        conn.execute("ROLLBACK TO settle_notes")
        conn.execute("RELEASE settle_notes")
        if isinstance(exc, sqlite3.OperationalError):
            return False
        raise
    conn.execute("RELEASE settle_notes")
    return True


def _refresh_search(catalog: Catalog) -> None:
    """Rebuild the free-text index when it was built with another ``fold()``.

    One tiny read on every open; the rebuild (a minute at a million tracks) only
    after an upgrade that changed how text folds, in one transaction."""
    row = catalog.execute("SELECT signature FROM search_fold").fetchone()
    if row is not None and row[0] == fold_signature():
        return
    with catalog.write() as conn:
        conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')")
        conn.execute(
            "INSERT INTO search_index (rowid, artist, albumartist, album, title, genre, composer,"
            " path) SELECT t.file_id, "
            + ", ".join(
                f"fold(CAST(coalesce({c}, '') AS TEXT))"
                for c in (
                    "t.artist",
                    "t.albumartist",
                    "t.album",
                    "t.title",
                    "t.genre",
                    "t.composer",
                    "f.path",
                )
            )
            + " FROM tags AS t JOIN files AS f ON f.id = t.file_id"
        )
        conn.execute("DELETE FROM search_fold")
        conn.execute("INSERT INTO search_fold (signature) VALUES (?)", (fold_signature(),))


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in current.splitlines()
    ):
        raise ValueError(f"incomplete SQL statement at end of migration: {current[:60]!r}")
    return statements
