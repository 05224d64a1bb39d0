"""The help screen cannot drift from the bindings: every declared key is
documented in ``archiver.tui.keys`` and every documented key is bound."""

from __future__ import annotations

from archiver.tui.app import ArchiverApp
from archiver.tui.keys import BOUND, KEYS
from archiver.tui.screens.main import MainScreen
from archiver.tui.widgets.paged_table import Column, PagedTable, column_widths, fit

# Bindings of dialogs (y/n, Esc) and Textual's own are described on the dialogs themselves.
BROWSER_CLASSES = (ArchiverApp, MainScreen, PagedTable)


def declared_keys() -> set[str]:
    keys: set[str] = set()
    for cls in BROWSER_CLASSES:
        for binding in cls.BINDINGS:
            keys.update(k.strip() for k in binding.key.split(","))
    return keys


def test_every_bound_key_is_in_the_help() -> None:
    documented = set().union(*BOUND.values())
    missing = declared_keys() - documented
    assert not missing, f"keys without a line in the help: {sorted(missing)}"


def test_every_help_line_is_bound() -> None:
    assert [k for k, _, _ in KEYS] == list(BOUND)
    textual_own = {"ctrl+p"}  # the command palette is Textual's
    unbound = set().union(*BOUND.values()) - declared_keys() - textual_own
    assert not unbound, f"documented but not bound: {sorted(unbound)}"


def test_fit_pads_and_cuts_by_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, "right") == "  abc"
    assert fit("abcdef", 4) == "abc…"
    assert fit("東京東京", 5) == "東京…"  # wide characters count two cells
    assert fit("a\tb\nc", 5) == "a b c"
    assert fit("x", 0) == ""


def test_column_widths_fill_the_table() -> None:
    cols = [Column("a", width=4), Column("b", flex=2), Column("c", flex=1), Column("d", width=3)]
    widths = column_widths(cols, 40)
    assert widths[0] == 4 and widths[3] == 3
    assert sum(widths) + len(cols) - 1 == 40
    assert widths[1] >= 2 * widths[2] - 1
    narrow = column_widths(cols, 10)
    assert narrow[1] >= 4 and narrow[2] >= 4  # never below the minimum width


def test_cli_refuses_a_file_that_is_not_a_catalog(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from archiver.cli import cli

    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 50)
    result = CliRunner().invoke(cli, ["--db", str(path), "tui"])
    assert result.exit_code == 1
    assert "not" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_cli_without_a_terminal_is_a_usage_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from tests.tui.catalog import make_catalog

    path = make_catalog(tmp_path / "library.db")
    proc = subprocess.run(
        [sys.executable, "-m", "archiver", "--db", str(path), "tui"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "needs a terminal" in proc.stderr and proc.stdout == ""


def test_cli_help_has_an_example() -> None:
    from click.testing import CliRunner

    from archiver.cli import cli

    result = CliRunner().invoke(cli, ["tui", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_cli_exits_1_when_the_app_crashed(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An unhandled exception ends the app with Textual's traceback: the command must
    then exit 1, not 0. The real app runs headless; its first screen raises."""
    from click.testing import CliRunner

    from archiver.cli import cli
    from tests.tui.catalog import make_catalog

    path = make_catalog(tmp_path / "library.db")
    real_run = ArchiverApp.run

    def headless_run(self, **kwargs):  # type: ignore[no-untyped-def]
        return real_run(self, headless=True, **kwargs)

    def crash(self) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("boom [/] from a tag")

    monkeypatch.setattr(ArchiverApp, "run", headless_run)
    monkeypatch.setattr(ArchiverApp, "open_first_screen", crash)
    monkeypatch.setattr("archiver.commands.tui.terminal_attached", lambda: True)
    result = CliRunner().invoke(cli, ["--db", str(path), "tui"])
    assert result.exit_code == 1, result.output
    assert "unexpected error" in result.output


def test_cli_exits_0_after_q(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from archiver.cli import cli
    from tests.tui.catalog import make_catalog

    path = make_catalog(tmp_path / "library.db")
    real_run = ArchiverApp.run

    async def quit_at_once(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.pause(0.2)
        await pilot.press("q")

    def headless_run(self, **kwargs):  # type: ignore[no-untyped-def]
        return real_run(self, headless=True, auto_pilot=quit_at_once, **kwargs)

    monkeypatch.setattr(ArchiverApp, "run", headless_run)
    monkeypatch.setattr("archiver.commands.tui.terminal_attached", lambda: True)
    result = CliRunner().invoke(cli, ["--db", str(path), "tui"])
    assert result.exit_code == 0, result.output


def test_the_docs_keys_table_is_the_help_table() -> None:
    from pathlib import Path

    from archiver.tui.keys import keys_markdown

    docs = (Path(__file__).resolve().parents[2] / "docs" / "tui.md").read_text(encoding="utf-8")
    assert keys_markdown() in docs, "run `python -m archiver.tui.keys` and paste it in docs/tui.md"
