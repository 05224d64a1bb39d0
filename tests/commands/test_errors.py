"""One error base: every user-facing error is an ArchiverError with its exit status,
printed as one line by the CLI group in one place; commands import neither
``archiver.cli`` nor ``archiver.tui`` and translate no errors themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archiver.catalog import CatalogError
from archiver.catalog.db import CatalogLockedError
from archiver.catalog.query import QueryError
from archiver.cli import cli
from archiver.errors import ArchiverError, Interrupted, UsageError
from archiver.export import ExportError
from archiver.musicbrainz.client import BadResponse, MusicBrainzError, OfflineMiss, ServiceError
from archiver.scan import NoRootsError, ScanLockedError, ScanPathError
from archiver.scan.run import ScanError, ScanInterrupted

COMMANDS_DIR = Path(__file__).resolve().parents[2] / "archiver" / "commands"


@pytest.mark.parametrize(
    "cls, code",
    [
        (CatalogError, 1),
        (CatalogLockedError, 1),
        (ScanLockedError, 1),
        (ScanError, 1),
        (MusicBrainzError, 1),
        (ServiceError, 1),
        (BadResponse, 1),
        (OfflineMiss, 1),
        (ScanPathError, 2),
        (NoRootsError, 2),
        (QueryError, 2),
        (ExportError, 2),
        (ScanInterrupted, 130),
    ],
)
def test_every_user_facing_error_derives_from_the_base(cls: type, code: int) -> None:
    assert issubclass(cls, ArchiverError)
    assert cls.exit_code == code


def test_usage_errors_are_still_value_errors() -> None:
    """Callers that caught ValueError (the TUI's filter, the library's users) still do."""
    for cls in (QueryError, ExportError, ScanPathError, NoRootsError):
        assert issubclass(cls, ValueError) and issubclass(cls, UsageError)


def _run(error: BaseException) -> tuple[int, str]:
    @click.command()
    def boom() -> None:
        raise error

    cli.add_command(boom)
    try:
        result = CliRunner().invoke(cli, ["boom"])
    finally:
        cli.commands.pop("boom", None)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "error, code",
    [
        (ArchiverError("the catalog is busy"), 1),
        (CatalogError("/x/library.db: not a SQLite database"), 1),
        (UsageError("--excel applies to --format csv only"), 2),
        (QueryError("unclosed quote", 7, 'artist:"x'), 2),
        (ExportError("unknown column 'nope'"), 2),
        (Interrupted("stopped"), 130),
    ],
)
def test_the_group_prints_one_line_and_exits_with_the_code(error: ArchiverError, code: int) -> None:
    exit_code, output = _run(error)
    assert exit_code == code
    assert output == f"Error: {error}\n"
    assert "Traceback" not in output


def test_a_bad_query_is_one_line_exit_2_in_every_query_command(tmp_path: Path) -> None:
    from archiver.catalog import open_catalog

    db = tmp_path / "library.db"
    open_catalog(db).close()
    for name in ("ls", "export", "stats", "verify", "enrich"):
        result = CliRunner().invoke(cli, ["--db", str(db), name, 'artist:"open'])
        assert result.exit_code == 2, (name, result.output)
        assert result.output.startswith("Error: bad query"), (name, result.output)
        assert len(result.output.strip().splitlines()) == 1, (name, result.output)


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, node.lineno))
            found.extend((f"{node.module}.{a.name}", node.lineno) for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names)
    return found


def test_commands_import_neither_the_cli_nor_the_tui() -> None:
    bad = []
    for path in sorted(COMMANDS_DIR.glob("*.py")):
        for module, line in _imports(path):
            if path.name == "tui.py" and module.startswith(
                ("archiver.tui.app", "archiver.tui.preload")
            ):
                # `archiver tui` starts the browser: that import is the command (and the
                # preload reads its first view while it is imported)
                continue
            if module.split(".")[:2] in (["archiver", "cli"], ["archiver", "tui"]):
                bad.append(f"{path.name}:{line}: {module}")
    assert not bad, bad


def _caught(path: Path) -> set[str]:
    """The exception names of every ``except`` clause in a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            for part in ast.walk(node.type):
                if isinstance(part, ast.Name):
                    names.add(part.id)
                elif isinstance(part, ast.Attribute):
                    names.add(part.attr)
    return names


def test_commands_translate_no_errors_themselves() -> None:
    """The group prints ArchiverErrors: no command catches CatalogError & co. to re-raise
    them as click exceptions, and none swaps SIGTERM or exits 130 on its own (_job does)."""
    translated = {"CatalogError", "ScanError", "ExportError", "QueryError", "MusicBrainzError"}
    for path in sorted(COMMANDS_DIR.glob("*.py")):
        assert not _caught(path) & translated, path.name
        text = path.read_text()
        assert "ClickException" not in text, path.name
        if path.name != "_job.py":
            assert "KeyboardInterrupt" not in _caught(path), path.name
            assert "SIGTERM" not in text and "exit(130)" not in text, path.name
