"""The CLI skeleton: version, help, --db handling, errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from archiver import __version__
from archiver.cli import COMMANDS, cli
from archiver.config import default_db_path, load_config


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archiver", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_example(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`archiver {name} --help` needs an Example block"


def test_no_subcommand_without_tty_prints_help() -> None:
    result = run()
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.returncode == 2
    assert "No such command" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = run("--frobnicate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_default_db_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "archiver" / "library.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_db_path() == Path.home() / ".local" / "share" / "archiver" / "library.db"


def test_db_option_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ARCHIVER_DB", str(tmp_path / "env.db"))
    assert load_config().db_path == tmp_path / "env.db"
    assert load_config(tmp_path / "arg.db").db_path == tmp_path / "arg.db"


def _db_error_command() -> click.Command:
    """A tiny command that only opens the catalog, to test --db errors end to end."""
    from archiver.cli import pass_app

    @click.command()
    @pass_app
    def probe(app) -> None:
        app.catalog()
        click.echo("opened")

    return probe


@pytest.fixture
def probe_cli():
    cli.add_command(_db_error_command(), "probe")
    yield cli
    cli.commands.pop("probe", None)


def test_db_created_on_first_use(probe_cli, tmp_path: Path) -> None:
    db = tmp_path / "new" / "library.db"
    result = CliRunner().invoke(probe_cli, ["--db", str(db), "probe"])
    assert result.exit_code == 0, result.output
    assert db.exists()


def test_archiver_db_environment_variable(probe_cli, tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    result = CliRunner().invoke(probe_cli, ["probe"], env={"ARCHIVER_DB": str(db)})
    assert result.exit_code == 0, result.output
    assert db.exists()


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda p: p.write_bytes(b"not sqlite at all" * 100), "not a SQLite database"),
        (lambda p: (p.parent / "blocker").write_text("x"), "cannot create its folder"),
    ],
)
def test_bad_db_is_one_line_exit_1(probe_cli, tmp_path: Path, make, reason: str) -> None:
    db = tmp_path / "x.db"
    make(db)
    target = db if db.exists() else tmp_path / "blocker" / "sub" / "x.db"
    before = target.read_bytes() if target.exists() else None
    result = CliRunner().invoke(probe_cli, ["--db", str(target), "probe"])
    assert result.exit_code == 1
    assert reason in result.output
    assert str(target) in result.output
    assert len(result.output.strip().splitlines()) == 1
    if before is not None:
        assert target.read_bytes() == before


def test_newer_schema_db_exit_1(probe_cli, tmp_path: Path) -> None:
    from archiver.catalog import open_catalog, schema_version

    db = tmp_path / "future.db"
    with open_catalog(db) as catalog:
        catalog.execute(f"PRAGMA user_version = {schema_version() + 1}")
    result = CliRunner().invoke(probe_cli, ["--db", str(db), "probe"])
    assert result.exit_code == 1
    assert "newer archiver" in result.output
